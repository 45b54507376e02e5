"""A lead provider's CSV of school URNs, kept on the server between "upload" and "confirm".

The browser carries only the upload's id; the URNs, cohort and delivery partner stay here, so
nothing the client sends after the upload is trusted. A row is the provider's (every page looks
it up with the provider's id) and is short-lived: ``domain.partnership_uploads`` deletes a
person's old ones when they upload again.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import now

from .base import Base, UTCDateTime, UUIDPrimaryKey


class PartnershipUpload(UUIDPrimaryKey, Base):
    """The URNs as read from the file (in file order, with their row numbers), who uploaded
    them and for which cohort and delivery partner; and, once confirmed, how many schools."""

    __tablename__ = "partnership_uploads"

    lead_provider_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("lead_providers.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cohorts.id"))
    delivery_partner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delivery_partners.id"))
    #: ``[[row_number, value], ...]``: each entry as the file gave it (digits or not).
    rows: Mapped[list[list[object]]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    confirmed_count: Mapped[int | None]
