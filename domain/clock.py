"""The one clock.

Every "now" in the service comes from :func:`now` so that the sandbox's
``X-With-Server-Date`` header (and tests) can move time for a whole request
without patching anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

UTC = dt.UTC

_frozen: ContextVar[dt.datetime | None] = ContextVar("cpd_clock_override", default=None)


def now() -> dt.datetime:
    """The current instant, timezone-aware in UTC (or the travelled-to instant)."""
    override = _frozen.get()
    return override if override is not None else dt.datetime.now(UTC)


def today() -> dt.date:
    """Today's date in UTC, the service's time zone."""
    return now().date()


@contextlib.contextmanager
def travel(instant: dt.datetime) -> Iterator[None]:
    """Run the enclosed block as if ``now()`` were ``instant``."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    token = _frozen.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)


def set_override(instant: dt.datetime | None) -> object:
    """Low-level setter for middleware; returns a token for :func:`reset_override`."""
    return _frozen.set(instant.astimezone(UTC) if instant is not None else None)


def reset_override(token: object) -> None:
    _frozen.reset(token)  # type: ignore[arg-type]
