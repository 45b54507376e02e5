"""GET /api/v3/statements and /api/v3/statements/{id}."""

from __future__ import annotations

from typing import Any

from flask import Response

from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import statements as serializers
from storage.queries import statements as queries

STATEMENT_TYPES = ("ecf",)


def list_statements(
    token_info: dict[str, Any], filter_: dict[str, Any] | None = None, page: dict[str, Any] | None = None
) -> Response:
    window = params.page_window(page)
    wanted_type = (filter_ or {}).get("type")
    if window.beyond_any_data or (wanted_type not in (None, "") and wanted_type not in STATEMENT_TYPES):
        return jsonapi({"data": []})
    rows = queries.list_output_statements(
        db(),
        caller(token_info),
        cohort_years=params.cohort_years(filter_),
        earliest_default_cohort=params.EARLIEST_DEFAULT_COHORT,
        updated_since=params.updated_since(filter_),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.statement(row) for row in rows]})


def get_statement(token_info: dict[str, Any], id_: str) -> Response:
    statement_id = params.resource_id(id_)
    row = queries.find_statement(db(), caller(token_info), statement_id)
    if row is None:
        raise NotFound()
    return jsonapi({"data": serializers.statement(row)})
