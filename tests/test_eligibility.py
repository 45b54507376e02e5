"""DfE confirming a participant as eligible releases their waiting declarations."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from domain.clock import UTC, travel
from domain.eligibility import record_eligibility
from domain.errors import RuleBroken
from storage.enums import DeclarationState, EligibilityReason, EligibilityStatus, LineItemState
from storage.models import ParticipantEligibility, Statement, StatementLineItem
from tests import builders
from tests.test_declarations_api import history, make_provider, put_declaration

MOMENT = dt.datetime(2025, 10, 15, 12, 0, tzinfo=UTC)


def _lines(session, declaration):  # type: ignore[no-untyped-def]
    return session.execute(
        sa.select(StatementLineItem.state, Statement.name, Statement.cohort_id)
        .join(Statement)
        .where(StatementLineItem.participant_declaration_id == declaration.id)
    ).all()


def test_an_eligible_verdict_moves_submitted_declarations_onto_the_next_statement(session, settings):
    with travel(MOMENT):
        provider = make_provider(session, settings.secret_key)
        profile = builders.participant(
            session, provider.programmes[2025], eligibility=EligibilityStatus.MANUAL_CHECK
        )
        waiting = put_declaration(session, provider, profile, DeclarationState.SUBMITTED)
        voided = put_declaration(
            session, provider, profile, DeclarationState.VOIDED, declaration_type="retained-1"
        )
        session.flush()

        outcome = record_eligibility(session, profile.id, EligibilityStatus.ELIGIBLE)

        assert (outcome.declarations_made_eligible, outcome.declarations_left_waiting) == (1, 0)
        assert waiting.state == DeclarationState.ELIGIBLE
        assert history(waiting)[-1] == (DeclarationState.ELIGIBLE, None)
        [(line_state, name, cohort_id)] = _lines(session, waiting)
        assert line_state == LineItemState.ELIGIBLE
        assert cohort_id == waiting.cohort_id
        # The 2025 cohort's first output statement whose cut-off (31 Dec 2025) has not passed.
        assert name == "January 2026"
        assert voided.state == DeclarationState.VOIDED
        stored = session.scalars(
            sa.select(ParticipantEligibility).where(
                ParticipantEligibility.participant_profile_id == profile.id
            )
        ).one()
        assert (stored.status, stored.manually_validated) == (EligibilityStatus.ELIGIBLE, True)


@pytest.mark.parametrize("verdict", [EligibilityStatus.INELIGIBLE, EligibilityStatus.MANUAL_CHECK])
def test_other_verdicts_leave_declarations_waiting(session, settings, verdict):
    with travel(MOMENT):
        provider = make_provider(session, settings.secret_key)
        profile = builders.participant(session, provider.programmes[2025], eligibility=None)
        waiting = put_declaration(session, provider, profile, DeclarationState.SUBMITTED)
        outcome = record_eligibility(session, profile.id, verdict, EligibilityReason.NO_QTS)
        assert outcome.declarations_made_eligible == 0
        assert waiting.state == DeclarationState.SUBMITTED
        assert _lines(session, waiting) == []


def test_declarations_of_a_closed_cohort_keep_waiting(session, settings):
    with travel(MOMENT):
        provider = make_provider(session, settings.secret_key)
        profile = builders.participant(session, provider.programmes[2025], eligibility=None)
        waiting = put_declaration(session, provider, profile, DeclarationState.SUBMITTED)
    # Long after the cohort's last statement: nowhere to put it.
    with travel(dt.datetime(2031, 1, 1, tzinfo=UTC)):
        outcome = record_eligibility(session, profile.id, EligibilityStatus.ELIGIBLE)
    assert (outcome.declarations_made_eligible, outcome.declarations_left_waiting) == (0, 1)
    assert waiting.state == DeclarationState.SUBMITTED


def test_an_unknown_training_record_is_refused(session):
    import uuid

    with pytest.raises(RuleBroken):
        record_eligibility(session, uuid.uuid4(), EligibilityStatus.ELIGIBLE)
