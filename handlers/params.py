"""Turning validated query parameters into query inputs, the same way for every list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handlers.timestamps import parse_instant

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 3000
#: Cohorts before this year are left out unless asked for by ``filter[cohort]``.
EARLIEST_DEFAULT_COHORT = 2021
#: Offsets beyond this cannot match anything we hold; answering empty avoids integer overflow.
MAX_OFFSET = 2**53


@dataclass(frozen=True)
class PageWindow:
    limit: int
    offset: int

    @property
    def beyond_any_data(self) -> bool:
        return self.offset > MAX_OFFSET


def page_window(page: dict[str, Any] | None) -> PageWindow:
    """``page[page]`` from 1, ``page[per_page]`` defaulting to 100 and capped at 3000."""
    page = page or {}
    number = int(page.get("page") or 1)
    per_page = min(int(page.get("per_page") or DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return PageWindow(limit=per_page, offset=(number - 1) * per_page)


def comma_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def cohort_years(filters: dict[str, Any] | None) -> list[int] | None:
    """Years asked for in ``filter[cohort]``; ``None`` when the filter is absent.

    Values that are not years match nothing, as in the original (an empty list).
    """
    if not filters or filters.get("cohort") in (None, ""):
        return None
    parts = comma_list(filters["cohort"])
    # isascii: str.isdigit() accepts digits such as "²" that int() refuses.
    return [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 4]


def updated_since(filters: dict[str, Any] | None) -> dt.datetime | None:
    """``filter[updated_since]``, already checked by the spec's format."""
    if not filters or not filters.get("updated_since"):
        return None
    return parse_instant(str(filters["updated_since"]))


def sort_fields(value: str | None, allowed: Iterable[str]) -> list[tuple[str, bool]]:
    """``sort=-updated_at,created_at`` as (field, descending) pairs.

    A leading ``-`` is descending; no sign or ``+`` ascending. Names not in ``allowed``
    are ignored, as in the original.
    """
    names = set(allowed)
    return [
        (part.lstrip("+-"), part.startswith("-")) for part in comma_list(value) if part.lstrip("+-") in names
    ]


def sort_order(value: str | None, allowed: dict[str, Any]) -> list[Any]:
    """``sort`` as ORDER BY terms over the ``allowed`` columns (see :func:`sort_fields`)."""
    return [
        allowed[name].desc() if descending else allowed[name].asc()
        for name, descending in sort_fields(value, allowed)
    ]


def resource_id(value: str) -> uuid.UUID:
    """A path id; one that is not a UUID cannot name anything, so it is a 404."""
    from handlers.errors import NotFound

    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


def body_attributes(body: Any) -> dict[str, Any]:
    """``data.attributes`` of a request body. Anything but an object reads as no
    attributes, so the rules report each missing attribute with its own message."""
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    return attributes if isinstance(attributes, dict) else {}
