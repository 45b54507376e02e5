"""A school registering its ECTs and mentors, and what it tells us about them afterwards:
their mentor, that they are leaving, that they have joined from another school
(school-side spec §1.5–§1.8).

The pages ask the questions; the rules live here so that every way in (pages now, an
admin or a command later) registers people the same way. A person is known by their TRN:
the same TRN is the same person, so a second school gets a transfer, never a copy. A
registration creates the person, their identity (email), their training record (profile)
and its first induction record on the school cohort's default programme: that programme's
partnership is what makes the provider see them in the API. Every function works inside
the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock
from domain.accounts import normalise_email, valid_email
from domain.errors import RuleBroken
from domain.participant_status import participant_status
from domain.school_cohorts import REGISTERING_CHOICES, active_registration_cohort
from domain.teacher_records import normalise_nino, normalise_trn
from integrations.teacher_records import TeacherRecord
from storage.enums import (
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    ProfileType,
    RecordStatus,
    TrainingProgramme,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    InductionProgramme,
    InductionRecord,
    ParticipantEligibility,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    ParticipantValidationData,
    Partnership,
    PupilPremium,
    Schedule,
    School,
    SchoolCohort,
    Teacher,
)

STANDARD_SCHEDULE = "ecf-standard-september"
#: ECF induction began in September 2021: an induction started earlier is a previous one.
ECF_START = dt.date(2021, 9, 1)

EMAIL_BLANK = "Enter their email address"
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.com"
EMAIL_USED_HERE = (
    "Someone at your school is already registered with this email address. Enter a different one"
)
EMAIL_USED_ELSEWHERE = (
    "Someone at another school is already registered with this email address. Enter a different one"
)
EMAIL_IS_TUTORS = "You cannot register an ECT with your own email address. Enter theirs"
START_DATE_TOO_EARLY = "The start date must be on or after 1 September 2021"
START_DATE_TOO_LATE = "The start date must be within the next year"
MENTOR_UNKNOWN = "Select a mentor from the list"
END_DATE_BEFORE_START = "The leaving date must be on or after the date they started at your school"
END_DATE_TOO_LATE = "The leaving date must be within the next year"
JOINING_DATE_TOO_EARLY = "The joining date must be after they started at their current school"
JOINING_DATE_TOO_LATE = "The joining date must be within the next year"
NOT_AT_SCHOOL = "This person is not registered at your school"
ALREADY_LEAVING = "You have already told us this person is leaving"


class Conflict(StrEnum):
    """Why a TRN already in the service stops a new registration (spec §1.7)."""

    ALREADY_HERE = "already_here"
    MENTOR_AS_ECT = "mentor_as_ect"
    WITHDRAWN = "withdrawn"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Existing:
    """The person a TRN already belongs to, and what that means for this registration."""

    conflict: Conflict
    profile: ParticipantProfile
    school: School


class NeedsTrainingSetup(Exception):
    """The school has not set up training for the cohort this person belongs in."""

    def __init__(self, cohort: Cohort):
        super().__init__(f"the school has not set up cohort {cohort.start_year}")
        self.cohort = cohort


@dataclass(frozen=True)
class ParticipantRow:
    """One of the school's ECTs or mentors, as its participants page lists them."""

    profile: ParticipantProfile
    record: InductionRecord
    status: str
    provider: str | None
    mentor_name: str | None


# --- who they are ---------------------------------------------------------------------------


