"""GET /api/v3/delivery-partners and /api/v3/delivery-partners/{id}."""

from __future__ import annotations

from typing import Any

from flask import Response

from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import delivery_partners as serializers
from storage.queries import delivery_partners as queries


def list_delivery_partners(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    sort: str | None = None,
) -> Response:
    window = params.page_window(page)
    if window.beyond_any_data:
        return jsonapi({"data": []})
    rows = queries.list_delivery_partners(
        db(),
        caller(token_info),
        cohort_years=params.cohort_years(filter_),
        earliest_default_cohort=params.EARLIEST_DEFAULT_COHORT,
        order_by=params.sort_order(sort, queries.SORTABLE),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.delivery_partner(row) for row in rows]})


def get_delivery_partner(token_info: dict[str, Any], id_: str) -> Response:
    partner_id = params.resource_id(id_)
    row = queries.find_delivery_partner(db(), caller(token_info), partner_id)
    if row is None:
        raise NotFound()
    return jsonapi({"data": serializers.delivery_partner(row)})
