"""Read queries for schools as they stand in one cohort. Not scoped to a provider: any
provider may look for schools to partner with. One query per page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from domain.schools import eligible_clause
from storage.models import Cohort, Partnership, School, SchoolCohort


def latest_of(*columns: Any) -> sa.ColumnElement[Any]:
    """The latest of several timestamps, ignoring NULLs after the first, on any database.

    (``GREATEST`` is PostgreSQL's; SQLite's multi-argument ``MAX`` turns NULL into NULL.)
    """
    latest = columns[0]
    for column in columns[1:]:
        latest = sa.case((column > latest, column), else_=latest)
    return latest


#: What a school shows as ``updated_at`` in a cohort: the newer change stamp of the school and
#: of its set-up for the cohort (``domain.sync``).
SHOWN_UPDATED_AT = latest_of(School.api_updated_at, SchoolCohort.api_updated_at)
#: ``sort`` names for schools (the contract offers ``updated_at`` only).
SORTABLE: dict[str, Any] = {"updated_at": SHOWN_UPDATED_AT}


@dataclass(frozen=True)
class SchoolInCohort:
    school: School
    school_cohort: SchoolCohort | None
    start_year: int
    in_partnership: bool


def _unchallenged_partnership_in_cohort(*, relationships: bool) -> sa.Exists:
    partnership = aliased(Partnership)
    conditions = [
        partnership.school_id == School.id,
        partnership.cohort_id == Cohort.id,
        partnership.challenge_reason.is_(None),
        partnership.challenged_at.is_(None),
    ]
    if not relationships:
        conditions.append(partnership.is_relationship.is_(False))
    return sa.exists().where(*conditions)


def _listed(year: int) -> sa.Select[Any]:
    """Schools a provider may partner with in the cohort, plus those already partnered in it.

    The eligibility clause already leaves out CIP-only schools (they are by definition not
    eligible). An unknown year joins no cohort row, so the answer is empty.
    """
    in_partnership = _unchallenged_partnership_in_cohort(relationships=True)
    return (
        sa.select(School, SchoolCohort, Cohort.start_year, in_partnership.label("in_partnership"))
        .select_from(School)
        .join(Cohort, Cohort.start_year == year)
        .outerjoin(
            SchoolCohort, sa.and_(SchoolCohort.school_id == School.id, SchoolCohort.cohort_id == Cohort.id)
        )
        .where(sa.or_(eligible_clause(), _unchallenged_partnership_in_cohort(relationships=False)))
    )


def _rows(session: Session, query: sa.Select[Any]) -> list[SchoolInCohort]:
    return [
        SchoolInCohort(school, school_cohort, start_year, bool(in_partnership))
        for school, school_cohort, start_year, in_partnership in session.execute(query)
    ]


def list_schools(
    session: Session,
    *,
    year: int,
    urn: str | None,
    updated_since: dt.datetime | None,
    order_by: list[Any],
    limit: int,
    offset: int,
) -> list[SchoolInCohort]:
    query = _listed(year)
    if urn is not None:
        query = query.where(School.urn == urn)
    if updated_since is not None:
        query = query.where(
            sa.or_(School.api_updated_at >= updated_since, SchoolCohort.api_updated_at >= updated_since)
        )
    query = query.order_by(*order_by, School.created_at, School.id)
    return _rows(session, query.limit(limit).offset(offset))


def find_school(session: Session, *, year: int, school_id: uuid.UUID) -> SchoolInCohort | None:
    rows = _rows(session, _listed(year).where(School.id == school_id))
    return rows[0] if rows else None
