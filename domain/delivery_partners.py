"""Delivery partners and the provider relationships (lead provider × delivery partner × cohort)
that DfE staff keep: a relationship is what lets a provider confirm schools with a partner in
a cohort (``domain.partnerships``), so adding and removing one has rules of its own.

Relationships are never deleted: removing one sets ``discarded_at`` (the API's delivery
partner resource lists only live ones, and ``domain.sync`` moves its change stamp); adding it
back brings the same row back. Nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from domain import clock
from domain.errors import RuleBroken
from storage.models import Cohort, DeliveryPartner, LeadProvider, Partnership, ProviderRelationship

NAME_MAX_LENGTH = 255
NAME_BLANK = "Enter the delivery partner’s name"
NAME_TOO_LONG = f"Delivery partner name must be {NAME_MAX_LENGTH} characters or fewer"
PROVIDER_BLANK = "Select a lead provider"
COHORT_BLANK = "Select a cohort"


def _tidy(name: Any) -> str:
    return " ".join(str(name or "").split())


def check_name(session: Session, name: Any, *, partner: DeliveryPartner | None = None) -> str:
    """The tidied name, or :class:`RuleBroken` on ``name``: blank, too long, or already another
    partner's (names are how providers pick a partner, so two alike would be confused)."""
    tidy = _tidy(name)
    if not tidy:
        raise RuleBroken.on("name", NAME_BLANK)
    if len(tidy) > NAME_MAX_LENGTH:
        raise RuleBroken.on("name", NAME_TOO_LONG)
    query = sa.select(DeliveryPartner).where(
        sa.func.lower(DeliveryPartner.name) == tidy.lower(), DeliveryPartner.discarded_at.is_(None)
    )
    if partner is not None:
        query = query.where(DeliveryPartner.id != partner.id)
    existing = session.scalars(query).first()
    if existing is not None:
        raise RuleBroken.on("name", f"There is already a delivery partner called {existing.name}")
    return tidy


def create_delivery_partner(session: Session, name: Any) -> DeliveryPartner:
    partner = DeliveryPartner(name=check_name(session, name))
    session.add(partner)
    session.flush()
    return partner


def rename_delivery_partner(session: Session, partner: DeliveryPartner, name: Any) -> DeliveryPartner:
    partner.name = check_name(session, name, partner=partner)
    session.flush()
    return partner


@dataclass(frozen=True)
class RelationshipRow:
    relationship: ProviderRelationship
    #: Schools in a live (unchallenged) partnership through this relationship.
    schools: int


def relationships(
    session: Session,
    *,
    delivery_partner: DeliveryPartner | None = None,
    lead_provider: LeadProvider | None = None,
) -> list[RelationshipRow]:
    """Live relationships of a partner or a provider, by cohort then name, each with how many
    schools are in partnership through it (two queries whatever the number)."""
    query = (
        sa.select(ProviderRelationship)
        .join(Cohort, Cohort.id == ProviderRelationship.cohort_id)
        .join(LeadProvider, LeadProvider.id == ProviderRelationship.lead_provider_id)
        .join(DeliveryPartner, DeliveryPartner.id == ProviderRelationship.delivery_partner_id)
        .where(ProviderRelationship.discarded_at.is_(None))
        .order_by(Cohort.start_year.desc(), LeadProvider.name, DeliveryPartner.name)
        .options(
            contains_eager(ProviderRelationship.cohort),
            contains_eager(ProviderRelationship.lead_provider),
            contains_eager(ProviderRelationship.delivery_partner),
        )
    )
    counts_query = _live_partnerships().with_only_columns(
        Partnership.lead_provider_id,
        Partnership.delivery_partner_id,
        Partnership.cohort_id,
        sa.func.count(sa.distinct(Partnership.school_id)),
    )
    if delivery_partner is not None:
        query = query.where(ProviderRelationship.delivery_partner_id == delivery_partner.id)
        counts_query = counts_query.where(Partnership.delivery_partner_id == delivery_partner.id)
    if lead_provider is not None:
        query = query.where(ProviderRelationship.lead_provider_id == lead_provider.id)
        counts_query = counts_query.where(Partnership.lead_provider_id == lead_provider.id)
    counts = {
        (lp, dp, cohort): n
        for lp, dp, cohort, n in session.execute(
            counts_query.group_by(
                Partnership.lead_provider_id, Partnership.delivery_partner_id, Partnership.cohort_id
            )
        )
    }
    return [
        RelationshipRow(row, counts.get((row.lead_provider_id, row.delivery_partner_id, row.cohort_id), 0))
        for row in session.scalars(query).unique()
    ]


