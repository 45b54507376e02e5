"""Opening a new cohort by carrying the previous year forward.

DfE opens each cohort on the previous year's terms until new ones are agreed, so
rollover copies the rules, the schedules with their milestones and every contracted
provider's statements, one year later. Nothing is committed here: the caller's
transaction decides, so a failure leaves no half-made cohort.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from storage.enums import StatementStatus
from storage.models import Cohort, LeadProvider, Milestone, Schedule, Statement

_YEAR_IN_NAME = re.compile(r"\b(\d{4})\b")


class RolloverError(ValueError):
    """The requested cohort cannot be rolled over (already there, or nothing to copy)."""


def next_year(day: dt.date) -> dt.date:
    """The same calendar day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year_name(name: str) -> str:
    """Move every year in a statement name on by one ("May 2026" → "May 2027"), keeping the month."""
    return _YEAR_IN_NAME.sub(lambda match: str(int(match.group(1)) + 1), name)


def rollover_cohort(session: Session, year: int) -> Cohort:
    """Create cohort ``year`` from ``year - 1``: rules, schedules, milestones and statements.

    Every lead provider contracted for the previous cohort is contracted for the new
    one and gets each of its previous statements a year later, open and unpaid.
    Payments are never frozen on a new cohort. Only flushes.
    """
    cohorts = {
        c.start_year: c
        for c in session.scalars(sa.select(Cohort).where(Cohort.start_year.in_((year - 1, year))))
    }
    if year in cohorts:
        raise RolloverError(f"cohort {year} already exists")
    previous = cohorts.get(year - 1)
    if previous is None:
        raise RolloverError(f"cohort {year - 1} does not exist, so there is nothing to roll over to {year}")

    cohort = Cohort(
        start_year=year,
        registration_start_date=next_year(previous.registration_start_date),
        academic_year_start_date=next_year(previous.academic_year_start_date),
        automatic_assignment_period_end_date=next_year(previous.automatic_assignment_period_end_date),
        payments_frozen_at=None,
        mentor_funding=previous.mentor_funding,
        detailed_evidence_types=previous.detailed_evidence_types,
    )
    session.add(cohort)

    schedules = session.scalars(
        sa.select(Schedule)
        .where(Schedule.cohort_id == previous.id)
        .options(selectinload(Schedule.milestones))
        .order_by(Schedule.schedule_identifier)
    )
    for schedule in schedules:
        session.add(
            Schedule(
                cohort=cohort,
                schedule_identifier=schedule.schedule_identifier,
                name=schedule.name,
                schedule_type=schedule.schedule_type,
                identifier_alias=schedule.identifier_alias,
                milestones=[
                    Milestone(
                        name=milestone.name,
                        declaration_type=milestone.declaration_type,
                        start_date=next_year(milestone.start_date),
                        milestone_date=(
                            next_year(milestone.milestone_date) if milestone.milestone_date else None
                        ),
                        payment_date=next_year(milestone.payment_date),
                    )
                    for milestone in schedule.milestones
                ],
            )
        )
    session.flush()

    providers = session.scalars(
        sa.select(LeadProvider)
        .where(LeadProvider.cohorts.any(Cohort.id == previous.id))
        .options(selectinload(LeadProvider.cohorts))
    )
    previous_statements: dict[uuid.UUID, list[Statement]] = {}
    for statement in session.scalars(
        sa.select(Statement).where(Statement.cohort_id == previous.id).order_by(Statement.payment_date)
    ):
        previous_statements.setdefault(statement.lead_provider_id, []).append(statement)
    for provider in providers:
        provider.cohorts.append(cohort)
        for statement in previous_statements.get(provider.id, []):
            session.add(
                Statement(
                    lead_provider_id=provider.id,
                    cohort_id=cohort.id,
                    name=next_year_name(statement.name),
                    deadline_date=next_year(statement.deadline_date),
                    payment_date=next_year(statement.payment_date),
                    output_fee=statement.output_fee,
                    status=StatementStatus.OPEN,
                    marked_as_paid_at=None,
                )
            )
    session.flush()
    return cohort
