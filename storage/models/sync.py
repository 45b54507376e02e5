"""The sync clock: one row whose lock orders the API change stamps by commit (``domain.sync``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class ApiSyncClock(Base):
    """The last change stamp handed out.

    A committing transaction that changed what the API shows locks this row, takes
    ``max(now, last_stamp + 1µs)`` and holds the lock until it commits, so stamps increase
    in commit order. There is only ever the row with ``id = 1``.
    """

    __tablename__ = "api_sync_clock"

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    last_stamp: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
