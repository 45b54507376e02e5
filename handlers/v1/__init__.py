"""Handlers of API v1, one plain function per operationId of openapi/v1.yaml."""
