"""Recording and voiding declarations: the claims that training happened, which lead to
payments (business rules §2.4, §3 and §9).

:func:`record_declaration` checks a request against every rule and reports each broken
one, worded as DfE worded it and keyed by attribute, so a provider sees all that is wrong
with a request at once. The rules run in the order of business rules §3.4 (the
original's ``RecordDeclaration``), which differs from the order in which the issue lists
them: the withdrawal check runs before the date checks; the future-date check before the
format check; the statement, schedule, duplicate and mentor checks before the course and
provider checks; and the course, provider and evidence checks run only when nothing
earlier failed.

Two choices differ from the original on purpose:

* A cohort whose payments are frozen has no open output-fee statement, even when its
  published statements run past the freeze. So a new declaration that would be paid, or
  a clawback, in a frozen cohort gets the original's "funding contract has ended" message
  (rule 8, ``cohort``) from the moment of the freeze; a declaration that would only be
  ``submitted`` is still recorded, as in the original.
* Only induction records under partnerships the school has not challenged count as the
  provider's (rule 13), as for every read of the v3 API.

Nothing here commits; the caller's transaction decides. History is data: every state a
declaration enters is appended to ``declaration_states``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from domain import audit
from domain.clock import UTC, now, today
from domain.errors import Collector, InvalidTransition, RuleBroken
from domain.people import find_teacher
from storage.enums import (
    BLOCKING_STATES,
    REFUNDABLE_STATES,
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    EligibilityStatus,
    EvidenceHeld,
    LineItemState,
    MentorCompletionReason,
    ProfileType,
    RecordStatus,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    DeclarationStateChange,
    InductionProgramme,
    InductionRecord,
    Milestone,
    ParticipantDeclaration,
    ParticipantProfile,
    ParticipantProfileState,
    Partnership,
    Statement,
    StatementLineItem,
    Teacher,
)

# --- the original's messages --------------------------------------------------------------

NPQ_NOT_SUPPORTED = "NPQ Courses are no longer supported"
PARTICIPANT_NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. "
    "Check participant details and try again."
)
WITHDRAWN_BEFORE_DATE = (
    "This participant withdrew from this course on {withdrawn_at}. "
    "Enter a '#/declaration_date' that's on or before the withdrawal date."
)
DATE_MISSING = "Enter a '#/declaration_date'."
TYPE_MISSING = "Enter a '#/declaration_type'."
DATE_IN_FUTURE = "The '#/declaration_date' value cannot be a future date. Check the date and try again."
DATE_INVALID = "Enter a valid RCF3339 '#/declaration_date'."
BEFORE_MILESTONE_START = "Enter a '#/declaration_date' that's on or after the milestone start."
AFTER_MILESTONE_END = "Enter a '#/declaration_date' that's before the milestone end date."
COHORT_CLOSED = (
    "You cannot submit or void declarations for the {year} cohort. The funding contract for this "
    "cohort has ended. Get in touch if you need to discuss this with us"
)
TYPE_NOT_IN_SCHEDULE = "The property '#/declaration_type' does not exist for this schedule."
ALREADY_DECLARED = "A declaration has already been submitted that will be, or has been, paid for this event"
MENTOR_STARTED_OR_COMPLETED_ONLY = (
    "You cannot send retained or extended declarations for participants who began their mentor "
    "training after June 2025. Resubmit this declaration with either a started or completed declaration."
)
COURSE_NOT_RECOGNISED = (
    "The entered '#/course_identifier' is not recognised for the given participant. "
    "Check details and try again."
)
EVIDENCE_MISSING = "Enter a '#/evidence_held' value for this participant."
EVIDENCE_INVALID = "Enter an available '#/evidence_held' type for this participant's event and course."
ALREADY_VOIDED = "This declaration has already been voided."
CLAWED_BACK = "This declaration has been clawed-back, so you can only view it."
# The clawback's own validation errors were shown as full messages of the declaration.
ALREADY_REFUNDED = "Participant declaration will or has been be refunded"
CLAWBACK_COHORT_CLOSED = "Participant declaration " + COHORT_CLOSED

#: The reason stored on an ``ineligible`` state for a second claim by the same teacher.
DUPLICATE_REASON = "duplicate"
#: After this day a manual "started, not completed" mark on a mentor is never overwritten.
MANUAL_MENTOR_MARK_KEPT_AFTER = dt.date(2024, 7, 31)

_PROFILE_TYPE_FOR_COURSE = {
    CourseIdentifier.ECT.value: ProfileType.ECT,
    CourseIdentifier.MENTOR.value: ProfileType.MENTOR,
}
_MENTOR_FUNDED_TYPES = (DeclarationType.STARTED.value, DeclarationType.COMPLETED.value)

# --- evidence_held (business rules §3.3, api-contract §4.3) -------------------------------

_LEGACY_EVIDENCE = frozenset(
    {
        EvidenceHeld.TRAINING_EVENT_ATTENDED,
        EvidenceHeld.SELF_STUDY_MATERIAL_COMPLETED,
        EvidenceHeld.OTHER,
    }
)
_BASIC_EVIDENCE = _LEGACY_EVIDENCE | {EvidenceHeld.MATERIALS_ENGAGED_WITH_OFFLINE}
_ENGAGEMENT_EVIDENCE = frozenset({EvidenceHeld.ENGAGEMENT_MET, EvidenceHeld.ENGAGEMENT_MET_REDUCED_INDUCTION})
_DETAILED_EVIDENCE: dict[ProfileType, dict[DeclarationType, frozenset[EvidenceHeld]]] = {
    ProfileType.ECT: {
        DeclarationType.STARTED: _BASIC_EVIDENCE,
        DeclarationType.RETAINED_1: _BASIC_EVIDENCE,
        DeclarationType.RETAINED_2: _ENGAGEMENT_EVIDENCE,
        DeclarationType.RETAINED_3: _BASIC_EVIDENCE,
        DeclarationType.RETAINED_4: _BASIC_EVIDENCE,
        DeclarationType.COMPLETED: _ENGAGEMENT_EVIDENCE | {EvidenceHeld.ONE_TERM_INDUCTION},
        DeclarationType.EXTENDED_1: _BASIC_EVIDENCE,
        DeclarationType.EXTENDED_2: _BASIC_EVIDENCE,
        DeclarationType.EXTENDED_3: _BASIC_EVIDENCE,
    },
    ProfileType.MENTOR: {
        DeclarationType.STARTED: _BASIC_EVIDENCE,
        DeclarationType.COMPLETED: _ENGAGEMENT_EVIDENCE,
    },
}


def allowed_evidence(
    declaration_type: DeclarationType, profile_type: ProfileType, detailed_evidence_types: bool
) -> frozenset[EvidenceHeld]:
    """The ``evidence_held`` values a declaration may carry. Cohorts up to 2024 use three
    values for every type; from 2025 (``detailed_evidence_types``) the list depends on
    the type and on whether the participant is an ECT or a mentor."""
    if not detailed_evidence_types:
        return _LEGACY_EVIDENCE
    return _DETAILED_EVIDENCE[profile_type].get(declaration_type, frozenset())


def evidence_error(
    evidence_held: object,
    declaration_type: DeclarationType,
    profile_type: ProfileType,
    detailed_evidence_types: bool,
) -> str | None:
    """What is wrong with ``evidence_held``, if anything.

    ``started`` needs no evidence: before 2025 any value is discarded unchecked; from
    2025 a value, when given, must be one of the allowed ones. Every other type needs one.
    """
    if declaration_type == DeclarationType.STARTED and (not detailed_evidence_types or _blank(evidence_held)):
        return None
    if _blank(evidence_held):
        return EVIDENCE_MISSING
    allowed = allowed_evidence(declaration_type, profile_type, detailed_evidence_types)
    return None if any(evidence_held == value.value for value in allowed) else EVIDENCE_INVALID


def evidence_to_store(
    evidence_held: object, declaration_type: DeclarationType, detailed_evidence_types: bool
) -> EvidenceHeld | None:
    """The value kept on the declaration (a checked one, or none for an old-style start)."""
    if _blank(evidence_held) or (declaration_type == DeclarationType.STARTED and not detailed_evidence_types):
        return None
    return EvidenceHeld(str(evidence_held))


# --- declaration_date and milestone windows (business rules §3.4 #3–7, §3.5) --------------

_DECLARATION_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII
)


def parse_declaration_date(value: object) -> dt.datetime | None:
    """``YYYY-MM-DDThh:mm:ss[.frac][Z|±hh[[:]mm]]`` as a UTC instant; ``None`` unless the
    text has exactly that form and names a real instant. No zone means UTC, the server's."""
    if not isinstance(value, str):
        return None
    match = _DECLARATION_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        zone: dt.tzinfo = UTC
        if offset and offset != "Z":
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            zone = dt.timezone(-delta if offset[0] == "-" else delta)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        instant = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=zone
        )
        return instant.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _cast_date(value: object) -> dt.datetime | None:
    """The instant a loosely written date names (e.g. ``2025-01-10``), as the original's
    typed attribute read it before its format check; used only to spot future dates."""
    strict = parse_declaration_date(value)
    if strict is not None or not isinstance(value, str):
        return strict
    try:
        loose = dt.datetime.fromisoformat(value.strip())
        return loose.replace(tzinfo=UTC) if loose.tzinfo is None else loose.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def milestone_window_error(declaration_date: dt.datetime, milestone: Milestone) -> str | None:
    """A declaration is dated from 00:00 UTC on the milestone's start date up to the end of
    its milestone date (UTC); a milestone without a date has no end."""
    start = dt.datetime.combine(milestone.start_date, dt.time.min, tzinfo=UTC)
    if declaration_date < start:
        return BEFORE_MILESTONE_START
    if milestone.milestone_date is not None:
        end = dt.datetime.combine(milestone.milestone_date, dt.time.max, tzinfo=UTC)
        if declaration_date >= end:
            return AFTER_MILESTONE_END
    return None


