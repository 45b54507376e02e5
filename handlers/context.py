"""What a handler needs from the request around it: settings, a database session, the caller."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session

from cpd.config import Settings
from storage.db import new_session


def settings() -> Settings:
    return current_app.config["CPD_SETTINGS"]


def db() -> Session:
    """One session per request, closed by the app's teardown."""
    if "db" not in g:
        g.db = new_session(settings().database_url)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def caller(token_info: dict[str, Any]) -> uuid.UUID:
    """The lead provider the bearer token belongs to."""
    return uuid.UUID(token_info["lead_provider_id"])
