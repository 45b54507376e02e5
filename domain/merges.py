"""Merging two records of one person (business rules §6.4): DfE keeps one participant id and
retires the other.

Everything the retired person holds moves to the kept one: their identities (emails and
external ids, so an id a provider stored keeps resolving), training records with their
induction records, states and eligibility, their declarations, their own earlier id changes,
and declarations naming them as mentor. A ``participant_id_changes`` row (retired → kept) is
added, which the API shows, and the retired ``teachers`` row is deleted so that the id now
resolves only through that change (``domain.people``). Training record ids never change.

A merge that would leave the person breaking a rule is refused, with every reason at once:
two active training records of one type (a person trains once as an ECT and once as a
mentor), two records of one type in the same school cohort (a database constraint), a
person mentoring themselves, two live declarations for the same event (paid twice), or two
different TRNs (then they are not the same person).

Nothing here commits; the caller's transaction decides. The audit trail records each row
moved with the reason given.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import audit
from domain.clock import now
from domain.errors import Collector, RuleBroken
from domain.people import as_uuid
from storage.enums import BLOCKING_STATES, ProfileType, RecordStatus
from storage.models import (
    Cohort,
    ParticipantDeclaration,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    School,
    SchoolCohort,
    Teacher,
)

#: The form field (and ``RuleBroken`` attribute) naming the participant to retire.
RETIRED = "retired_participant_id"
KEPT = "participant_id"

NO_ID = "Enter the participant ID of the duplicate record"
NOT_AN_ID = "Enter a participant ID in the correct format, like 1b9a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
NOT_FOUND = "No participant has this ID"
ALREADY_RETIRED = "This participant ID was retired on {date}; it now belongs to participant {to}"
SAME_PERSON = "Enter the ID of a different participant from the one being kept"
DIFFERENT_TRNS = (
    "These participants have different TRNs ({kept} and {retired}), so they are not the same person"
)
TWO_ACTIVE = (
    "Both participants have an active {kind} training record. "
    "Ask the school to remove one of them before merging"
)
SAME_SCHOOL_COHORT = "Both participants have {kind} training records at {school} in the {year} cohort"
OWN_MENTOR = "One participant is recorded as the other's mentor, so they cannot be the same person"
TWO_LIVE_DECLARATIONS = (
    "Both participants have a {type} declaration for {course} that will be, or has been, paid. "
    "Void one of them before merging"
)
NO_REASON = "Enter why these records are the same person"

KIND_NAMES = {ProfileType.ECT: "ECT", ProfileType.MENTOR: "mentor"}


@dataclass(frozen=True)
class MergePlan:
    """What a merge would move, for the check page: the kept and the retired person and
    how many of each kind of row move."""

    kept: Teacher
    retired: Teacher
    profiles: int
    identities: int
    declarations: int
    id_changes: int


def find_current_person(session: Session, value: object, attribute: str = RETIRED) -> Teacher:
    """The person whose own id ``value`` is now; an id already retired is refused with where it went."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleBroken.on(attribute, NO_ID)
    wanted = as_uuid(value)
    if wanted is None:
        raise RuleBroken.on(attribute, NOT_AN_ID)
    teacher = session.get(Teacher, wanted)
    if teacher is not None:
        return teacher
    change = session.scalars(
        sa.select(ParticipantIdChange)
        .where(ParticipantIdChange.from_participant_id == wanted)
        .order_by(ParticipantIdChange.created_at.desc())
        .limit(1)
    ).first()
    if change is not None:
        raise RuleBroken.on(
            attribute,
            ALREADY_RETIRED.format(date=_long(change.created_at), to=change.teacher_id),
        )
    raise RuleBroken.on(attribute, NOT_FOUND)


def plan_merge(session: Session, kept_id: object, retired_id: object) -> MergePlan:
    """Check a merge without changing anything: every broken rule, or what would move."""
    kept = find_current_person(session, kept_id, KEPT)
    retired = find_current_person(session, retired_id, RETIRED)
    if kept.id == retired.id:
        raise RuleBroken.on(RETIRED, SAME_PERSON)
    errors = Collector()
    if kept.trn and retired.trn and kept.trn != retired.trn:
        errors.add(RETIRED, DIFFERENT_TRNS.format(kept=kept.trn, retired=retired.trn))
    kept_profiles = _profiles(session, kept.id)
    retired_profiles = _profiles(session, retired.id)
    _check_profiles(session, errors, kept_profiles, retired_profiles)
    _check_declarations(session, errors, kept, retired)
    errors.raise_if_any()
    return MergePlan(
        kept=kept,
        retired=retired,
        profiles=len(retired_profiles),
        identities=_count(session, ParticipantIdentity, ParticipantIdentity.teacher_id == retired.id),
        declarations=_count(session, ParticipantDeclaration, ParticipantDeclaration.teacher_id == retired.id),
        id_changes=_count(session, ParticipantIdChange, ParticipantIdChange.teacher_id == retired.id),
    )