# --- statements and states, shared with the payment engine --------------------------------


def payments_frozen(cohort: Cohort) -> bool:
    """Whether DfE has closed the cohort's funding contract (as of the server's now)."""
    return cohort.payments_frozen_at is not None and cohort.payments_frozen_at <= now()


def next_output_statement(session: Session, lead_provider_id: uuid.UUID, cohort: Cohort) -> Statement | None:
    """The provider's earliest output-fee statement of the cohort whose cut-off is today
    or later (server time); none once the cohort's payments are frozen."""
    if payments_frozen(cohort):
        return None
    return session.scalars(
        sa.select(Statement)
        .where(
            Statement.lead_provider_id == lead_provider_id,
            Statement.cohort_id == cohort.id,
            Statement.output_fee.is_(True),
            Statement.deadline_date >= today(),
        )
        .order_by(Statement.deadline_date, Statement.payment_date, Statement.id)
        .limit(1)
    ).first()


def change_state(
    session: Session, declaration: ParticipantDeclaration, state: DeclarationState, reason: str | None = None
) -> None:
    """Move a declaration to ``state`` and append that to its history."""
    declaration.state = state
    session.add(
        DeclarationStateChange(
            participant_declaration_id=declaration.id, state=state, state_reason=reason, created_at=now()
        )
    )


