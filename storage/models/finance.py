"""Statements, their line items and adjustments, and the contracts that price them."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import LineItemState, StatementStatus

from .base import ApiStamped, Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column
from .providers import LeadProvider
from .reference import Cohort

Money = sa.Numeric(12, 2)


class Statement(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """A monthly payment statement for one provider and cohort.

    ``deadline_date`` is what the API calls ``cut_off_date``; only ``output_fee``
    statements receive declarations and are listed by the API.
    """

    __tablename__ = "statements"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(32))
    deadline_date: Mapped[dt.date]
    payment_date: Mapped[dt.date]
    output_fee: Mapped[bool] = mapped_column(default=True)
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "statement_status"), default=StatementStatus.OPEN
    )
    contract_version: Mapped[str] = mapped_column(sa.String(16), default="0.0.1")
    mentor_contract_version: Mapped[str] = mapped_column(sa.String(16), default="0.0.1")
    reconcile_amount: Mapped[decimal.Decimal] = mapped_column(Money, default=decimal.Decimal("0"))
    marked_as_paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    lead_provider: Mapped[LeadProvider] = relationship()
    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("lead_provider_id", "cohort_id", "name"),
        sa.Index("ix_statements_provider_payment_date", "lead_provider_id", "payment_date"),
        sa.CheckConstraint("(status = 'paid') = (marked_as_paid_at IS NOT NULL)", name="paid_has_timestamp"),
    )


class StatementLineItem(UUIDPrimaryKey, Timestamps, Base):
    """A declaration on a statement in a given state (billable or refundable)."""

    __tablename__ = "statement_line_items"

    statement_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("statements.id"), index=True)
    participant_declaration_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant_declarations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[LineItemState] = mapped_column(enum_column(LineItemState, "line_item_state"))

    statement: Mapped[Statement] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("participant_declaration_id", "statement_id", "state"),
        # At most one billable and one refundable line per declaration.
        sa.Index(
            "uq_statement_line_items_one_billable",
            "participant_declaration_id",
            unique=True,
            sqlite_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
            postgresql_where=sa.text("state IN ('eligible', 'payable', 'paid')"),
        ),
        sa.Index(
            "uq_statement_line_items_one_refundable",
            "participant_declaration_id",
            unique=True,
            sqlite_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
            postgresql_where=sa.text("state IN ('awaiting_clawback', 'clawed_back')"),
        ),
    )


class StatementAdjustment(UUIDPrimaryKey, Timestamps, Base):
    """A manual amount DfE finance adds to a statement, with its reason."""

    __tablename__ = "statement_adjustments"

    statement_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("statements.id"), index=True)
    payment_type: Mapped[str] = mapped_column(sa.String(255))
    amount: Mapped[decimal.Decimal] = mapped_column(Money)


class CallOffContract(UUIDPrimaryKey, Timestamps, Base):
    """ECT (and pre-2025 mentor) pricing for one provider and cohort."""

    __tablename__ = "call_off_contracts"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"))
    version: Mapped[str] = mapped_column(sa.String(16), default="0.0.1")
    uplift_target: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(5, 2))
    uplift_amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    recruitment_target: Mapped[int]
    revised_target: Mapped[int | None]
    set_up_fee: Mapped[decimal.Decimal] = mapped_column(Money, default=decimal.Decimal("0"))
    monthly_service_fee: Mapped[decimal.Decimal | None] = mapped_column(Money)

    bands: Mapped[list[ParticipantBand]] = relationship(
        back_populates="call_off_contract", order_by="ParticipantBand.min", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("lead_provider_id", "cohort_id", "version"),)


class ParticipantBand(UUIDPrimaryKey, Timestamps, Base):
    """A price band (A–D) of a call-off contract."""

    __tablename__ = "participant_bands"

    call_off_contract_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("call_off_contracts.id", ondelete="CASCADE"), index=True
    )
    band: Mapped[str] = mapped_column(sa.String(1))
    min: Mapped[int | None]
    max: Mapped[int | None]
    per_participant: Mapped[decimal.Decimal] = mapped_column(Money)
    output_payment_percentage: Mapped[int] = mapped_column(default=60)
    service_fee_percentage: Mapped[int] = mapped_column(default=40)

    call_off_contract: Mapped[CallOffContract] = relationship(back_populates="bands")

    __table_args__ = (
        sa.UniqueConstraint("call_off_contract_id", "band"),
        sa.CheckConstraint("band IN ('A', 'B', 'C', 'D')", name="band_letter"),
        sa.CheckConstraint(
            "output_payment_percentage + service_fee_percentage = 100", name="percentages_add_up"
        ),
    )


class MentorCallOffContract(UUIDPrimaryKey, Timestamps, Base):
    """Mentor pricing from the 2025 cohort: a flat amount per mentor, half at start, half at end."""

    __tablename__ = "mentor_call_off_contracts"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"))
    version: Mapped[str] = mapped_column(sa.String(16), default="0.0.1")
    recruitment_target: Mapped[int]
    payment_per_participant: Mapped[decimal.Decimal] = mapped_column(Money, default=decimal.Decimal("1000"))

    __table_args__ = (sa.UniqueConstraint("lead_provider_id", "cohort_id", "version"),)