def existing_registration(
    session: Session, school: School, trn: str, profile_type: ProfileType
) -> Existing | None:
    """What the service already knows of this TRN, when that changes the registration.

    An ECT may also become a mentor (the same person, a second training record); every other
    clash stops here: already at this school, a mentor registered as an ECT, a withdrawn
    record (DfE must reinstate it), or someone at another school, who can transfer in.
    """
    trn = normalise_trn(trn)
    teacher = session.scalars(sa.select(Teacher).where(Teacher.trn == trn)).first()
    if teacher is None:
        return None
    profiles = session.scalars(
        sa.select(ParticipantProfile)
        .where(ParticipantProfile.teacher_id == teacher.id)
        .order_by(ParticipantProfile.created_at.desc())
    ).all()
    for profile in profiles:
        record = latest_record(session, profile.id)
        at = record.induction_programme.school_cohort.school if record else profile.school_cohort.school
        if profile.profile_type != profile_type:
            if profile_type == ProfileType.ECT and profile.profile_type == ProfileType.MENTOR:
                return Existing(Conflict.MENTOR_AS_ECT, profile, at)
            continue
        if profile.status == RecordStatus.WITHDRAWN or (
            record is not None and record.induction_status == InductionStatus.WITHDRAWN
        ):
            return Existing(Conflict.WITHDRAWN, profile, at)
        if at.id == school.id:
            return Existing(Conflict.ALREADY_HERE, profile, at)
        return Existing(Conflict.TRANSFER, profile, at)
    return None


def check_email(
    session: Session, school: School, email: str | None, *, teacher_id: uuid.UUID | None = None,
    tutor_email: str | None = None, profile_type: ProfileType | None = None,
) -> str:  # fmt: skip
    """The email address, normalised, when no one else is registered with it."""
    address = (email or "").strip()
    if not address:
        raise RuleBroken.on("email", EMAIL_BLANK)
    if not valid_email(address):
        raise RuleBroken.on("email", EMAIL_INVALID)
    address = normalise_email(address)
    if profile_type == ProfileType.ECT and tutor_email and normalise_email(tutor_email) == address:
        raise RuleBroken.on("email", EMAIL_IS_TUTORS)
    identity = _identity(session, address)
    if identity is not None and identity.teacher_id != teacher_id:
        here = session.scalar(
            sa.select(sa.literal(True))
            .select_from(ParticipantProfile)
            .join(SchoolCohort, SchoolCohort.id == ParticipantProfile.school_cohort_id)
            .where(ParticipantProfile.teacher_id == identity.teacher_id, SchoolCohort.school_id == school.id)
        )
        raise RuleBroken.on("email", EMAIL_USED_HERE if here else EMAIL_USED_ELSEWHERE)
    return address


def check_start_date(start: dt.date) -> dt.date:
    if start < ECF_START:
        raise RuleBroken.on("start_date", START_DATE_TOO_EARLY)
    if start > clock.today() + dt.timedelta(days=365):
        raise RuleBroken.on("start_date", START_DATE_TOO_LATE)
    return start


def placement_cohort(session: Session, profile_type: ProfileType, record: TeacherRecord | None) -> Cohort:
    """The cohort a new person trains in: an ECT's by the induction start date on their
    record (dates before June count towards the year before), unless that cohort's payments
    are frozen or it is not open; otherwise the cohort registering now."""
    current = active_registration_cohort(session)
    if current is None:
        raise RuleBroken.on("base", "Registration is not open yet")
    start = record.induction_start_date if record is not None and profile_type == ProfileType.ECT else None
    if start is not None:
        year = start.year if start.month >= 6 else start.year - 1
        cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).first()
        if (
            cohort is not None
            and cohort.payments_frozen_at is None
            and cohort.start_year <= current.start_year
        ):
            return cohort
    return current


def registering_school_cohort(session: Session, school: School, cohort: Cohort) -> SchoolCohort:
    """The school's set-up for ``cohort``, when it lets the school register people there."""
    row = session.scalars(
        sa.select(SchoolCohort).where(
            SchoolCohort.school_id == school.id, SchoolCohort.cohort_id == cohort.id
        )
    ).first()
    if (
        row is None
        or row.induction_programme_choice not in REGISTERING_CHOICES
        or row.default_induction_programme is None
    ):
        raise NeedsTrainingSetup(cohort)
    return row


