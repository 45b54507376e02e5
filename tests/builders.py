"""Builders for the data graph behind the API: schools, partnerships, participants.

Each builder adds rows to the session and flushes; the caller commits. Defaults make a
participant that is visible to the partnership's lead provider.
"""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.clock import UTC, now
from storage.enums import (
    EligibilityStatus,
    InductionProgrammeChoice,
    InductionStatus,
    ProfileType,
    TrainingProgramme,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    InductionTutor,
    LeadProvider,
    ParticipantEligibility,
    ParticipantIdentity,
    ParticipantProfile,
    Partnership,
    ProviderRelationship,
    Schedule,
    School,
    SchoolCohort,
    Teacher,
)

_serial = itertools.count(1)


def cohort(session: Session, year: int) -> Cohort:
    return session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).one()


def schedule(session: Session, year: int, identifier: str = "ecf-standard-september") -> Schedule:
    return session.scalars(
        sa.select(Schedule)
        .join(Cohort)
        .where(Cohort.start_year == year, Schedule.schedule_identifier == identifier)
    ).one()


def school(session: Session, **overrides: object) -> School:
    n = next(_serial)
    values: dict[str, object] = {
        "urn": f"{100000 + n}",
        "name": f"Test School {n}",
        "school_type_code": 1,
        "school_status_code": 1,
        "administrative_district_code": "E09000001",
        "induction_tutor": InductionTutor(full_name=f"Tutor {n}", email=f"tutor{n}@school{n}.example.com"),
    }
    values.update(overrides)
    row = School(**values)
    session.add(row)
    session.flush()
    return row


def delivery_partner(
    session: Session,
    provider: LeadProvider,
    years: tuple[int, ...] = (2023, 2024, 2025),
    name: str | None = None,
) -> DeliveryPartner:
    partner = DeliveryPartner(name=name or f"Delivery Partner {next(_serial)}")
    session.add(partner)
    session.flush()
    for year in years:
        session.add(
            ProviderRelationship(
                lead_provider_id=provider.id,
                delivery_partner_id=partner.id,
                cohort_id=cohort(session, year).id,
            )
        )
    session.flush()
    return partner


def school_cohort(
    session: Session,
    school_row: School,
    year: int,
    choice: InductionProgrammeChoice = InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
) -> SchoolCohort:
    existing = session.scalars(
        sa.select(SchoolCohort).where(
            SchoolCohort.school_id == school_row.id, SchoolCohort.cohort_id == cohort(session, year).id
        )
    ).first()
    if existing:
        return existing
    row = SchoolCohort(school=school_row, cohort=cohort(session, year), induction_programme_choice=choice)
    session.add(row)
    session.flush()
    return row


def partnership(
    session: Session,
    school_row: School,
    provider: LeadProvider,
    partner: DeliveryPartner,
    year: int,
    **overrides: object,
) -> tuple[Partnership, InductionProgramme]:
    """A partnership and the school's provider-led programme under it (the cohort's default)."""
    row = Partnership(
        school_id=school_row.id,
        lead_provider_id=provider.id,
        delivery_partner_id=partner.id,
        cohort_id=cohort(session, year).id,
        **overrides,
    )
    session.add(row)
    session.flush()
    sc = school_cohort(session, school_row, year)
    programme = InductionProgramme(
        school_cohort_id=sc.id,
        training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME,
        partnership_id=row.id,
    )
    session.add(programme)
    session.flush()
    if not row.is_relationship:
        sc.default_induction_programme_id = programme.id
    session.flush()
    return row, programme


def participant(
    session: Session,
    programme: InductionProgramme,
    *,
    profile_type: ProfileType = ProfileType.ECT,
    schedule_identifier: str = "ecf-standard-september",
    teacher: Teacher | None = None,
    trn: str | None = None,
    eligibility: EligibilityStatus | None = EligibilityStatus.ELIGIBLE,
    mentor: ParticipantProfile | None = None,
    start_date: dt.datetime | None = None,
    end_date: dt.datetime | None = None,
    induction_status: InductionStatus = InductionStatus.ACTIVE,
    training_status: TrainingStatus = TrainingStatus.ACTIVE,
    school_transfer: bool = False,
) -> ParticipantProfile:
    """A training record with one induction record on ``programme``."""
    n = next(_serial)
    sc = session.get(SchoolCohort, programme.school_cohort_id)
    assert sc is not None
    year = session.get(Cohort, sc.cohort_id).start_year  # type: ignore[union-attr]
    if teacher is None:
        teacher = Teacher(full_name=f"Teacher {n}", trn=trn or f"{1000000 + n}")
        session.add(teacher)
        session.flush()
    identity = ParticipantIdentity(teacher_id=teacher.id, email=f"teacher{n}@example.com")
    session.add(identity)
    session.flush()
    profile = ParticipantProfile(
        teacher_id=teacher.id,
        participant_identity_id=identity.id,
        profile_type=profile_type,
        school_cohort_id=sc.id,
        schedule_id=schedule(session, year, schedule_identifier).id,
        mentor_profile_id=mentor.id if mentor else None,
        training_status=training_status,
    )
    session.add(profile)
    session.flush()
    if eligibility is not None:
        session.add(ParticipantEligibility(participant_profile_id=profile.id, status=eligibility))
    session.add(
        InductionRecord(
            participant_profile_id=profile.id,
            induction_programme_id=programme.id,
            schedule_id=profile.schedule_id,
            mentor_profile_id=mentor.id if mentor else None,
            preferred_identity_id=identity.id,
            training_status=training_status,
            induction_status=induction_status,
            start_date=start_date or dt.datetime(year, 9, 1, tzinfo=UTC),
            end_date=end_date,
            school_transfer=school_transfer,
        )
    )
    session.flush()
    return profile


def at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=UTC)


__all__ = [
    "at",
    "cohort",
    "delivery_partner",
    "now",
    "participant",
    "partnership",
    "schedule",
    "school",
    "school_cohort",
]
