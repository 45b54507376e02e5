"""The audit trail below the API and pages: commands as actors, statements that bypass the
ORM, secrets never copied, bulk loads summarised, and reading a record's history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from click.testing import Result

from domain import audit, clock, tokens
from domain.statement_lifecycle import authorise_for_payment
from storage.db import get_engine, transaction
from storage.migrate import alembic_config, upgrade
from storage.models import (
    ApiToken,
    AuditEvent,
    Cohort,
    DeclarationStateChange,
    LeadProvider,
    ParticipantDeclaration,
    Statement,
)
from tests.test_cli import add_provider, cli  # noqa: F401  (cli is a fixture)
from tests.test_migrations import throwaway  # noqa: F401  (a fixture)
from tests.test_statement_lifecycle import NOON, payable  # noqa: F401  (payable is a fixture)

STAFF = audit.Actor(
    audit.ActorKind.STAFF_USER, "finance-1", "finance@education.gov.example", audit.Source.PAGE
)


def events(database_url: str, **where: object) -> list[AuditEvent]:
    with transaction(database_url) as session:
        return list(session.scalars(sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)))


# --- commands -------------------------------------------------------------------------------


def test_a_cohort_rollover_is_recorded_as_the_command_and_who_ran_it(cli, settings):  # noqa: F811
    cli("reference", "load")
    add_provider(settings.database_url, "Ambition Institute", (2025,))
    cli("reference", "load")  # the provider's 2025 statements, which the rollover copies
    assert cli("cohort", "rollover", "2026").exit_code == 0

    with transaction(settings.database_url) as session:
        cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == 2026)).one()
        (created,) = audit.history_of(session, Cohort, cohort.id)
    assert created.action == "created"
    assert created.changes["start_year"] == [None, 2026]
    assert (created.actor_kind, created.source, created.actor_id) == ("command", "command", audit.os_user())
    assert created.actor_label == f"command: cpd cohort rollover ({audit.os_user()})"
    statements = events(settings.database_url, record_type="statements", actor_kind="command")
    assert len(statements) == 31  # every statement the rollover made, one event each


def test_a_token_revoked_by_command_is_recorded_without_its_digest(cli, settings):  # noqa: F811
    add_provider(settings.database_url, "Teach First")
    assert cli("tokens", "create", "Teach First").exit_code == 0
    assert cli("tokens", "revoke", "--provider", "Teach First").exit_code == 0

    created, revoked = events(settings.database_url, record_type="api_tokens")
    assert created.actor_label.startswith("command: cpd tokens create (")
    assert created.changes["hashed_token"] == [None, audit.REDACTED]
    assert revoked.actor_label.startswith("command: cpd tokens revoke (")
    assert "hashed_token" not in revoked.changes
    assert revoked.changes["revoked_at"][0] is None and revoked.changes["revoked_at"][1]
    with transaction(settings.database_url) as session:
        digest = session.scalars(sa.select(ApiToken.hashed_token)).one()
        stored = session.scalars(sa.select(sa.cast(AuditEvent.changes, sa.Text))).all()
    assert all(digest not in text for text in stored)


def test_a_command_that_fails_records_nothing(cli, settings):  # noqa: F811
    cli("reference", "load")
    before = len(events(settings.database_url))
    result: Result = cli("cohort", "rollover", "2025")
    assert result.exit_code != 0
    assert len(events(settings.database_url)) == before


def test_reference_data_is_summarised_once_not_row_by_row(cli, settings):  # noqa: F811
    assert cli("reference", "load").exit_code == 0
    (summary,) = events(settings.database_url)
    assert (summary.record_type, summary.record_id, summary.action) == (
        "tables",
        "*",
        "reference data loaded",
    )
    assert summary.changes["cohorts"] == [0, 6]
    assert summary.changes["milestones"] == [0, 404]
    assert cli("reference", "load").exit_code == 0
    assert len(events(settings.database_url)) == 1  # nothing changed the second time, nothing said


# --- statements that bypass the flush ------------------------------------------------------


def test_authorising_a_statement_records_the_core_updates_and_inserts(session, payable):  # noqa: F811
    statement = payable["statement"]
    with clock.travel(NOON), audit.acting_as(STAFF):
        authorise_for_payment(session, statement.id)
    session.commit()

    (paid,) = audit.history_of(session, Statement, statement.id)
    assert paid.changes["status"] == ["payable", "paid"]
    assert paid.changes["marked_as_paid_at"] == [None, NOON.isoformat()]
    assert (paid.actor_kind, paid.actor_label) == ("staff_user", "finance@education.gov.example")

    x = payable["x"]
    moved = audit.history_of(session, ParticipantDeclaration, x.id)
    assert [e.changes for e in moved] == [{"state": ["payable", "paid"]}]
    later = payable["later"]  # on another statement: untouched, unrecorded
    assert audit.history_of(session, ParticipantDeclaration, later.id) == []
    states = session.scalars(
        sa.select(DeclarationStateChange.id).where(DeclarationStateChange.participant_declaration_id == x.id)
    ).all()
    recorded = {e.record_id for e in audit.events_by(session, "staff_user", "finance-1")}
    newest_state = [s for s in states if str(s) in recorded]
    assert len(newest_state) == 1  # the inserted history row, by its id
    (state_event,) = audit.history_of(session, DeclarationStateChange, newest_state[0])
    assert state_event.changes["state"] == [None, "paid"]
    assert audit.history_of(session, "statement_line_items", str(payable["voided"].id)) == []


def test_a_core_delete_records_the_rows_it_removed(session, settings):
    provider = LeadProvider(name="Short-lived Provider")
    session.add(provider)
    session.commit()
    with audit.acting_as(STAFF):
        session.execute(sa.delete(LeadProvider).where(LeadProvider.id == provider.id))
    session.commit()
    (deleted,) = audit.history_of(session, LeadProvider, provider.id)
    assert deleted.action == "deleted"
    assert deleted.changes["name"] == ["Short-lived Provider", None]


# --- who, and when nobody ----------------------------------------------------------------------


def test_writes_with_nobody_acting_are_not_recorded(session):
    session.add(LeadProvider(name="Built by a test"))
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_an_orm_update_keeps_before_and_after_and_ignores_bookkeeping_columns(session):
    provider = LeadProvider(name="Old Name")
    session.add(provider)
    session.commit()
    with audit.acting_as(STAFF):
        provider.name = "New Name"
        session.commit()
        provider.updated_at = clock.now() + dt.timedelta(seconds=1)  # bookkeeping only: no event
        session.commit()
    (renamed,) = audit.history_of(session, LeadProvider, provider.id)
    assert renamed.changes == {"name": ["Old Name", "New Name"]}
    assert renamed.action == "updated" and renamed.reason is None


def test_a_reason_is_attached_to_the_changes_of_its_block_only(session):
    first, second = LeadProvider(name="First"), LeadProvider(name="Second")
    session.add_all([first, second])
    session.commit()
    with audit.acting_as(STAFF):
        first.name = "First, renamed"
        with audit.reason(session, "merged providers", action="merged"):
            second.name = "Second, renamed"
        session.commit()
    (before,) = audit.history_of(session, LeadProvider, first.id)
    (within,) = audit.history_of(session, LeadProvider, second.id)
    assert (before.reason, before.action) == (None, "updated")
    assert (within.reason, within.action) == ("merged providers", "merged")


def test_nested_reasons_keep_the_outer_one_and_join_both(session):
    """A staff member's reason around a domain rule's own is not lost (admin actions)."""
    first, second = LeadProvider(name="First"), LeadProvider(name="Second")
    session.add_all([first, second])
    session.commit()
    with audit.acting_as(STAFF), audit.reason(session, "duplicate record, ticket 123"):
        with audit.reason(session, None, action="withdrawn"):
            first.name = "First, withdrawn"
        with audit.reason(session, "left-teaching-profession", action="withdrawn"):
            second.name = "Second, withdrawn"
        session.commit()
    (inner_without,) = audit.history_of(session, LeadProvider, first.id)
    (inner_with,) = audit.history_of(session, LeadProvider, second.id)
    assert (inner_without.reason, inner_without.action) == ("duplicate record, ticket 123", "withdrawn")
    assert inner_with.reason == "duplicate record, ticket 123; left-teaching-profession"


def test_a_token_issued_in_code_never_copies_its_digest(session, settings):
    provider = LeadProvider(name="Token Holder")
    session.add(provider)
    session.commit()
    with audit.acting_as(STAFF):
        token, plaintext = tokens.issue(session, provider, settings.secret_key)
        session.commit()
    (created,) = audit.history_of(session, ApiToken, token.id)
    assert created.changes["hashed_token"] == [None, audit.REDACTED]
    text = str(created.changes)
    assert plaintext not in text and token.hashed_token not in text


def test_suspended_writes_one_summary_with_row_counts(session):
    with audit.acting_as(STAFF), audit.suspended(session, "bulk test load"):
        session.add_all([LeadProvider(name=f"Bulk {n}") for n in range(5)])
        session.execute(sa.insert(LeadProvider), [{"name": f"Core {n}"} for n in range(3)])
    session.commit()
    (summary,) = session.scalars(sa.select(AuditEvent)).all()
    assert summary.action == "bulk test load"
    assert summary.changes == {"lead_providers": [0, 8]}
    assert summary.actor_label == "finance@education.gov.example"


def test_seeding_and_resetting_the_sandbox_each_leave_one_summary(cli, settings):  # noqa: F811
    assert cli("seed", "--participants", "30").exit_code == 0
    (seeded,) = events(settings.database_url)
    assert seeded.action == "sandbox seeded"  # the reference data loaded within it is part of it
    assert seeded.actor_label.startswith("command: cpd seed (")
    assert seeded.changes["cohorts"][0] == 0 and seeded.changes["participant_profiles"][1] > 0

    assert cli("sandbox", "reset", "--participants", "30").exit_code == 0
    (reset,) = events(settings.database_url)  # the reset empties the trail with everything else
    assert reset.action == "sandbox reset"
    assert reset.actor_label.startswith("command: cpd sandbox reset (")
    # Same seed, same population: no table's count moved, yet the reset is on record.
    assert "participant_profiles" not in reset.changes


def test_the_audit_migration_goes_down_and_up_again(throwaway):  # noqa: F811
    upgrade(throwaway, "0008_audit_log")
    config = alembic_config()
    with get_engine(throwaway).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_staff")
    with get_engine(throwaway).connect() as connection:
        assert not {"audit_events", "api_requests"} & set(sa.inspect(connection).get_table_names())
    upgrade(throwaway, "0008_audit_log")
    with get_engine(throwaway).connect() as connection:
        assert {"audit_events", "api_requests"} <= set(sa.inspect(connection).get_table_names())
