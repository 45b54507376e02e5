"""How v3 shows a school as it stands in one cohort."""

from __future__ import annotations

from typing import Any

from handlers.responses import resource
from handlers.timestamps import rfc3339
from storage.enums import InductionProgrammeChoice as Choice
from storage.queries.schools import SchoolInCohort

#: Stored programme choices as the API names them since the 2025 rename.
PROGRAMME_CHOICE = {
    Choice.FULL_INDUCTION_PROGRAMME: "provider_led",
    Choice.SCHOOL_FUNDED_FIP: "provider_led",
    Choice.CORE_INDUCTION_PROGRAMME: "school_led",
    Choice.DESIGN_OUR_OWN: "school_led",
    Choice.NO_EARLY_CAREER_TEACHERS: "no_early_career_teachers",
    Choice.NOT_YET_KNOWN: "not_yet_known",
}


def school(row: SchoolInCohort) -> dict[str, Any]:
    school_cohort = row.school_cohort
    updated = row.school.api_updated_at
    if school_cohort is not None:
        updated = max(updated, school_cohort.api_updated_at)
    choice = school_cohort.induction_programme_choice if school_cohort else Choice.NOT_YET_KNOWN
    return resource(
        row.school.id,
        "school",
        {
            "name": row.school.name,
            "urn": row.school.urn,
            "cohort": str(row.start_year),
            "in_partnership": row.in_partnership,
            "induction_programme_choice": PROGRAMME_CHOICE[choice],
            "created_at": rfc3339(row.school.created_at),
            "updated_at": rfc3339(updated),
        },
    )
