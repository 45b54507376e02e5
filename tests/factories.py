"""Small builders for test data, written against the real models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import tokens
from domain.reference import ensure_statements, load_reference_data, read_statement_rows
from storage.models import Cohort, LeadProvider


def provider_with_token(
    session: Session,
    secret_key: str,
    name: str = "Ambition Institute",
    years: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025),
) -> tuple[LeadProvider, str]:
    """A lead provider contracted for ``years``, with its statements and a fresh token."""
    if session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0:
        load_reference_data(session)
    provider = LeadProvider(name=name)
    provider.cohorts = list(session.scalars(sa.select(Cohort).where(Cohort.start_year.in_(years))))
    session.add(provider)
    session.flush()
    ensure_statements(session, read_statement_rows(), [provider])
    _, plaintext = tokens.issue(session, provider, secret_key)
    return provider, plaintext
