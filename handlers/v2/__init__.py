"""Handlers of API v2, one plain function per operationId of openapi/v2.yaml."""
