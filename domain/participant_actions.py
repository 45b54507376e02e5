"""A lead provider's changes to one participant's training: withdraw, defer, resume and
change schedule (business rules §2.1 and §4).

Each action checks every rule in the original service's order and collects the broken
ones per attribute, so a provider sees every problem with a request at once, worded as
DfE worded it. Statuses are per provider: every check and every change uses the
provider's own latest induction record for the training record, and another provider's
records are never touched. History is data: a change appends a state (or schedule) row
and versions the induction record instead of overwriting it.

Nothing here commits; the caller's transaction decides.

Two choices differ from the original on purpose:

* Only induction records under partnerships the school has not challenged count as the
  provider's, as for every read of the v3 API; otherwise a provider could change a
  participant it can no longer see and receive nothing to show for it.
* An unknown ``schedule_identifier`` and a declaration whose type the new schedule lacks
  are 422s on ``schedule_identifier`` (the original ended in "Invalid action" and in a
  404 respectively), so the provider learns which attribute to fix.
* The frozen-cohort exception of §4 applies whenever its conditions hold, as the rules
  describe it, rather than behind the original's internal opt-in flag.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import audit
from domain.clock import UTC, now, today
from domain.errors import Collector
from domain.people import find_teacher
from storage.enums import (
    BILLABLE_STATES,
    BLOCKING_STATES,
    CourseIdentifier,
    DeclarationType,
    DeferReason,
    InductionStatus,
    ProfileType,
    RecordStatus,
    ScheduleType,
    TrainingStatus,
    WithdrawReason,
)
from storage.models import (
    Cohort,
    InductionRecord,
    Milestone,
    ParticipantDeclaration,
    ParticipantProfile,
    ParticipantProfileSchedule,
    ParticipantProfileState,
    Partnership,
    Schedule,
    SchoolCohort,
    Teacher,
)
from storage.queries.participants import latest_records

PARTICIPANT_NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. "
    "Check participant details and try again."
)
COURSE_NOT_RECOGNISED = (
    "The entered '#/course_identifier' is not recognised for the given participant. "
    "Check details and try again."
)
COURSE_MISSING = "Enter a '#/course_identifier' value for this participant."
REASON_MISSING = "The property '#/reason' must be present"
REASON_INVALID = "The property '#/reason' must be a valid reason"
ALREADY_WITHDRAWN = "The participant is already withdrawn"
ALREADY_DEFERRED = "The participant is already deferred"
ALREADY_ACTIVE = "The participant is already active"
WITHDRAWN_PARTICIPANT = "Cannot perform actions on a withdrawn participant"
INVALID_SCHEDULE = "The property '#/schedule_identifier' must be present and correspond to a valid schedule"
SCHEDULE_INVALIDATES_DECLARATION = (
    "Changing schedule would invalidate existing declarations. Please void them first."
)
SCHEDULE_ALREADY_ON_PROFILE = "Selected schedule is already on the profile"
SCHEDULE_INVALID_FOR_COURSE = "Selected schedule is not valid for the course"
CANNOT_CHANGE_COHORT = "You cannot change the '#/cohort' field"
NO_PARTNERSHIP_FOR_COHORT = (
    "You cannot change a participant to this cohort as you do not have a partnership with the "
    "school for the cohort. Contact the DfE for assistance."
)

#: The reason providers send since the 2025 programme rename, and how it is stored (the
#: participant serializers show the stored value under the new name).
SWITCHED_TO_SCHOOL_LED = "switched-to-school-led"
WITHDRAW_REASONS = {
    WithdrawReason.LEFT_TEACHING_PROFESSION.value: WithdrawReason.LEFT_TEACHING_PROFESSION,
    WithdrawReason.MOVED_SCHOOL.value: WithdrawReason.MOVED_SCHOOL,
    WithdrawReason.MENTOR_NO_LONGER_BEING_MENTOR.value: WithdrawReason.MENTOR_NO_LONGER_BEING_MENTOR,
    SWITCHED_TO_SCHOOL_LED: WithdrawReason.SCHOOL_LEFT_FIP,
    WithdrawReason.OTHER.value: WithdrawReason.OTHER,
}
DEFER_REASONS = frozenset(reason.value for reason in DeferReason)

#: The cohort DfE moves unfinished ECTs of a closed (payments-frozen) cohort into (§9);
#: such a move may leave billable declarations behind in the closed cohort.
CONTINUE_TRAINING_COHORT = 2024

_PROFILE_TYPE_FOR_COURSE = {
    CourseIdentifier.ECT.value: ProfileType.ECT,
    CourseIdentifier.MENTOR.value: ProfileType.MENTOR,
}
_CHANGEABLE_OR_BILLABLE = tuple(BLOCKING_STATES)


@dataclass
class _Subject:
    """Who and what a request is about, as far as it could be resolved."""

    teacher: Teacher | None = None
    profile: ParticipantProfile | None = None
    record: InductionRecord | None = None
    errors: Collector = field(default_factory=Collector)

    @property
    def training_status(self) -> TrainingStatus | None:
        """The provider's own view of the training status (None without a record)."""
        return self.record.training_status if self.record is not None else None


