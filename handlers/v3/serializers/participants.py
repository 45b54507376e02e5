"""How v3 shows a participant: one object per person, an enrolment per visible record.

Attribute order is the original's, which some integrations depend on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain import participant_status as derive
from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.enums import ProfileType, TrainingStatus
from storage.queries.participants import EnrolmentView, ParticipantView


def participant(view: ParticipantView, at: dt.datetime | None = None) -> dict[str, Any]:
    """The JSON:API resource for ``view``; ``at`` is the moment statuses are judged (now)."""
    return resource(
        view.id,
        "participant",
        {
            "full_name": view.full_name,
            "teacher_reference_number": view.trn,
            "updated_at": rfc3339(view.updated_at),
            "ecf_enrolments": [enrolment(item, at) for item in view.enrolments],
            "participant_id_changes": [
                {
                    "from_participant_id": str(change.from_participant_id),
                    "to_participant_id": str(change.to_participant_id),
                    "changed_at": rfc3339(change.changed_at),
                }
                for change in view.id_changes
            ],
        },
    )


def enrolment(item: EnrolmentView, at: dt.datetime | None = None) -> dict[str, Any]:
    is_mentor = item.profile_type == ProfileType.MENTOR
    return {
        "training_record_id": str(item.training_record_id),
        "email": item.email,
        "mentor_id": str(item.mentor_id) if item.mentor_id else None,
        "school_urn": item.school_urn,
        "participant_type": item.profile_type.value,
        "cohort": str(item.cohort),
        "training_status": item.training_status.value,
        "participant_status": derive.participant_status(item, at),
        "teacher_reference_number_validated": derive.teacher_reference_number_validated(
            item.trn, item.eligibility_reason
        ),
        "eligible_for_funding": derive.eligible_for_funding(item.eligibility_status),
        "pupil_premium_uplift": item.pupil_premium_uplift,
        "sparsity_uplift": item.sparsity_uplift,
        "schedule_identifier": item.schedule_identifier,
        "delivery_partner_id": str(item.delivery_partner_id),
        "withdrawal": _change(
            derive.status_change(item.training_status, TrainingStatus.WITHDRAWN, item.states)
        ),
        "deferral": _change(derive.status_change(item.training_status, TrainingStatus.DEFERRED, item.states)),
        "created_at": rfc3339(item.created_at),
        "induction_end_date": _date(item.induction_completion_date),
        "mentor_funding_end_date": _date(item.mentor_completion_date),
        "cohort_changed_after_payments_frozen": item.cohort_changed_after_payments_frozen,
        "mentor_ineligible_for_funding_reason": (
            item.mentor_completion_reason.value if is_mentor and item.mentor_completion_reason else None
        ),
    }


def _change(change: derive.StatusChange | None) -> dict[str, str | None] | None:
    if change is None:
        return None
    return {"reason": change.reason, "date": rfc3339(change.date)}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