def uplift_paid(
    course_identifier: str, declaration_type: str, state: str, pupil_premium: bool, sparsity: bool
) -> bool:
    """An uplift is paid on an ECT's ``started`` declaration once paid (or being clawed
    back), when their school qualified for either uplift."""
    return (
        course_identifier == CourseIdentifier.ECT
        and declaration_type == DeclarationType.STARTED
        and state in (DeclarationState.PAID, *REFUNDABLE_STATES)
        and (pupil_premium or sparsity)
    )


def recompute_mentor_completion(session: Session, profile: ParticipantProfile) -> None:
    """A mentor's funding ends on the date of their latest live ``completed`` declaration.

    Run after any change to a mentor's ``completed`` declarations, so voiding the last one
    clears a date it had set. A date DfE set for another reason is left alone: the early
    roll-out one always, a manual "started, not completed" one after 31 July 2024.
    """
    if profile.profile_type != ProfileType.MENTOR:
        return
    reason = profile.mentor_completion_reason
    if reason == MentorCompletionReason.COMPLETED_DURING_EARLY_ROLL_OUT:
        return
    if reason == MentorCompletionReason.STARTED_NOT_COMPLETED and today() > MANUAL_MENTOR_MARK_KEPT_AFTER:
        return
    session.flush()
    latest = session.scalar(
        sa.select(sa.func.max(ParticipantDeclaration.declaration_date)).where(
            ParticipantDeclaration.participant_profile_id == profile.id,
            ParticipantDeclaration.declaration_type == DeclarationType.COMPLETED,
            ParticipantDeclaration.state.in_(BLOCKING_STATES),
        )
    )
    if latest is not None:
        if latest.tzinfo is None:  # SQLite's max() bypasses the column type
            latest = latest.replace(tzinfo=UTC)
        profile.mentor_completion_date = latest.astimezone(UTC).date()
        profile.mentor_completion_reason = MentorCompletionReason.COMPLETED_DECLARATION_RECEIVED
    elif reason in (None, MentorCompletionReason.COMPLETED_DECLARATION_RECEIVED):
        profile.mentor_completion_date = None
        profile.mentor_completion_reason = None