# --- the four actions -------------------------------------------------------------------


def withdraw(
    session: Session,
    lead_provider_id: uuid.UUID,
    participant_id: object,
    course_identifier: object,
    reason: object,
) -> ParticipantProfile:
    """Withdraw one training record from this provider; ``switched-to-school-led`` is kept
    as ``school-left-fip``, its stored name before the 2025 rename.

    The original also emails the school's induction tutor; the service has no mail
    outbox yet, so that side effect waits for one.
    """
    subject = _resolve(session, lead_provider_id, participant_id, course_identifier)
    errors = subject.errors
    # The original only judges the reason once it has a training record to judge it for.
    if subject.profile is not None:
        _check_reason(errors, reason, WITHDRAW_REASONS)
        if subject.training_status == TrainingStatus.WITHDRAWN:
            errors.add("participant_profile", ALREADY_WITHDRAWN)
    errors.raise_if_any()
    assert subject.profile is not None and subject.record is not None
    stored_reason = WITHDRAW_REASONS[str(reason)]
    _change_training_status(session, lead_provider_id, subject, TrainingStatus.WITHDRAWN, stored_reason)
    return subject.profile


def defer(
    session: Session,
    lead_provider_id: uuid.UUID,
    participant_id: object,
    course_identifier: object,
    reason: object,
) -> ParticipantProfile:
    """Pause one training record with this provider; it can be resumed later."""
    subject = _resolve(session, lead_provider_id, participant_id, course_identifier)
    errors = subject.errors
    _check_reason(errors, reason, DEFER_REASONS)
    if subject.training_status == TrainingStatus.DEFERRED:
        errors.add("participant_profile", ALREADY_DEFERRED)
    if subject.training_status == TrainingStatus.WITHDRAWN:
        errors.add("participant_profile", ALREADY_WITHDRAWN)
    errors.raise_if_any()
    assert subject.profile is not None and subject.record is not None
    _change_training_status(session, lead_provider_id, subject, TrainingStatus.DEFERRED, str(reason))
    return subject.profile


def resume(
    session: Session,
    lead_provider_id: uuid.UUID,
    participant_id: object,
    course_identifier: object,
) -> ParticipantProfile:
    """Make one training record active again, from deferred or (since August 2023) withdrawn."""
    subject = _resolve(session, lead_provider_id, participant_id, course_identifier)
    if subject.training_status == TrainingStatus.ACTIVE:
        subject.errors.add("participant_profile", ALREADY_ACTIVE)
    subject.errors.raise_if_any()
    assert subject.profile is not None and subject.record is not None
    _change_training_status(session, lead_provider_id, subject, TrainingStatus.ACTIVE, None)
    return subject.profile


