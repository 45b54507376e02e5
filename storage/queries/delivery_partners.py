"""Read queries for the delivery partners a lead provider works with. Two queries per page:
the partners, then the cohort years of the provider's relationships with them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.models import Cohort, DeliveryPartner, ProviderRelationship

SORTABLE: dict[str, Any] = {
    "created_at": DeliveryPartner.created_at,
    "updated_at": DeliveryPartner.api_updated_at,
}


@dataclass(frozen=True)
class PartnerWithCohorts:
    delivery_partner: DeliveryPartner
    #: Start years of the provider's relationships with the partner, earliest first.
    years: list[int]


def _works_with(lead_provider_id: uuid.UUID, in_cohorts: sa.ColumnElement[bool] | None = None) -> sa.Exists:
    """The provider has a live relationship with the partner (in the cohorts, if given)."""
    relationship = (
        sa.select(ProviderRelationship.id)
        .join(Cohort, Cohort.id == ProviderRelationship.cohort_id)
        .where(
            ProviderRelationship.delivery_partner_id == DeliveryPartner.id,
            ProviderRelationship.lead_provider_id == lead_provider_id,
            ProviderRelationship.discarded_at.is_(None),
        )
        .correlate(DeliveryPartner)
    )
    if in_cohorts is not None:
        relationship = relationship.where(in_cohorts)
    return relationship.exists()


def _with_years(
    session: Session, lead_provider_id: uuid.UUID, partners: list[DeliveryPartner]
) -> list[PartnerWithCohorts]:
    years: dict[uuid.UUID, list[int]] = defaultdict(list)
    if partners:
        rows = session.execute(
            sa.select(ProviderRelationship.delivery_partner_id, Cohort.start_year)
            .join(Cohort, Cohort.id == ProviderRelationship.cohort_id)
            .where(
                ProviderRelationship.lead_provider_id == lead_provider_id,
                ProviderRelationship.delivery_partner_id.in_([partner.id for partner in partners]),
                ProviderRelationship.discarded_at.is_(None),
            )
            .distinct()
            .order_by(Cohort.start_year)
        )
        for partner_id, year in rows:
            years[partner_id].append(year)
    return [PartnerWithCohorts(partner, years[partner.id]) for partner in partners]


def list_delivery_partners(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    cohort_years: list[int] | None,
    earliest_default_cohort: int,
    order_by: list[Any],
    limit: int,
    offset: int,
) -> list[PartnerWithCohorts]:
    """Partners the provider works with in the cohorts asked for (2021 onwards by default)."""
    in_cohorts = (
        Cohort.start_year >= earliest_default_cohort
        if cohort_years is None
        else Cohort.start_year.in_(cohort_years)
    )
    query = (
        sa.select(DeliveryPartner)
        .where(DeliveryPartner.discarded_at.is_(None), _works_with(lead_provider_id, in_cohorts))
        .order_by(*order_by, DeliveryPartner.created_at, DeliveryPartner.id)
        .limit(limit)
        .offset(offset)
    )
    return _with_years(session, lead_provider_id, list(session.scalars(query)))


def find_delivery_partner(
    session: Session, lead_provider_id: uuid.UUID, delivery_partner_id: uuid.UUID
) -> PartnerWithCohorts | None:
    """A partner the provider works with in any cohort."""
    partner = session.scalars(
        sa.select(DeliveryPartner).where(
            DeliveryPartner.id == delivery_partner_id,
            DeliveryPartner.discarded_at.is_(None),
            _works_with(lead_provider_id),
        )
    ).first()
    return _with_years(session, lead_provider_id, [partner])[0] if partner else None