# --- recording -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationRequest:
    """The attributes of a POST, as sent (anything may be missing or of the wrong type)."""

    participant_id: object = None
    declaration_type: object = None
    declaration_date: object = None
    course_identifier: object = None
    evidence_held: object = None

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, object]) -> DeclarationRequest:
        """``has_passed`` and unknown keys are accepted and ignored, as in the original."""
        return cls(
            participant_id=attributes.get("participant_id"),
            declaration_type=attributes.get("declaration_type"),
            declaration_date=attributes.get("declaration_date"),
            course_identifier=attributes.get("course_identifier"),
            evidence_held=attributes.get("evidence_held"),
        )


@dataclass(frozen=True)
class _RecordInForce:
    """What the provider's induction record on the declaration date says."""

    training_status: TrainingStatus
    delivery_partner_id: uuid.UUID
    mentor_teacher_id: uuid.UUID | None


def record_declaration(
    session: Session, lead_provider_id: uuid.UUID, request: DeclarationRequest
) -> ParticipantDeclaration:
    """Record a declaration after checking every rule (business rules §3.4, §3.7).

    It starts ``submitted``; it becomes ``ineligible`` (a duplicate) when another person
    with the same TRN already has a live one of the same course and type, else
    ``eligible`` when DfE has found the participant fundable. Anything but ``submitted``
    lands on the provider's next output-fee statement of the cohort.

    Two concurrent identical requests may both pass the checks; the partial unique index
    lets only one be inserted, and the other gets the duplicate message.
    """
    checks = _Checks(session, lead_provider_id, request)
    checks.run()
    checks.errors.raise_if_any()
    profile, declaration_date = checks.profile, checks.declaration_date
    assert profile is not None and declaration_date is not None
    cohort = checks.cohort
    declaration_type = DeclarationType(str(request.declaration_type))
    in_force = _record_in_force(session, lead_provider_id, profile.id, declaration_date)
    declaration = ParticipantDeclaration(
        id=uuid.uuid4(),
        teacher_id=profile.teacher_id,
        participant_profile_id=profile.id,
        lead_provider_id=lead_provider_id,
        cohort_id=cohort.id,
        course_identifier=CourseIdentifier(str(request.course_identifier)),
        declaration_type=declaration_type,
        declaration_date=declaration_date,
        evidence_held=evidence_to_store(
            request.evidence_held, declaration_type, cohort.detailed_evidence_types
        ),
        state=DeclarationState.SUBMITTED,
        delivery_partner_id=in_force.delivery_partner_id if in_force else None,
        mentor_teacher_id=(in_force.mentor_teacher_id if in_force and profile.is_ect else None),
        pupil_premium_uplift=profile.pupil_premium_uplift,
        sparsity_uplift=profile.sparsity_uplift,
    )
    _insert_guarded(session, declaration)
    change_state(session, declaration, DeclarationState.SUBMITTED)

    original = _same_trn_original(session, declaration)
    if original is not None:
        declaration.superseded_by_id = original
        change_state(session, declaration, DeclarationState.INELIGIBLE, DUPLICATE_REASON)
    elif _fundable(profile):
        change_state(session, declaration, DeclarationState.ELIGIBLE)
    if declaration.state != DeclarationState.SUBMITTED:
        statement = next_output_statement(session, lead_provider_id, cohort)
        if statement is not None:
            session.add(
                StatementLineItem(
                    statement_id=statement.id,
                    participant_declaration_id=declaration.id,
                    state=LineItemState(declaration.state.value),
                )
            )
    if profile.profile_type == ProfileType.MENTOR and declaration_type == DeclarationType.COMPLETED:
        recompute_mentor_completion(session, profile)
    session.flush()
    return declaration


