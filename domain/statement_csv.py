"""The assurance CSV: every declaration a statement pays or claws back, one row per line item.

Finance and providers reconcile a statement against it, so it lists exactly the lines the
calculation counts (billable and refundable), and it is streamed row by row so a statement
with tens of thousands of declarations never sits in memory as one string.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.payments import BILLABLE, REFUNDABLE
from domain.spreadsheet import inert
from domain.statement_lifecycle import get_statement
from storage.models import DeliveryPartner, ParticipantDeclaration, StatementLineItem, Teacher

HEADER = (
    "Declaration ID",
    "Participant ID",
    "Participant Name",
    "TRN",
    "Course Identifier",
    "Declaration Type",
    "Declaration Date",
    "Declaration State",
    "Line Item State",
    "Delivery Partner ID",
    "Delivery Partner Name",
    "Pupil Premium Uplift",
    "Sparsity Uplift",
    "Statement Name",
    "Statement ID",
)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def iter_statement_declarations_csv(
    session: Session, statement_id: uuid.UUID | str, *, batch_size: int = 1000
) -> Iterator[str]:
    """The CSV as a stream of text chunks (header first), for a streamed download."""
    statement = get_statement(session, statement_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    writer.writerow(HEADER)
    yield flush()
    query = (
        sa.select(
            ParticipantDeclaration.id,
            ParticipantDeclaration.teacher_id,
            Teacher.full_name,
            Teacher.trn,
            ParticipantDeclaration.course_identifier,
            ParticipantDeclaration.declaration_type,
            ParticipantDeclaration.declaration_date,
            ParticipantDeclaration.state,
            StatementLineItem.state,
            ParticipantDeclaration.delivery_partner_id,
            DeliveryPartner.name,
            ParticipantDeclaration.pupil_premium_uplift,
            ParticipantDeclaration.sparsity_uplift,
        )
        .select_from(StatementLineItem)
        .join(
            ParticipantDeclaration, ParticipantDeclaration.id == StatementLineItem.participant_declaration_id
        )
        .join(Teacher, Teacher.id == ParticipantDeclaration.teacher_id)
        .outerjoin(DeliveryPartner, DeliveryPartner.id == ParticipantDeclaration.delivery_partner_id)
        .where(
            StatementLineItem.statement_id == statement.id,
            StatementLineItem.state.in_([*BILLABLE, *REFUNDABLE]),
        )
        .order_by(ParticipantDeclaration.declaration_date, ParticipantDeclaration.id, StatementLineItem.id)
        .execution_options(yield_per=batch_size)
    )
    for count, row in enumerate(session.execute(query), start=1):
        (
            declaration_id,
            participant_id,
            name,
            trn,
            course,
            declaration_type,
            declaration_date,
            state,
            line_state,
            partner_id,
            partner_name,
            pupil_premium,
            sparsity,
        ) = row
        writer.writerow(
            (
                declaration_id,
                participant_id,
                inert(name),
                trn or "",
                course.value,
                declaration_type.value,
                _timestamp(declaration_date),
                state.value,
                line_state.value,
                partner_id or "",
                inert(partner_name),
                str(bool(pupil_premium)).lower(),
                str(bool(sparsity)).lower(),
                inert(statement.name),
                statement.id,
            )
        )
        if count % batch_size == 0:
            yield flush()
    rest = flush()
    if rest:
        yield rest


def statement_declarations_csv(session: Session, statement_id: uuid.UUID | str) -> str:
    """The whole CSV as one string (small statements, tests, email attachments)."""
    return "".join(iter_statement_declarations_csv(session, statement_id))
