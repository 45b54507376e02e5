"""Reading and writing instants the way the API does (RFC 3339, UTC, whole seconds)."""

from __future__ import annotations

import datetime as dt
import re

from domain.clock import UTC

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+\- ]\d{2}:?\d{2})$"
)


def parse_instant(value: str) -> dt.datetime | None:
    """Parse an RFC 3339 date-time; ``None`` when it is not one.

    A ``+`` in an offset sent unescaped in a query string arrives as a space;
    we read that space as ``+`` rather than refuse a value the client meant well.
    """
    match = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        if offset in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                return None
            tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        micro = int((fraction or ".0")[1:7].ljust(6, "0"))
        parsed = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def rfc3339(value: dt.datetime) -> str:
    """Whole seconds in UTC with a ``Z``, as the original serializers write them."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
