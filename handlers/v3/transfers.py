"""Transfers operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_transfers(**_: Any) -> None:
    """GET /api/v3/participants/ecf/transfers"""
    raise NotYetAvailable()


def get_participant_transfers(**_: Any) -> None:
    """GET /api/v3/participants/ecf/{id}/transfers"""
    raise NotYetAvailable()
