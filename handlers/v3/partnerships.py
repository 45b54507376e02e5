"""GET/POST /api/v3/partnerships/ecf and GET/PUT /api/v3/partnerships/ecf/{id}."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from domain import partnerships as rules
from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import partnerships as serializers
from storage.queries import partnerships as queries


def list_partnerships(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    sort: str | None = None,
) -> Response:
    window = params.page_window(page)
    partner_ids = _delivery_partner_ids(filter_)
    if window.beyond_any_data or partner_ids == []:
        return jsonapi({"data": []})
    rows = queries.list_partnerships(
        db(),
        caller(token_info),
        cohort_years=params.cohort_years(filter_),
        earliest_default_cohort=params.EARLIEST_DEFAULT_COHORT,
        delivery_partner_ids=partner_ids,
        updated_since=params.updated_since(filter_),
        order_by=params.sort_order(sort, queries.SORTABLE),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.partnership(row) for row in rows]})


def get_partnership(token_info: dict[str, Any], id_: str) -> Response:
    return _one(caller(token_info), _uuid_or_404(id_))


def create_partnership(token_info: dict[str, Any], body: Any) -> Response:
    attributes = params.body_attributes(body)
    session = db()
    partnership = rules.confirm_partnership(
        session,
        caller(token_info),
        cohort=attributes.get("cohort"),
        school_id=attributes.get("school_id"),
        delivery_partner_id=attributes.get("delivery_partner_id"),
    )
    session.commit()
    return _one(caller(token_info), partnership.id)


def update_partnership(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    session = db()
    try:
        partnership = rules.change_delivery_partner(
            session,
            caller(token_info),
            partnership_id=_uuid_or_404(id_),
            delivery_partner_id=params.body_attributes(body).get("delivery_partner_id"),
        )
    except rules.PartnershipNotFound:
        raise NotFound() from None
    session.commit()
    return _one(caller(token_info), partnership.id)


def _one(lead_provider_id: uuid.UUID, partnership_id: uuid.UUID) -> Response:
    row = queries.find_partnership(db(), lead_provider_id, partnership_id)
    if row is None:
        raise NotFound()
    return jsonapi({"data": serializers.partnership(row)})


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


def _delivery_partner_ids(filters: dict[str, Any] | None) -> list[uuid.UUID] | None:
    """``filter[delivery_partner_id]`` ids; ``None`` when absent. Ids that cannot exist
    match nothing, so a filter made only of them gives an empty list."""
    if not filters or filters.get("delivery_partner_id") in (None, ""):
        return None
    ids = []
    for part in params.comma_list(filters["delivery_partner_id"]):
        try:
            ids.append(uuid.UUID(part))
        except ValueError:
            continue
    return ids
