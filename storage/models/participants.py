"""People, their ECT and mentor training records, and the dated history around them.

History is data: induction records, training-status changes, schedule changes and
participant id changes are appended rows; the API derives its fields from them.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import (
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    MentorCompletionReason,
    ProfileDuplicity,
    ProfileType,
    RecordStatus,
    TrainingStatus,
)

from .base import ApiStamped, Base, Timestamps, UTCDateTime, UUIDPrimaryKey, api_stamp, enum_column, new_uuid
from .providers import LeadProvider
from .reference import Schedule
from .schools import AppropriateBody, InductionProgramme, SchoolCohort


class Teacher(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """A person. ``id`` is the API's ``participant_id``; the same TRN means the same person.

    A person backs three API resources, each with its own change stamp: the participant
    (``api_updated_at``), their transfers and, as someone else's mentor, the unfunded mentor.
    """

    __tablename__ = "teachers"

    full_name: Mapped[str] = mapped_column(sa.String(255))
    trn: Mapped[str | None] = mapped_column(sa.String(7), index=True)
    transfers_api_updated_at: Mapped[dt.datetime] = api_stamp()
    unfunded_mentor_api_updated_at: Mapped[dt.datetime] = api_stamp()

    identities: Mapped[list[ParticipantIdentity]] = relationship(back_populates="teacher")
    profiles: Mapped[list[ParticipantProfile]] = relationship(back_populates="teacher")

    __table_args__ = (
        sa.Index("ix_teachers_created_at", "created_at"),
        # Admin search by part of a name (migration 0009): a trigram index on PostgreSQL.
        sa.Index(
            "ix_teachers_full_name_lower",
            sa.func.lower(sa.text("full_name")).label("full_name_lower"),
            postgresql_using="gin",
            postgresql_ops={"full_name_lower": "gin_trgm_ops"},
        ),
        sa.CheckConstraint("trn IS NULL OR length(trn) = 7", name="trn_seven_digits"),
    )


class ParticipantIdentity(UUIDPrimaryKey, Timestamps, Base):
    """An email and external id of a person; after a merge a retired id still resolves here."""

    __tablename__ = "participant_identities"

    teacher_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("teachers.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    external_identifier: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_uuid)
    origin: Mapped[str] = mapped_column(sa.String(32), default="ecf")

    teacher: Mapped[Teacher] = relationship(back_populates="identities")

    # Emails are looked up whatever their case (admin search, registrations): migration 0009.
    __table_args__ = (sa.Index("ix_participant_identities_email_lower", sa.func.lower(sa.text("email"))),)


class ParticipantProfile(UUIDPrimaryKey, Timestamps, Base):
    """One ECT or mentor registration: the API's ``training_record_id``."""

    __tablename__ = "participant_profiles"

    teacher_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("teachers.id"), index=True)
    participant_identity_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_identities.id"), index=True
    )
    profile_type: Mapped[ProfileType] = mapped_column(enum_column(ProfileType, "profile_type"))
    school_cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("school_cohorts.id"), index=True)
    schedule_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schedules.id"), index=True)
    mentor_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("participant_profiles.id"), index=True
    )
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus, "record_status"), default=RecordStatus.ACTIVE
    )
    training_status: Mapped[TrainingStatus] = mapped_column(
        enum_column(TrainingStatus, "profile_training_status"), default=TrainingStatus.ACTIVE
    )
    pupil_premium_uplift: Mapped[bool] = mapped_column(default=False)
    sparsity_uplift: Mapped[bool] = mapped_column(default=False)
    profile_duplicity: Mapped[ProfileDuplicity] = mapped_column(
        enum_column(ProfileDuplicity, "profile_duplicity"), default=ProfileDuplicity.SINGLE
    )
    induction_start_date: Mapped[dt.date | None]
    induction_completion_date: Mapped[dt.date | None]
    mentor_completion_date: Mapped[dt.date | None]
    mentor_completion_reason: Mapped[MentorCompletionReason | None] = mapped_column(
        enum_column(MentorCompletionReason, "mentor_completion_reason")
    )
    cohort_changed_after_payments_frozen: Mapped[bool] = mapped_column(default=False)

    teacher: Mapped[Teacher] = relationship(back_populates="profiles")
    participant_identity: Mapped[ParticipantIdentity] = relationship()
    school_cohort: Mapped[SchoolCohort] = relationship()
    schedule: Mapped[Schedule] = relationship()
    mentor_profile: Mapped[ParticipantProfile | None] = relationship(remote_side="ParticipantProfile.id")
    eligibility: Mapped[ParticipantEligibility | None] = relationship(
        back_populates="participant_profile", uselist=False
    )

    __table_args__ = (
        sa.UniqueConstraint("teacher_id", "profile_type", "school_cohort_id"),
        sa.Index("ix_participant_profiles_created_at", "created_at"),
        sa.CheckConstraint(
            "profile_type = 'ect' OR (mentor_profile_id IS NULL AND induction_completion_date IS NULL)",
            name="ect_only_fields",
        ),
        sa.CheckConstraint(
            "profile_type = 'mentor' OR (mentor_completion_date IS NULL AND mentor_completion_reason IS NULL)",
            name="mentor_only_fields",
        ),
        sa.CheckConstraint("mentor_profile_id IS NULL OR mentor_profile_id <> id", name="not_own_mentor"),
    )

    @property
    def is_ect(self) -> bool:
        return self.profile_type == ProfileType.ECT


