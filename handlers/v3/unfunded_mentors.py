"""GET /api/v3/unfunded-mentors/ecf and /api/v3/unfunded-mentors/ecf/{id}."""

from __future__ import annotations

from typing import Any

from flask import Response

from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import unfunded_mentors as serializers
from storage.queries import unfunded_mentors as queries

SORTABLE = ("created_at", "updated_at")


def list_unfunded_mentors(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    sort: str | None = None,
) -> Response:
    """GET /api/v3/unfunded-mentors/ecf"""
    window = params.page_window(page)
    if window.beyond_any_data:
        return jsonapi({"data": []})
    views = queries.list_unfunded_mentors(
        db(),
        caller(token_info),
        updated_since=params.updated_since(filter_),
        sort=params.sort_fields(sort, SORTABLE),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.unfunded_mentor(view) for view in views]})


def get_unfunded_mentor(token_info: dict[str, Any], id_: str) -> Response:
    """GET /api/v3/unfunded-mentors/ecf/{id}"""
    mentor_id = params.resource_id(id_)
    view = queries.find_unfunded_mentor(db(), caller(token_info), mentor_id)
    if view is None:
        raise NotFound()
    return jsonapi({"data": serializers.unfunded_mentor(view)})
