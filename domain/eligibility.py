"""DfE's funding-eligibility decisions, and what they do to declarations already made.

A declaration made while its participant was not yet confirmed as fundable waits as
``submitted``. When DfE later records the participant as eligible, every such declaration
becomes ``eligible`` and joins its provider's next output statement for its cohort, as it
would have had the participant been eligible when it was made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import audit
from domain.declarations import change_state, next_output_statement
from domain.errors import RuleBroken
from storage.enums import DeclarationState, EligibilityReason, EligibilityStatus, LineItemState
from storage.models import (
    Cohort,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantProfile,
    StatementLineItem,
)


@dataclass(frozen=True)
class EligibilityOutcome:
    status: EligibilityStatus
    declarations_made_eligible: int
    declarations_left_waiting: int


def record_eligibility(
    session: Session,
    participant_profile_id: uuid.UUID,
    status: EligibilityStatus,
    reason: EligibilityReason = EligibilityReason.NONE,
    *,
    manually_validated: bool = True,
) -> EligibilityOutcome:
    """Record DfE's verdict on a training record; an ``eligible`` verdict releases its
    submitted declarations onto statements (those of a cohort with no open output
    statement stay submitted, and are counted as waiting)."""
    profile = session.get(ParticipantProfile, participant_profile_id)
    if profile is None:
        raise RuleBroken.on("participant_profile", "The training record could not be found.")
    eligibility = session.scalars(
        sa.select(ParticipantEligibility).where(ParticipantEligibility.participant_profile_id == profile.id)
    ).first()
    why = None if reason == EligibilityReason.NONE else str(reason.value)
    with audit.reason(session, why):
        if eligibility is None:
            eligibility = ParticipantEligibility(participant_profile_id=profile.id, status=status)
            session.add(eligibility)
        eligibility.status = status
        eligibility.reason = reason
        eligibility.manually_validated = manually_validated

    released = waiting = 0
    if status == EligibilityStatus.ELIGIBLE:
        submitted = session.scalars(
            sa.select(ParticipantDeclaration)
            .where(
                ParticipantDeclaration.participant_profile_id == profile.id,
                ParticipantDeclaration.state == DeclarationState.SUBMITTED,
            )
            .order_by(ParticipantDeclaration.declaration_date, ParticipantDeclaration.created_at)
            .with_for_update()
        )
        for declaration in submitted:
            cohort = session.get(Cohort, declaration.cohort_id)
            assert cohort is not None
            statement = next_output_statement(session, declaration.lead_provider_id, cohort)
            if statement is None:
                waiting += 1
                continue
            change_state(session, declaration, DeclarationState.ELIGIBLE)
            session.add(
                StatementLineItem(
                    statement_id=statement.id,
                    participant_declaration_id=declaration.id,
                    state=LineItemState.ELIGIBLE,
                )
            )
            released += 1
        session.flush()
    return EligibilityOutcome(status, released, waiting)