def change_schedule(
    session: Session,
    lead_provider_id: uuid.UUID,
    participant_id: object,
    course_identifier: object,
    schedule_identifier: object,
    cohort: object = None,
) -> ParticipantProfile:
    """Put one training record on another schedule, possibly in another cohort.

    The schedule is looked up (by identifier or alias) in the target cohort: ``cohort`` if
    given, else the cohort of the provider's current programme, else the record's.
    """
    subject = _resolve(session, lead_provider_id, participant_id, course_identifier)
    change = _ScheduleChange(
        session, lead_provider_id, subject, course_identifier, schedule_identifier, cohort
    )
    change.validate()
    subject.errors.raise_if_any()
    change.apply()
    assert subject.profile is not None
    return subject.profile


# --- resolving the participant ----------------------------------------------------------


def _blank(value: object) -> bool:
    """Rails' ``blank?``: missing, empty or only whitespace."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict | tuple):
        return not value
    return False


def _course_profile_type(course_identifier: object) -> ProfileType | None:
    return _PROFILE_TYPE_FOR_COURSE.get(course_identifier) if isinstance(course_identifier, str) else None


def _provider_records(
    session: Session, lead_provider_id: uuid.UUID, teacher_id: uuid.UUID
) -> dict[uuid.UUID, InductionRecord]:
    """The provider's latest induction record for each of a person's training records,
    chosen exactly as the participant reads choose it (so an action changes the record
    the provider sees)."""
    latest = latest_records(lead_provider_id, [teacher_id]).subquery("latest")
    rows = session.execute(
        sa.select(latest.c.profile_id, InductionRecord).join(
            InductionRecord, InductionRecord.id == latest.c.record_id
        )
    ).all()
    return {profile_id: record for profile_id, record in rows}


def _resolve(
    session: Session, lead_provider_id: uuid.UUID, participant_id: object, course_identifier: object
) -> _Subject:
    """Find the person, their active training record for the course and this provider's
    induction record for it, adding the original's resolution errors in its order."""
    subject = _Subject()
    errors = subject.errors
    profile_type = _course_profile_type(course_identifier)
    subject.teacher = find_teacher(session, participant_id, profile_type)
    if subject.teacher is None:
        errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)

    candidates: list[ParticipantProfile] = []
    if subject.teacher is not None and profile_type is not None:
        candidates = list(
            session.scalars(
                sa.select(ParticipantProfile)
                .where(
                    ParticipantProfile.teacher_id == subject.teacher.id,
                    ParticipantProfile.profile_type == profile_type,
                    ParticipantProfile.status == RecordStatus.ACTIVE,
                )
                .order_by(ParticipantProfile.created_at, ParticipantProfile.id)
            )
        )
    # The original checks the course against the person's records even when it found no
    # person, so an unknown participant also gets the course message.
    if not candidates:
        errors.add("course_identifier", COURSE_NOT_RECOGNISED)
    if _blank(course_identifier):
        errors.add("course_identifier", COURSE_MISSING)

    if candidates:
        # Prefer the record this provider trains; a person may hold several of one type.
        records = _provider_records(session, lead_provider_id, candidates[0].teacher_id)
        subject.profile = next((c for c in candidates if c.id in records), candidates[0])
        subject.record = records.get(subject.profile.id)

    if not errors and (subject.profile is None or subject.record is None):
        errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)
    return subject


def _check_reason(errors: Collector, reason: object, allowed: Collection[str]) -> None:
    # Like the original, a missing reason is reported as missing and as not valid.
    if _blank(reason):
        errors.add("reason", REASON_MISSING)
    if not isinstance(reason, str) or reason not in allowed:
        errors.add("reason", REASON_INVALID)


# --- writing ----------------------------------------------------------------------------


def _version_induction_record(
    session: Session, record: InductionRecord, **changes: object
) -> InductionRecord:
    """Close ``record`` as changed and add its successor, starting now, with ``changes``.

    Every column is carried over (the original duplicates the row), so a later column
    is never lost by a status change.
    """
    instant = now()
    copied = {
        column.key: getattr(record, column.key)
        for column in sa.inspect(InductionRecord).column_attrs
        if column.key not in ("id", "created_at", "updated_at")
    }
    record.induction_status = InductionStatus.CHANGED
    record.end_date = instant
    successor = InductionRecord(**{**copied, "start_date": instant, **changes})
    session.add(successor)
    session.flush()
    return successor


