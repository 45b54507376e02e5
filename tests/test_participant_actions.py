"""Participant actions at the domain level (business rules §2.1 and §4): every rule with
its exact message and attribute, the rows each change writes, and per-provider scoping."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from domain import participant_actions as actions
from domain.clock import UTC, travel
from domain.errors import RuleBroken
from storage.enums import (
    ChallengeReason,
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    InductionStatus,
    ProfileType,
    RecordStatus,
    TrainingStatus,
)
from storage.models import (
    InductionRecord,
    ParticipantDeclaration,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileSchedule,
    ParticipantProfileState,
    Teacher,
)
from tests import builders
from tests.factories import provider_with_token

NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. "
    "Check participant details and try again."
)
COURSE_NOT_RECOGNISED = "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again."
COURSE_MISSING = "Enter a '#/course_identifier' value for this participant."
REASON_MISSING = "The property '#/reason' must be present"
REASON_INVALID = "The property '#/reason' must be a valid reason"
INVALID_SCHEDULE = "The property '#/schedule_identifier' must be present and correspond to a valid schedule"
INVALIDATES = "Changing schedule would invalidate existing declarations. Please void them first."
CANNOT_CHANGE = "You cannot change the '#/cohort' field"
NO_PARTNERSHIP = (
    "You cannot change a participant to this cohort as you do not have a partnership with the school "
    "for the cohort. Contact the DfE for assistance."
)
ECT = "ecf-induction"
MENTOR = "ecf-mentor"
NOW = dt.datetime(2025, 2, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def provider(session, settings):
    lead_provider, _ = provider_with_token(session, settings.secret_key)
    return lead_provider


@pytest.fixture
def other_provider(session, settings, provider):
    lead_provider, _ = provider_with_token(session, settings.secret_key, name="Other Provider")
    return lead_provider


@pytest.fixture
def school(session, provider):
    return builders.school(session)


@pytest.fixture
def partner(session, provider):
    return builders.delivery_partner(session, provider, years=(2021, 2023, 2024, 2025))


@pytest.fixture
def programme(session, provider, school, partner):
    _, programme = builders.partnership(session, school, provider, partner, 2024)
    return programme


@pytest.fixture
def ect(session, programme):
    return builders.participant(session, programme)


def broken(call, *args, **kwargs) -> list[tuple[str, str]]:
    """The (attribute, messages) pairs a call is refused with, as the API shows them."""
    with pytest.raises(RuleBroken) as caught:
        call(*args, **kwargs)
    return caught.value.by_attribute()


def records_of(session, profile) -> list[InductionRecord]:
    return list(
        session.scalars(
            sa.select(InductionRecord)
            .where(InductionRecord.participant_profile_id == profile.id)
            .order_by(InductionRecord.start_date, InductionRecord.created_at)
        )
    )


def open_record(session, profile) -> InductionRecord:
    (record,) = [r for r in records_of(session, profile) if r.end_date is None]
    return record


def states_of(session, profile) -> list[ParticipantProfileState]:
    return list(
        session.scalars(
            sa.select(ParticipantProfileState)
            .where(ParticipantProfileState.participant_profile_id == profile.id)
            .order_by(ParticipantProfileState.created_at)
        )
    )


def declare(
    session,
    profile: ParticipantProfile,
    provider,
    declaration_type: DeclarationType,
    when: dt.datetime,
    state: DeclarationState = DeclarationState.PAID,
    cohort_year: int | None = None,
) -> ParticipantDeclaration:
    year = cohort_year or profile.schedule.cohort.start_year
    row = ParticipantDeclaration(
        teacher_id=profile.teacher_id,
        participant_profile_id=profile.id,
        lead_provider_id=provider.id,
        cohort_id=builders.cohort(session, year).id,
        course_identifier=CourseIdentifier.ECT if profile.is_ect else CourseIdentifier.MENTOR,
        declaration_type=declaration_type,
        declaration_date=when,
        state=state,
        voided_at=when if state == DeclarationState.VOIDED else None,
    )
    session.add(row)
    session.flush()
    return row


# --- finding the participant ------------------------------------------------------------


@pytest.mark.parametrize("participant_id", ["0d4c5b8e-3f1a-4c2e-9b7d-6a5e4f3c2b1a", "not-a-uuid", ""])
def test_an_unknown_participant_is_not_recognised_and_neither_is_the_course(
    session, provider, participant_id
):
    # As in the original, the course is checked against the person's records even when no
    # person was found; withdraw only judges the reason once it has a record.
    assert broken(actions.withdraw, session, provider.id, participant_id, ECT, "other") == [
        ("participant_id", NOT_RECOGNISED),
        ("course_identifier", COURSE_NOT_RECOGNISED),
    ]


def test_a_missing_course_gets_both_course_messages(session, provider, ect):
    for course in (None, "", "   "):
        assert broken(actions.resume, session, provider.id, str(ect.teacher_id), course) == [
            ("course_identifier", f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}")
        ]


@pytest.mark.parametrize("course", [MENTOR, "npq-headship", "ecf", 7])
def test_a_course_the_person_has_no_record_for_is_not_recognised(session, provider, ect, course):
    assert broken(actions.defer, session, provider.id, str(ect.teacher_id), course, "other") == [
        ("course_identifier", COURSE_NOT_RECOGNISED)
    ]


def test_a_record_the_school_removed_is_not_recognised(session, provider, ect):
    ect.status = RecordStatus.WITHDRAWN
    session.flush()
    assert broken(actions.withdraw, session, provider.id, str(ect.teacher_id), ECT, "other") == [
        ("course_identifier", COURSE_NOT_RECOGNISED)
    ]


def test_another_providers_participant_is_not_recognised(session, other_provider, ect):
    assert broken(actions.withdraw, session, other_provider.id, str(ect.teacher_id), ECT, "other") == [
        ("participant_id", NOT_RECOGNISED)
    ]


def test_a_participant_under_a_challenged_partnership_is_not_recognised(session, provider, programme, ect):
    partnership = programme.partnership
    partnership.challenge_reason = ChallengeReason.MISTAKE
    partnership.challenged_at = NOW
    session.flush()
    assert broken(actions.resume, session, provider.id, str(ect.teacher_id), ECT) == [
        ("participant_id", NOT_RECOGNISED)
    ]


def test_retired_ids_still_resolve(session, provider, ect):
    retired_by_identity = uuid.uuid4()
    identity = session.get(ParticipantIdentity, ect.participant_identity_id)
    identity.external_identifier = retired_by_identity
    retired_by_merge = uuid.uuid4()
    session.add(
        ParticipantIdChange(
            teacher_id=ect.teacher_id,
            from_participant_id=retired_by_merge,
            to_participant_id=ect.teacher_id,
            created_at=NOW,
        )
    )
    session.flush()
    with travel(NOW):
        actions.defer(session, provider.id, str(retired_by_identity), ECT, "career-break")
        actions.resume(session, provider.id, str(retired_by_merge), ECT)
    assert [s.state for s in states_of(session, ect)] == [TrainingStatus.DEFERRED, TrainingStatus.ACTIVE]


def test_the_course_picks_the_ect_or_the_mentor_record(session, provider, programme, ect):
    mentor = builders.participant(
        session, programme, profile_type=ProfileType.MENTOR, teacher=session.get(Teacher, ect.teacher_id)
    )
    with travel(NOW):
        actions.defer(session, provider.id, str(ect.teacher_id), MENTOR, "bereavement")
    assert mentor.training_status == TrainingStatus.DEFERRED
    assert ect.training_status == TrainingStatus.ACTIVE


# --- withdraw ---------------------------------------------------------------------------


def test_withdraw_logs_the_state_versions_the_record_and_sets_the_profile(session, provider, ect):
    before = open_record(session, ect)
    with travel(NOW):
        profile = actions.withdraw(session, provider.id, str(ect.teacher_id), ECT, "moved-school")
    assert profile is ect
    (state,) = states_of(session, ect)
    assert (state.state, state.reason, state.lead_provider_id, state.created_at) == (
        TrainingStatus.WITHDRAWN,
        "moved-school",
        provider.id,
        NOW,
    )
    closed, current = records_of(session, ect)
    assert closed.id == before.id
    assert (closed.induction_status, closed.end_date, closed.training_status) == (
        InductionStatus.CHANGED,
        NOW,
        TrainingStatus.ACTIVE,
    )
    assert (current.training_status, current.start_date, current.end_date, current.induction_status) == (
        TrainingStatus.WITHDRAWN,
        NOW,
        None,
        InductionStatus.ACTIVE,
    )
    for column in ("induction_programme_id", "schedule_id", "preferred_identity_id", "school_transfer"):
        assert getattr(current, column) == getattr(closed, column)
    assert ect.training_status == TrainingStatus.WITHDRAWN


def test_switched_to_school_led_is_stored_under_its_old_name(session, provider, ect):
    with travel(NOW):
        actions.withdraw(session, provider.id, str(ect.teacher_id), ECT, "switched-to-school-led")
    assert states_of(session, ect)[0].reason == "school-left-fip"


@pytest.mark.parametrize(
    ("reason", "messages"),
    [
        (None, f"{REASON_MISSING}, {REASON_INVALID}"),
        ("", f"{REASON_MISSING}, {REASON_INVALID}"),
        ("bereavement", REASON_INVALID),
        ("school-left-fip", REASON_INVALID),
        ("started-in-error", REASON_INVALID),
        (["other"], REASON_INVALID),
    ],
)
def test_withdraw_needs_a_valid_reason(session, provider, ect, reason, messages):
    assert broken(actions.withdraw, session, provider.id, str(ect.teacher_id), ECT, reason) == [
        ("reason", messages)
    ]


def test_withdrawing_twice_is_refused(session, provider, ect):
    with travel(NOW):
        actions.withdraw(session, provider.id, str(ect.teacher_id), ECT, "other")
    assert broken(actions.withdraw, session, provider.id, str(ect.teacher_id), ECT, "nonsense") == [
        ("reason", REASON_INVALID),
        ("participant_profile", "The participant is already withdrawn"),
    ]
    assert len(states_of(session, ect)) == 1


def test_a_deferred_participant_can_be_withdrawn(session, provider, ect):
    with travel(NOW):
        actions.defer(session, provider.id, str(ect.teacher_id), ECT, "parental-leave")
    with travel(NOW + dt.timedelta(days=1)):
        actions.withdraw(session, provider.id, str(ect.teacher_id), ECT, "other")
    assert open_record(session, ect).training_status == TrainingStatus.WITHDRAWN
    assert len(records_of(session, ect)) == 3


# --- defer and resume -------------------------------------------------------------------


def test_defer_and_resume(session, provider, ect):
    with travel(NOW):
        actions.defer(session, provider.id, str(ect.teacher_id), ECT, "long-term-sickness")
    assert (ect.training_status, open_record(session, ect).training_status) == (TrainingStatus.DEFERRED,) * 2
    later = NOW + dt.timedelta(days=30)
    with travel(later):
        actions.resume(session, provider.id, str(ect.teacher_id), ECT)
    assert (ect.training_status, open_record(session, ect).training_status) == (TrainingStatus.ACTIVE,) * 2
    assert [(s.state, s.reason, s.created_at) for s in states_of(session, ect)] == [
        (TrainingStatus.DEFERRED, "long-term-sickness", NOW),
        (TrainingStatus.ACTIVE, None, later),
    ]
    assert [r.start_date for r in records_of(session, ect)][1:] == [NOW, later]


@pytest.mark.parametrize(
    ("reason", "messages"),
    [(None, f"{REASON_MISSING}, {REASON_INVALID}"), ("moved-school", REASON_INVALID)],
)
def test_defer_needs_a_valid_reason(session, provider, ect, reason, messages):
    assert broken(actions.defer, session, provider.id, str(ect.teacher_id), ECT, reason) == [
        ("reason", messages)
    ]


def test_defer_judges_the_reason_even_for_an_unknown_participant(session, provider):
    assert broken(actions.defer, session, provider.id, str(uuid.uuid4()), ECT, None) == [
        ("participant_id", NOT_RECOGNISED),
        ("course_identifier", COURSE_NOT_RECOGNISED),
        ("reason", f"{REASON_MISSING}, {REASON_INVALID}"),
    ]


def test_defer_is_refused_when_deferred_or_withdrawn(session, provider, ect):
    participant_id = str(ect.teacher_id)
    with travel(NOW):
        actions.defer(session, provider.id, participant_id, ECT, "other")
        assert broken(actions.defer, session, provider.id, participant_id, ECT, "other") == [
            ("participant_profile", "The participant is already deferred")
        ]
        actions.withdraw(session, provider.id, participant_id, ECT, "other")
        assert broken(actions.defer, session, provider.id, participant_id, ECT, "other") == [
            ("participant_profile", "The participant is already withdrawn")
        ]


def test_resume_works_from_withdrawn_and_not_from_active(session, provider, ect):
    participant_id = str(ect.teacher_id)
    assert broken(actions.resume, session, provider.id, participant_id, ECT) == [
        ("participant_profile", "The participant is already active")
    ]
    with travel(NOW):
        actions.withdraw(session, provider.id, participant_id, ECT, "other")
        actions.resume(session, provider.id, participant_id, ECT)
    assert open_record(session, ect).training_status == TrainingStatus.ACTIVE


# --- per-provider scoping ---------------------------------------------------------------


def test_each_provider_changes_only_its_own_record(session, provider, other_provider, school, ect):
    """A participant who moved to a school trained by another provider keeps a (leaving)
    record with the first; each provider's status is its own."""
    first = open_record(session, ect)
    first.induction_status = InductionStatus.LEAVING
    first.end_date = NOW - dt.timedelta(days=10)
    new_school = builders.school(session)
    other_partner = builders.delivery_partner(session, other_provider)
    _, other_programme = builders.partnership(session, new_school, other_provider, other_partner, 2024)
    session.add(
        InductionRecord(
            participant_profile_id=ect.id,
            induction_programme_id=other_programme.id,
            schedule_id=ect.schedule_id,
            start_date=NOW - dt.timedelta(days=10),
            school_transfer=True,
        )
    )
    session.flush()
    participant_id = str(ect.teacher_id)

    with travel(NOW):
        actions.withdraw(session, provider.id, participant_id, ECT, "moved-school")

    theirs = actions._provider_records(session, other_provider.id, ect.teacher_id)[ect.id]
    assert theirs.training_status == TrainingStatus.ACTIVE and theirs.start_date == NOW - dt.timedelta(
        days=10
    )
    ours = actions._provider_records(session, provider.id, ect.teacher_id)[ect.id]
    assert ours.training_status == TrainingStatus.WITHDRAWN
    # A leaving record stays leaving, with its end date, in its new version.
    assert (ours.induction_status, ours.start_date) == (InductionStatus.LEAVING, NOW)
    assert ours.end_date == NOW - dt.timedelta(days=10)
    # The other provider still sees an active participant and can act on it.
    assert broken(actions.resume, session, other_provider.id, participant_id, ECT) == [
        ("participant_profile", "The participant is already active")
    ]
    with travel(NOW + dt.timedelta(hours=1)):
        actions.defer(session, other_provider.id, participant_id, ECT, "other")
    assert [(s.lead_provider_id, s.state) for s in states_of(session, ect)] == [
        (provider.id, TrainingStatus.WITHDRAWN),
        (other_provider.id, TrainingStatus.DEFERRED),
    ]


