"""Which schools may use the service and be partnered for funded training (GIAS rules).

The same rules are offered as Python predicates (for one school in hand) and as SQL
expressions (for lists), built from the same constants so they cannot drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.models import School

OPEN_STATUS_CODES = frozenset({1, 3})  # Open; Open, but proposed to close
#: GIAS establishment types that can take part in funded provider-led training.
ELIGIBLE_TYPE_CODES = frozenset(
    {1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 18, 28, 31, 32, 33, 34, 35, 36, 38, 39, 40, 41, 42, 43, 44, 45, 46, 57}
)
#: Types that may use the service for school-led training only (independent, Welsh, overseas).
CIP_ONLY_TYPE_CODES = frozenset({10, 11, 30, 37})
NON_ENGLISH_OVERRIDE_DISTRICT = "9999"


def is_open(school: School) -> bool:
    return school.school_status_code in OPEN_STATUS_CODES


def in_england(school: School) -> bool:
    code = school.administrative_district_code or ""
    return code.startswith("E") or code == NON_ENGLISH_OVERRIDE_DISTRICT


def is_eligible(school: School) -> bool:
    """Open, in England, and an eligible type or section 41 approved."""
    return (
        is_open(school)
        and in_england(school)
        and (school.school_type_code in ELIGIBLE_TYPE_CODES or bool(school.section_41_approved))
    )


def is_cip_only(school: School) -> bool:
    """Not eligible but open and of a type that may still run school-led training."""
    return not is_eligible(school) and is_open(school) and school.school_type_code in CIP_ONLY_TYPE_CODES


def can_access_service(school: School) -> bool:
    return is_eligible(school) or is_cip_only(school)


def eligible_clause() -> sa.ColumnElement[bool]:
    # COALESCE keeps the clause two-valued: a NULL here would make NOT(eligible) NULL too.
    district = sa.func.coalesce(School.administrative_district_code, "")
    type_code = sa.func.coalesce(School.school_type_code, -1)
    return sa.and_(
        School.school_status_code.in_(sorted(OPEN_STATUS_CODES)),
        sa.or_(district.like("E%"), district == NON_ENGLISH_OVERRIDE_DISTRICT),
        sa.or_(type_code.in_(sorted(ELIGIBLE_TYPE_CODES)), School.section_41_approved.is_(True)),
    )


def cip_only_clause() -> sa.ColumnElement[bool]:
    return sa.and_(
        sa.not_(eligible_clause()),
        School.school_status_code.in_(sorted(OPEN_STATUS_CODES)),
        School.school_type_code.in_(sorted(CIP_ONLY_TYPE_CODES)),
    )