def merge_participants(
    session: Session, kept_id: object, retired_id: object, reason: str
) -> ParticipantIdChange:
    """Retire ``retired_id`` in favour of ``kept_id`` (after the checks of :func:`plan_merge`),
    recording ``reason`` on every change in the audit trail."""
    if not reason or not reason.strip():
        raise RuleBroken.on("reason", NO_REASON)
    # Both people are locked (in id order, so two merges never wait on each other in a
    # circle) before the checks, so what is checked is what is merged.
    for wanted in sorted({i for i in (as_uuid(kept_id), as_uuid(retired_id)) if i is not None}, key=str):
        session.get(Teacher, wanted, with_for_update=True, populate_existing=True)
    plan = plan_merge(session, kept_id, retired_id)
    kept, retired = plan.kept, plan.retired
    with audit.reason(session, reason.strip(), action="merged"):
        for identity in session.scalars(
            sa.select(ParticipantIdentity).where(ParticipantIdentity.teacher_id == retired.id)
        ):
            identity.teacher = kept
        for profile in _profiles(session, retired.id):
            profile.teacher = kept
        for declaration in session.scalars(
            sa.select(ParticipantDeclaration).where(ParticipantDeclaration.teacher_id == retired.id)
        ):
            declaration.teacher_id = kept.id
        for declaration in session.scalars(
            sa.select(ParticipantDeclaration).where(ParticipantDeclaration.mentor_teacher_id == retired.id)
        ):
            declaration.mentor_teacher_id = kept.id
        for earlier in session.scalars(
            sa.select(ParticipantIdChange).where(ParticipantIdChange.teacher_id == retired.id)
        ):
            earlier.teacher_id = kept.id
        if not kept.trn and retired.trn:
            kept.trn = retired.trn
        change = ParticipantIdChange(
            teacher_id=kept.id, from_participant_id=retired.id, to_participant_id=kept.id, created_at=now()
        )
        session.add(change)
        session.flush()
        session.expire(retired)
        session.delete(retired)
    return change


# --- the checks -----------------------------------------------------------------------------


def _profiles(session: Session, teacher_id: uuid.UUID) -> list[ParticipantProfile]:
    return list(
        session.scalars(
            sa.select(ParticipantProfile)
            .where(ParticipantProfile.teacher_id == teacher_id)
            .order_by(ParticipantProfile.created_at, ParticipantProfile.id)
        )
    )


def _check_profiles(
    session: Session,
    errors: Collector,
    kept: list[ParticipantProfile],
    retired: list[ParticipantProfile],
) -> None:
    for kind in ProfileType:
        active = [p for p in kept + retired if p.profile_type == kind and p.status == RecordStatus.ACTIVE]
        if any(p in kept for p in active) and any(p in retired for p in active):
            errors.add(RETIRED, TWO_ACTIVE.format(kind=KIND_NAMES[kind]))
    kept_slots = {(p.profile_type, p.school_cohort_id) for p in kept}
    for profile in retired:
        if (profile.profile_type, profile.school_cohort_id) in kept_slots:
            school, year = session.execute(
                sa.select(School.name, Cohort.start_year)
                .select_from(SchoolCohort)
                .join(School, School.id == SchoolCohort.school_id)
                .join(Cohort, Cohort.id == SchoolCohort.cohort_id)
                .where(SchoolCohort.id == profile.school_cohort_id)
            ).one()
            errors.add(
                RETIRED,
                SAME_SCHOOL_COHORT.format(kind=KIND_NAMES[profile.profile_type], school=school, year=year),
            )
    kept_ids = {p.id for p in kept}
    retired_ids = {p.id for p in retired}
    if any(p.mentor_profile_id in retired_ids for p in kept) or any(
        p.mentor_profile_id in kept_ids for p in retired
    ):
        errors.add(RETIRED, OWN_MENTOR)


def _check_declarations(session: Session, errors: Collector, kept: Teacher, retired: Teacher) -> None:
    """A person mentoring themselves, or paid twice for one event, after the merge."""
    mentored = session.scalar(
        sa.select(
            sa.exists().where(
                sa.or_(
                    sa.and_(
                        ParticipantDeclaration.teacher_id == kept.id,
                        ParticipantDeclaration.mentor_teacher_id == retired.id,
                    ),
                    sa.and_(
                        ParticipantDeclaration.teacher_id == retired.id,
                        ParticipantDeclaration.mentor_teacher_id == kept.id,
                    ),
                )
            )
        )
    )
    if mentored and OWN_MENTOR not in [message for _, message in errors.errors]:
        errors.add(RETIRED, OWN_MENTOR)
    live = sa.select(ParticipantDeclaration.course_identifier, ParticipantDeclaration.declaration_type).where(
        ParticipantDeclaration.state.in_(tuple(BLOCKING_STATES))
    )
    kept_events = set(session.execute(live.where(ParticipantDeclaration.teacher_id == kept.id)).tuples())
    retired_events = set(
        session.execute(live.where(ParticipantDeclaration.teacher_id == retired.id)).tuples()
    )
    for course, declaration_type in sorted(kept_events & retired_events):
        errors.add(RETIRED, TWO_LIVE_DECLARATIONS.format(type=declaration_type.value, course=course.value))


def _count(session: Session, model: type, condition: sa.ColumnElement[bool]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0


def _long(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


__all__ = ["MergePlan", "find_current_person", "merge_participants", "plan_merge"]
