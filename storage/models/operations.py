"""Rows that keep the service running rather than describe the domain."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


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