def eligibility_for(
    profile_type: ProfileType, record: TeacherRecord | None
) -> tuple[EligibilityStatus, EligibilityReason]:
    """DfE's first funding verdict from the teacher record (spec §1.6), in its order."""
    if record is None:
        return EligibilityStatus.MANUAL_CHECK, EligibilityReason.NONE
    if record.active_alert:
        return EligibilityStatus.MANUAL_CHECK, EligibilityReason.ACTIVE_FLAGS
    if profile_type == ProfileType.MENTOR:
        return EligibilityStatus.ELIGIBLE, EligibilityReason.NONE
    status = (record.induction_status or "").replace(" ", "").casefold()
    if record.induction_completion_date is not None or (
        record.induction_start_date is not None and record.induction_start_date < ECF_START
    ):
        return EligibilityStatus.INELIGIBLE, EligibilityReason.PREVIOUS_INDUCTION
    if record.qts_date is None:
        return EligibilityStatus.MANUAL_CHECK, EligibilityReason.NO_QTS
    if status == "exempt":
        return EligibilityStatus.INELIGIBLE, EligibilityReason.EXEMPT_FROM_INDUCTION
    if record.induction_start_date is None:
        return EligibilityStatus.MANUAL_CHECK, EligibilityReason.NO_INDUCTION
    return EligibilityStatus.ELIGIBLE, EligibilityReason.NONE


# --- registering ----------------------------------------------------------------------------


def register_participant(
    session: Session,
    school: School,
    *,
    profile_type: ProfileType,
    full_name: str,
    trn: str,
    date_of_birth: dt.date,
    record: TeacherRecord,
    email: str,
    nino: str | None = None,
    start_date: dt.date | None = None,
    mentor_profile_id: uuid.UUID | str | None = None,
    tutor_email: str | None = None,
) -> ParticipantProfile:
    """Register a person whose teacher record matched (the pages check it first).

    Raises :class:`RuleBroken` for a clash the pages should have caught (a TRN already
    registered, an email in use) and :class:`NeedsTrainingSetup` when the school has not
    set up the cohort the person belongs in.
    """
    trn = normalise_trn(trn)
    existing = existing_registration(session, school, trn, profile_type)
    if existing is not None:
        raise RuleBroken.on("trn", "This person is already registered. Check their teacher reference number")
    teacher = session.scalars(sa.select(Teacher).where(Teacher.trn == trn)).first()
    address = check_email(
        session, school, email, teacher_id=teacher.id if teacher else None,
        tutor_email=tutor_email, profile_type=profile_type,
    )  # fmt: skip
    if start_date is not None:
        check_start_date(start_date)
    cohort = placement_cohort(session, profile_type, record)
    school_cohort = registering_school_cohort(session, school, cohort)
    programme = school_cohort.default_induction_programme
    assert programme is not None
    mentor = _mentor(session, school, mentor_profile_id) if profile_type == ProfileType.ECT else None

    if teacher is None:
        teacher = Teacher(full_name=full_name.strip(), trn=trn)
        session.add(teacher)
        session.flush()
    identity = _identity(session, address)
    if identity is None:
        identity = ParticipantIdentity(teacher_id=teacher.id, email=address)
        session.add(identity)
        session.flush()
    schedule = session.scalars(
        sa.select(Schedule).where(
            Schedule.cohort_id == cohort.id, Schedule.schedule_identifier == STANDARD_SCHEDULE
        )
    ).one()
    uplifts = session.scalars(
        sa.select(PupilPremium).where(
            PupilPremium.school_id == school.id, PupilPremium.start_year == cohort.start_year
        )
    ).first()
    profile = ParticipantProfile(
        teacher_id=teacher.id,
        participant_identity_id=identity.id,
        profile_type=profile_type,
        school_cohort_id=school_cohort.id,
        schedule_id=schedule.id,
        mentor_profile_id=mentor.id if mentor else None,
        induction_start_date=record.induction_start_date if profile_type == ProfileType.ECT else None,
        pupil_premium_uplift=bool(uplifts and uplifts.pupil_premium_incentive),
        sparsity_uplift=bool(uplifts and uplifts.sparsity_incentive),
    )
    session.add(profile)
    session.flush()
    at = clock.now()
    partnership = session.get(Partnership, programme.partnership_id) if programme.partnership_id else None
    session.add(
        ParticipantProfileState(
            participant_profile_id=profile.id,
            lead_provider_id=partnership.lead_provider_id if partnership else None,
            state=TrainingStatus.ACTIVE,
            created_at=at,
        )
    )
    first_milestone = min(
        (m.start_date for m in schedule.milestones), default=cohort.academic_year_start_date
    )
    begins = start_date or first_milestone
    session.add(
        InductionRecord(
            participant_profile_id=profile.id,
            induction_programme_id=programme.id,
            schedule_id=schedule.id,
            mentor_profile_id=mentor.id if mentor else None,
            preferred_identity_id=identity.id,
            appropriate_body_id=school_cohort.appropriate_body_id
            if profile_type == ProfileType.ECT
            else None,
            start_date=dt.datetime.combine(begins, dt.time(), tzinfo=clock.UTC),
        )
    )
    session.add(
        ParticipantValidationData(
            participant_profile_id=profile.id,
            full_name=full_name.strip(),
            date_of_birth=date_of_birth,
            trn=trn,
            nino=normalise_nino(nino) if nino else None,
        )
    )
    status, reason = eligibility_for(profile_type, record)
    status_is_eligible = status == EligibilityStatus.ELIGIBLE
    session.add(
        ParticipantEligibility(
            participant_profile_id=profile.id,
            status=status,
            reason=reason,
            manually_validated=False,
            qts=record.qts_date is not None,
            active_flags=record.active_alert,
            previous_induction=reason == EligibilityReason.PREVIOUS_INDUCTION,
            exempt_from_induction=reason == EligibilityReason.EXEMPT_FROM_INDUCTION,
            no_induction=reason == EligibilityReason.NO_INDUCTION and not status_is_eligible,
        )
    )
    session.flush()
    return profile


