"""How API v3 shows each resource: one module per resource type, plain functions."""
