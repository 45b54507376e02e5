"""Participants operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_participants(**_: Any) -> None:
    """GET /api/v3/participants/ecf"""
    raise NotYetAvailable()


def get_participant(**_: Any) -> None:
    """GET /api/v3/participants/ecf/{id}"""
    raise NotYetAvailable()


def defer_participant(**_: Any) -> None:
    """PUT /api/v3/participants/ecf/{id}/defer"""
    raise NotYetAvailable()


def resume_participant(**_: Any) -> None:
    """PUT /api/v3/participants/ecf/{id}/resume"""
    raise NotYetAvailable()


def withdraw_participant(**_: Any) -> None:
    """PUT /api/v3/participants/ecf/{id}/withdraw"""
    raise NotYetAvailable()


def change_participant_schedule(**_: Any) -> None:
    """PUT /api/v3/participants/ecf/{id}/change-schedule"""
    raise NotYetAvailable()