def test_a_refused_action_writes_nothing(session, provider, ect):
    before = len(records_of(session, ect))
    broken(actions.withdraw, session, provider.id, str(ect.teacher_id), ECT, None)
    broken(actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "nope")
    assert len(records_of(session, ect)) == before
    assert states_of(session, ect) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantProfileSchedule)) == 0


# --- change schedule --------------------------------------------------------------------


def test_change_schedule_within_the_cohort(session, provider, programme, ect):
    with travel(NOW):
        actions.change_schedule(session, provider.id, str(ect.teacher_id), ECT, "ecf-extended-september")
    extended = builders.schedule(session, 2024, "ecf-extended-september")
    assert ect.schedule_id == extended.id
    assert ect.school_cohort_id == programme.school_cohort_id
    (history,) = session.scalars(sa.select(ParticipantProfileSchedule)).all()
    assert (
        history.participant_profile_id,
        history.schedule_id,
        history.lead_provider_id,
        history.created_at,
    ) == (
        ect.id,
        extended.id,
        provider.id,
        NOW,
    )
    closed, current = records_of(session, ect)
    assert (closed.induction_status, closed.end_date) == (InductionStatus.CHANGED, NOW)
    assert (current.schedule_id, current.induction_programme_id, current.start_date) == (
        extended.id,
        programme.id,
        NOW,
    )


