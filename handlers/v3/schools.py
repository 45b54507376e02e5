"""GET /api/v3/schools/ecf and /api/v3/schools/ecf/{id}, always as schools stand in one cohort."""

from __future__ import annotations

import re
from typing import Any

from flask import Response

from handlers import params
from handlers.context import db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import schools as serializers
from storage.queries import schools as queries

_YEAR = re.compile(r"[0-9]{4}")


def list_schools(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    sort: str | None = None,
) -> Response:
    """Not scoped to the caller: any provider may look for schools to partner with."""
    window = params.page_window(page)
    year = _single_year(filter_)
    urn = _urn(filter_)
    if window.beyond_any_data or year is None or urn == "":
        return jsonapi({"data": []})
    rows = queries.list_schools(
        db(),
        year=year,
        urn=urn,
        updated_since=params.updated_since(filter_),
        order_by=params.sort_order(sort, queries.SORTABLE),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.school(row) for row in rows]})


def get_school(token_info: dict[str, Any], id_: str, filter_: dict[str, Any] | None = None) -> Response:
    year = _single_year(filter_)
    school_id = params.resource_id(id_)
    row = queries.find_school(db(), year=year, school_id=school_id) if year is not None else None
    if row is None:
        raise NotFound()
    return jsonapi({"data": serializers.school(row)})


def _single_year(filters: dict[str, Any] | None) -> int | None:
    """``filter[cohort]`` must name one year; anything else matches no cohort."""
    value = str((filters or {}).get("cohort") or "").strip()
    return int(value) if _YEAR.fullmatch(value) else None


def _urn(filters: dict[str, Any] | None) -> str | None:
    """``filter[urn]``; ``None`` when absent, ``""`` when it cannot match any school."""
    value = (filters or {}).get("urn")
    if value in (None, ""):
        return None
    text = str(value).strip()
    return "" if "\x00" in text else text
