"""GET/POST /api/v2/participant-declarations, GET …/{id} and PUT …/{id}/void: v1's
behaviour with v2's smaller declaration."""

from __future__ import annotations

from typing import Any

from flask import Response

from handlers.v1.declarations import legacy_csv, legacy_list
from handlers.v2.serializers import declarations as serializers
from handlers.v3 import declarations as shared
from storage.queries.declarations import Visibility


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
