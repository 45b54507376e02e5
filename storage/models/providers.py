"""Lead providers, their delivery partners per cohort, and their API tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import TokenScope

from .base import ApiStamped, Base, Timestamps, UTCDateTime, UUIDPrimaryKey, enum_column
from .reference import Cohort

lead_provider_cohorts = sa.Table(
    "lead_provider_cohorts",
    Base.metadata,
    sa.Column("lead_provider_id", sa.ForeignKey("lead_providers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id"), primary_key=True),
)


class LeadProvider(UUIDPrimaryKey, Timestamps, Base):
    """A contracted training organisation; it holds API tokens and is paid through statements.

    The original split this into a "CPD lead provider" (token owner) and an "ECF lead
    provider"; with NPQ gone the two are always one-to-one, so we keep one row.
    """

    __tablename__ = "lead_providers"

    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    vat_chargeable: Mapped[bool] = mapped_column(default=True)

    cohorts: Mapped[list[Cohort]] = relationship(secondary=lead_provider_cohorts, order_by=Cohort.start_year)

    def __repr__(self) -> str:
        return f"<LeadProvider {self.name!r}>"


class DeliveryPartner(UUIDPrimaryKey, Timestamps, ApiStamped, Base):
    """An organisation delivering training for lead providers."""

    __tablename__ = "delivery_partners"

    name: Mapped[str] = mapped_column(sa.String(255), index=True)
    discarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_delivery_partners_created_at", "created_at"),)


class ProviderRelationship(UUIDPrimaryKey, Timestamps, Base):
    """Lead provider × delivery partner × cohort: the precondition for any partnership."""

    __tablename__ = "provider_relationships"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lead_providers.id"))
    delivery_partner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delivery_partners.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    discarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    lead_provider: Mapped[LeadProvider] = relationship()
    delivery_partner: Mapped[DeliveryPartner] = relationship()
    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (sa.UniqueConstraint("lead_provider_id", "delivery_partner_id", "cohort_id"),)


class ApiToken(UUIDPrimaryKey, Timestamps, Base):
    """A bearer token, stored only as a keyed digest (see ``domain.tokens``)."""

    __tablename__ = "api_tokens"

    hashed_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    lead_provider_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("lead_providers.id"), index=True)
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "token_scope"))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    lead_provider: Mapped[LeadProvider | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "scope <> 'lead_provider' OR lead_provider_id IS NOT NULL", name="provider_token_has_owner"
        ),
        sa.CheckConstraint("length(hashed_token) = 64", name="digest_length"),
    )
