"""Read queries for statements. One query per page; no lazy loads."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from storage.models import Cohort, Statement


def list_output_statements(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    cohort_years: list[int] | None,
    earliest_default_cohort: int,
    updated_since: dt.datetime | None,
    limit: int,
    offset: int,
) -> list[Statement]:
    """A provider's output-fee statements, by payment date, one page of them."""
    query = (
        sa.select(Statement)
        .join(Statement.cohort)
        .options(contains_eager(Statement.cohort))
        .where(Statement.lead_provider_id == lead_provider_id, Statement.output_fee.is_(True))
    )
    if cohort_years is None:
        query = query.where(Cohort.start_year >= earliest_default_cohort)
    else:
        query = query.where(Cohort.start_year.in_(cohort_years))
    if updated_since is not None:
        query = query.where(Statement.api_updated_at >= updated_since)
    query = query.order_by(Statement.payment_date, Statement.created_at, Statement.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def find_statement(
    session: Session, lead_provider_id: uuid.UUID, statement_id: uuid.UUID
) -> Statement | None:
    """Any statement of the provider (output-fee or not)."""
    query = (
        sa.select(Statement)
        .join(Statement.cohort)
        .options(contains_eager(Statement.cohort))
        .where(Statement.id == statement_id, Statement.lead_provider_id == lead_provider_id)
    )
    return session.scalars(query).first()
