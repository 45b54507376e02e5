"""How v3 shows a delivery partner."""

from __future__ import annotations

from typing import Any

from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.delivery_partners import PartnerWithCohorts


def delivery_partner(row: PartnerWithCohorts) -> dict[str, Any]:
    partner = row.delivery_partner
    return resource(
        partner.id,
        "delivery-partner",
        {
            "name": partner.name,
            "created_at": rfc3339(partner.created_at),
            "updated_at": rfc3339(partner.api_updated_at),
            "cohort": [str(year) for year in row.years],
        },
    )