# --- the school's people --------------------------------------------------------------------


def latest_record(session: Session, profile_id: uuid.UUID) -> InductionRecord | None:
    """The profile's current induction record: open-ended first, then the newest."""
    return session.scalars(
        sa.select(InductionRecord)
        .where(InductionRecord.participant_profile_id == profile_id)
        .order_by(
            InductionRecord.end_date.is_not(None),
            InductionRecord.start_date.desc(),
            InductionRecord.created_at.desc(),
            (InductionRecord.induction_status == InductionStatus.CHANGED),
            InductionRecord.id.desc(),
        )
    ).first()


def school_participants(session: Session, school: School) -> list[ParticipantRow]:
    """Everyone whose current induction record is at the school, ECTs and mentors by name."""
    profiles = session.scalars(
        sa.select(ParticipantProfile)
        .join(InductionRecord, InductionRecord.participant_profile_id == ParticipantProfile.id)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(SchoolCohort, SchoolCohort.id == InductionProgramme.school_cohort_id)
        .where(SchoolCohort.school_id == school.id)
        .distinct()
    ).all()
    rows = []
    for profile in profiles:
        record = latest_record(session, profile.id)
        if record is None or record.induction_programme.school_cohort.school_id != school.id:
            continue  # moved to another school since
        partnership = record.induction_programme.partnership
        provider = partnership.lead_provider.name if partnership and not partnership.challenged else None
        mentor = record.mentor_profile.teacher.full_name if record.mentor_profile else None
        rows.append(ParticipantRow(profile, record, _status(record, profile), provider, mentor))
    return sorted(rows, key=lambda row: (row.profile.profile_type, row.profile.teacher.full_name.casefold()))


def _status(record: InductionRecord, profile: ParticipantProfile) -> str:
    if record.induction_status == InductionStatus.WITHDRAWN or profile.status == RecordStatus.WITHDRAWN:
        return "withdrawn"
    if record.training_status == TrainingStatus.DEFERRED:
        return "deferred"
    if record.training_status == TrainingStatus.WITHDRAWN:
        return "withdrawn by provider"
    return participant_status(record)


def school_profile(session: Session, school: School, profile_id: uuid.UUID | str) -> ParticipantRow:
    """One of the school's people, or :class:`RuleBroken` when they are not the school's."""
    try:
        wanted = uuid.UUID(str(profile_id))
    except ValueError:
        raise RuleBroken.on("base", NOT_AT_SCHOOL) from None
    for row in school_participants(session, school):
        if row.profile.id == wanted:
            return row
    raise RuleBroken.on("base", NOT_AT_SCHOOL)


