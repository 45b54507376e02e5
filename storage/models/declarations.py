"""Declarations (a provider's claim that training happened) and their state history."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import BLOCKING_STATES, CourseIdentifier, DeclarationState, DeclarationType, EvidenceHeld

from .base import ApiStamped, Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column
from .participants import ParticipantProfile

_BLOCKING = ", ".join(f"'{s.value}'" for s in BLOCKING_STATES)


class ParticipantDeclaration(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """One declared milestone for one training record."""

    __tablename__ = "participant_declarations"

    teacher_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("teachers.id"), index=True)
    participant_profile_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant_profiles.id"))
    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    course_identifier: Mapped[CourseIdentifier] = mapped_column(
        enum_column(CourseIdentifier, "course_identifier")
    )
    declaration_type: Mapped[DeclarationType] = mapped_column(
        enum_column(DeclarationType, "declaration_type")
    )
    declaration_date: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    evidence_held: Mapped[EvidenceHeld | None] = mapped_column(enum_column(EvidenceHeld, "evidence_held"))
    state: Mapped[DeclarationState] = mapped_column(enum_column(DeclarationState, "declaration_state"))
    delivery_partner_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("delivery_partners.id"), index=True
    )
    mentor_teacher_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("teachers.id"))
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("participant_declarations.id"))
    pupil_premium_uplift: Mapped[bool] = mapped_column(default=False)
    sparsity_uplift: Mapped[bool] = mapped_column(default=False)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    voided_by: Mapped[str | None] = mapped_column(sa.String(320))

    participant_profile: Mapped[ParticipantProfile] = relationship()
    states: Mapped[list[DeclarationStateChange]] = relationship(
        back_populates="declaration", order_by="DeclarationStateChange.created_at"
    )

    __table_args__ = (
        # Two identical claims for one training record cannot both be live, even when
        # submitted by different providers in concurrent transactions.
        sa.Index(
            "uq_participant_declarations_one_live_claim",
            "participant_profile_id",
            "course_identifier",
            "declaration_type",
            unique=True,
            sqlite_where=sa.text(f"state IN ({_BLOCKING})"),
            postgresql_where=sa.text(f"state IN ({_BLOCKING})"),
        ),
        sa.Index("ix_participant_declarations_profile", "participant_profile_id"),
        sa.Index("ix_participant_declarations_provider_created", "lead_provider_id", "created_at"),
        sa.CheckConstraint(
            "(course_identifier = 'ecf-mentor') OR mentor_teacher_id IS NULL OR mentor_teacher_id <> teacher_id",
            name="mentor_not_self",
        ),
        sa.CheckConstraint(
            "(state = 'voided') = (voided_at IS NOT NULL) OR state IN ('awaiting_clawback', 'clawed_back')",
            name="voided_has_timestamp",
        ),
    )


class DeclarationStateChange(UUIDPrimaryKey, Base):
    """Append-only history of a declaration's states (e.g. ``ineligible`` for ``duplicate``)."""

    __tablename__ = "declaration_states"

    participant_declaration_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_declarations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[DeclarationState] = mapped_column(enum_column(DeclarationState, "declaration_state_change"))
    state_reason: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    declaration: Mapped[ParticipantDeclaration] = relationship(back_populates="states")
