"""Partnerships operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_partnerships(**_: Any) -> None:
    """GET /api/v3/partnerships/ecf"""
    raise NotYetAvailable()


def create_partnership(**_: Any) -> None:
    """POST /api/v3/partnerships/ecf"""
    raise NotYetAvailable()


def get_partnership(**_: Any) -> None:
    """GET /api/v3/partnerships/ecf/{id}"""
    raise NotYetAvailable()


def update_partnership(**_: Any) -> None:
    """PUT /api/v3/partnerships/ecf/{id}"""
    raise NotYetAvailable()
