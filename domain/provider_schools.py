"""The schools a lead provider has confirmed, for its "Your schools" page.

A page of rows costs two queries (a count and the page) whatever the provider's size: the
list is filtered, sorted and cut in the database. Only the provider's own partnerships are
read (``lead_provider_id`` is in every query), and only full ones: a "relationship"
partnership made by a school for a transferring teacher is not a school the provider confirmed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.enums import ChallengeReason
from storage.models import Cohort, DeliveryPartner, Partnership, School

PER_PAGE = 50

#: What a school said when it challenged, in our words.
CHALLENGE_REASONS: dict[str, str] = {
    ChallengeReason.ANOTHER_PROVIDER: "The school has an agreement with another provider",
    ChallengeReason.NOT_CONFIRMED: "The school has not confirmed an agreement",
    ChallengeReason.DO_NOT_RECOGNISE: "The school does not recognise your organisation",
    ChallengeReason.NO_ECTS: "The school has no early career teachers this year",
    ChallengeReason.MISTAKE: "The school says the partnership is a mistake",
}


@dataclass(frozen=True)
class SchoolRow:
    partnership_id: uuid.UUID
    urn: str
    name: str
    delivery_partner: str
    challenged_at: dt.datetime | None
    challenge_reason: str | None
    challenge_deadline: dt.datetime | None

    @property
    def challenged(self) -> bool:
        return self.challenged_at is not None or self.challenge_reason is not None

    @property
    def reason_text(self) -> str | None:
        return CHALLENGE_REASONS.get(self.challenge_reason or "", self.challenge_reason)


@dataclass(frozen=True)
class SchoolsPage:
    rows: list[SchoolRow]
    total: int
    page: int
    pages: int


def provider_schools(
    session: Session, lead_provider_id: uuid.UUID, cohort: Cohort, *, search: str = "", page: int = 1
) -> SchoolsPage:
    """One page of the provider's schools in ``cohort``, by school name; ``search`` matches
    part of a school's name or delivery partner's name, or a URN exactly."""
    conditions = [
        Partnership.lead_provider_id == lead_provider_id,
        Partnership.cohort_id == cohort.id,
        Partnership.is_relationship.is_(False),
    ]
    text = search.strip()
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            sa.or_(
                School.urn == text,
                sa.func.lower(School.name).like(pattern, escape="\\"),
                sa.func.lower(DeliveryPartner.name).like(pattern, escape="\\"),
            )
        )
    joined = (
        sa.select(Partnership)
        .join(School, School.id == Partnership.school_id)
        .join(DeliveryPartner, DeliveryPartner.id == Partnership.delivery_partner_id)
        .where(*conditions)
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(joined.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    found = session.execute(
        joined.with_only_columns(
            Partnership.id,
            School.urn,
            School.name,
            DeliveryPartner.name,
            Partnership.challenged_at,
            Partnership.challenge_reason,
            Partnership.challenge_deadline,
        )
        .order_by(School.name, School.urn, Partnership.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return SchoolsPage(rows=[SchoolRow(*row) for row in found], total=total, page=page, pages=pages)