def test_the_schedule_may_be_named_by_its_alias(session, provider, ect):
    january = builders.schedule(session, 2024, "ecf-standard-january")
    january.identifier_alias = "ecf-january-alias"
    session.flush()
    with travel(NOW):
        actions.change_schedule(session, provider.id, str(ect.teacher_id), ECT, "ecf-january-alias")
    assert ect.schedule_id == january.id


@pytest.mark.parametrize("identifier", [None, "", "ecf-standard-june", 12, {"id": 1}])
def test_a_missing_or_unknown_schedule_is_a_clear_error(session, provider, ect, identifier):
    assert broken(actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, identifier) == [
        ("schedule_identifier", INVALID_SCHEDULE)
    ]


def test_a_schedule_of_another_cohort_is_not_found_in_this_one(session, provider, ect):
    # ecf-replacement-september exists, but not in 2020 (a cohort with no schedules).
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(ect.teacher_id),
        ECT,
        "ecf-standard-september",
        "2020",
    ) == [("schedule_identifier", INVALID_SCHEDULE), ("cohort", NO_PARTNERSHIP)]


@pytest.mark.parametrize("cohort", ["2031", "abc", True, 10**30, "99999999999999999999", "２０２５", 2024.0])
def test_an_unknown_cohort(session, provider, ect, cohort):
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(ect.teacher_id),
        ECT,
        "ecf-standard-january",
        cohort,
    ) == [("schedule_identifier", INVALID_SCHEDULE), ("cohort", NO_PARTNERSHIP)]


