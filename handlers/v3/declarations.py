"""GET/POST /api/v3/participant-declarations, GET …/{id} and PUT …/{id}/void."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Response

from domain import declarations as rules
from domain import sync
from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import declarations as serializers
from storage.queries import declarations as queries
from storage.queries.declarations import DeclarationFilters, DeclarationView, Visibility

Serializer = Callable[[DeclarationView], dict[str, Any]]


def list_declarations(
    token_info: dict[str, Any], filter_: dict[str, Any] | None = None, page: dict[str, Any] | None = None
) -> Response:
    """Filters: ``cohort``, ``participant_id`` and ``delivery_partner_id`` (comma lists)
    and ``updated_since`` (inclusive)."""
    filters = filter_ or {}
    window = params.page_window(page)
    participant_ids = uuid_list(filters.get("participant_id"))
    partner_ids = uuid_list(filters.get("delivery_partner_id"))
    if window.beyond_any_data or participant_ids == [] or partner_ids == []:
        return jsonapi({"data": []})
    views = queries.list_declarations(
        db(),
        caller(token_info),
        Visibility.V3,
        DeclarationFilters(
            cohort_years=params.cohort_years(filters),
            participant_ids=participant_ids,
            delivery_partner_ids=partner_ids,
            updated_since=params.updated_since(filters),
        ),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.declaration(view) for view in views]})


def get_declaration(token_info: dict[str, Any], id_: str) -> Response:
    return show(token_info, id_, Visibility.V3, serializers.declaration)


def create_declaration(token_info: dict[str, Any], body: Any) -> Response:
    return create(token_info, body, Visibility.V3, serializers.declaration)


def void_declaration(token_info: dict[str, Any], id_: str) -> Response:
    return void(token_info, id_, Visibility.V3, serializers.declaration)


# Shared by every version: only the visibility and the serializer differ. -----------------


def uuid_list(value: Any) -> list[uuid.UUID] | None:
    """A comma list of ids; ``None`` when absent, and ids that cannot exist are dropped
    (so a filter of only such values matches nothing)."""
    if value in (None, ""):
        return None
    ids = []
    for part in params.comma_list(value):
        try:
            ids.append(uuid.UUID(part))
        except ValueError:
            continue
    return ids


def show(token_info: dict[str, Any], id_: str, visibility: Visibility, serialize: Serializer) -> Response:
    view = queries.find_declaration(db(), caller(token_info), _uuid_or_404(id_), visibility)
    if view is None:
        raise NotFound()
    return jsonapi({"data": serialize(view)})


def create(token_info: dict[str, Any], body: Any, visibility: Visibility, serialize: Serializer) -> Response:
    """Record, read back as the provider will see it, then commit once."""
    session, provider = db(), caller(token_info)
    declaration = rules.record_declaration(
        session, provider, rules.DeclarationRequest.from_attributes(params.body_attributes(body))
    )
    return _commit_and_show(provider, declaration.id, visibility, serialize)


def void(token_info: dict[str, Any], id_: str, visibility: Visibility, serialize: Serializer) -> Response:
    """Only the caller's own declarations can be voided; any other id is a 404."""
    session, provider = db(), caller(token_info)
    declaration = queries.find_own_declaration(session, provider, _uuid_or_404(id_))
    if declaration is None:
        raise NotFound()
    rules.void_declaration(session, declaration)
    return _commit_and_show(provider, declaration.id, visibility, serialize)


def _commit_and_show(
    provider: uuid.UUID, declaration_id: uuid.UUID, visibility: Visibility, serialize: Serializer
) -> Response:
    session = db()
    sync.stamp_now(session)  # so the declaration shows the updated_at the commit keeps
    view = queries.find_declaration(session, provider, declaration_id, visibility)
    assert view is not None  # a provider always sees its own declarations
    response = jsonapi({"data": serialize(view)})
    session.commit()
    return response


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None
