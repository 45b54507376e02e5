"""GET /api/v3/participants/ecf/transfers and /api/v3/participants/ecf/{id}/transfers."""

from __future__ import annotations

from typing import Any

from flask import Response

from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import transfers as serializers
from storage.queries import transfers as queries


def list_transfers(
    token_info: dict[str, Any], filter_: dict[str, Any] | None = None, page: dict[str, Any] | None = None
) -> Response:
    """GET /api/v3/participants/ecf/transfers"""
    window = params.page_window(page)
    if window.beyond_any_data:
        return jsonapi({"data": []})
    views = queries.list_transfers(
        db(),
        caller(token_info),
        updated_since=params.updated_since(filter_),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.participant_transfers(view) for view in views]})


def get_participant_transfers(token_info: dict[str, Any], id_: str) -> Response:
    """GET /api/v3/participants/ecf/{id}/transfers"""
    participant_id = params.resource_id(id_)
    view = queries.find_transfers(db(), caller(token_info), participant_id)
    if view is None:
        raise NotFound()
    return jsonapi({"data": serializers.participant_transfers(view)})
