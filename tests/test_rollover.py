"""Cohort rollover: YEAR is YEAR-1 moved forward a year, for every contracted provider."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from domain.clock import UTC
from domain.reference import load_reference_data
from domain.rollover import RolloverError, next_year, next_year_name, rollover_cohort
from storage.enums import DeclarationType, ScheduleType, StatementStatus
from storage.models import Base, Cohort, LeadProvider, Milestone, Schedule, Statement


def _cohort(session: Session, year: int) -> Cohort:
    return session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).one()


def _schedules(session: Session, year: int) -> dict[str, tuple[object, ...]]:
    schedules = session.scalars(
        sa.select(Schedule)
        .join(Cohort)
        .where(Cohort.start_year == year)
        .options(selectinload(Schedule.milestones))
    )
    return {
        s.schedule_identifier: (
            s.name,
            s.schedule_type,
            s.identifier_alias,
            {
                (m.declaration_type, m.name, m.start_date, m.milestone_date, m.payment_date)
                for m in s.milestones
            },
        )
        for s in schedules
    }


def _statements(session: Session, provider: LeadProvider, year: int) -> set[tuple[object, ...]]:
    rows = session.execute(
        sa.select(
            Statement.name,
            Statement.deadline_date,
            Statement.payment_date,
            Statement.output_fee,
            Statement.status,
            Statement.marked_as_paid_at,
        )
        .join(Cohort)
        .where(Statement.lead_provider_id == provider.id, Cohort.start_year == year)
    )
    return {tuple(row) for row in rows}


def _row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def providers(session: Session) -> dict[str, LeadProvider]:
    """Reference data loaded; two providers in 2025 (one with a paid statement), one only in 2024."""
    load_reference_data(session)
    cohorts = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    made = {
        "Ambition Institute": LeadProvider(name="Ambition Institute", cohorts=[cohorts[2024], cohorts[2025]]),
        "Teach First": LeadProvider(name="Teach First", cohorts=[cohorts[2025]]),
        "Capita": LeadProvider(name="Capita", cohorts=[cohorts[2024]]),
    }
    session.add_all(made.values())
    session.flush()
    load_reference_data(session)
    paid = session.scalars(
        sa.select(Statement).where(
            Statement.lead_provider_id == made["Teach First"].id,
            Statement.cohort_id == cohorts[2025].id,
            Statement.name == "November 2025",
        )
    ).one()
    paid.status = StatementStatus.PAID
    paid.marked_as_paid_at = dt.datetime(2025, 11, 25, tzinfo=UTC)
    session.flush()
    return made


def test_the_new_cohort_keeps_the_rules_and_moves_the_dates(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    previous = _cohort(session, 2025)
    previous.payments_frozen_at = dt.datetime(2026, 1, 1, tzinfo=UTC)
    session.flush()

    cohort = rollover_cohort(session, 2026)

    assert cohort.start_year == 2026
    assert cohort.registration_start_date == dt.date(2025, 12, 31)
    assert cohort.academic_year_start_date == dt.date(2026, 9, 1)
    assert cohort.automatic_assignment_period_end_date == dt.date(2027, 3, 31)
    assert cohort.payments_frozen_at is None
    assert cohort.mentor_funding is True
    assert cohort.detailed_evidence_types is True
    assert _cohort(session, 2026).id == cohort.id


def test_every_schedule_and_milestone_is_copied_a_year_later(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    rollover_cohort(session, 2026)

    before = _schedules(session, 2025)
    after = _schedules(session, 2026)
    assert before and set(after) == set(before)
    assert sum(len(s[3]) for s in after.values()) == 81
    for identifier, (name, kind, alias, milestones) in before.items():
        assert after[identifier] == (
            name,
            kind,
            alias,
            {
                (dtype, mname, next_year(start), next_year(end) if end else None, next_year(payment))
                for dtype, mname, start, end, payment in milestones
            },
        )
    standard = {m[0]: m for m in after["ecf-standard-september"][3]}
    assert standard[DeclarationType.STARTED][2:] == (dt.date(2026, 7, 1), None, dt.date(2026, 7, 1))
    # The previous cohort is untouched.
    assert _schedules(session, 2025) == before


def test_statements_are_copied_for_every_provider_of_the_previous_cohort(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    rollover_cohort(session, 2026)
    session.expire_all()

    for name in ("Ambition Institute", "Teach First"):
        provider = providers[name]
        previous = _statements(session, provider, 2025)
        assert len(previous) == 31
        assert _statements(session, provider, 2026) == {
            (next_year_name(s_name), next_year(deadline), next_year(payment), output_fee, "open", None)
            for s_name, deadline, payment, output_fee, _status, _paid_at in previous
        }
        assert 2026 in [c.start_year for c in session.get(LeadProvider, provider.id).cohorts]
    may = session.scalars(
        sa.select(Statement)
        .join(Cohort)
        .where(
            Cohort.start_year == 2026,
            Statement.lead_provider_id == providers["Teach First"].id,
            Statement.name == "May 2027",
        )
    ).one()
    assert (may.deadline_date, may.payment_date, may.output_fee) == (
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 25),
        False,
    )
    capita = providers["Capita"]
    assert _statements(session, capita, 2026) == set()
    assert [c.start_year for c in session.get(LeadProvider, capita.id).cohorts] == [2024]


def test_statement_names_and_leap_days_move_forward() -> None:
    assert next_year_name("May 2026") == "May 2027"
    assert next_year_name("December 2099") == "December 2100"
    assert next_year(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert next_year(dt.date(2023, 2, 28)) == dt.date(2024, 2, 28)
    assert next_year(dt.date(2025, 12, 31)) == dt.date(2026, 12, 31)


def test_a_leap_day_milestone_and_statement_land_on_28_february(session: Session) -> None:
    cohort = Cohort(
        start_year=2023,
        registration_start_date=dt.date(2023, 2, 28),
        academic_year_start_date=dt.date(2023, 9, 1),
        automatic_assignment_period_end_date=dt.date(2024, 2, 29),
    )
    schedule = Schedule(
        cohort=cohort,
        schedule_identifier="ecf-standard-september",
        name="ECF Standard September",
        schedule_type=ScheduleType.STANDARD,
        milestones=[
            Milestone(
                name="Output 2 - Retention Point 1",
                declaration_type=DeclarationType.RETAINED_1,
                start_date=dt.date(2024, 1, 1),
                milestone_date=dt.date(2024, 2, 29),
                payment_date=dt.date(2024, 2, 29),
            )
        ],
    )
    provider = LeadProvider(name="Best Practice Network", cohorts=[cohort])
    session.add_all([schedule, provider])
    session.flush()
    session.add(
        Statement(
            lead_provider_id=provider.id,
            cohort_id=cohort.id,
            name="March 2024",
            deadline_date=dt.date(2024, 2, 29),
            payment_date=dt.date(2024, 3, 25),
        )
    )
    session.flush()

    new = rollover_cohort(session, 2024)

    assert new.automatic_assignment_period_end_date == dt.date(2025, 2, 28)
    milestone = session.scalars(sa.select(Milestone).join(Schedule).where(Schedule.cohort_id == new.id)).one()
    assert (milestone.start_date, milestone.milestone_date, milestone.payment_date) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 28),
        dt.date(2025, 2, 28),
    )
    statement = session.scalars(sa.select(Statement).where(Statement.cohort_id == new.id)).one()
    assert (statement.name, statement.deadline_date, statement.payment_date) == (
        "March 2025",
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 25),
    )


def test_an_existing_year_is_refused_and_nothing_is_written(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    session.commit()  # the set-up, stamped; counting then reads only what the rollover wrote
    before = _row_counts(session)

    with pytest.raises(RolloverError, match=r"^cohort 2025 already exists$"):
        rollover_cohort(session, 2025)

    assert _row_counts(session) == before


def test_a_missing_previous_year_is_refused_and_nothing_is_written(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    session.commit()  # the set-up, stamped; counting then reads only what the rollover wrote
    before = _row_counts(session)

    with pytest.raises(RolloverError, match=r"^cohort 2029 does not exist"):
        rollover_cohort(session, 2030)

    assert _row_counts(session) == before
    assert session.scalar(sa.select(Cohort).where(Cohort.start_year == 2030)) is None


def test_rollover_only_flushes_so_the_caller_can_roll_it_back(
    session: Session, providers: dict[str, LeadProvider]
) -> None:
    session.commit()
    before = _row_counts(session)

    rollover_cohort(session, 2026)
    assert _row_counts(session) != before
    session.rollback()

    assert _row_counts(session) == before