def mentor_pool(session: Session, school: School) -> list[ParticipantProfile]:
    """The school's mentors who are not leaving: whom an ECT can be assigned to."""
    return [
        row.profile
        for row in school_participants(session, school)
        if row.profile.profile_type == ProfileType.MENTOR and row.status in ("active", "joining")
    ]


def _mentor(
    session: Session, school: School, mentor_profile_id: uuid.UUID | str | None
) -> ParticipantProfile | None:
    if mentor_profile_id in (None, ""):
        return None
    try:
        wanted = uuid.UUID(str(mentor_profile_id))
    except ValueError:
        raise RuleBroken.on("mentor", MENTOR_UNKNOWN) from None
    for mentor in mentor_pool(session, school):
        if mentor.id == wanted:
            return mentor
    raise RuleBroken.on("mentor", MENTOR_UNKNOWN)


def _identity(session: Session, address: str) -> ParticipantIdentity | None:
    return session.scalars(
        sa.select(ParticipantIdentity).where(sa.func.lower(ParticipantIdentity.email) == address.lower())
    ).first()


def _version(
    session: Session, record: InductionRecord, at: dt.datetime, **changes: object
) -> InductionRecord:
    """History is data: close ``record`` as changed and start a copy with ``changes``."""
    values = {
        "participant_profile_id": record.participant_profile_id,
        "induction_programme_id": record.induction_programme_id,
        "schedule_id": record.schedule_id,
        "mentor_profile_id": record.mentor_profile_id,
        "preferred_identity_id": record.preferred_identity_id,
        "appropriate_body_id": record.appropriate_body_id,
        "training_status": record.training_status,
        "induction_status": record.induction_status,
        "end_date": record.end_date,
        "school_transfer": record.school_transfer,
    }
    values.update(changes)
    starts = max(at, record.start_date)
    new = InductionRecord(start_date=starts, **values)
    record.end_date = starts
    record.induction_status = InductionStatus.CHANGED
    session.add(new)
    session.flush()
    return new


def assign_mentor(
    session: Session,
    school: School,
    ect_profile_id: uuid.UUID | str,
    mentor_profile_id: uuid.UUID | str | None,
) -> ParticipantProfile:
    """Give an ECT a mentor from the school's pool (or none): a new induction record, so the
    provider sees the change as the ECT's ``mentor_id``."""
    row = school_profile(session, school, ect_profile_id)
    if row.profile.profile_type != ProfileType.ECT:
        raise RuleBroken.on("base", "Only ECTs have mentors")
    mentor = _mentor(session, school, mentor_profile_id)
    new_id = mentor.id if mentor else None
    if row.record.mentor_profile_id == new_id:
        return row.profile
    _version(session, row.record, clock.now(), mentor_profile_id=new_id)
    row.profile.mentor_profile_id = new_id
    session.flush()
    return row.profile


def check_end_date(record: InductionRecord, end: dt.date) -> dt.datetime:
    if end < record.start_date.date():
        raise RuleBroken.on("end_date", END_DATE_BEFORE_START)
    if end > clock.today() + dt.timedelta(days=365):
        raise RuleBroken.on("end_date", END_DATE_TOO_LATE)
    return dt.datetime.combine(end, dt.time(), tzinfo=clock.UTC)


def report_leaver(
    session: Session, school: School, profile_id: uuid.UUID | str, end_date: dt.date
) -> InductionRecord:
    """The person leaves the school on ``end_date``: their record becomes ``leaving`` (the
    API shows ``leaving``, then ``left`` once the date has passed). Their provider keeps
    seeing them until another school takes them on."""
    row = school_profile(session, school, profile_id)
    if row.record.induction_status == InductionStatus.LEAVING:
        raise RuleBroken.on("end_date", ALREADY_LEAVING)
    row.record.end_date = check_end_date(row.record, end_date)
    row.record.induction_status = InductionStatus.LEAVING
    session.flush()
    return row.record


# --- transfers in -------------------------------------------------------------------------------


def current_provider(session: Session, profile: ParticipantProfile) -> Partnership | None:
    """The unchallenged partnership the person trains under now, if any (what "continue
    with their current provider" keeps)."""
    record = latest_record(session, profile.id)
    partnership = record.induction_programme.partnership if record else None
    return partnership if partnership is not None and not partnership.challenged else None