def _change_training_status(
    session: Session,
    lead_provider_id: uuid.UUID,
    subject: _Subject,
    status: TrainingStatus,
    reason: str | None,
) -> None:
    assert subject.profile is not None and subject.record is not None
    with audit.reason(session, reason, action=STATUS_VERBS[status]):
        session.add(
            ParticipantProfileState(
                participant_profile_id=subject.profile.id,
                lead_provider_id=lead_provider_id,
                state=status,
                reason=reason,
                created_at=now(),
            )
        )
        subject.record = _version_induction_record(session, subject.record, training_status=status)
        subject.profile.training_status = status


#: How the audit trail names each change of training status.
STATUS_VERBS = {
    TrainingStatus.WITHDRAWN: "withdrawn",
    TrainingStatus.DEFERRED: "deferred",
    TrainingStatus.ACTIVE: "resumed",
}


# --- change schedule --------------------------------------------------------------------


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=UTC)


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


def _cohort_year(value: object) -> int | None:
    """A cohort as a year, from an integer or a string of digits; anything else, or a year
    no cohort could have, is None (so it never reaches the database as an overflow)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    return None


class _ScheduleChange:
    """The rules and the effects of one change-schedule request (§4), evaluated lazily so
    each rule looks only at what it needs, in the original's order."""

    def __init__(
        self,
        session: Session,
        lead_provider_id: uuid.UUID,
        subject: _Subject,
        course_identifier: object,
        schedule_identifier: object,
        cohort: object,
    ) -> None:
        self.session = session
        self.lead_provider_id = lead_provider_id
        self.subject = subject
        self.course_identifier = course_identifier
        self.schedule_identifier = schedule_identifier
        self.target_cohort = self._target_cohort(cohort)
        self.new_schedule = self._find_schedule()
        self._partnership: Partnership | None = None
        self._partnership_found = False
        self._exception: bool | None = None

    # -- what the request points at

    def _target_cohort(self, requested: object) -> Cohort | None:
        session, subject = self.session, self.subject
        if not _blank(requested):
            year = _cohort_year(requested)
            if year is None:
                return None
            return session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).first()
        if subject.record is not None:
            return subject.record.induction_programme.school_cohort.cohort
        if subject.profile is not None:
            return subject.profile.schedule.cohort
        return session.scalars(
            sa.select(Cohort)
            .where(Cohort.academic_year_start_date <= today())
            .order_by(Cohort.start_year.desc())
        ).first()

    def _find_schedule(self) -> Schedule | None:
        identifier = self.schedule_identifier
        if self.target_cohort is None or not isinstance(identifier, str) or _blank(identifier):
            return None
        return self.session.scalars(
            sa.select(Schedule)
            .where(
                Schedule.cohort_id == self.target_cohort.id,
                sa.or_(Schedule.schedule_identifier == identifier, Schedule.identifier_alias == identifier),
            )
            .order_by(sa.case((Schedule.schedule_identifier == identifier, 0), else_=1))
        ).first()

    @property
    def profile(self) -> ParticipantProfile | None:
        return self.subject.profile

    @property
    def record(self) -> InductionRecord | None:
        return self.subject.record

    def _live_declarations(self) -> list[ParticipantDeclaration]:
        """Declarations that still count (submitted, eligible, payable, paid), from any
        provider; those left in a closed cohort by a frozen-cohort move are set aside."""
        assert self.profile is not None
        query = sa.select(ParticipantDeclaration).where(
            ParticipantDeclaration.participant_profile_id == self.profile.id,
            ParticipantDeclaration.state.in_(_CHANGEABLE_OR_BILLABLE),
        )
        if self.profile.cohort_changed_after_payments_frozen:
            frozen = sa.select(Cohort.id).where(Cohort.payments_frozen_at.is_not(None))
            query = query.where(ParticipantDeclaration.cohort_id.not_in(frozen))
        return list(self.session.scalars(query.order_by(ParticipantDeclaration.declaration_date)))

    def _declarations_in(self, cohort_id: uuid.UUID, states: tuple[object, ...]) -> bool:
        assert self.profile is not None
        return bool(
            self.session.scalar(
                sa.select(
                    sa.exists().where(
                        ParticipantDeclaration.participant_profile_id == self.profile.id,
                        ParticipantDeclaration.cohort_id == cohort_id,
                        ParticipantDeclaration.state.in_(states),
                    )
                )
            )
        )

    def _may_leave_declarations_behind(self) -> bool:
        """The frozen-cohort exception (§4, §9), for ECTs only: an unfinished ECT of a
        closed cohort may move on to continue training, and may later go back to the
        closed cohort (to add a final declaration there) once nothing live is left in
        the cohort they moved to."""
        if self._exception is None:
            self._exception = self._frozen_cohort_exception()
        return self._exception

    def _frozen_cohort_exception(self) -> bool:
        profile, target = self.profile, self.target_cohort
        if profile is None or target is None or profile.profile_type != ProfileType.ECT:
            return False
        current = profile.schedule.cohort
        if target.id == current.id:
            return False
        return self._may_continue_training(profile, current, target) or self._may_return_to_frozen(
            profile, current, target
        )

    def _may_continue_training(self, profile: ParticipantProfile, current: Cohort, target: Cohort) -> bool:
        if target.start_year != CONTINUE_TRAINING_COHORT or current.payments_frozen_at is None:
            return False
        if profile.induction_completion_date is not None:
            return False
        billable = sa.select(ParticipantDeclaration.declaration_type).where(
            ParticipantDeclaration.participant_profile_id == profile.id,
            ParticipantDeclaration.state.in_(BILLABLE_STATES),
        )
        types = set(self.session.scalars(billable))
        return bool(types) and DeclarationType.COMPLETED not in types

    def _may_return_to_frozen(self, profile: ParticipantProfile, current: Cohort, target: Cohort) -> bool:
        if not profile.cohort_changed_after_payments_frozen or target.payments_frozen_at is None:
            return False
        if self._declarations_in(current.id, _CHANGEABLE_OR_BILLABLE):
            return False
        return self._declarations_in(target.id, tuple(BILLABLE_STATES))

    def _school_partnership(self) -> Partnership | None:
        """This provider's active partnership with the participant's school in the target
        cohort: a real one, or (when only the schedule changes) a transfer relationship."""
        if self._partnership_found:
            return self._partnership
        self._partnership_found = True
        record, target = self.record, self.target_cohort
        if record is None or target is None:
            return None
        school_id = record.induction_programme.school_cohort.school_id
        active = (
            sa.select(Partnership)
            .where(
                Partnership.school_id == school_id,
                Partnership.cohort_id == target.id,
                Partnership.lead_provider_id == self.lead_provider_id,
                Partnership.challenge_reason.is_(None),
                Partnership.pending == sa.false(),
            )
            .order_by(Partnership.created_at, Partnership.id)
        )
        found = self.session.scalars(active.where(Partnership.is_relationship == sa.false())).first()
        if found is None and self._schedule_only():
            found = self.session.scalars(active).first()
        self._partnership = found
        return found

    def _schedule_only(self) -> bool:
        record, target = self.record, self.target_cohort
        assert record is not None and target is not None
        return (
            record.schedule.cohort_id == target.id
            and self.new_schedule is not None
            and self.new_schedule.id != record.schedule_id
        )

    # -- the rules, in the original's order

    def validate(self) -> None:
        errors, profile, record, new = self.subject.errors, self.profile, self.record, self.new_schedule
        if new is None:
            errors.add("schedule_identifier", INVALID_SCHEDULE)
        if record is not None and record.training_status == TrainingStatus.WITHDRAWN:
            errors.add("participant_id", WITHDRAWN_PARTICIPANT)
        if self._invalidates_declarations():
            errors.add("schedule_identifier", SCHEDULE_INVALIDATES_DECLARATION)
        if self._already_on_profile():
            errors.add("schedule_identifier", SCHEDULE_ALREADY_ON_PROFILE)
        if new is not None and self.course_identifier not in self._permitted_courses(new):
            errors.add("schedule_identifier", SCHEDULE_INVALID_FOR_COURSE)
        if self._changes_cohort_with_declarations():
            errors.add("cohort", CANNOT_CHANGE_COHORT)
        if profile is not None and self._school_partnership() is None:
            errors.add("cohort", NO_PARTNERSHIP_FOR_COHORT)

    def _invalidates_declarations(self) -> bool:
        if self.profile is None or self.new_schedule is None or self._may_leave_declarations_behind():
            return False
        return not self._declarations_fit(self.new_schedule)

    def _already_on_profile(self) -> bool:
        """The same schedule again, unless the provider's record still has another one."""
        profile, record, new = self.profile, self.record, self.new_schedule
        if profile is None or new is None or new.id != profile.schedule_id:
            return False
        return record is None or record.schedule_id == new.id

    def _changes_cohort_with_declarations(self) -> bool:
        record = self.record
        if self.profile is None or record is None or self._may_leave_declarations_behind():
            return False
        target_year = self.target_cohort.start_year if self.target_cohort is not None else None
        return record.schedule.cohort.start_year != target_year and bool(self._live_declarations())

    @staticmethod
    def _permitted_courses(schedule: Schedule) -> tuple[str, ...]:
        if schedule.schedule_type == ScheduleType.REPLACEMENT:
            return (CourseIdentifier.MENTOR.value,)
        return (CourseIdentifier.ECT.value, CourseIdentifier.MENTOR.value)

    def _declarations_fit(self, schedule: Schedule) -> bool:
        """Every live declaration must sit strictly after its milestone's start (00:00 UTC)
        and no later than the end of its milestone date, when there is one."""
        milestones = {
            m.declaration_type: m
            for m in self.session.scalars(sa.select(Milestone).where(Milestone.schedule_id == schedule.id))
        }
        for declaration in self._live_declarations():
            milestone = milestones.get(declaration.declaration_type)
            if milestone is None:
                return False
            if declaration.declaration_date <= _start_of_day(milestone.start_date):
                return False
            if milestone.milestone_date is not None and declaration.declaration_date > _end_of_day(
                milestone.milestone_date
            ):
                return False
        return True

    # -- the effects

    def apply(self) -> None:
        session, profile, record, new = self.session, self.profile, self.record, self.new_schedule
        assert profile is not None and record is not None and new is not None
        partnership = self._school_partnership()
        assert partnership is not None and self.target_cohort is not None
        session.add(
            ParticipantProfileSchedule(
                participant_profile_id=profile.id,
                schedule_id=new.id,
                lead_provider_id=self.lead_provider_id,
                created_at=now(),
            )
        )
        if new.cohort_id != profile.schedule.cohort_id and self._may_leave_declarations_behind():
            profile.cohort_changed_after_payments_frozen = not profile.cohort_changed_after_payments_frozen
        target_school_cohort = session.scalars(
            sa.select(SchoolCohort).where(
                SchoolCohort.school_id == partnership.school_id,
                SchoolCohort.cohort_id == self.target_cohort.id,
            )
        ).first()
        # Relationships rather than ids, so objects already in the session stay coherent
        # for the serializer that reads them next.
        if target_school_cohort is not None:
            profile.school_cohort = target_school_cohort
        profile.schedule = new
        # A transfer relationship keeps the participant on their own programme; otherwise
        # they join the school's default programme for the target cohort.
        programme_id = record.induction_programme_id
        if (
            not partnership.is_relationship
            and target_school_cohort is not None
            and target_school_cohort.default_induction_programme_id is not None
        ):
            programme_id = target_school_cohort.default_induction_programme_id
        self.subject.record = _version_induction_record(
            session, record, schedule_id=new.id, induction_programme_id=programme_id
        )
        session.flush()