def _insert_guarded(session: Session, declaration: ParticipantDeclaration) -> None:
    """Insert the declaration; losing a race to an identical one is the duplicate error.

    The whole transaction is rolled back rather than a savepoint (SQLite's driver does
    not manage those reliably), so a caller records a declaration before writing anything
    else in its transaction, as the API does.
    """
    session.add(declaration)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        if _lost_race(error):
            raise RuleBroken.on("base", ALREADY_DECLARED) from None
        raise


def _lost_race(error: IntegrityError) -> bool:
    """The one-live-claim index refused the row (PostgreSQL names the index; SQLite
    names its columns)."""
    text = str(error.orig)
    return (
        "uq_participant_declarations_one_live_claim" in text
        or "UNIQUE constraint failed: participant_declarations.participant_profile_id" in text
    )


class _Checks:
    """The rules of business rules §3.4 for one request, evaluated in that order."""

    def __init__(self, session: Session, lead_provider_id: uuid.UUID, request: DeclarationRequest) -> None:
        self.session = session
        self.lead_provider_id = lead_provider_id
        self.request = request
        self.errors = Collector()
        self.teacher: Teacher | None = None
        self.profile: ParticipantProfile | None = None
        self.declaration_date: dt.datetime | None = None
        self._milestone: Milestone | None = None

    @property
    def cohort(self) -> Cohort:
        assert self.profile is not None
        return self.profile.schedule.cohort

    def run(self) -> None:
        request, errors = self.request, self.errors
        course = request.course_identifier
        # 0. NPQ left this service in November 2024; nothing else is checked.
        if isinstance(course, str) and course.startswith("npq-"):
            raise RuleBroken.on("course_identifier", NPQ_NOT_SUPPORTED)
        profile_type = _PROFILE_TYPE_FOR_COURSE.get(course) if isinstance(course, str) else None

        # 1. Who the participant is (retired ids resolve too) and their training record.
        self.teacher = find_teacher(self.session, request.participant_id, profile_type)
        if self.teacher is None:
            errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)
        elif profile_type is not None:
            self.profile = self._find_profile(self.teacher, profile_type)
        profile = self.profile

        raw_date, raw_type = request.declaration_date, request.declaration_type
        self.declaration_date = parse_declaration_date(raw_date)
        cast_date = _cast_date(raw_date)
        if profile is not None:
            self._milestone = _milestone(self.session, profile, raw_type)

        # 2. Not withdrawn by this provider on or before the declaration date.
        if profile is not None and cast_date is not None:
            withdrawn_at = self._withdrawn_at(profile, cast_date)
            if withdrawn_at is not None:
                errors.add(
                    "participant_id",
                    WITHDRAWN_BEFORE_DATE.format(withdrawn_at=withdrawn_at.strftime("%Y-%m-%dT%H:%M:%SZ")),
                )
        # 3–6. The date and type are given; the date is not in the future and well formed.
        if _blank(raw_date):
            errors.add("declaration_date", DATE_MISSING)
        if _blank(raw_type):
            errors.add("declaration_type", TYPE_MISSING)
        if cast_date is not None and cast_date > now():
            errors.add("declaration_date", DATE_IN_FUTURE)
        if not _blank(raw_date) and self.declaration_date is None:
            errors.add("declaration_date", DATE_INVALID)
        # 7. Inside the milestone's window.
        if self._milestone is not None and self.declaration_date is not None:
            window = milestone_window_error(self.declaration_date, self._milestone)
            if window is not None:
                errors.add("declaration_date", window)
        if profile is not None:
            # 8. A statement can pay it (only asked when it would be paid).
            if (
                self._needs_statement(profile)
                and next_output_statement(self.session, self.lead_provider_id, self.cohort) is None
            ):
                errors.add("cohort", COHORT_CLOSED.format(year=self.cohort.start_year))
            # 9. The schedule has this type (unknown types included).
            if self._milestone is None:
                errors.add("declaration_type", TYPE_NOT_IN_SCHEDULE)
            # 10. Nobody, with any provider, already has it live.
            if self._already_declared(profile):
                errors.add("base", ALREADY_DECLARED)
            # 11. Mentors from 2025 are paid for starting and completing only.
            if (
                profile.profile_type == ProfileType.MENTOR
                and self.cohort.mentor_funding
                and not _blank(raw_type)
                and raw_type not in _MENTOR_FUNDED_TYPES
            ):
                errors.add("declaration_type", MENTOR_STARTED_OR_COMPLETED_ONLY)
        # 12–14 only when everything so far passed.
        if errors:
            return
        if profile is None:
            errors.add("course_identifier", COURSE_NOT_RECOGNISED)
            return
        if not self._provider_trains(profile):
            errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)
            return
        problem = evidence_error(
            request.evidence_held,
            DeclarationType(str(raw_type)),
            profile.profile_type,
            self.cohort.detailed_evidence_types,
        )
        if problem is not None:
            errors.add("evidence_held", problem)

    # -- the lookups behind the rules

    def _find_profile(self, teacher: Teacher, profile_type: ProfileType) -> ParticipantProfile | None:
        """The person's active training record of the course's type, preferring one this
        provider trains when they have several."""
        candidates = list(
            self.session.scalars(
                sa.select(ParticipantProfile)
                .where(
                    ParticipantProfile.teacher_id == teacher.id,
                    ParticipantProfile.profile_type == profile_type,
                    ParticipantProfile.status == RecordStatus.ACTIVE,
                )
                .order_by(ParticipantProfile.created_at.desc(), ParticipantProfile.id)
            )
        )
        if len(candidates) > 1:
            trained = set(
                self.session.scalars(
                    _provider_records(self.lead_provider_id, unchallenged_only=True)
                    .where(InductionRecord.participant_profile_id.in_([c.id for c in candidates]))
                    .with_only_columns(InductionRecord.participant_profile_id)
                )
            )
            candidates.sort(key=lambda c: c.id not in trained)
        return candidates[0] if candidates else None

    def _withdrawn_at(self, profile: ParticipantProfile, declaration_date: dt.datetime) -> dt.datetime | None:
        """When this provider withdrew the participant, if that stands on the date: the
        provider's latest status change is a withdrawal made on or before the date, and
        its induction record in force on the date is not active (resumed ones pass)."""
        latest = self.session.scalars(
            sa.select(ParticipantProfileState)
            .where(
                ParticipantProfileState.participant_profile_id == profile.id,
                ParticipantProfileState.lead_provider_id == self.lead_provider_id,
            )
            .order_by(ParticipantProfileState.created_at.desc(), ParticipantProfileState.id.desc())
            .limit(1)
        ).first()
        if latest is None or latest.state != TrainingStatus.WITHDRAWN or latest.created_at > declaration_date:
            return None
        in_force = _record_in_force(self.session, self.lead_provider_id, profile.id, declaration_date)
        if in_force is not None and in_force.training_status == TrainingStatus.ACTIVE:
            return None
        return latest.created_at

    def _needs_statement(self, profile: ParticipantProfile) -> bool:
        """The original asks for a statement only when the declaration would be paid:
        a new one for a fundable participant, or a repeat of a billable one."""
        existing_state = None
        if self.declaration_date is not None and _known_type(self.request.declaration_type):
            existing_state = self.session.scalar(
                sa.select(ParticipantDeclaration.state)
                .where(
                    ParticipantDeclaration.participant_profile_id == profile.id,
                    ParticipantDeclaration.lead_provider_id == self.lead_provider_id,
                    ParticipantDeclaration.course_identifier == self.request.course_identifier,
                    ParticipantDeclaration.declaration_type == self.request.declaration_type,
                    ParticipantDeclaration.declaration_date == self.declaration_date,
                    ParticipantDeclaration.state.in_(BLOCKING_STATES),
                )
                .limit(1)
            )
        if existing_state == DeclarationState.SUBMITTED:
            return False
        return existing_state is not None or _fundable(profile)

    def _already_declared(self, profile: ParticipantProfile) -> bool:
        declaration_type = self.request.declaration_type
        if not _known_type(declaration_type):
            return False
        return bool(
            self.session.scalar(
                sa.select(
                    sa.exists().where(
                        ParticipantDeclaration.teacher_id == profile.teacher_id,
                        ParticipantDeclaration.course_identifier == self.request.course_identifier,
                        ParticipantDeclaration.declaration_type == declaration_type,
                        ParticipantDeclaration.state.in_(BLOCKING_STATES),
                    )
                )
            )
        )

    def _provider_trains(self, profile: ParticipantProfile) -> bool:
        """This provider has an induction record for the training record on its current
        schedule, under a partnership the school has not challenged."""
        query = _provider_records(self.lead_provider_id, unchallenged_only=True).where(
            InductionRecord.participant_profile_id == profile.id,
            InductionRecord.schedule_id == profile.schedule_id,
        )
        return bool(self.session.scalar(sa.select(query.exists())))


