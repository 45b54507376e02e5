"""Naming an induction tutor starts, for a school that has none and has not told us about the
cohort registering now, with "Will any ECTs start their induction…?" (school-side spec §1.2):
"no" records the cohort as having no ECTs, opted out of updates, with no tutor named."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.reference import load_reference_data
from domain.school_cohorts import active_registration_cohort, needs_setup
from storage.enums import InductionProgrammeChoice
from storage.models import NominationToken, School, SchoolCohort
from tests import builders
from tests.web.service_pages import error_summary, h1_of, inline_errors, main_text, submit
from tests.web.test_auth_pages import nomination_link, oak  # noqa: F401  (fixture)

QUESTION = "/nominations/choose-how-to-continue"


@pytest.fixture
def cohort(session):
    load_reference_data(session)
    session.commit()
    found = active_registration_cohort(session)
    assert found is not None
    return found


def cohorts_of(session, school: School) -> list[SchoolCohort]:
    session.expire_all()
    return list(session.scalars(sa.select(SchoolCohort).where(SchoolCohort.school_id == school.id)))


def test_no_ects_expected_is_recorded_and_ends_the_journey_without_a_tutor(client, session, oak, cohort):  # noqa: F811
    link = nomination_link(client, session, oak)
    assert client.get(link, follow_redirects=False).headers["location"] == QUESTION
    page = client.get(QUESTION)
    year = f"{cohort.start_year} to {cohort.start_year + 1}"
    assert h1_of(page.text) == (
        f"Will any early career teachers (ECTs) start their induction at Oak Primary in the {year} academic year?"
    )
    assert "We do not know yet" in main_text(page.text)

    empty = submit(client, QUESTION, {}, page=page.text)
    message = "Select whether any ECTs will start their induction at your school"
    assert error_summary(empty.text) == inline_errors(empty.text) == [message]
    assert cohorts_of(session, oak) == []

    saved = submit(client, QUESTION, {"expecting": "no"}, page=page.text)
    assert saved.headers["location"] == "/nominations/choice-saved"
    done = client.get("/nominations/choice-saved")
    assert h1_of(done.text) == "Your answer has been saved"
    assert (
        f"We will not contact your school again about early career teachers (ECTs) starting in the {year}"
        in (main_text(done.text))
    )

    (recorded,) = cohorts_of(session, oak)
    assert recorded.cohort_id == cohort.id
    assert recorded.induction_programme_choice == InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS
    assert recorded.opt_out_of_updates is True and recorded.default_induction_programme_id is None
    assert session.get(School, oak.id).induction_tutor_id is None
    assert needs_setup(session, session.get(School, oak.id)) is None  # nobody is sent to set it up
    # The link still works, should that change: it now goes straight to naming the tutor.
    assert session.scalars(sa.select(NominationToken.used_at)).all() == [None]
    assert client.get(link, follow_redirects=False).headers["location"] == "/nominations/full-name"


@pytest.mark.parametrize("answer", ["yes", "not_known"])
def test_expecting_ects_or_not_knowing_goes_on_to_name_the_tutor(client, session, oak, cohort, answer):  # noqa: F811
    client.get(nomination_link(client, session, oak))
    page = client.get(QUESTION)
    assert submit(client, QUESTION, {"expecting": answer}, page=page.text).headers["location"] == (
        "/nominations/full-name"
    )
    name_page = client.get("/nominations/full-name").text
    assert f'href="{QUESTION}"' in name_page  # back to the question
    assert 'value="' + answer + '" checked' in client.get(QUESTION).text.replace('checked=""', "checked")
    assert cohorts_of(session, oak) == []


def test_an_answer_outside_the_choices_is_refused(client, session, oak, cohort):  # noqa: F811
    client.get(nomination_link(client, session, oak))
    page = client.get(QUESTION)
    refused = submit(client, QUESTION, {"expecting": "maybe"}, page=page.text)
    assert error_summary(refused.text) == [
        "Select whether any ECTs will start their induction at your school"
    ]
    assert cohorts_of(session, oak) == []


def test_a_school_that_has_a_tutor_or_has_answered_is_not_asked(client, session, oak, cohort):  # noqa: F811
    builders.school_cohort(session, oak, cohort.start_year)
    session.commit()
    start = client.get(nomination_link(client, session, oak), follow_redirects=False)
    assert start.headers["location"] == "/nominations/full-name"
    assert client.get(QUESTION, follow_redirects=False).headers["location"] == "/nominations/full-name"
