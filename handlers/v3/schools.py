"""Schools operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_schools(**_: Any) -> None:
    """GET /api/v3/schools/ecf"""
    raise NotYetAvailable()


def get_school(**_: Any) -> None:
    """GET /api/v3/schools/ecf/{id}"""
    raise NotYetAvailable()