def _live_partnerships() -> sa.Select[Any]:
    return sa.select(Partnership).where(
        Partnership.challenged_at.is_(None), Partnership.is_relationship.is_(False)
    )


def add_relationship(
    session: Session, partner: DeliveryPartner, lead_provider_id: Any, cohort_year: Any
) -> ProviderRelationship:
    """Let ``lead_provider_id`` work with ``partner`` in the cohort starting ``cohort_year``.

    The provider must be contracted for that cohort (the API would refuse its partnerships
    otherwise). A removed relationship is brought back rather than made twice.
    """
    errors = []
    provider = _provider(session, lead_provider_id)
    if provider is None:
        errors.append(("lead_provider", PROVIDER_BLANK))
    cohort = _cohort(session, cohort_year)
    if cohort is None:
        errors.append(("cohort", COHORT_BLANK))
    if errors:
        raise RuleBroken(errors)
    assert provider is not None and cohort is not None
    if cohort.id not in {c.id for c in provider.cohorts}:
        raise RuleBroken.on("cohort", f"{provider.name} is not contracted for the {cohort.start_year} cohort")
    existing = session.scalars(
        sa.select(ProviderRelationship).where(
            ProviderRelationship.lead_provider_id == provider.id,
            ProviderRelationship.delivery_partner_id == partner.id,
            ProviderRelationship.cohort_id == cohort.id,
        )
    ).first()
    if existing is not None and existing.discarded_at is None:
        raise RuleBroken.on(
            "cohort", f"{partner.name} already works with {provider.name} in the {cohort.start_year} cohort"
        )
    if existing is not None:
        existing.discarded_at = None
        relationship = existing
    else:
        relationship = ProviderRelationship(
            lead_provider_id=provider.id, delivery_partner_id=partner.id, cohort_id=cohort.id
        )
        session.add(relationship)
    session.flush()
    return relationship


def remove_relationship(session: Session, relationship: ProviderRelationship) -> ProviderRelationship:
    """Stop a provider working with a partner in a cohort, unless schools are in partnership
    through it: their ECTs would be left with a delivery partner the provider cannot use."""
    if relationship.discarded_at is not None:
        return relationship
    schools = session.scalar(
        _live_partnerships()
        .with_only_columns(sa.func.count(sa.distinct(Partnership.school_id)))
        .where(
            Partnership.lead_provider_id == relationship.lead_provider_id,
            Partnership.delivery_partner_id == relationship.delivery_partner_id,
            Partnership.cohort_id == relationship.cohort_id,
        )
    )
    if schools:
        noun = "school is" if schools == 1 else "schools are"
        raise RuleBroken.on(
            "base",
            f"{schools} {noun} in partnership with {relationship.lead_provider.name} and "
            f"{relationship.delivery_partner.name} in the {relationship.cohort.start_year} cohort. "
            "The provider must change their delivery partner first",
        )
    relationship.discarded_at = clock.now()
    session.flush()
    return relationship


def _provider(session: Session, value: Any) -> LeadProvider | None:
    wanted = _uuid(value)
    return session.get(LeadProvider, wanted) if wanted is not None else None


def _cohort(session: Session, value: Any) -> Cohort | None:
    try:
        year = int(str(value or "").strip())
    except ValueError:
        return None
    return session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).first()


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        return None
