"""A statement's life: open → payable (after its cut-off) → paid (when DfE authorises it).

Declarations and their line items move with the statement, and every declaration that
moves gets a history row. The state changes are conditional set-based updates
(``... WHERE state = 'eligible'``), so a declaration voided by its provider at the same
moment is skipped rather than overwritten, a second run changes nothing, and thousands of
declarations move in a handful of statements whatever the size of the statement.
Being set-based, they tell ``domain.sync`` themselves which API resources they changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import sync
from domain.clock import now
from domain.errors import InvalidTransition, RuleBroken
from storage.enums import DeclarationState, LineItemState, StatementStatus
from storage.models import (
    DeclarationStateChange,
    ParticipantDeclaration,
    Statement,
    StatementAdjustment,
    StatementLineItem,
)

#: The largest amount a ``Numeric(12, 2)`` column holds.
_MAX_AMOUNT = decimal.Decimal("9999999999.99")
_PENCE = decimal.Decimal("0.01")


class StatementNotFound(LookupError):
    """No statement has the given id (a caller's mistake, shown as one line)."""

    def __init__(self, statement_id: object):
        super().__init__(f"no statement with id {statement_id}")


def get_statement(session: Session, statement_id: uuid.UUID | str, *, for_update: bool = False) -> Statement:
    """The statement, or :class:`StatementNotFound` (also for an id that is not a UUID)."""
    try:
        key = statement_id if isinstance(statement_id, uuid.UUID) else uuid.UUID(str(statement_id))
    except ValueError:
        raise StatementNotFound(statement_id) from None
    query = sa.select(Statement).where(Statement.id == key)
    if for_update:
        query = query.with_for_update()
    statement = session.scalars(query).one_or_none()
    if statement is None:
        raise StatementNotFound(statement_id)
    return statement


@dataclass(frozen=True)
class MarkPayableResult:
    """What one run of the daily job changed; all zero when there was nothing to do."""

    statements: int
    line_items: int
    declarations: int

    def __str__(self) -> str:
        return (
            f"{self.statements} statement{_s(self.statements)} and "
            f"{self.declarations} declaration{_s(self.declarations)} "
            f"({self.line_items} line item{_s(self.line_items)}) marked payable"
        )


@dataclass(frozen=True)
class AuthorisationResult:
    """What authorising one statement changed."""

    statement_id: uuid.UUID
    statement_name: str
    paid: int
    clawed_back: int

    def __str__(self) -> str:
        return (
            f"Statement {self.statement_name} ({self.statement_id}) authorised for payment: "
            f"{self.paid} declaration{_s(self.paid)} paid, {self.clawed_back} clawed back"
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def mark_payable(session: Session, today: dt.date) -> MarkPayableResult:
    """The daily job: every open statement whose cut-off is before ``today`` becomes payable.

    The original ran for the statement whose deadline was yesterday only; taking every
    overdue one means a missed day is caught up. Eligible line items are swept on every
    payable statement, not just those closed by this run, so a declaration attached in the
    last instant before the cut-off (committed after the job ran) is not left behind.
    """
    moment = now()
    # A payable statement still shows ``paid: false``: closing it moves no API stamp.
    closed = session.execute(
        sa.update(Statement)
        .where(Statement.status == StatementStatus.OPEN, Statement.deadline_date < today)
        .values(status=StatementStatus.PAYABLE, updated_at=moment)
        .returning(Statement.id),
        execution_options={"synchronize_session": "fetch"},
    ).all()
    payable_statements = sa.select(Statement.id).where(
        Statement.status == StatementStatus.PAYABLE, Statement.deadline_date < today
    )
    lines, declarations = _advance(
        session, payable_statements, LineItemState.ELIGIBLE, LineItemState.PAYABLE, moment
    )
    return MarkPayableResult(statements=len(closed), line_items=lines, declarations=declarations)


def authorise_for_payment(session: Session, statement_id: uuid.UUID | str) -> AuthorisationResult:
    """DfE finance authorises a payable statement: it is paid, and so is everything on it.

    Payable declarations become paid and awaiting-clawback ones clawed back. Anything
    still eligible on the statement (attached in the instant before its cut-off) was in
    the breakdown finance checked, so it is moved through payable to paid as well.
    """
    statement = get_statement(session, statement_id, for_update=True)
    if statement.status != StatementStatus.PAYABLE:
        raise InvalidTransition(_not_payable_message(statement))
    moment = now()
    # Conditional, so two people authorising at once cannot both succeed (SQLite has no
    # row locks; on PostgreSQL the row lock above already serialises them).
    changed = session.execute(
        sa.update(Statement)
        .where(Statement.id == statement.id, Statement.status == StatementStatus.PAYABLE)
        .values(status=StatementStatus.PAID, marked_as_paid_at=moment, updated_at=moment),
        execution_options={"synchronize_session": "fetch"},
    )
    if changed.rowcount != 1:
        session.refresh(statement)
        raise InvalidTransition(_not_payable_message(statement))
    sync.touch(session, sync.STATEMENT, [statement.id])  # it now shows paid
    this_statement = sa.select(Statement.id).where(Statement.id == statement.id)
    _advance(session, this_statement, LineItemState.ELIGIBLE, LineItemState.PAYABLE, moment)
    _, paid = _advance(session, this_statement, LineItemState.PAYABLE, LineItemState.PAID, moment)
    _, clawed_back = _advance(
        session, this_statement, LineItemState.AWAITING_CLAWBACK, LineItemState.CLAWED_BACK, moment
    )
    session.refresh(statement)
    return AuthorisationResult(statement.id, statement.name, paid=paid, clawed_back=clawed_back)


def _not_payable_message(statement: Statement) -> str:
    if statement.status == StatementStatus.PAID:
        return f"Statement {statement.name} ({statement.id}) has already been paid"
    return (
        f"Statement {statement.name} ({statement.id}) is {statement.status.value}: only a payable "
        f"statement (its cut-off date {statement.deadline_date.isoformat()} has passed) can be "
        "authorised for payment"
    )


def _advance(
    session: Session,
    statement_ids: sa.Select[tuple[uuid.UUID]],
    source: LineItemState,
    target: LineItemState,
    moment: dt.datetime,
) -> tuple[int, int]:
    """Move the statements' line items (and their declarations) from ``source`` to ``target``.

    A declaration moves only if it is itself in ``source``: one voided a moment ago stays
    voided. Returns (line items moved, declarations moved).
    """
    lines = session.execute(
        sa.update(StatementLineItem)
        .where(StatementLineItem.statement_id.in_(statement_ids), StatementLineItem.state == source)
        .values(state=target, updated_at=moment)
        .returning(StatementLineItem.id),
        execution_options={"synchronize_session": "fetch"},
    ).all()
    if not lines:
        return 0, 0
    declaration_state = DeclarationState(source.value)
    moved = session.execute(
        sa.update(ParticipantDeclaration)
        .where(
            ParticipantDeclaration.state == declaration_state,
            ParticipantDeclaration.id.in_(
                sa.select(StatementLineItem.participant_declaration_id).where(
                    StatementLineItem.statement_id.in_(statement_ids), StatementLineItem.state == target
                )
            ),
        )
        .values(state=DeclarationState(target.value), updated_at=moment)
        .returning(ParticipantDeclaration.id),
        execution_options={"synchronize_session": "fetch"},
    ).all()
    sync.touch(session, sync.DECLARATION, [row.id for row in moved])
    _record_history(session, (row.id for row in moved), DeclarationState(target.value), moment)
    return len(lines), len(moved)


def _record_history(
    session: Session, declaration_ids: Iterable[uuid.UUID], state: DeclarationState, moment: dt.datetime
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "participant_declaration_id": declaration_id,
            "state": state,
            "created_at": moment,
        }
        for declaration_id in declaration_ids
    ]
    if rows:
        session.execute(sa.insert(DeclarationStateChange), rows)


# --- adjustments --------------------------------------------------------------------------------


def add_adjustment(
    session: Session, statement_id: uuid.UUID | str, payment_type: str, amount: decimal.Decimal | str
) -> StatementAdjustment:
    """Add a manual amount (positive or negative) to a statement that has not been paid."""
    statement = _unpaid_statement(session, statement_id)
    adjustment = StatementAdjustment(statement_id=statement.id, **_valid_adjustment(payment_type, amount))
    session.add(adjustment)
    session.flush()
    return adjustment


def change_adjustment(
    session: Session, adjustment_id: uuid.UUID, payment_type: str, amount: decimal.Decimal | str
) -> StatementAdjustment:
    """Correct an adjustment while its statement is still unpaid."""
    adjustment = _adjustment(session, adjustment_id)
    _unpaid_statement(session, adjustment.statement_id)
    for attribute, value in _valid_adjustment(payment_type, amount).items():
        setattr(adjustment, attribute, value)
    session.flush()
    return adjustment


def remove_adjustment(session: Session, adjustment_id: uuid.UUID) -> None:
    """Delete an adjustment while its statement is still unpaid."""
    adjustment = _adjustment(session, adjustment_id)
    _unpaid_statement(session, adjustment.statement_id)
    session.delete(adjustment)
    session.flush()


def _adjustment(session: Session, adjustment_id: uuid.UUID) -> StatementAdjustment:
    adjustment = session.get(StatementAdjustment, adjustment_id)
    if adjustment is None:
        raise RuleBroken.on("adjustment", f"no adjustment with id {adjustment_id}")
    return adjustment


def _unpaid_statement(session: Session, statement_id: uuid.UUID | str) -> Statement:
    """The statement, locked so an authorisation cannot slip in between the check and the write."""
    statement = get_statement(session, statement_id, for_update=True)
    if statement.status == StatementStatus.PAID:
        raise InvalidTransition(
            f"Statement {statement.name} ({statement.id}) has been paid, so its adjustments cannot change"
        )
    return statement


def _valid_adjustment(payment_type: str, amount: decimal.Decimal | str) -> dict[str, object]:
    errors: list[tuple[str, str]] = []
    payment_type = (payment_type or "").strip()
    if not payment_type:
        errors.append(("payment_type", "Enter a payment type"))
    elif len(payment_type) > 255:
        errors.append(("payment_type", "Payment type must be 255 characters or fewer"))
    value: decimal.Decimal | None
    try:
        value = decimal.Decimal(str(amount).strip().replace(",", "").lstrip("£"))
    except (decimal.InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors.append(("amount", "Enter an amount in pounds, like 250.00 or -99.50"))
    elif value != value.quantize(_PENCE):
        errors.append(("amount", "Enter an amount in whole pence (at most 2 decimal places)"))
    elif value == 0:
        errors.append(("amount", "Enter an amount other than zero"))
    elif abs(value) > _MAX_AMOUNT:
        errors.append(("amount", "Enter an amount below £10,000,000,000"))
    if errors:
        raise RuleBroken(errors)
    assert value is not None
    return {"payment_type": payment_type, "amount": value.quantize(_PENCE)}
