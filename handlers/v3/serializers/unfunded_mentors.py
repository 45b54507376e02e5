"""How v3 shows an unfunded mentor."""

from __future__ import annotations

from typing import Any

from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.unfunded_mentors import UnfundedMentorView


def unfunded_mentor(view: UnfundedMentorView) -> dict[str, Any]:
    return resource(
        view.id,
        "unfunded-mentor",
        {
            "full_name": view.full_name,
            "email": view.email,
            "teacher_reference_number": view.trn,
            "created_at": rfc3339(view.created_at),
            "updated_at": rfc3339(view.updated_at),
        },
    )
