"""How API v1 shows each resource: one module per resource type, plain functions."""
