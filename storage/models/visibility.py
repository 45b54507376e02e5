"""Which training records each lead provider sees, kept ready for the API's lists.

Deciding whether a provider sees a training record means finding, among the record's
induction records under the provider's unchallenged partnerships, the latest one
(``storage.queries.participants.latest_records``). At national scale that is tens of
thousands of window computations per page, so the answer is kept here instead: one row per
(provider, training record) that the provider sees, with what the lists filter and sort on.
``storage.visible_records`` rewrites a person's rows in the transaction that changes what
they show (``domain.sync`` calls it when it stamps the change), so the table is never staler
than the change stamps the lists already rely on.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import ProfileType, TrainingStatus

from .base import Base, UTCDateTime, enum_column


class VisibleTrainingRecord(Base):
    """A training record a provider sees through ``induction_record_id``, its latest induction
    record under that provider. The person's registration and change stamp are copied so a
    page is read in index order and stops after its last row."""

    __tablename__ = "visible_training_records"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("lead_providers.id", ondelete="CASCADE"), primary_key=True
    )
    participant_profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_profiles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    induction_record_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("induction_records.id", ondelete="CASCADE"), index=True
    )
    teacher_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    profile_type: Mapped[ProfileType] = mapped_column(enum_column(ProfileType, "visible_profile_type"))
    #: The mentor the induction record names (unfunded mentors are read from these).
    mentor_profile_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: The start year of the record's schedule's cohort (what ``filter[cohort]`` compares).
    schedule_cohort: Mapped[int] = mapped_column(sa.Integer)
    training_status: Mapped[TrainingStatus] = mapped_column(
        enum_column(TrainingStatus, "visible_training_status")
    )
    teacher_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    profile_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The person's participant change stamp (``teachers.api_updated_at``).
    api_updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Another provider has a live declaration on the record: only then can the provider's
    #: declaration lists include someone else's for it (``storage.queries.declarations``).
    others_live_declarations: Mapped[bool] = mapped_column(sa.Boolean)

    __table_args__ = (
        # The lists' two orders, each read from the start of the provider's range.
        sa.Index(
            "ix_visible_training_records_by_registration",
            "lead_provider_id",
            "teacher_created_at",
            "teacher_id",
            "profile_created_at",
            "participant_profile_id",
        ),
        sa.Index("ix_visible_training_records_by_stamp", "lead_provider_id", "api_updated_at"),
        sa.Index("ix_visible_training_records_mentor", "lead_provider_id", "mentor_profile_id"),
        sa.Index(
            "ix_visible_training_records_others_declared",
            "lead_provider_id",
            "participant_profile_id",
            sqlite_where=sa.text("others_live_declarations"),
            postgresql_where=sa.text("others_live_declarations"),
        ),
    )
