"""Cohorts, schedules and milestones: the public reference data that drives declarations."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import DeclarationType, ScheduleType

from .base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column


class Cohort(UUIDPrimaryKey, Timestamps, Base):
    """An academic year's funding contract, named by its start year."""

    __tablename__ = "cohorts"

    start_year: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    registration_start_date: Mapped[dt.date]
    academic_year_start_date: Mapped[dt.date]
    automatic_assignment_period_end_date: Mapped[dt.date]
    payments_frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    mentor_funding: Mapped[bool] = mapped_column(default=False)
    detailed_evidence_types: Mapped[bool] = mapped_column(default=False)

    schedules: Mapped[list[Schedule]] = relationship(back_populates="cohort")

    __table_args__ = (sa.CheckConstraint("start_year BETWEEN 2000 AND 2100", name="start_year_range"),)

    def __repr__(self) -> str:
        return f"<Cohort {self.start_year}>"


class Schedule(UUIDPrimaryKey, Timestamps, Base):
    """A training timetable within a cohort; replacement schedules are for mentors only."""

    __tablename__ = "schedules"

    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    schedule_identifier: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(128))
    schedule_type: Mapped[ScheduleType] = mapped_column(enum_column(ScheduleType, "schedule_type"))
    identifier_alias: Mapped[str | None] = mapped_column(sa.String(64))

    cohort: Mapped[Cohort] = relationship(back_populates="schedules")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="schedule", order_by="Milestone.start_date", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("cohort_id", "schedule_identifier"),)

    @property
    def mentor_only(self) -> bool:
        return self.schedule_type == ScheduleType.REPLACEMENT


class Milestone(UUIDPrimaryKey, Timestamps, Base):
    """The window in which one declaration type may be dated; ``milestone_date`` is the end."""

    __tablename__ = "milestones"

    schedule_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(128))
    declaration_type: Mapped[DeclarationType] = mapped_column(
        enum_column(DeclarationType, "milestone_declaration_type")
    )
    start_date: Mapped[dt.date]
    milestone_date: Mapped[dt.date | None]
    payment_date: Mapped[dt.date]

    schedule: Mapped[Schedule] = relationship(back_populates="milestones")

    __table_args__ = (
        sa.UniqueConstraint("schedule_id", "declaration_type"),
        sa.CheckConstraint(
            "milestone_date IS NULL OR milestone_date >= start_date", name="window_not_inverted"
        ),
    )
