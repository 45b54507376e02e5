"""How API v2 shows each resource: one module per resource type, plain functions."""
