"""How v3 shows a statement."""

from __future__ import annotations

from typing import Any

from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.enums import StatementStatus
from storage.models import Statement


def statement(row: Statement) -> dict[str, Any]:
    month, _, year = row.name.partition(" ")
    return resource(
        row.id,
        "statement",
        {
            "month": month,
            "year": year,
            "type": "ecf",
            "cohort": str(row.cohort.start_year),
            "cut_off_date": row.deadline_date.isoformat(),
            "payment_date": row.payment_date.isoformat(),
            "paid": row.status == StatementStatus.PAID,
            "created_at": rfc3339(row.created_at),
            "updated_at": rfc3339(row.api_updated_at),
        },
    )
