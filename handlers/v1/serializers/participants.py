"""How v1 and v2 show a participant: one flat resource per training record (api-contract
§3.1), keys in the original's order, which CSV exports and some integrations rely on."""

from __future__ import annotations

from typing import Any

from domain import participant_status as derive
from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.queries.participants import TrainingRecordView


def participant(record: TrainingRecordView) -> dict[str, Any]:
    item = record.enrolment
    return resource(
        record.participant_id,
        "participant",
        {
            "email": item.email,
            "full_name": record.full_name,
            "mentor_id": str(item.mentor_id) if item.mentor_id else None,
            "school_urn": item.school_urn,
            "participant_type": item.profile_type.value,
            "cohort": str(item.cohort),
            "status": derive.record_status(item.induction_status),
            "teacher_reference_number": item.trn,
            "teacher_reference_number_validated": derive.teacher_reference_number_validated(
                item.trn, item.eligibility_reason
            ),
            "eligible_for_funding": derive.eligible_for_funding(item.eligibility_status),
            "pupil_premium_uplift": item.pupil_premium_uplift,
            "sparsity_uplift": item.sparsity_uplift,
            "training_status": item.training_status.value,
            "training_record_id": str(item.training_record_id),
            "schedule_identifier": item.schedule_identifier,
            "updated_at": rfc3339(record.updated_at),
        },
    )
