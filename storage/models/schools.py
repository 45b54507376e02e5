"""Schools (from GIAS), their yearly set-up, induction programmes and partnerships."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import AppropriateBodyType, ChallengeReason, InductionProgrammeChoice, TrainingProgramme

from .base import ApiStamped, Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column
from .providers import DeliveryPartner, LeadProvider
from .reference import Cohort

if TYPE_CHECKING:
    from .accounts import User


class InductionTutor(UUIDPrimaryKey, Timestamps, Base):
    """The school user who registers participants; one person may serve several schools
    (each school names one tutor: ``schools.induction_tutor_id``).

    This is the induction tutor profile of a ``users`` row. ``full_name`` and ``email`` are
    the ones the API shows; ``domain.accounts`` keeps them equal to the user's. ``user_id`` is
    empty only for tutors recorded before accounts existed (older sandbox data); such a tutor
    gets their account when they first ask for a sign-in link.
    """

    __tablename__ = "induction_tutors"

    full_name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)

    user: Mapped[User | None] = relationship()


class AppropriateBody(UUIDPrimaryKey, Timestamps, Base):
    """The body that quality-assures an ECT's induction."""

    __tablename__ = "appropriate_bodies"

    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    body_type: Mapped[AppropriateBodyType] = mapped_column(
        enum_column(AppropriateBodyType, "appropriate_body_type")
    )


class School(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """An establishment as GIAS describes it; eligibility rules live in ``domain.schools``."""

    __tablename__ = "schools"

    urn: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255), index=True)
    ukprn: Mapped[str | None] = mapped_column(sa.String(16))
    school_type_code: Mapped[int | None]
    school_type_name: Mapped[str | None] = mapped_column(sa.String(255))
    school_status_code: Mapped[int] = mapped_column(default=1)
    school_status_name: Mapped[str | None] = mapped_column(sa.String(128))
    school_phase_type: Mapped[int | None]
    school_phase_name: Mapped[str | None] = mapped_column(sa.String(128))
    administrative_district_code: Mapped[str | None] = mapped_column(sa.String(16))
    administrative_district_name: Mapped[str | None] = mapped_column(sa.String(255))
    section_41_approved: Mapped[bool] = mapped_column(default=False)
    la_code: Mapped[str | None] = mapped_column(sa.String(16))
    la_name: Mapped[str | None] = mapped_column(sa.String(255))
    address_line1: Mapped[str | None] = mapped_column(sa.String(255))
    address_line2: Mapped[str | None] = mapped_column(sa.String(255))
    address_line3: Mapped[str | None] = mapped_column(sa.String(255))
    postcode: Mapped[str | None] = mapped_column(sa.String(16))
    school_website: Mapped[str | None] = mapped_column(sa.String(255))
    primary_contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    secondary_contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    induction_tutor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("induction_tutors.id"), index=True
    )

    induction_tutor: Mapped[InductionTutor | None] = relationship()

    __table_args__ = (sa.Index("ix_schools_created_at", "created_at"),)


class PupilPremium(UUIDPrimaryKey, Timestamps, Base):
    """A school's uplift flags for one year; copied onto profiles, then onto declarations."""

    __tablename__ = "pupil_premiums"

    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"))
    start_year: Mapped[int] = mapped_column(sa.SmallInteger)
    pupil_premium_incentive: Mapped[bool] = mapped_column(default=False)
    sparsity_incentive: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("school_id", "start_year"),)


class SchoolCohort(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """A school's choices for one cohort."""

    __tablename__ = "school_cohorts"

    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schools.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    induction_programme_choice: Mapped[InductionProgrammeChoice] = mapped_column(
        enum_column(InductionProgrammeChoice, "induction_programme_choice"),
        default=InductionProgrammeChoice.NOT_YET_KNOWN,
    )
    default_induction_programme_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("induction_programmes.id", use_alter=True, name="fk_school_cohorts_default_programme")
    )
    appropriate_body_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appropriate_bodies.id"))
    opt_out_of_updates: Mapped[bool] = mapped_column(default=False)

    school: Mapped[School] = relationship()
    cohort: Mapped[Cohort] = relationship()
    default_induction_programme: Mapped[InductionProgramme | None] = relationship(
        foreign_keys=[default_induction_programme_id], post_update=True
    )

    __table_args__ = (sa.UniqueConstraint("school_id", "cohort_id"),)


class Partnership(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """School × lead provider × delivery partner × cohort.

    ``relationship`` marks the implicit partnership created when a transferring
    participant keeps their provider; those are hidden from the partnerships API.
    """

    __tablename__ = "partnerships"

    school_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schools.id"), index=True)
    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    delivery_partner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delivery_partners.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    challenged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    challenge_reason: Mapped[ChallengeReason | None] = mapped_column(
        enum_column(ChallengeReason, "challenge_reason")
    )
    challenge_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    pending: Mapped[bool] = mapped_column(default=False)
    # The original calls this column "relationship"; the attribute name avoids shadowing the ORM's.
    is_relationship: Mapped[bool] = mapped_column("relationship", default=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    school: Mapped[School] = relationship()
    lead_provider: Mapped[LeadProvider] = relationship()
    delivery_partner: Mapped[DeliveryPartner] = relationship()
    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("school_id", "lead_provider_id", "delivery_partner_id", "cohort_id"),
        sa.Index("ix_partnerships_provider_cohort", "lead_provider_id", "cohort_id"),
        sa.Index("ix_partnerships_created_at", "created_at"),
        sa.CheckConstraint(
            "(challenge_reason IS NULL) = (challenged_at IS NULL)", name="challenge_fields_together"
        ),
    )

    @property
    def challenged(self) -> bool:
        return self.challenge_reason is not None


class InductionProgramme(UUIDPrimaryKey, Timestamps, Base):
    """How a school delivers induction in a cohort; provider-led ones point to a partnership."""

    __tablename__ = "induction_programmes"

    school_cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("school_cohorts.id"), index=True)
    training_programme: Mapped[TrainingProgramme] = mapped_column(
        enum_column(TrainingProgramme, "training_programme")
    )
    partnership_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("partnerships.id"), index=True)

    school_cohort: Mapped[SchoolCohort] = relationship(foreign_keys=[school_cohort_id])
    partnership: Mapped[Partnership | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "partnership_id IS NULL OR training_programme IN ('full_induction_programme', 'school_funded_fip')",
            name="only_provider_led_has_partnership",
        ),
    )