_DECLARATION_TYPES = frozenset(value.value for value in DeclarationType)


def _known_type(value: object) -> bool:
    """A declaration type this service knows (a string; JSON may send anything)."""
    return isinstance(value, str) and value in _DECLARATION_TYPES


def _blank(value: object) -> bool:
    """Missing, empty or only whitespace (Rails' ``blank?``)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict | tuple):
        return not value
    return False


def _milestone(session: Session, profile: ParticipantProfile, declaration_type: object) -> Milestone | None:
    if not _known_type(declaration_type):
        return None
    return session.scalars(
        sa.select(Milestone).where(
            Milestone.schedule_id == profile.schedule_id, Milestone.declaration_type == declaration_type
        )
    ).first()


def _fundable(profile: ParticipantProfile) -> bool:
    """Only DfE's ``eligible`` verdict makes a participant fundable."""
    return profile.eligibility is not None and profile.eligibility.status == EligibilityStatus.ELIGIBLE


def _provider_records(lead_provider_id: uuid.UUID, *, unchallenged_only: bool) -> sa.Select:
    query = (
        sa.select(InductionRecord)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(Partnership.lead_provider_id == lead_provider_id)
    )
    if unchallenged_only:
        query = query.where(Partnership.challenge_reason.is_(None))
    return query


