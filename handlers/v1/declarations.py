"""GET/POST /api/v1/participant-declarations, GET …/{id} and PUT …/{id}/void.

The rules are v3's (``domain.declarations``); v1 differs in what it shows, in reading
other providers' declarations only for participants trained now (not leaving ones), and
in its two filters: one ``participant_id`` and a strict ``updated_since``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from handlers import params
from handlers.context import caller, db
from handlers.csv_export import csv_response
from handlers.responses import jsonapi
from handlers.v1.serializers import declarations as serializers
from handlers.v3 import declarations as shared
from storage.queries import declarations as queries
from storage.queries.declarations import DeclarationFilters, Visibility


def list_declarations(
    token_info: dict[str, Any], filter_: dict[str, Any] | None = None, page: dict[str, Any] | None = None
) -> Response:
    return legacy_list(token_info, filter_, page, serializers.declaration)


def export_declarations_csv(token_info: dict[str, Any], filter_: dict[str, Any] | None = None) -> Response:
    return legacy_csv(token_info, filter_, serializers.declaration)


def get_declaration(token_info: dict[str, Any], id_: str) -> Response:
    return shared.show(token_info, id_, Visibility.LEGACY, serializers.declaration)


def create_declaration(token_info: dict[str, Any], body: Any) -> Response:
    return shared.create(token_info, body, Visibility.LEGACY, serializers.declaration)


def void_declaration(token_info: dict[str, Any], id_: str) -> Response:
    return shared.void(token_info, id_, Visibility.LEGACY, serializers.declaration)


def legacy_list(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None,
    page: dict[str, Any] | None,
    serialize: shared.Serializer,
) -> Response:
    """The v1/v2 list: ``participant_id`` is one id, ``updated_since`` is exclusive."""
    window = params.page_window(page)
    filters = _legacy_filters(filter_)
    if window.beyond_any_data or filters is None:
        return jsonapi({"data": []})
    views = queries.list_declarations(
        db(), caller(token_info), Visibility.LEGACY, filters, limit=window.limit, offset=window.offset
    )
    return jsonapi({"data": [serialize(view) for view in views]})


def legacy_csv(
    token_info: dict[str, Any], filter_: dict[str, Any] | None, serialize: shared.Serializer
) -> Response:
    """The v1/v2 export: the list's filters, every row."""
    provider = caller(token_info)
    filters = _legacy_filters(filter_)
    if filters is None:
        return csv_response(lambda _session: ())
    return csv_response(
        lambda session: (
            serialize(view)
            for view in queries.iter_declarations(session, provider, Visibility.LEGACY, filters)
        )
    )


def _legacy_filters(filter_: dict[str, Any] | None) -> DeclarationFilters | None:
    """``None`` when the filters can match nothing."""
    filters = filter_ or {}
    participant_ids = _one_id(filters.get("participant_id"))
    if participant_ids == []:
        return None
    return DeclarationFilters(
        participant_ids=participant_ids,
        updated_since=params.updated_since(filters),
        updated_since_strict=True,
    )


def _one_id(value: Any) -> list[uuid.UUID] | None:
    """v1/v2 match one participant id exactly; anything else matches nobody."""
    if value in (None, ""):
        return None
    try:
        return [uuid.UUID(str(value))]
    except ValueError:
        return []
