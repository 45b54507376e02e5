"""The declaration rules as plain functions (dates, milestone windows, evidence, uplift) and
the domain services called directly: recording, voiding, clawback, mentor completion and
the database backstop against a lost race."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from domain import declarations as rules
from domain.clock import UTC, travel
from domain.errors import InvalidTransition, RuleBroken
from storage.enums import (
    DeclarationState,
    DeclarationType,
    EvidenceHeld,
    LineItemState,
    MentorCompletionReason,
    ProfileType,
)
from storage.models import Cohort, Milestone, ParticipantDeclaration, StatementLineItem
from tests import builders
from tests.test_declarations_api import history, make_provider, put_declaration, statement

NOW = dt.datetime(2024, 11, 15, 12, tzinfo=UTC)


def request_for(profile, **overrides) -> rules.DeclarationRequest:  # type: ignore[no-untyped-def]
    values = {
        "participant_id": str(profile.teacher_id),
        "declaration_type": "started",
        "declaration_date": "2024-11-01T10:00:00Z",
        "course_identifier": "ecf-induction" if profile.is_ect else "ecf-mentor",
    }
    values.update(overrides)
    return rules.DeclarationRequest(**values)


# --- declaration_date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2024-11-01T10:00:00Z", dt.datetime(2024, 11, 1, 10, tzinfo=UTC)),
        ("2024-11-01T10:00:00", dt.datetime(2024, 11, 1, 10, tzinfo=UTC)),
        ("2024-11-01T10:00:00.123456789Z", dt.datetime(2024, 11, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-11-01T10:00:00,5Z", dt.datetime(2024, 11, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2024-11-01T10:00:00+01", dt.datetime(2024, 11, 1, 9, tzinfo=UTC)),
        ("2024-11-01T10:00:00+0130", dt.datetime(2024, 11, 1, 8, 30, tzinfo=UTC)),
        ("2024-11-01T10:00:00-01:30", dt.datetime(2024, 11, 1, 11, 30, tzinfo=UTC)),
    ],
)
def test_declaration_dates_in_the_accepted_form(text, instant):
    assert rules.parse_declaration_date(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-01",
        "2024-11-01T10:00",
        "2024-11-01 10:00:00Z",
        "2024-11-01t10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2024-11-01T24:00:00Z",
        "2024-11-01T10:00:00+25:00",
        "2024-11-01T10:00:00Z\n",
        "２０２４-11-01T10:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
        None,
        20241101,
    ],
)
def test_declaration_dates_not_in_the_accepted_form(text):
    assert rules.parse_declaration_date(text) is None


# --- milestone windows ----------------------------------------------------------------------------


def milestone(start: dt.date, end: dt.date | None) -> Milestone:
    return Milestone(
        declaration_type=DeclarationType.STARTED, start_date=start, milestone_date=end, payment_date=start
    )


@pytest.mark.parametrize(
    ("instant", "problem"),
    [
        (dt.datetime(2024, 5, 31, 23, 59, 59, 999999, tzinfo=UTC), rules.BEFORE_MILESTONE_START),
        (dt.datetime(2024, 6, 1, tzinfo=UTC), None),
        (dt.datetime(2024, 12, 31, 23, 59, 59, 999998, tzinfo=UTC), None),
        (dt.datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), rules.AFTER_MILESTONE_END),
        (dt.datetime(2025, 1, 1, tzinfo=UTC), rules.AFTER_MILESTONE_END),
    ],
)
def test_a_milestone_window_runs_from_the_start_of_its_first_day_to_the_end_of_its_last(instant, problem):
    assert (
        rules.milestone_window_error(instant, milestone(dt.date(2024, 6, 1), dt.date(2024, 12, 31)))
        == problem
    )


def test_a_milestone_without_a_date_has_only_a_start():
    window = milestone(dt.date(2025, 7, 1), None)
    assert rules.milestone_window_error(dt.datetime(2030, 1, 1, tzinfo=UTC), window) is None
    assert (
        rules.milestone_window_error(dt.datetime(2025, 6, 30, tzinfo=UTC), window)
        == rules.BEFORE_MILESTONE_START
    )


# --- evidence_held (api-contract §4.3) ------------------------------------------------------------

BASIC = {
    "training-event-attended",
    "self-study-material-completed",
    "materials-engaged-with-offline",
    "other",
}
ENGAGEMENT = {"75-percent-engagement-met", "75-percent-engagement-met-reduced-induction"}
LEGACY = {"training-event-attended", "self-study-material-completed", "other"}
EVERY = {value.value for value in EvidenceHeld}

DETAILED_TABLE = [
    (ProfileType.ECT, DeclarationType.STARTED, BASIC),
    (ProfileType.ECT, DeclarationType.RETAINED_1, BASIC),
    (ProfileType.ECT, DeclarationType.RETAINED_2, ENGAGEMENT),
    (ProfileType.ECT, DeclarationType.RETAINED_3, BASIC),
    (ProfileType.ECT, DeclarationType.RETAINED_4, BASIC),
    (ProfileType.ECT, DeclarationType.COMPLETED, ENGAGEMENT | {"one-term-induction"}),
    (ProfileType.ECT, DeclarationType.EXTENDED_1, BASIC),
    (ProfileType.ECT, DeclarationType.EXTENDED_2, BASIC),
    (ProfileType.ECT, DeclarationType.EXTENDED_3, BASIC),
    (ProfileType.MENTOR, DeclarationType.STARTED, BASIC),
    (ProfileType.MENTOR, DeclarationType.COMPLETED, ENGAGEMENT),
    (ProfileType.MENTOR, DeclarationType.RETAINED_1, set()),
]


@pytest.mark.parametrize(("profile_type", "declaration_type", "allowed"), DETAILED_TABLE)
def test_evidence_from_2025(profile_type, declaration_type, allowed):
    for value in EVERY:
        expected = None if value in allowed else rules.EVIDENCE_INVALID
        assert rules.evidence_error(value, declaration_type, profile_type, True) == expected, value
    blank = None if declaration_type == DeclarationType.STARTED else rules.EVIDENCE_MISSING
    assert rules.evidence_error(None, declaration_type, profile_type, True) == blank
    assert rules.evidence_error("  ", declaration_type, profile_type, True) == blank


@pytest.mark.parametrize("declaration_type", [t for t in DeclarationType if t != DeclarationType.STARTED])
@pytest.mark.parametrize("profile_type", list(ProfileType))
def test_evidence_before_2025(profile_type, declaration_type):
    for value in EVERY:
        expected = None if value in LEGACY else rules.EVIDENCE_INVALID
        assert rules.evidence_error(value, declaration_type, profile_type, False) == expected, value
    assert rules.evidence_error(None, declaration_type, profile_type, False) == rules.EVIDENCE_MISSING
    assert rules.evidence_error(["other"], declaration_type, profile_type, False) == rules.EVIDENCE_INVALID


def test_evidence_for_a_start_before_2025_is_never_checked_and_never_kept():
    for value in (None, "nonsense", "75-percent-engagement-met", 7):
        assert rules.evidence_error(value, DeclarationType.STARTED, ProfileType.ECT, False) is None
        assert rules.evidence_to_store(value, DeclarationType.STARTED, False) is None
    assert rules.evidence_to_store("other", DeclarationType.STARTED, True) == EvidenceHeld.OTHER
    assert rules.evidence_to_store("other", DeclarationType.RETAINED_1, False) == EvidenceHeld.OTHER


# --- uplift ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("course", "declaration_type", "state", "flags", "paid"),
    [
        ("ecf-induction", "started", DeclarationState.PAID, (True, False), True),
        ("ecf-induction", "started", DeclarationState.AWAITING_CLAWBACK, (False, True), True),
        ("ecf-induction", "started", DeclarationState.CLAWED_BACK, (True, True), True),
        ("ecf-induction", "started", DeclarationState.PAYABLE, (True, True), False),
        ("ecf-induction", "started", DeclarationState.PAID, (False, False), False),
        ("ecf-induction", "retained-1", DeclarationState.PAID, (True, True), False),
        ("ecf-mentor", "started", DeclarationState.PAID, (True, True), False),
    ],
)
def test_an_uplift_is_paid_on_an_ects_paid_start_at_a_qualifying_school(
    course, declaration_type, state, flags, paid
):
    assert rules.uplift_paid(course, declaration_type, state, *flags) is paid


# --- the services ----------------------------------------------------------------------------------


@pytest.fixture
def lp(session, settings):  # type: ignore[no-untyped-def]
    provider = make_provider(session, settings.secret_key)
    session.commit()
    return provider


def test_recording_collects_every_broken_rule_before_writing_anything(session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    with travel(NOW), pytest.raises(RuleBroken) as broken:
        rules.record_declaration(
            session,
            lp.id,
            request_for(profile, declaration_date="2025-01-01T00:00:00Z", declaration_type="extended-2"),
        )
    assert broken.value.by_attribute() == [
        ("declaration_date", rules.DATE_IN_FUTURE),
        ("declaration_type", rules.TYPE_NOT_IN_SCHEDULE),
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantDeclaration)) == 0


def test_losing_the_race_to_an_identical_declaration_is_the_duplicate_error(session, lp, monkeypatch):
    """The checks ran before the winner committed; only the unique index sees it."""
    profile = builders.participant(session, lp.programmes[2024])
    session.commit()
    with travel(NOW):
        rules.record_declaration(session, lp.id, request_for(profile))
        session.commit()
        monkeypatch.setattr(rules._Checks, "_already_declared", lambda self, profile: False)
        with pytest.raises(RuleBroken) as broken:
            rules.record_declaration(
                session, lp.id, request_for(profile, declaration_date="2024-11-02T10:00:00Z")
            )
    assert broken.value.by_attribute() == [("base", rules.ALREADY_DECLARED)]
    live = session.scalars(
        sa.select(ParticipantDeclaration).where(ParticipantDeclaration.participant_profile_id == profile.id)
    ).all()
    assert [d.state for d in live] == [DeclarationState.ELIGIBLE]


def test_next_output_statement_is_the_earliest_open_one_and_none_once_frozen(session, lp):
    cohort = builders.cohort(session, 2021)
    with travel(dt.datetime(2024, 2, 1, tzinfo=UTC)):
        assert rules.next_output_statement(session, lp.id, cohort).name == "May 2024"  # type: ignore[union-attr]
        assert not rules.payments_frozen(cohort)
    with travel(dt.datetime(2024, 4, 3, tzinfo=UTC)):
        assert rules.payments_frozen(cohort)
        assert rules.next_output_statement(session, lp.id, cohort) is None
    open_cohort = builders.cohort(session, 2024)
    with travel(dt.datetime(2040, 1, 1, tzinfo=UTC)):
        assert rules.next_output_statement(session, lp.id, open_cohort) is None


def test_a_paid_declaration_already_being_refunded_is_not_clawed_back_twice(session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    declaration = put_declaration(
        session,
        lp,
        profile,
        DeclarationState.PAID,
        statement_row=statement(session, lp, 2024, "January 2025"),
    )
    session.add(
        StatementLineItem(
            statement_id=statement(session, lp, 2024, "April 2025").id,
            participant_declaration_id=declaration.id,
            state=LineItemState.AWAITING_CLAWBACK,
        )
    )
    session.flush()
    with travel(NOW), pytest.raises(InvalidTransition) as refused:
        rules.void_declaration(session, declaration)
    assert str(refused.value) == "Participant declaration will or has been be refunded"


def test_every_state_a_declaration_enters_is_kept_in_its_history(session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    with travel(NOW):
        declaration = rules.record_declaration(session, lp.id, request_for(profile))
    with travel(NOW + dt.timedelta(days=1)):
        rules.change_state(session, declaration, DeclarationState.PAYABLE)
    with travel(NOW + dt.timedelta(days=2)):
        rules.change_state(session, declaration, DeclarationState.PAID)
    with travel(NOW + dt.timedelta(days=3)):
        rules.void_declaration(session, declaration)
    session.flush()
    session.expire(declaration, ["states"])
    assert history(declaration) == [
        (DeclarationState.SUBMITTED, None),
        (DeclarationState.ELIGIBLE, None),
        (DeclarationState.PAYABLE, None),
        (DeclarationState.PAID, None),
        (DeclarationState.AWAITING_CLAWBACK, None),
    ]
    assert [s.created_at for s in declaration.states][-3:] == [NOW + dt.timedelta(days=n) for n in (1, 2, 3)]
    assert declaration.voided_at is None


def record_completed_mentor(session, lp, mentor, date: str) -> ParticipantDeclaration:  # type: ignore[no-untyped-def]
    with travel(dt.datetime(2025, 11, 15, tzinfo=UTC)):
        return rules.record_declaration(
            session,
            lp.id,
            request_for(
                mentor,
                declaration_type="completed",
                declaration_date=date,
                evidence_held="75-percent-engagement-met",
            ),
        )


def test_a_manual_started_not_completed_mark_is_kept_after_july_2024(session, lp):
    mentor = builders.participant(session, lp.programmes[2025], profile_type=ProfileType.MENTOR)
    mentor.mentor_completion_date = dt.date(2025, 8, 1)
    mentor.mentor_completion_reason = MentorCompletionReason.STARTED_NOT_COMPLETED
    record_completed_mentor(session, lp, mentor, "2025-11-01T10:00:00Z")
    assert (mentor.mentor_completion_date, mentor.mentor_completion_reason) == (
        dt.date(2025, 8, 1),
        MentorCompletionReason.STARTED_NOT_COMPLETED,
    )


def test_an_early_roll_out_completion_is_never_recomputed(session, lp):
    mentor = builders.participant(session, lp.programmes[2025], profile_type=ProfileType.MENTOR)
    mentor.mentor_completion_date = dt.date(2021, 4, 19)
    mentor.mentor_completion_reason = MentorCompletionReason.COMPLETED_DURING_EARLY_ROLL_OUT
    record_completed_mentor(session, lp, mentor, "2025-11-01T10:00:00Z")
    assert mentor.mentor_completion_date == dt.date(2021, 4, 19)


def test_an_ects_completion_leaves_mentor_fields_alone(session, lp):
    ect = builders.participant(session, lp.programmes[2024])
    with travel(dt.datetime(2026, 5, 1, tzinfo=UTC)):
        rules.record_declaration(
            session,
            lp.id,
            request_for(
                ect,
                declaration_type="completed",
                declaration_date="2026-04-10T10:00:00Z",
                evidence_held="other",
            ),
        )
    assert ect.mentor_completion_date is None


def test_a_declaration_is_kept_in_its_own_cohort(session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    with travel(NOW):
        declaration = rules.record_declaration(session, lp.id, request_for(profile))
    assert session.get(Cohort, declaration.cohort_id).start_year == 2024  # type: ignore[union-attr]
    assert declaration.lead_provider_id == lp.id
    assert declaration.teacher_id == profile.teacher_id
    assert isinstance(declaration.id, uuid.UUID)
