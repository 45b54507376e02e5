"""How v3 shows a partnership."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.clock import UTC
from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.models import Partnership


def with_milliseconds(value: dt.datetime | None) -> str | None:
    """``challenged_at`` alone keeps milliseconds (``…:32.123Z``), as the original sends it."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def partnership(row: Partnership) -> dict[str, Any]:
    """Needs ``school`` (with ``induction_tutor``), ``cohort`` and ``delivery_partner`` loaded."""
    school, tutor, partner = row.school, row.school.induction_tutor, row.delivery_partner
    return resource(
        row.id,
        "partnership",
        {
            "cohort": str(row.cohort.start_year),
            "urn": school.urn,
            "school_id": str(school.id),
            "delivery_partner_id": str(partner.id),
            "delivery_partner_name": partner.name,
            "status": "challenged" if row.challenged else "active",
            "challenged_reason": str(row.challenge_reason) if row.challenge_reason else None,
            "challenged_at": with_milliseconds(row.challenged_at),
            "induction_tutor_name": tutor.full_name if tutor else None,
            # The school's contact address: its induction tutor's, else what GIAS holds.
            "induction_tutor_email": (tutor.email if tutor else None)
            or school.primary_contact_email
            or school.secondary_contact_email,
            "created_at": rfc3339(row.created_at),
            "updated_at": rfc3339(row.api_updated_at),
        },
    )
