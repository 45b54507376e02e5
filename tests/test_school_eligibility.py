"""School eligibility (GIAS rules): each rule, and the SQL clauses agreeing with the predicates."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import schools
from storage.models import School

COMMUNITY_SCHOOL = 1  # an eligible type
ACADEMY_CONVERTER = 28  # an eligible type
OTHER_INDEPENDENT = 11  # CIP only
WELSH_ESTABLISHMENT = 30  # CIP only
FURTHER_EDUCATION = 18  # eligible
SPECIAL_POST_16 = 56  # neither eligible nor CIP-only
OFFSHORE = 29  # neither


def school(**overrides: object) -> School:
    """An open, eligible community school in England unless told otherwise."""
    values: dict[str, object] = {
        "urn": "100000",
        "name": "Test School",
        "school_status_code": 1,
        "school_type_code": COMMUNITY_SCHOOL,
        "administrative_district_code": "E09000033",
        "section_41_approved": False,
    }
    values.update(overrides)
    return School(**values)


@pytest.mark.parametrize(("status", "open_"), [(1, True), (2, False), (3, True), (4, False), (5, False)])
def test_open_means_status_1_or_3(status: int, open_: bool) -> None:
    candidate = school(school_status_code=status)

    assert schools.is_open(candidate) is open_
    assert schools.is_eligible(candidate) is open_


@pytest.mark.parametrize(
    ("district", "in_england"),
    [
        ("E09000033", True),
        ("E06000001", True),
        ("9999", True),
        ("W06000015", False),
        ("S12000033", False),
        ("N09000003", False),
        ("", False),
        (None, False),
        ("99999", False),
        ("e09000033", False),
    ],
)
def test_in_england_means_an_e_district_or_9999(district: str | None, in_england: bool) -> None:
    candidate = school(administrative_district_code=district)

    assert schools.in_england(candidate) is in_england
    assert schools.is_eligible(candidate) is in_england


@pytest.mark.parametrize("type_code", sorted(schools.ELIGIBLE_TYPE_CODES))
def test_every_eligible_type_is_eligible_when_open_in_england(type_code: int) -> None:
    assert schools.is_eligible(school(school_type_code=type_code))
    assert not schools.is_cip_only(school(school_type_code=type_code))


@pytest.mark.parametrize("type_code", [None, 4, 9, 13, 24, 25, 26, 27, 29, 56, 99])
def test_other_types_are_not_eligible_unless_section_41_approved(type_code: int | None) -> None:
    assert not schools.is_eligible(school(school_type_code=type_code))
    assert schools.is_eligible(school(school_type_code=type_code, section_41_approved=True))


def test_section_41_does_not_help_a_closed_or_welsh_school() -> None:
    assert not schools.is_eligible(
        school(school_type_code=OFFSHORE, section_41_approved=True, school_status_code=2)
    )
    assert not schools.is_eligible(
        school(school_type_code=OFFSHORE, section_41_approved=True, administrative_district_code="W06000015")
    )


@pytest.mark.parametrize("type_code", sorted(schools.CIP_ONLY_TYPE_CODES))
def test_cip_only_types_may_use_the_service_for_school_led_training(type_code: int) -> None:
    candidate = school(school_type_code=type_code)

    assert not schools.is_eligible(candidate)
    assert schools.is_cip_only(candidate)
    assert schools.can_access_service(candidate)


def test_a_cip_only_type_outside_england_is_still_cip_only() -> None:
    candidate = school(school_type_code=WELSH_ESTABLISHMENT, administrative_district_code="W06000015")

    assert schools.is_cip_only(candidate)
    assert schools.can_access_service(candidate)


def test_a_closed_cip_only_type_cannot_access_the_service() -> None:
    candidate = school(school_type_code=OTHER_INDEPENDENT, school_status_code=2)

    assert not schools.is_cip_only(candidate)
    assert not schools.can_access_service(candidate)


def test_an_ineligible_type_that_is_not_cip_only_cannot_access_the_service() -> None:
    candidate = school(school_type_code=SPECIAL_POST_16)

    assert not schools.is_eligible(candidate)
    assert not schools.is_cip_only(candidate)
    assert not schools.can_access_service(candidate)


@pytest.mark.parametrize("status", [2, 4])
def test_closed_schools_are_never_eligible_nor_cip_only(status: int) -> None:
    for type_code in (COMMUNITY_SCHOOL, ACADEMY_CONVERTER, FURTHER_EDUCATION, OTHER_INDEPENDENT):
        candidate = school(school_type_code=type_code, school_status_code=status, section_41_approved=True)
        assert not schools.can_access_service(candidate)


def _varied_schools(districts: list[str | None]) -> list[School]:
    statuses = [1, 2, 3, 4]
    types = [
        COMMUNITY_SCHOOL,
        FURTHER_EDUCATION,
        OTHER_INDEPENDENT,
        WELSH_ESTABLISHMENT,
        SPECIAL_POST_16,
        None,
    ]
    return [
        school(
            urn=f"{200000 + number}",
            name=f"School {number}",
            school_status_code=status,
            administrative_district_code=district,
            school_type_code=type_code,
            section_41_approved=s41,
        )
        for number, (status, district, type_code, s41) in enumerate(
            itertools.product(statuses, districts, types, [False, True])
        )
    ]


def _compare_sql_with_python(session: Session, made: list[School]) -> tuple[set[str], set[str]]:
    session.add_all(made)
    session.flush()
    session.expire_all()
    stored = list(session.scalars(sa.select(School)))
    assert len(stored) == len(made)

    eligible_sql = set(session.scalars(sa.select(School.urn).where(schools.eligible_clause())))
    cip_only_sql = set(session.scalars(sa.select(School.urn).where(schools.cip_only_clause())))

    eligible_python = {s.urn for s in stored if schools.is_eligible(s)}
    cip_only_python = {s.urn for s in stored if schools.is_cip_only(s)}
    assert eligible_sql == eligible_python
    assert cip_only_sql == cip_only_python
    return eligible_python, cip_only_python


def test_the_sql_clauses_select_exactly_the_schools_the_predicates_accept(session: Session) -> None:
    """Lists are filtered in SQL and single schools in Python: the two must never disagree."""
    made = _varied_schools(["E09000033", "9999", "W06000015", "S12000033", ""])

    eligible, cip_only = _compare_sql_with_python(session, made)

    # The table is varied enough for the comparison to mean something.
    assert 0 < len(eligible) < len(made)
    assert 0 < len(cip_only) < len(made)
    assert not eligible & cip_only


def test_the_sql_clauses_agree_with_the_predicates_when_the_district_is_missing(session: Session) -> None:
    _compare_sql_with_python(session, _varied_schools([None]))
