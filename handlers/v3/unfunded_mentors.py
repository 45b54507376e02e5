"""Unfunded mentors operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_unfunded_mentors(**_: Any) -> None:
    """GET /api/v3/unfunded-mentors/ecf"""
    raise NotYetAvailable()


def get_unfunded_mentor(**_: Any) -> None:
    """GET /api/v3/unfunded-mentors/ecf/{id}"""
    raise NotYetAvailable()
