"""Cohorts from the admin pages: the list, and opening the next cohort by rollover after a
confirmation, which is ``domain.rollover.rollover_cohort`` (what ``cpd cohort rollover`` runs):
the page makes exactly what the command makes, and reports it in the command's words."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import selectinload

from cpd.cli import main
from domain import audit
from storage.models import Cohort, LeadProvider, Milestone, Schedule, Statement
from storage.models.providers import lead_provider_cohorts
from tests.web.service_pages import error_summary, h1_of, inline_errors, main_text, submit
from tests.web.test_admin_schools import ADMIN, ROLES, World, admin_world, check_access, sign_in_as


@pytest.fixture
def world(session, settings) -> World:
    return admin_world(session, settings)


@pytest.fixture
def admin(client, session, world):
    sign_in_as(client, session, "admin")
    return client


def run_command(settings: Any, *args: str) -> Any:
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key,
           "CPD_ENVIRONMENT": "test", "CPD_DEBUG": None, "REDIS_URL": None}  # fmt: skip
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def snapshot(session: Any, year: int) -> dict[str, Any]:
    """Everything rollover makes for ``year``, in plain values."""
    session.expire_all()
    cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).one()
    schedules = session.scalars(
        sa.select(Schedule)
        .where(Schedule.cohort_id == cohort.id)
        .options(selectinload(Schedule.milestones))
        .order_by(Schedule.schedule_identifier)
    )
    statements = session.execute(
        sa.select(LeadProvider.name, Statement.name, Statement.deadline_date, Statement.payment_date,
                  Statement.output_fee, Statement.status)
        .join(LeadProvider, LeadProvider.id == Statement.lead_provider_id)
        .where(Statement.cohort_id == cohort.id)
        .order_by(LeadProvider.name, Statement.payment_date, Statement.name)
    ).all()  # fmt: skip
    providers = session.scalars(
        sa.select(LeadProvider.name)
        .where(LeadProvider.cohorts.any(Cohort.id == cohort.id))
        .order_by(LeadProvider.name)
    ).all()
    return {
        "cohort": (
            cohort.registration_start_date,
            cohort.academic_year_start_date,
            cohort.automatic_assignment_period_end_date,
            cohort.payments_frozen_at,
            cohort.mentor_funding,
            cohort.detailed_evidence_types,
        ),
        "schedules": [
            (
                s.schedule_identifier,
                s.name,
                s.schedule_type,
                s.identifier_alias,
                sorted(
                    (m.name, m.declaration_type, m.start_date, m.milestone_date, m.payment_date)
                    for m in s.milestones
                ),
            )
            for s in schedules
        ],
        "statements": [tuple(row) for row in statements],
        "providers": list(providers),
    }


def undo(session: Any, year: int) -> None:
    cohort_id = session.scalars(sa.select(Cohort.id).where(Cohort.start_year == year)).one()
    schedule_ids = sa.select(Schedule.id).where(Schedule.cohort_id == cohort_id)
    session.execute(sa.delete(Statement).where(Statement.cohort_id == cohort_id))
    session.execute(sa.delete(Milestone).where(Milestone.schedule_id.in_(schedule_ids)))
    session.execute(sa.delete(Schedule).where(Schedule.cohort_id == cohort_id))
    session.execute(sa.delete(lead_provider_cohorts).where(lead_provider_cohorts.c.cohort_id == cohort_id))
    session.execute(sa.delete(Cohort).where(Cohort.id == cohort_id))
    session.commit()


@pytest.mark.parametrize("who", ROLES)
def test_only_admins_reach_the_cohort_pages_and_rollover(client, session, world, who):
    check_access(client, session, who, ["/admin/cohorts", "/admin/cohorts/rollover"],
                 ["/admin/cohorts/rollover"] if who != "admin" else [])  # fmt: skip
    assert session.scalars(sa.select(Cohort).where(Cohort.start_year == 2026)).first() is None


def test_the_cohort_list_shows_each_cohort_with_its_providers_schedules_and_statements(admin, session, world):
    page = admin.get("/admin/cohorts").text
    assert h1_of(page) == "Cohorts"
    text = main_text(page)
    assert "Open the 2026 to 2027 cohort" in text
    assert "2025 to 2026 31 December 2024 1 September 2025 Open 1" in text


def test_the_confirmation_must_be_ticked(admin, session, world):
    page = submit(admin, "/admin/cohorts/rollover", {"year": "2026"})
    assert page.status_code == 200
    message = "Confirm you have checked this is the cohort to open"
    assert (error_summary(page.text), inline_errors(page.text)) == ([message], [message])
    assert session.scalars(sa.select(Cohort).where(Cohort.start_year == 2026)).first() is None


def test_rollover_from_the_page_makes_what_the_command_makes(admin, session, settings, world):
    confirm = admin.get("/admin/cohorts/rollover").text
    assert h1_of(confirm) == "Open the 2026 to 2027 cohort"
    assert "Ambition Institute" in main_text(confirm)
    done = submit(admin, "/admin/cohorts/rollover", {"year": "2026", "confirmed": "y"}, page=confirm)
    assert (done.status_code, done.headers["location"]) == (302, "/admin/cohorts")
    shown = main_text(admin.get("/admin/cohorts").text)
    from_page = snapshot(session, 2026)
    # The trail has the new cohort, made by the admin on a page.
    cohort_id = session.scalars(sa.select(Cohort.id).where(Cohort.start_year == 2026)).one()
    created = audit.history_of(session, Cohort, cohort_id)
    assert [(e.action, e.actor_label, e.source) for e in created] == [("created", ADMIN, "page")]

    undo(session, 2026)
    result = run_command(settings, "cohort", "rollover", "2026")
    assert result.exit_code == 0, result.output
    assert snapshot(session, 2026) == from_page
    assert from_page["statements"] and from_page["schedules"]
    assert result.stdout.strip() in shown  # "Created cohort 2026 with 12 schedules and 31 statements."


def test_a_cohort_opened_meanwhile_is_refused_with_the_rollover_message(admin, session, settings, world):
    confirm = admin.get("/admin/cohorts/rollover").text
    assert run_command(settings, "cohort", "rollover", "2026").exit_code == 0
    page = submit(admin, "/admin/cohorts/rollover", {"year": "2026", "confirmed": "y"}, page=confirm)
    assert page.status_code == 200
    assert error_summary(page.text) == ["Cohort 2026 already exists"]
    # The page now offers the next year, and never opened 2027 behind the admin's back.
    assert h1_of(page.text) == "Open the 2027 to 2028 cohort"
    assert session.scalars(sa.select(Cohort).where(Cohort.start_year == 2027)).first() is None
