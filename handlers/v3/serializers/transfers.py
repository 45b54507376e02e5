"""How v3 shows a participant's transfers.

Each move's keys come in the original's order (``created_at`` before ``leaving`` and
``joining``), which is what integrations have been parsing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain import participant_status as derive
from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.transfers import ParticipantTransfersView, TransferView


def participant_transfers(view: ParticipantTransfersView, at: dt.datetime | None = None) -> dict[str, Any]:
    return resource(
        view.id,
        "participant-transfer",
        {
            "updated_at": rfc3339(view.updated_at),
            "transfers": [transfer(item, at) for item in view.transfers],
        },
    )


def transfer(item: TransferView, at: dt.datetime | None = None) -> dict[str, Any]:
    leaving, joining = item.leaving, item.joining
    return {
        "training_record_id": str(item.training_record_id),
        "transfer_type": derive.transfer_type(leaving.lead_provider_id, joining),
        "status": derive.transfer_status(leaving.end_date, joining.start_date if joining else None, at),
        "created_at": rfc3339(leaving.created_at),
        "leaving": {
            "school_urn": leaving.school_urn,
            "provider": leaving.provider_name,
            "date": leaving.end_date.date().isoformat() if leaving.end_date else None,
        },
        "joining": (
            {
                "school_urn": joining.school_urn,
                "provider": joining.provider_name,
                "date": joining.start_date.date().isoformat(),
            }
            if joining
            else None
        ),
    }