def test_a_withdrawn_participant_cannot_change_schedule(session, provider, ect):
    with travel(NOW):
        actions.withdraw(session, provider.id, str(ect.teacher_id), ECT, "other")
    assert broken(
        actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-january"
    ) == [("participant_id", "Cannot perform actions on a withdrawn participant")]


@pytest.mark.parametrize(
    ("declared_at", "fits"),
    [
        # ecf-standard-january 2024: started runs from 1 Jan 2025 to the end of 31 Mar 2025.
        (dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC), False),
        (dt.datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC), True),
        (dt.datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC), True),
        (dt.datetime(2025, 4, 1, 0, 0, 0, tzinfo=UTC), False),
        (dt.datetime(2024, 12, 31, 12, 0, 0, tzinfo=UTC), False),
    ],
)
def test_live_declarations_must_fit_the_new_milestones(session, provider, ect, declared_at, fits):
    declare(session, ect, provider, DeclarationType.STARTED, declared_at)
    call = (actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-january")
    if fits:
        with travel(NOW):
            call[0](*call[1:])
    else:
        assert broken(*call) == [("schedule_identifier", INVALIDATES)]


def test_voided_and_ineligible_declarations_do_not_count(session, provider, ect):
    early = dt.datetime(2024, 7, 1, tzinfo=UTC)
    declare(session, ect, provider, DeclarationType.STARTED, early, DeclarationState.VOIDED)
    declare(session, ect, provider, DeclarationType.RETAINED_1, early, DeclarationState.INELIGIBLE)
    with travel(NOW):
        actions.change_schedule(session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-january")


def test_declarations_from_any_provider_count(session, provider, other_provider, ect):
    declare(session, ect, other_provider, DeclarationType.STARTED, dt.datetime(2024, 7, 1, tzinfo=UTC))
    assert broken(
        actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-january"
    ) == [("schedule_identifier", INVALIDATES)]


def test_a_declaration_type_the_new_schedule_lacks_invalidates_it(session, provider, programme):
    extended = builders.participant(session, programme, schedule_identifier="ecf-extended-september")
    declare(session, extended, provider, DeclarationType.EXTENDED_1, dt.datetime(2024, 10, 1, tzinfo=UTC))
    assert broken(
        actions.change_schedule, session, provider.id, str(extended.teacher_id), ECT, "ecf-reduced-september"
    ) == [("schedule_identifier", INVALIDATES)]


def test_the_same_schedule_again_is_refused_unless_the_record_differs(session, provider, ect):
    participant_id = str(ect.teacher_id)
    assert broken(
        actions.change_schedule, session, provider.id, participant_id, ECT, "ecf-standard-september"
    ) == [("schedule_identifier", "Selected schedule is already on the profile")]
    record = open_record(session, ect)
    record.schedule_id = builders.schedule(session, 2024, "ecf-standard-april").id
    session.flush()
    with travel(NOW):
        actions.change_schedule(session, provider.id, participant_id, ECT, "ecf-standard-september")
    assert open_record(session, ect).schedule_id == ect.schedule_id


def test_replacement_schedules_are_for_mentors_only(session, provider, programme, ect):
    assert broken(
        actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "ecf-replacement-september"
    ) == [("schedule_identifier", "Selected schedule is not valid for the course")]
    mentor = builders.participant(session, programme, profile_type=ProfileType.MENTOR)
    with travel(NOW):
        actions.change_schedule(
            session, provider.id, str(mentor.teacher_id), MENTOR, "ecf-replacement-september"
        )
    assert mentor.schedule.schedule_identifier == "ecf-replacement-september"


def test_changing_cohort_moves_the_record_to_the_schools_programme_there(
    session, provider, school, partner, ect
):
    _, programme_2025 = builders.partnership(session, school, provider, partner, 2025)
    with travel(NOW):
        actions.change_schedule(
            session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-september", cohort="2025"
        )
    assert ect.schedule.cohort.start_year == 2025
    assert ect.school_cohort_id == programme_2025.school_cohort_id
    current = open_record(session, ect)
    assert current.induction_programme_id == programme_2025.id
    assert current.schedule_id == ect.schedule_id
    assert ect.cohort_changed_after_payments_frozen is False


def test_the_cohort_cannot_change_under_live_declarations(session, provider, school, partner, ect):
    builders.partnership(session, school, provider, partner, 2025)
    declare(session, ect, provider, DeclarationType.STARTED, dt.datetime(2024, 10, 1, tzinfo=UTC))
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(ect.teacher_id),
        ECT,
        "ecf-extended-september",
        2025,
    ) == [("schedule_identifier", INVALIDATES), ("cohort", CANNOT_CHANGE)]


def test_a_partnership_in_the_target_cohort_is_needed(
    session, provider, other_provider, school, partner, ect
):
    call = (actions.change_schedule, session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-september")
    assert broken(*call, "2025") == [("cohort", NO_PARTNERSHIP)]
    # Another provider's partnership, a challenged one and a pending one do not count.
    builders.partnership(
        session, school, other_provider, builders.delivery_partner(session, other_provider), 2025
    )
    second_partner = builders.delivery_partner(session, provider)
    builders.partnership(
        session,
        school,
        provider,
        second_partner,
        2025,
        challenge_reason=ChallengeReason.NO_ECTS,
        challenged_at=NOW,
    )
    pending, _ = builders.partnership(session, school, provider, partner, 2025, pending=True)
    assert broken(*call, "2025") == [("cohort", NO_PARTNERSHIP)]
    pending.pending = False
    session.flush()
    with travel(NOW):
        call[0](*call[1:], "2025")


def test_a_transfer_relationship_allows_only_a_schedule_change(session, provider, other_provider):
    """A participant who moved to a school partnered with another provider, keeping their
    provider through a relationship partnership."""
    school = builders.school(session)
    partner = builders.delivery_partner(session, provider)
    _, relationship_programme = builders.partnership(
        session, school, provider, partner, 2024, is_relationship=True
    )
    builders.partnership(session, school, provider, partner, 2025, is_relationship=True)
    moved = builders.participant(session, relationship_programme)
    participant_id = str(moved.teacher_id)
    assert broken(
        actions.change_schedule, session, provider.id, participant_id, ECT, "ecf-standard-september", "2025"
    ) == [("cohort", NO_PARTNERSHIP)]
    with travel(NOW):
        actions.change_schedule(session, provider.id, participant_id, ECT, "ecf-standard-january")
    # The relationship keeps the participant on their own programme.
    assert open_record(session, moved).induction_programme_id == relationship_programme.id


def test_all_broken_rules_are_reported_together(session, provider, school, partner):
    _, programme_2023 = builders.partnership(session, school, provider, partner, 2023)
    ect_2023 = builders.participant(session, programme_2023)
    declare(session, ect_2023, provider, DeclarationType.STARTED, dt.datetime(2023, 10, 1, tzinfo=UTC))
    with travel(NOW):
        actions.withdraw(session, provider.id, str(ect_2023.teacher_id), ECT, "other")
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(ect_2023.teacher_id),
        ECT,
        "ecf-replacement-september",
        "2025",
    ) == [
        ("participant_id", "Cannot perform actions on a withdrawn participant"),
        ("schedule_identifier", f"{INVALIDATES}, Selected schedule is not valid for the course"),
        ("cohort", f"You cannot change the '#/cohort' field, {NO_PARTNERSHIP}"),
    ]


# --- the frozen-cohort exception (2021 closed; payments frozen in the reference data) ----------


@pytest.fixture
def unfinished_2021_ect(session, provider, school, partner):
    _, programme_2021 = builders.partnership(session, school, provider, partner, 2021)
    builders.partnership(session, school, provider, partner, 2024)
    ect = builders.participant(session, programme_2021)
    declare(session, ect, provider, DeclarationType.STARTED, dt.datetime(2021, 10, 1, tzinfo=UTC))
    declare(session, ect, provider, DeclarationType.RETAINED_1, dt.datetime(2021, 12, 1, tzinfo=UTC))
    return ect


def test_an_unfinished_ect_of_a_closed_cohort_moves_on_to_2024(session, provider, unfinished_2021_ect):
    ect = unfinished_2021_ect
    with travel(NOW):
        actions.change_schedule(
            session, provider.id, str(ect.teacher_id), ECT, "ecf-extended-september", cohort="2024"
        )
    assert ect.schedule.cohort.start_year == 2024
    assert ect.cohort_changed_after_payments_frozen is True
    # The old declarations stay in their own cohort.
    cohorts = session.scalars(
        sa.select(ParticipantDeclaration.cohort_id).where(
            ParticipantDeclaration.participant_profile_id == ect.id
        )
    ).all()
    assert set(cohorts) == {builders.cohort(session, 2021).id}

    # Later schedule changes within 2024 ignore the declarations left in the closed cohort.
    with travel(NOW + dt.timedelta(days=1)):
        actions.change_schedule(session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-january")

    # And the ECT may go back to the closed cohort while nothing is live in 2024.
    with travel(NOW + dt.timedelta(days=2)):
        actions.change_schedule(
            session, provider.id, str(ect.teacher_id), ECT, "ecf-standard-september", cohort="2021"
        )
    assert ect.schedule.cohort.start_year == 2021
    assert ect.cohort_changed_after_payments_frozen is False


def test_only_2024_takes_unfinished_ects(session, provider, school, partner, unfinished_2021_ect):
    builders.partnership(session, school, provider, partner, 2025)
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(unfinished_2021_ect.teacher_id),
        ECT,
        "ecf-extended-september",
        "2025",
    ) == [("schedule_identifier", INVALIDATES), ("cohort", CANNOT_CHANGE)]


def test_a_finished_ect_stays_in_the_closed_cohort(session, provider, unfinished_2021_ect):
    ect = unfinished_2021_ect
    declare(session, ect, provider, DeclarationType.COMPLETED, dt.datetime(2023, 3, 1, tzinfo=UTC))
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(ect.teacher_id),
        ECT,
        "ecf-extended-september",
        "2024",
    ) == [("schedule_identifier", INVALIDATES), ("cohort", CANNOT_CHANGE)]


