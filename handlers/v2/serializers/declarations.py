"""How v2 shows a declaration (api-contract §3.3): v1 without ``eligible_for_payment``
and ``voided``, keys in the original's order."""

from __future__ import annotations

from typing import Any

from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.declarations import DeclarationView


def declaration(view: DeclarationView) -> dict[str, Any]:
    return resource(
        view.id,
        "participant-declaration",
        {
            "participant_id": str(view.participant_id),
            "declaration_type": view.declaration_type.value,
            "course_identifier": view.course_identifier.value,
            "declaration_date": rfc3339(view.declaration_date),
            "updated_at": rfc3339(view.updated_at),
            "state": view.state.value.replace("_", "-"),
            "has_passed": None,
        },
    )
