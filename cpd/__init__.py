"""Manage teacher CPD: app wiring, configuration, the command line and sandbox population."""

import warnings

# Connexion imports Starlette's test client at start-up, which warns about httpx; not ours to fix.
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