def test_mentors_are_not_moved_out_of_a_closed_cohort(session, provider, school, partner):
    _, programme_2021 = builders.partnership(session, school, provider, partner, 2021)
    builders.partnership(session, school, provider, partner, 2024)
    mentor = builders.participant(session, programme_2021, profile_type=ProfileType.MENTOR)
    declare(session, mentor, provider, DeclarationType.STARTED, dt.datetime(2021, 10, 1, tzinfo=UTC))
    assert broken(
        actions.change_schedule,
        session,
        provider.id,
        str(mentor.teacher_id),
        MENTOR,
        "ecf-extended-september",
        "2024",
    ) == [("schedule_identifier", INVALIDATES), ("cohort", CANNOT_CHANGE)]


def test_going_back_needs_nothing_live_in_the_new_cohort(session, provider, unfinished_2021_ect):
    ect = unfinished_2021_ect
    participant_id = str(ect.teacher_id)
    with travel(NOW):
        actions.change_schedule(
            session, provider.id, participant_id, ECT, "ecf-extended-september", cohort="2024"
        )
    declare(
        session, ect, provider, DeclarationType.RETAINED_2, NOW, DeclarationState.SUBMITTED, cohort_year=2024
    )
    assert broken(
        actions.change_schedule, session, provider.id, participant_id, ECT, "ecf-standard-september", "2021"
    ) == [("schedule_identifier", INVALIDATES), ("cohort", "You cannot change the '#/cohort' field")]


def test_actions_at_one_frozen_instant_leave_the_last_version_latest(session, provider, programme):
    """In the sandbox a client may send one X-With-Server-Date for several requests; the
    versions they write then share their timestamps, and the read side must still pick
    the version written last, not the closed one. Record ids are random, so the case is
    repeated on several people to leave no room for a lucky id order."""
    from storage.queries.participants import find_participant

    people = [
        builders.participant(
            session, programme, induction_status=InductionStatus.LEAVING, end_date=NOW + dt.timedelta(days=60)
        )
        for _ in range(8)
    ]
    with travel(NOW):
        for person in people:
            actions.defer(session, provider.id, str(person.teacher_id), ECT, "career-break")
            actions.resume(session, provider.id, str(person.teacher_id), ECT)
        for person in people:
            view = find_participant(session, provider.id, person.teacher_id)
            assert view is not None
            [enrolment] = view.enrolments
            assert (enrolment.training_status, enrolment.induction_status) == (
                TrainingStatus.ACTIVE,
                InductionStatus.LEAVING,
            )