def check_joining_date(session: Session, profile: ParticipantProfile, joining: dt.date) -> dt.datetime:
    record = latest_record(session, profile.id)
    if record is not None and joining <= record.start_date.date():
        raise RuleBroken.on("joining_date", JOINING_DATE_TOO_EARLY)
    if joining > clock.today() + dt.timedelta(days=365):
        raise RuleBroken.on("joining_date", JOINING_DATE_TOO_LATE)
    return dt.datetime.combine(joining, dt.time(), tzinfo=clock.UTC)


def transfer_in(
    session: Session,
    school: School,
    profile_id: uuid.UUID | str,
    *,
    joining_date: dt.date,
    email: str,
    continue_with_current_provider: bool,
    mentor_profile_id: uuid.UUID | str | None = None,
) -> InductionRecord:
    """Take on someone registered at another school (spec §1.8).

    Their record there becomes ``leaving`` on the joining date; a new one starts here then.
    Continuing with their current provider keeps them on that provider's programme through a
    "relationship" partnership at this school, so that provider keeps seeing them; joining the
    school's programme hands them to the school's provider.
    """
    profile = session.get(ParticipantProfile, uuid.UUID(str(profile_id)))
    if profile is None:
        raise RuleBroken.on("base", "This person could not be found")
    old = latest_record(session, profile.id)
    if old is None or old.induction_programme.school_cohort.school_id == school.id:
        raise RuleBroken.on("base", "This person is already registered at your school")
    starts = check_joining_date(session, profile, joining_date)
    address = check_email(session, school, email, teacher_id=profile.teacher_id)
    cohort = profile.school_cohort.cohort
    school_cohort = registering_school_cohort(session, school, cohort)
    mentor = _mentor(session, school, mentor_profile_id) if profile.profile_type == ProfileType.ECT else None
    kept = current_provider(session, profile)
    if continue_with_current_provider and kept is not None:
        programme = _relationship_programme(session, school, school_cohort, kept)
    else:
        programme = school_cohort.default_induction_programme
        assert programme is not None
    identity = _identity(session, address)
    if identity is None:
        identity = ParticipantIdentity(teacher_id=profile.teacher_id, email=address)
        session.add(identity)
        session.flush()
    if old.end_date is None or old.end_date > starts:
        old.end_date = starts
    old.induction_status = InductionStatus.LEAVING
    new = InductionRecord(
        participant_profile_id=profile.id,
        induction_programme_id=programme.id,
        schedule_id=old.schedule_id,
        mentor_profile_id=mentor.id if mentor else None,
        preferred_identity_id=identity.id,
        appropriate_body_id=school_cohort.appropriate_body_id
        if profile.profile_type == ProfileType.ECT
        else None,
        training_status=old.training_status,
        start_date=starts,
        school_transfer=True,
    )
    session.add(new)
    profile.school_cohort_id = school_cohort.id
    profile.mentor_profile_id = mentor.id if mentor else None
    session.flush()
    return new


def _relationship_programme(
    session: Session, school: School, school_cohort: SchoolCohort, kept: Partnership
) -> InductionProgramme:
    partnership = session.scalars(
        sa.select(Partnership).where(
            Partnership.school_id == school.id,
            Partnership.cohort_id == kept.cohort_id,
            Partnership.lead_provider_id == kept.lead_provider_id,
            Partnership.delivery_partner_id == kept.delivery_partner_id,
        )
    ).first()
    if partnership is None:
        partnership = Partnership(
            school_id=school.id,
            cohort_id=kept.cohort_id,
            lead_provider_id=kept.lead_provider_id,
            delivery_partner_id=kept.delivery_partner_id,
            is_relationship=True,
        )
        session.add(partnership)
        session.flush()
    programme = session.scalars(
        sa.select(InductionProgramme).where(
            InductionProgramme.school_cohort_id == school_cohort.id,
            InductionProgramme.partnership_id == partnership.id,
        )
    ).first()
    if programme is None:
        programme = InductionProgramme(
            school_cohort_id=school_cohort.id,
            training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME,
            partnership_id=partnership.id,
        )
        session.add(programme)
        session.flush()
    return programme
