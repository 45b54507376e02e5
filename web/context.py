"""What a page needs from the request around it: the settings and one database session.

The session is opened on first use and closed when the request ends; a page commits its own
writes (``db().commit()``), so nothing is written unless the page says so.
"""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from cpd.config import Settings
from storage.db import new_session


def settings() -> Settings:
    return current_app.config["CPD_SETTINGS"]


def db() -> Session:
    if "web_db" not in g:
        g.web_db = new_session(settings().database_url)
    return g.web_db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("web_db", None)
    if session is not None:
        session.close()
