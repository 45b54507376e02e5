"""Declarations operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_declarations(**_: Any) -> None:
    """GET /api/v3/participant-declarations"""
    raise NotYetAvailable()


def create_declaration(**_: Any) -> None:
    """POST /api/v3/participant-declarations"""
    raise NotYetAvailable()


def get_declaration(**_: Any) -> None:
    """GET /api/v3/participant-declarations/{id}"""
    raise NotYetAvailable()


def void_declaration(**_: Any) -> None:
    """PUT /api/v3/participant-declarations/{id}/void"""
    raise NotYetAvailable()