class ParticipantEligibility(UUIDPrimaryKey, Timestamps, Base):
    """DfE's funding-eligibility verdict for a profile; only ``eligible`` is fundable."""

    __tablename__ = "participant_eligibilities"

    participant_profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_profiles.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[EligibilityStatus] = mapped_column(enum_column(EligibilityStatus, "eligibility_status"))
    reason: Mapped[EligibilityReason] = mapped_column(
        enum_column(EligibilityReason, "eligibility_reason"), default=EligibilityReason.NONE
    )
    manually_validated: Mapped[bool] = mapped_column(default=False)
    qts: Mapped[bool | None]
    active_flags: Mapped[bool] = mapped_column(default=False)
    previous_participation: Mapped[bool] = mapped_column(default=False)
    previous_induction: Mapped[bool] = mapped_column(default=False)
    different_trn: Mapped[bool] = mapped_column(default=False)
    exempt_from_induction: Mapped[bool] = mapped_column(default=False)
    no_induction: Mapped[bool] = mapped_column(default=False)

    participant_profile: Mapped[ParticipantProfile] = relationship(back_populates="eligibility")


class ParticipantValidationData(UUIDPrimaryKey, Timestamps, Base):
    """What the school entered, kept for the teacher-record check and manual review."""

    __tablename__ = "participant_validation_data"

    participant_profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_profiles.id", ondelete="CASCADE"), unique=True
    )
    full_name: Mapped[str] = mapped_column(sa.String(255))
    date_of_birth: Mapped[dt.date | None]
    trn: Mapped[str | None] = mapped_column(sa.String(7))
    nino: Mapped[str | None] = mapped_column(sa.String(16))


class InductionRecord(UUIDPrimaryKey, Timestamps, Base):
    """One dated slice of where and how a profile trains. Changes close a row and add one."""

    __tablename__ = "induction_records"

    participant_profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_profiles.id"), index=True
    )
    induction_programme_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("induction_programmes.id"), index=True
    )
    schedule_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schedules.id"), index=True)
    mentor_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("participant_profiles.id"), index=True
    )
    preferred_identity_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("participant_identities.id")
    )
    appropriate_body_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appropriate_bodies.id"))
    training_status: Mapped[TrainingStatus] = mapped_column(
        enum_column(TrainingStatus, "induction_training_status"), default=TrainingStatus.ACTIVE
    )
    induction_status: Mapped[InductionStatus] = mapped_column(
        enum_column(InductionStatus, "induction_status"), default=InductionStatus.ACTIVE
    )
    start_date: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    end_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    school_transfer: Mapped[bool] = mapped_column(default=False)

    participant_profile: Mapped[ParticipantProfile] = relationship(foreign_keys=[participant_profile_id])
    induction_programme: Mapped[InductionProgramme] = relationship()
    schedule: Mapped[Schedule] = relationship()
    mentor_profile: Mapped[ParticipantProfile | None] = relationship(foreign_keys=[mentor_profile_id])
    preferred_identity: Mapped[ParticipantIdentity | None] = relationship()
    appropriate_body: Mapped[AppropriateBody | None] = relationship()

    __table_args__ = (sa.Index("ix_induction_records_created_at", "created_at"),)


class ParticipantProfileState(UUIDPrimaryKey, Base):
    """Append-only log of training-status changes, per lead provider."""

    __tablename__ = "participant_profile_states"

    participant_profile_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant_profiles.id"))
    lead_provider_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("lead_providers.id"))
    state: Mapped[TrainingStatus] = mapped_column(enum_column(TrainingStatus, "profile_state"))
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    lead_provider: Mapped[LeadProvider | None] = relationship()

    __table_args__ = (
        sa.Index(
            "ix_participant_profile_states_profile_provider",
            "participant_profile_id",
            "lead_provider_id",
            "created_at",
        ),
    )


class ParticipantProfileSchedule(UUIDPrimaryKey, Base):
    """History of schedule changes on a profile."""

    __tablename__ = "participant_profile_schedules"

    participant_profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_profiles.id"), index=True
    )
    schedule_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schedules.id"))
    lead_provider_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("lead_providers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ParticipantIdChange(UUIDPrimaryKey, Base):
    """Recorded when DfE merges duplicate people: ``from`` is retired in favour of ``to``."""

    __tablename__ = "participant_id_changes"

    teacher_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("teachers.id"), index=True)
    from_participant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    to_participant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("from_participant_id <> to_participant_id", name="changes_something"),
    )