def _record_in_force(
    session: Session, lead_provider_id: uuid.UUID, profile_id: uuid.UUID, on: dt.datetime
) -> _RecordInForce | None:
    """The provider's induction record in force on a date: the latest to start by then."""
    mentor = aliased(ParticipantProfile)
    row = session.execute(
        _provider_records(lead_provider_id, unchallenged_only=False)
        .outerjoin(mentor, mentor.id == InductionRecord.mentor_profile_id)
        .where(InductionRecord.participant_profile_id == profile_id, InductionRecord.start_date <= on)
        .order_by(
            InductionRecord.start_date.desc(), InductionRecord.created_at.desc(), InductionRecord.id.desc()
        )
        .limit(1)
        .with_only_columns(
            InductionRecord.training_status, Partnership.delivery_partner_id, mentor.teacher_id
        )
    ).first()
    if row is None:
        return None
    return _RecordInForce(row[0], row[1], row[2])


def _same_trn_original(session: Session, declaration: ParticipantDeclaration) -> uuid.UUID | None:
    """The earliest live, unsuperseded declaration of the same course and type by another
    person with the same TRN (the same teacher registered twice)."""
    other = aliased(Teacher)
    own = aliased(Teacher)
    return session.scalar(
        sa.select(ParticipantDeclaration.id)
        .join(other, other.id == ParticipantDeclaration.teacher_id)
        .join(own, own.trn == other.trn)
        .where(
            own.id == declaration.teacher_id,
            other.id != declaration.teacher_id,
            ParticipantDeclaration.course_identifier == declaration.course_identifier,
            ParticipantDeclaration.declaration_type == declaration.declaration_type,
            ParticipantDeclaration.state.in_(BLOCKING_STATES),
            ParticipantDeclaration.superseded_by_id.is_(None),
        )
        .order_by(ParticipantDeclaration.created_at, ParticipantDeclaration.id)
        .limit(1)
    )


