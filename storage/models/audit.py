"""The audit trail: who changed which row, when, how and why (``domain.audit`` writes it).

Neither table has foreign keys: the trail must outlive the rows and people it describes
(a deleted declaration, a removed user, a revoked token), so ids are kept as plain values.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

#: An autoincrementing big integer; SQLite only autoincrements an ``INTEGER`` primary key.
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditEvent(Base):
    """One change to one row: inserted, updated (each changed column's before and after),
    deleted, or a domain verb such as "withdrawn"; or one summary of a bulk load.

    ``id`` increases in insertion order, so "newest first" is ``id`` descending even when
    sandbox time travel makes ``occurred_at`` jump about.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: staff_user, school_user, provider_user, user, visitor, api_token, command or system.
    actor_kind: Mapped[str] = mapped_column(sa.String(20))
    #: The user's, token's or OS user's id; none for a visitor.
    actor_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: Who it was in words, as it was then: an email, a provider's name, "cpd cohort rollover (alice)".
    actor_label: Mapped[str] = mapped_column(sa.String(255))
    #: api, page, command or system.
    source: Mapped[str] = mapped_column(sa.String(10))
    #: The table name, and the row's primary key as text.
    record_type: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    #: ``{column: [before, after]}``, values as JSON (dates, ids and decimals as strings).
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    reason: Mapped[str | None] = mapped_column(sa.Text())
    #: The request's ``X-Request-Id`` (chosen by the caller, so not necessarily unique).
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
    #: The API request that made the change (``api_requests.id``; written after the response).
    api_request_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())

    __table_args__ = (
        sa.Index("ix_audit_events_record", "record_type", "record_id", "id"),
        sa.Index("ix_audit_events_actor", "actor_kind", "actor_id", "id"),
        sa.Index("ix_audit_events_api_request_id", "api_request_id"),
    )


class ApiRequest(Base):
    """A write request to the API (POST, PUT, PATCH, DELETE under ``/api/``), kept whatever
    its outcome: the body as received (size-capped, secrets removed) and the status answered.
    Error answers keep their body too, so a refused request can be explained later."""

    __tablename__ = "api_requests"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(2048))
    lead_provider_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    api_token_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    #: The JSON body, or ``{"unreadable": …}`` / ``{"truncated": …}`` when it could not be kept whole.
    request_body: Mapped[Any | None] = mapped_column(sa.JSON())
    response_status: Mapped[int] = mapped_column(sa.SmallInteger())
    response_body: Mapped[Any | None] = mapped_column(sa.JSON())
    duration_ms: Mapped[int] = mapped_column(sa.Integer())

    __table_args__ = (
        sa.Index("ix_api_requests_lead_provider_id_received_at", "lead_provider_id", "received_at"),
        sa.Index("ix_api_requests_received_at", "received_at"),
    )
