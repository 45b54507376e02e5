"""Delivery partners operations of API v3 (published in the spec; implementation in progress)."""

from __future__ import annotations

from typing import Any

from handlers.errors import NotYetAvailable


def list_delivery_partners(**_: Any) -> None:
    """GET /api/v3/delivery-partners"""
    raise NotYetAvailable()


def get_delivery_partner(**_: Any) -> None:
    """GET /api/v3/delivery-partners/{id}"""
    raise NotYetAvailable()
