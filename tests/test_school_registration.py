"""The school-side rules without pages: cohort set-up (keeping last year's providers),
funding eligibility from the teacher record, and challenging a partnership."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import clock
from domain.errors import RuleBroken
from domain.partnerships import (
    CHALLENGE_ALREADY,
    CHALLENGE_TOO_LATE,
    challenge_partnership,
    confirm_partnership,
)
from domain.registrations import eligibility_for
from domain.school_cohorts import NOTHING_TO_KEEP, Training, set_up_cohort
from integrations.email import OutboxSender
from integrations.teacher_records import TeacherRecord
from storage.enums import EligibilityReason, EligibilityStatus, InductionProgrammeChoice, ProfileType
from tests import builders
from tests.factories import provider_with_token
from web.auth.links import PageLinks

LINKS = PageLinks("http://testserver", "help@example.test")


def record(**changes: object) -> TeacherRecord:
    values: dict[str, object] = {
        "trn": "1000104", "full_name": "Rhys Llewellyn", "date_of_birth": dt.date(1995, 1, 9),
        "national_insurance_number": None, "active": True, "active_alert": False,
        "qts_date": dt.date(2025, 7, 18), "induction_start_date": dt.date(2025, 9, 1),
        "induction_completion_date": None, "induction_status": "InProgress",
    }  # fmt: skip
    values.update(changes)
    return TeacherRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, (EligibilityStatus.ELIGIBLE, EligibilityReason.NONE)),
        ({"active_alert": True}, (EligibilityStatus.MANUAL_CHECK, EligibilityReason.ACTIVE_FLAGS)),
        ({"induction_completion_date": dt.date(2020, 7, 1)}, (EligibilityStatus.INELIGIBLE, EligibilityReason.PREVIOUS_INDUCTION)),
        ({"induction_start_date": dt.date(2019, 9, 1)}, (EligibilityStatus.INELIGIBLE, EligibilityReason.PREVIOUS_INDUCTION)),
        ({"qts_date": None}, (EligibilityStatus.MANUAL_CHECK, EligibilityReason.NO_QTS)),
        ({"induction_start_date": None, "induction_status": "Exempt"}, (EligibilityStatus.INELIGIBLE, EligibilityReason.EXEMPT_FROM_INDUCTION)),
        ({"induction_start_date": None, "induction_status": None}, (EligibilityStatus.MANUAL_CHECK, EligibilityReason.NO_INDUCTION)),
    ],
)  # fmt: skip
def test_eligibility_from_the_teacher_record(changes, expected):
    assert eligibility_for(ProfileType.ECT, record(**changes)) == expected


def test_a_mentor_with_a_previous_induction_is_still_eligible():
    assert eligibility_for(ProfileType.MENTOR, record(induction_completion_date=dt.date(2010, 7, 1)))[0] == (
        EligibilityStatus.ELIGIBLE
    )


def test_keeping_last_years_providers_copies_the_partnership(session):
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2024, 2025))
    school = builders.school(session)
    with pytest.raises(RuleBroken) as refused:
        set_up_cohort(
            session, school, builders.cohort(session, 2025), expecting_ects=True, training="keep_providers"
        )
    assert refused.value.errors == [("training", NOTHING_TO_KEEP)]
    builders.partnership(session, school, provider, partner, 2024)
    row = set_up_cohort(
        session, school, builders.cohort(session, 2025), expecting_ects=True, training=Training.KEEP_PROVIDERS
    )
    kept = row.default_induction_programme.partnership
    assert kept.cohort.start_year == 2025 and kept.lead_provider_id == provider.id and not kept.challenged
    assert row.induction_programme_choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME


def test_a_challenge_needs_a_reason_and_the_window_and_happens_once(session):
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    school = builders.school(session)
    partnership = confirm_partnership(session, provider.id, "2025", str(school.id), str(partner.id))
    with pytest.raises(RuleBroken, match="Select why"):
        challenge_partnership(
            session, school.id, partnership.id, "", sender=OutboxSender(session), links=LINKS
        )
    with (
        clock.travel(partnership.challenge_deadline + dt.timedelta(seconds=1)),
        pytest.raises(RuleBroken) as late,
    ):
        challenge_partnership(
            session, school.id, partnership.id, "mistake", sender=OutboxSender(session), links=LINKS
        )
    assert late.value.errors == [("reason", CHALLENGE_TOO_LATE)]
    challenge_partnership(
        session, school.id, partnership.id, "no_ects", sender=OutboxSender(session), links=LINKS
    )
    sc = partnership_school_cohort = builders.school_cohort(session, school, 2025)
    assert (
        partnership_school_cohort.induction_programme_choice
        == InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS
    )
    assert sc.default_induction_programme_id is None and sc.opt_out_of_updates
    with pytest.raises(RuleBroken) as again:
        challenge_partnership(
            session, school.id, partnership.id, "mistake", sender=OutboxSender(session), links=LINKS
        )
    assert again.value.errors == [("reason", CHALLENGE_ALREADY)]
