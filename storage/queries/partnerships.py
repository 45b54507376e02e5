"""Read queries for a lead provider's partnerships: one query per page, everything it shows
loaded alongside (school, its induction tutor, cohort, delivery partner)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from storage.models import Cohort, Partnership, School

#: ``sort`` names; ``updated_at`` orders by the value the provider sees: the partnership's change
#: stamp, which its school, delivery partner and induction tutor move too (``domain.sync``).
SORTABLE: dict[str, Any] = {"created_at": Partnership.created_at, "updated_at": Partnership.api_updated_at}


def _visible(lead_provider_id: uuid.UUID) -> sa.Select[tuple[Partnership]]:
    """The provider's partnerships, without the relationship ones made for transfers."""
    return (
        sa.select(Partnership)
        .join(Partnership.school)
        .outerjoin(School.induction_tutor)
        .join(Partnership.cohort)
        .join(Partnership.delivery_partner)
        .options(
            contains_eager(Partnership.school).contains_eager(School.induction_tutor),
            contains_eager(Partnership.cohort),
            contains_eager(Partnership.delivery_partner),
        )
        .where(Partnership.lead_provider_id == lead_provider_id, Partnership.is_relationship.is_(False))
    )


def list_partnerships(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    cohort_years: list[int] | None,
    earliest_default_cohort: int,
    delivery_partner_ids: list[uuid.UUID] | None,
    updated_since: dt.datetime | None,
    order_by: list[Any],
    limit: int,
    offset: int,
) -> list[Partnership]:
    """One page of the provider's partnerships, challenged ones included."""
    query = _visible(lead_provider_id)
    if cohort_years is None:
        query = query.where(Cohort.start_year >= earliest_default_cohort)
    else:
        query = query.where(Cohort.start_year.in_(cohort_years))
    if delivery_partner_ids is not None:
        query = query.where(Partnership.delivery_partner_id.in_(delivery_partner_ids))
    if updated_since is not None:
        query = query.where(Partnership.api_updated_at >= updated_since)
    query = query.order_by(*order_by, Partnership.created_at, Partnership.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def find_partnership(
    session: Session, lead_provider_id: uuid.UUID, partnership_id: uuid.UUID
) -> Partnership | None:
    """One of the provider's partnerships, whatever its cohort (fresh, even just after a write)."""
    query = _visible(lead_provider_id).where(Partnership.id == partnership_id)
    return session.scalars(query.execution_options(populate_existing=True)).first()
