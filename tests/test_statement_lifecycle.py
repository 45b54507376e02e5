"""Statements close (payable), get paid (authorised), take adjustments; the two commands."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from cpd.cli import main
from cpd.config import Settings
from domain import clock
from domain.errors import InvalidTransition, RuleBroken
from domain.payments import statement_breakdown
from domain.statement_lifecycle import (
    StatementNotFound,
    add_adjustment,
    authorise_for_payment,
    change_adjustment,
    mark_payable,
    remove_adjustment,
)
from storage.enums import DeclarationState, DeclarationType, LineItemState, StatementStatus
from storage.models import (
    DeclarationStateChange,
    ParticipantDeclaration,
    Statement,
    StatementAdjustment,
    StatementLineItem,
)
from tests.test_cli import assert_one_line_error, row_counts
from tests.test_payments import Ledger

STARTED, RETAINED_1 = DeclarationType.STARTED, DeclarationType.RETAINED_1
TODAY = dt.date(2024, 5, 1)
NOON = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def history(session: Session, declaration: ParticipantDeclaration) -> list[DeclarationState]:
    return list(
        session.scalars(
            sa.select(DeclarationStateChange.state)
            .where(DeclarationStateChange.participant_declaration_id == declaration.id)
            .order_by(DeclarationStateChange.created_at)
        )
    )


def line_states(session: Session, declaration: ParticipantDeclaration) -> dict[str, LineItemState]:
    rows = session.execute(
        sa.select(Statement.name, StatementLineItem.state)
        .join(Statement, Statement.id == StatementLineItem.statement_id)
        .where(StatementLineItem.participant_declaration_id == declaration.id)
    )
    return dict(rows.tuples().all())


def refreshed(session: Session, *rows: object) -> None:
    session.expire_all()
    for row in rows:
        session.refresh(row)


# --- mark payable --------------------------------------------------------------------------------


@pytest.fixture
def closing(session: Session) -> dict[str, object]:
    """Statements around 1 May 2024: one closed yesterday, one missed, one closing today."""
    ledger = Ledger(session)
    yesterday = ledger.statement("April 2024", dt.date(2024, 4, 30), dt.date(2024, 5, 25))
    missed = ledger.statement("March 2024", dt.date(2024, 4, 20), dt.date(2024, 4, 25))
    today = ledger.statement("May 2024", TODAY, dt.date(2024, 6, 25))
    already = ledger.statement(
        "February 2024", dt.date(2024, 1, 31), dt.date(2024, 2, 25), status=StatementStatus.PAYABLE
    )
    paid = ledger.statement(
        "January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25), status=StatementStatus.PAID
    )
    eligible = LineItemState.ELIGIBLE
    rows = {
        "ledger": ledger,
        "yesterday": yesterday,
        "missed": missed,
        "today": today,
        "already": already,
        "paid": paid,
        "a": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(yesterday, eligible)]),
        "b": ledger.declaration(RETAINED_1, DeclarationState.ELIGIBLE, [(yesterday, eligible)]),
        "voided": ledger.declaration(STARTED, DeclarationState.VOIDED, [(yesterday, LineItemState.VOIDED)]),
        "d": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(missed, eligible)]),
        "e": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(today, eligible)]),
        # Attached in the instant before February's cut-off, committed after the job ran.
        "straggler": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(already, eligible)]),
        "old": ledger.declaration(STARTED, DeclarationState.PAID, [(paid, LineItemState.PAID)]),
    }
    session.commit()
    return rows


def test_mark_payable_closes_every_overdue_open_statement(session, closing):
    with clock.travel(NOON):
        result = mark_payable(session, TODAY)
    session.commit()
    # April (yesterday) and March (a missed day); February was already payable.
    assert (result.statements, result.line_items, result.declarations) == (2, 4, 4)
    assert str(result) == "2 statements and 4 declarations (4 line items) marked payable"
    refreshed(session)
    statuses = {
        name: session.get(Statement, closing[name].id).status
        for name in closing
        if name in ("yesterday", "missed", "today", "already", "paid")
    }
    assert statuses == {
        "yesterday": StatementStatus.PAYABLE,
        "missed": StatementStatus.PAYABLE,
        "today": StatementStatus.OPEN,
        "already": StatementStatus.PAYABLE,
        "paid": StatementStatus.PAID,
    }
    for name in ("a", "b", "d", "straggler"):
        declaration = session.get(ParticipantDeclaration, closing[name].id)
        assert declaration.state == DeclarationState.PAYABLE, name
        assert set(line_states(session, declaration).values()) == {LineItemState.PAYABLE}
        assert history(session, declaration) == [DeclarationState.PAYABLE]
        assert declaration.updated_at == NOON
    change = session.scalars(
        sa.select(DeclarationStateChange).where(
            DeclarationStateChange.participant_declaration_id == closing["a"].id
        )
    ).one()
    assert change.created_at == NOON
    untouched = {
        "e": (DeclarationState.ELIGIBLE, LineItemState.ELIGIBLE),
        "voided": (DeclarationState.VOIDED, LineItemState.VOIDED),
        "old": (DeclarationState.PAID, LineItemState.PAID),
    }
    for name, (state, line_state) in untouched.items():
        declaration = session.get(ParticipantDeclaration, closing[name].id)
        assert declaration.state == state
        assert set(line_states(session, declaration).values()) == {line_state}
        assert history(session, declaration) == []


def test_mark_payable_is_idempotent(session, closing):
    mark_payable(session, TODAY)
    session.commit()
    changes = session.scalar(sa.select(sa.func.count()).select_from(DeclarationStateChange))
    again = mark_payable(session, TODAY)
    session.commit()
    assert (again.statements, again.line_items, again.declarations) == (0, 0, 0)
    assert session.scalar(sa.select(sa.func.count()).select_from(DeclarationStateChange)) == changes


def test_mark_payable_leaves_a_declaration_voided_in_the_meantime(session, closing):
    # Only declarations still eligible move: one voided meanwhile stays voided, with no
    # history row, even if its line was (wrongly) left eligible.
    declaration = closing["a"]
    declaration.state = DeclarationState.VOIDED
    declaration.voided_at = NOON
    session.commit()
    result = mark_payable(session, TODAY)
    session.commit()
    assert result.declarations == 3
    refreshed(session, declaration)
    assert declaration.state == DeclarationState.VOIDED
    assert history(session, declaration) == []


def test_a_statement_becomes_payable_only_the_day_after_its_cut_off(session, closing):
    mark_payable(session, TODAY + dt.timedelta(days=1))
    session.commit()
    refreshed(session)
    assert session.get(Statement, closing["today"].id).status == StatementStatus.PAYABLE
    assert session.get(ParticipantDeclaration, closing["e"].id).state == DeclarationState.PAYABLE


# --- authorise for payment -------------------------------------------------------------------


@pytest.fixture
def payable(session: Session) -> dict[str, object]:
    """A payable statement with payable declarations, a clawback and a last-instant straggler."""
    ledger = Ledger(session)
    ledger.contract()
    earlier = ledger.statement(
        "January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25), status=StatementStatus.PAID
    )
    statement = ledger.statement(
        "April 2024", dt.date(2024, 3, 31), dt.date(2024, 4, 25), status=StatementStatus.PAYABLE
    )
    nxt = ledger.statement("July 2024", dt.date(2024, 6, 30), dt.date(2024, 7, 25))
    rows = {
        "ledger": ledger,
        "earlier": earlier,
        "statement": statement,
        "next": nxt,
        "x": ledger.declaration(STARTED, DeclarationState.PAYABLE, [(statement, LineItemState.PAYABLE)]),
        "y": ledger.declaration(RETAINED_1, DeclarationState.PAYABLE, [(statement, LineItemState.PAYABLE)]),
        "z": ledger.declaration(
            STARTED,
            DeclarationState.AWAITING_CLAWBACK,
            [(earlier, LineItemState.PAID), (statement, LineItemState.AWAITING_CLAWBACK)],
        ),
        "w": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(statement, LineItemState.ELIGIBLE)]),
        "voided": ledger.declaration(STARTED, DeclarationState.VOIDED, [(statement, LineItemState.VOIDED)]),
        "later": ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(nxt, LineItemState.ELIGIBLE)]),
        "clawback_later": ledger.declaration(
            RETAINED_1,
            DeclarationState.AWAITING_CLAWBACK,
            [(earlier, LineItemState.PAID), (nxt, LineItemState.AWAITING_CLAWBACK)],
        ),
    }
    session.commit()
    return rows


def test_authorise_pays_the_statement_and_claws_back(session, payable):
    statement = payable["statement"]
    total_before = statement_breakdown(session, statement.id).total
    with clock.travel(NOON):
        result = authorise_for_payment(session, statement.id)
    session.commit()
    assert (result.paid, result.clawed_back) == (3, 1)
    assert str(result) == (
        f"Statement April 2024 ({statement.id}) authorised for payment: 3 declarations paid, 1 clawed back"
    )
    refreshed(session, statement)
    assert (statement.status, statement.marked_as_paid_at) == (StatementStatus.PAID, NOON)
    for name in ("x", "y"):
        declaration = session.get(ParticipantDeclaration, payable[name].id)
        assert declaration.state == DeclarationState.PAID
        assert line_states(session, declaration) == {"April 2024": LineItemState.PAID}
        assert history(session, declaration) == [DeclarationState.PAID]
    w = session.get(ParticipantDeclaration, payable["w"].id)
    assert (w.state, history(session, w)) == (
        DeclarationState.PAID,
        [DeclarationState.PAYABLE, DeclarationState.PAID],
    )
    z = session.get(ParticipantDeclaration, payable["z"].id)
    assert z.state == DeclarationState.CLAWED_BACK
    assert line_states(session, z) == {
        "January 2024": LineItemState.PAID,
        "April 2024": LineItemState.CLAWED_BACK,
    }
    assert history(session, z) == [DeclarationState.CLAWED_BACK]
    # Other statements' lines and voided ones are untouched.
    for name, state in (
        ("voided", DeclarationState.VOIDED),
        ("later", DeclarationState.ELIGIBLE),
        ("clawback_later", DeclarationState.AWAITING_CLAWBACK),
    ):
        declaration = session.get(ParticipantDeclaration, payable[name].id)
        assert (declaration.state, history(session, declaration)) == (state, [])
    # What was checked is what was paid.
    assert statement_breakdown(session, statement.id).total == total_before


def test_authorise_refuses_a_statement_that_is_not_payable(session, payable):
    open_statement, paid_statement = payable["next"], payable["earlier"]
    with pytest.raises(InvalidTransition) as refused:
        authorise_for_payment(session, open_statement.id)
    assert str(refused.value) == (
        f"Statement July 2024 ({open_statement.id}) is open: only a payable statement "
        "(its cut-off date 2024-06-30 has passed) can be authorised for payment"
    )
    with pytest.raises(InvalidTransition, match=r"has already been paid"):
        authorise_for_payment(session, paid_statement.id)
    for bad in (uuid.uuid4(), "nonsense"):
        with pytest.raises(StatementNotFound):
            authorise_for_payment(session, bad)
    session.rollback()
    assert session.get(Statement, open_statement.id).status == StatementStatus.OPEN


def test_authorising_twice_is_refused(session, payable):
    authorise_for_payment(session, payable["statement"].id)
    session.commit()
    with pytest.raises(InvalidTransition, match="already been paid"):
        authorise_for_payment(session, payable["statement"].id)


# --- adjustments ---------------------------------------------------------------------------------


def test_adjustments_on_unpaid_statements(session, payable):
    statement = payable["statement"]
    adjustment = add_adjustment(session, statement.id, "  Extra support  ", "1,250.50")
    assert (adjustment.payment_type, adjustment.amount) == ("Extra support", D("1250.50"))
    add_adjustment(session, payable["next"].id, "Correction", D("-99.99"))
    change_adjustment(session, adjustment.id, "Extra support (revised)", "£1000")
    session.commit()
    assert [(a.payment_type, a.amount) for a in statement_breakdown(session, statement.id).adjustments] == [
        ("Extra support (revised)", D("1000.00"))
    ]
    remove_adjustment(session, adjustment.id)
    session.commit()
    assert statement_breakdown(session, statement.id).adjustments == ()


def test_adjustments_refused_once_paid(session, payable):
    statement = payable["statement"]
    adjustment = add_adjustment(session, statement.id, "Extra support", "10")
    authorise_for_payment(session, statement.id)
    session.commit()
    with pytest.raises(InvalidTransition, match=r"has been paid, so its adjustments cannot change"):
        add_adjustment(session, statement.id, "Late", "5")
    with pytest.raises(InvalidTransition):
        change_adjustment(session, adjustment.id, "Extra support", "20")
    with pytest.raises(InvalidTransition):
        remove_adjustment(session, adjustment.id)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(StatementAdjustment)) == 1


@pytest.mark.parametrize(
    ("payment_type", "amount", "errors"),
    [
        ("", "10", [("payment_type", "Enter a payment type")]),
        ("x" * 256, "10", [("payment_type", "Payment type must be 255 characters or fewer")]),
        ("Support", "ten", [("amount", "Enter an amount in pounds, like 250.00 or -99.50")]),
        ("Support", "NaN", [("amount", "Enter an amount in pounds, like 250.00 or -99.50")]),
        ("Support", "10.005", [("amount", "Enter an amount in whole pence (at most 2 decimal places)")]),
        ("Support", "0.00", [("amount", "Enter an amount other than zero")]),
        ("Support", "10000000000", [("amount", "Enter an amount below £10,000,000,000")]),
        (
            " ",
            "",
            [
                ("payment_type", "Enter a payment type"),
                ("amount", "Enter an amount in pounds, like 250.00 or -99.50"),
            ],
        ),
    ],
)
def test_adjustment_validation(session, payable, payment_type, amount, errors):
    with pytest.raises(RuleBroken) as broken:
        add_adjustment(session, payable["statement"].id, payment_type, amount)
    assert broken.value.errors == errors


def test_adjustment_on_an_unknown_statement_or_adjustment(session, payable):
    with pytest.raises(StatementNotFound):
        add_adjustment(session, uuid.uuid4(), "Support", "10")
    with pytest.raises(RuleBroken, match="no adjustment with id"):
        change_adjustment(session, uuid.uuid4(), "Support", "10")


# --- the commands --------------------------------------------------------------------------------


@pytest.fixture
def cli(settings: Settings) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        environment = {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key,
            "CPD_ENVIRONMENT": "test",
            "CPD_DEBUG": None,
            "REDIS_URL": None,
        }
        return runner.invoke(main, list(args), env=environment, catch_exceptions=False)

    return invoke


def test_mark_payable_command(session, cli):
    ledger = Ledger(session)
    today = clock.today()
    overdue = ledger.statement("Overdue", today - dt.timedelta(days=3), today + dt.timedelta(days=20))
    ledger.statement("Current", today, today + dt.timedelta(days=30))
    declaration = ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(overdue, LineItemState.ELIGIBLE)])
    session.commit()

    result = cli("declarations", "mark-payable")
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 statement and 1 declaration (1 line item) marked payable.\n"
    result = cli("declarations", "mark-payable")
    assert result.stdout == "0 statements and 0 declarations (0 line items) marked payable.\n"
    refreshed(session, declaration)
    assert declaration.state == DeclarationState.PAYABLE


def test_authorise_command(session, settings, cli):
    ledger = Ledger(session)
    statement = ledger.statement(
        "April 2024", dt.date(2024, 3, 31), dt.date(2024, 4, 25), status=StatementStatus.PAYABLE
    )
    ledger.declaration(STARTED, DeclarationState.PAYABLE, [(statement, LineItemState.PAYABLE)])
    open_statement = ledger.statement("July 2024", dt.date(2099, 6, 30), dt.date(2099, 7, 25))
    session.commit()

    before = row_counts(settings.database_url)
    assert_one_line_error(cli("statements", "authorise", "not-a-uuid"), "is not a valid UUID")
    missing = uuid.uuid4()
    assert_one_line_error(cli("statements", "authorise", str(missing)), f"no statement with id {missing}")
    assert_one_line_error(
        cli("statements", "authorise", str(open_statement.id)),
        "is open: only a payable statement",
    )
    assert row_counts(settings.database_url) == before

    result = cli("statements", "authorise", str(statement.id))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Statement April 2024 ({statement.id}) authorised for payment: 1 declaration paid, 0 clawed back.\n"
    )
    assert_one_line_error(cli("statements", "authorise", str(statement.id)), "has already been paid")
    refreshed(session, statement)
    assert statement.status == StatementStatus.PAID
