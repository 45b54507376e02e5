"""The documentation site's pages as the tests expect them (shared by the request and browser tests)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

#: Every page, with its one h1.
PAGES = {
    "/api-reference": "About the API",
    "/api-reference/get-started": "Get started",
    "/api-reference/guidance/participants": "Participants",
    "/api-reference/guidance/declarations": "Declarations",
    "/api-reference/guidance/partnerships": "Partnerships",
    "/api-reference/guidance/statements": "Statements",
    "/api-reference/definitions-and-states": "Definitions and states",
    "/api-reference/schedules-and-milestone-dates": "Schedules and milestone dates",
    "/api-reference/v1": "API v1 reference",
    "/api-reference/v2": "API v2 reference",
    "/api-reference/v3": "API v3 reference",
    "/api-reference/release-notes": "Release notes",
    "/api-reference/help": "Get help",
}

#: A few headings each page must have, beyond its h1.
HEADINGS = {
    "/api-reference": ["Versions", "How versions change and are retired", "Specifications"],
    "/api-reference/get-started": [
        "Get an API token",
        "Environments",
        "Rate limits",
        "Pagination",
        "Keep your records in sync",
        "Test in the sandbox",
    ],
    "/api-reference/guidance/participants": ["Defer, resume or withdraw", "Participants moving school"],
    "/api-reference/guidance/declarations": ["Evidence", "Void a declaration, and clawbacks"],
    "/api-reference/guidance/partnerships": [
        "Confirm a partnership",
        "When a school challenges a partnership",
    ],
    "/api-reference/guidance/statements": ["How declarations reach a statement", "Cut-off and payment dates"],
    "/api-reference/definitions-and-states": [
        "Training status",
        "Declaration states",
        "Declaration types",
        "Course identifiers",
        "Schedule identifiers",
        "Evidence types",
        "Withdrawal reasons",
        "Deferral reasons",
    ],
    "/api-reference/schedules-and-milestone-dates": ["Cohort dates"],
    "/api-reference/v3": ["Overview", "Participants", "Declarations", "Statements", "Schemas"],
    "/api-reference/help": ["Contact the service team", "Report a problem"],
}
