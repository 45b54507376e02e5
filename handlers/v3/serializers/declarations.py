"""How v3 shows a declaration (api-contract §3.5), keys in the original's order."""

from __future__ import annotations

from typing import Any

from domain.declarations import DUPLICATE_REASON, uplift_paid
from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.declarations import DeclarationView

#: The stored reason for a second claim by the same teacher, as the API names it.
_REASONS_ON_THE_WIRE = {DUPLICATE_REASON: "duplicate_declaration"}


def declaration(view: DeclarationView) -> dict[str, Any]:
    reason = view.ineligible_reason
    return resource(
        view.id,
        "participant-declaration",
        {
            "participant_id": str(view.participant_id),
            "declaration_type": view.declaration_type.value,
            "course_identifier": view.course_identifier.value,
            "declaration_date": rfc3339(view.declaration_date),
            "mentor_id": _id(view.mentor_id),
            "state": view.state.value.replace("_", "-"),
            "updated_at": rfc3339(view.updated_at),
            "created_at": rfc3339(view.created_at),
            "delivery_partner_id": _id(view.delivery_partner_id),
            "statement_id": _id(view.statement_id),
            "clawback_statement_id": _id(view.clawback_statement_id),
            "ineligible_for_funding_reason": _REASONS_ON_THE_WIRE.get(reason, reason) if reason else None,
            "uplift_paid": uplift_paid(
                view.course_identifier,
                view.declaration_type,
                view.state,
                view.pupil_premium_uplift,
                view.sparsity_uplift,
            ),
            "evidence_held": view.evidence_held.value if view.evidence_held else None,
            "has_passed": None,
            "lead_provider_name": view.lead_provider_name,
        },
    )


def _id(value: object) -> str | None:
    return str(value) if value is not None else None
