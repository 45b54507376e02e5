"""Emails kept by the local outbox (``integrations.email.OutboxSender``) when GOV.UK Notify
is not configured: development, tests and sandboxes read what would have been sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import now

from .base import Base, UTCDateTime, UUIDPrimaryKey


class OutboxEmail(UUIDPrimaryKey, Base):
    """One message as it would have been sent: recipient, template, personalisation and
    the subject and body rendered from our own copy of the template."""

    __tablename__ = "outbox_emails"

    to: Mapped[str] = mapped_column(sa.String(320))
    template: Mapped[str] = mapped_column(sa.String(64))
    personalisation: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)

    __table_args__ = (
        sa.Index("ix_outbox_emails_to", "to"),
        sa.Index("ix_outbox_emails_created_at", "created_at"),
    )