# --- voiding -------------------------------------------------------------------------------


def void_declaration(session: Session, declaration: ParticipantDeclaration) -> ParticipantDeclaration:
    """Void one of the provider's own declarations (business rules §3.8).

    Unpaid ones (submitted, eligible, payable, ineligible) become ``voided`` with their
    statement line; a paid one is clawed back instead: ``awaiting_clawback``, with a
    refundable line on the provider's next output-fee statement of its cohort. Voiding an
    unpaid declaration in a closed cohort is allowed, as in the original; a clawback is not.
    """
    state = declaration.state
    if state == DeclarationState.VOIDED:
        raise InvalidTransition(ALREADY_VOIDED)
    if state in REFUNDABLE_STATES:
        raise InvalidTransition(CLAWED_BACK)
    items = list(
        session.scalars(
            sa.select(StatementLineItem).where(StatementLineItem.participant_declaration_id == declaration.id)
        )
    )
    with audit.reason(session, None, action="voided"):
        if state == DeclarationState.PAID:
            _claw_back(session, declaration, items)
        else:
            for item in items:
                if item.state in (LineItemState.ELIGIBLE, LineItemState.PAYABLE, LineItemState.INELIGIBLE):
                    item.state = LineItemState.VOIDED
            declaration.voided_at = now()
            change_state(session, declaration, DeclarationState.VOIDED)
        if declaration.declaration_type == DeclarationType.COMPLETED:
            recompute_mentor_completion(session, declaration.participant_profile)
    return declaration


def void_for_provider(
    session: Session, declaration: ParticipantDeclaration, voided_by: str
) -> ParticipantDeclaration:
    """DfE voids a declaration on its provider's behalf: exactly the provider's own void (the
    same states, clawback and messages), with who did it kept in ``voided_by``."""
    void_declaration(session, declaration)
    declaration.voided_by = voided_by[:320]
    session.flush()
    return declaration


def _claw_back(session: Session, declaration: ParticipantDeclaration, items: list[StatementLineItem]) -> None:
    problems = []
    if any(item.state.value in {s.value for s in REFUNDABLE_STATES} for item in items):
        problems.append(ALREADY_REFUNDED)
    cohort = session.get(Cohort, declaration.cohort_id)
    assert cohort is not None
    statement = next_output_statement(session, declaration.lead_provider_id, cohort)
    if statement is None:
        problems.append(CLAWBACK_COHORT_CLOSED.format(year=cohort.start_year))
    if problems:
        raise InvalidTransition(", ".join(problems))
    assert statement is not None
    session.add(
        StatementLineItem(
            statement_id=statement.id,
            participant_declaration_id=declaration.id,
            state=LineItemState.AWAITING_CLAWBACK,
        )
    )
    change_state(session, declaration, DeclarationState.AWAITING_CLAWBACK)


__all__ = [
    "DeclarationRequest",
    "allowed_evidence",
    "change_state",
    "evidence_error",
    "evidence_to_store",
    "milestone_window_error",
    "next_output_statement",
    "parse_declaration_date",
    "payments_frozen",
    "recompute_mentor_completion",
    "record_declaration",
    "uplift_paid",
    "void_declaration",
    "void_for_provider",
]
