"""Rows that keep the service running rather than describe the domain."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class RateLimitCounter(Base):
    """Requests counted per client key and fixed window, when Redis is not configured.

    Shared by every worker process through the database, so the limit holds however
    many processes serve the API.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.Index("ix_rate_limit_counters_window_start", "window_start"),)


class IdempotencyKey(Base):
    """A lead provider's ``Idempotency-Key`` and the answer its first request got.

    The primary key (provider, key) is what stops two concurrent requests with the same
    key from both doing the work: only one insert can claim it. A row without a response
    status is a claim still being worked on; ``handlers.idempotency`` reads and writes these.
    """

    __tablename__ = "idempotency_keys"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("lead_providers.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    #: SHA-256 (hex) of the method, path and canonical body: "the same request".
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: When the key was claimed, on the one clock; it is honoured for 24 hours from then.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    response_content_type: Mapped[str | None] = mapped_column(sa.String(255))
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    __table_args__ = (
        # Only answers the operation itself gave are kept, never a server error.
        sa.CheckConstraint(
            "response_status IS NULL OR response_status BETWEEN 200 AND 499", name="stored_status"
        ),
        sa.CheckConstraint("(response_status IS NULL) = (response_body IS NULL)", name="status_with_body"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )
