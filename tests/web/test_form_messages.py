"""The validation messages of the school and sign-in forms that the journey tests do not reach:
lengths, dates out of range, answers given twice, and a forged answer to a radio question
(which gets the question's own message, never WTForms' "Not a valid choice.")."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from storage.enums import ProfileType
from tests import builders
from tests.factories import provider_with_token
from tests.web.school_story import records_api, settings  # noqa: F401  (fixtures)
from tests.web.service_pages import error_summary, inline_errors, submit
from tests.web.test_auth_pages import nomination_link, oak  # noqa: F401  (fixture)
from tests.web.test_school_pages import MARCUS, RHYS, add, base, set_up, start_ect, tutor  # noqa: F401

LONG_EMAIL = "a" * 309 + "@example.com"  # 321 characters
TOO_LONG = "Email address must be 320 characters or fewer"


def only_message(response, message: str) -> None:
    assert response.status_code == 200, response.headers.get("location")
    assert error_summary(response.text) == [message]
    assert inline_errors(response.text) == [message]


def test_sign_in_refuses_an_address_over_320_characters(client):
    only_message(submit(client, "/sign-in", {"email": LONG_EMAIL}), TOO_LONG)


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("expect-ects", {"expecting": "perhaps"}, "Select yes if you expect any new ECTs this year"),
        ("type", {"participant_type": "headteacher"}, "Select whether you want to add an ECT or a mentor"),
        ("known-by-another-name", {"another_name": "maybe"}, "Select yes if they are known by another name"),
        ("appropriate-body", {"appropriate_body": "not-a-body"}, None),
    ],
)
def test_a_forged_answer_to_a_radio_question_gets_its_own_message(
    client,
    session,
    tutor,  # noqa: F811
    step,
    data,
    message,
):
    _, school = tutor
    setup = f"{base(school)}/cohorts/2025/setup"
    if step == "expect-ects":
        path = f"{setup}/expect-ects"
    elif step == "appropriate-body":
        submit(client, f"{setup}/expect-ects", {"expecting": "yes"})
        submit(client, f"{setup}/training", {"training": "school_led"})
        path = f"{setup}/appropriate-body"
        message = "Select your appropriate body, or that you will appoint one later"
    else:
        set_up(client, school)
        add_url = start_ect(client, school, RHYS, name="Bryn Llewellyn")
        if step == "known-by-another-name":
            submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
        path = f"{add_url}/{step}"
    only_message(submit(client, path, data), message)


def test_email_length_and_the_dates_after_registration(client, session, tutor):  # noqa: F811
    _, school = tutor
    set_up(client, school)
    add_url = start_ect(client, school, RHYS)
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    only_message(submit(client, f"{add_url}/email", {"email": LONG_EMAIL}), TOO_LONG)

    ect = add(client, school, RHYS).split("/")[-2]
    leaving = f"{base(school)}/participants/{ect}/leaving"
    only_message(
        submit(client, leaving, {"end_date": ["1", "1", "2099"]}),
        "The leaving date must be within the next year",
    )
    assert submit(client, leaving, {"end_date": ["20", "12", "2026"]}).status_code == 302
    again = submit(client, leaving, {"end_date": ["21", "12", "2026"]})
    assert (again.status_code, error_summary(again.text)) == (
        200,
        ["You have already told us this person is leaving"],
    )


def test_the_joining_date_of_a_transfer(client, session, tutor):  # noqa: F811
    _, school = tutor
    set_up(client, school)
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    other = builders.school(session, name="Elm School")
    _, programme = builders.partnership(session, other, provider, partner, 2025)
    from storage.models import Teacher

    teacher = Teacher(full_name="Rhys Llewellyn", trn="1000104")
    session.add(teacher)
    session.flush()
    builders.participant(session, programme, teacher=teacher)
    session.commit()
    add_url = start_ect(client, school, RHYS)
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    page = client.get(f"{add_url}/already-registered")
    transfer = re.search(r'href="([^"]+/joining-date)"', page.text).group(1)  # type: ignore[union-attr]
    only_message(
        submit(client, transfer, {"joining_date": ["31", "2", "2026"]}),
        "The joining date must be a real date",
    )
    only_message(
        submit(client, transfer, {"joining_date": ["1", "1", "2099"]}),
        "The joining date must be within the next year",
    )


def test_an_email_address_registered_at_another_school_is_refused(client, session, tutor):  # noqa: F811
    _, school = tutor
    set_up(client, school)
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    _, programme = builders.partnership(
        session, builders.school(session, name="Elm School"), provider, partner, 2025
    )
    elsewhere = builders.participant(session, programme)
    session.commit()
    taken = elsewhere.participant_identity.email
    add_url = start_ect(client, school, RHYS)
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    only_message(
        submit(client, f"{add_url}/email", {"email": taken.upper()}),
        "Someone at another school is already registered with this email address. Enter a different one",
    )


def test_a_forged_mentor_is_refused_when_adding_and_when_changing(client, session, tutor):  # noqa: F811
    _, school = tutor
    set_up(client, school)
    add(client, school, MARCUS, "mentor")
    ect = add(client, school, RHYS, mentor="later").split("/")[-2]
    message = "Select a mentor, or that you will add one later"
    only_message(
        submit(client, f"{base(school)}/participants/{ect}/mentor", {"mentor": str(uuid.uuid4())}), message
    )


def test_a_school_that_may_only_run_school_led_training_cannot_choose_a_funded_provider(client, session):
    from domain.reference import load_reference_data
    from tests.web.service_pages import make_tutor, sign_in

    load_reference_data(session)
    independent = builders.school(
        session, induction_tutor=None, name="Ash Tree Primary School", school_type_code=10
    )
    user, school = make_tutor(session, school=independent)
    assert sign_in(client, session, user.email).status_code == 302
    setup = f"{base(school)}/cohorts/2025/setup"
    submit(client, f"{setup}/expect-ects", {"expecting": "yes"})
    only_message(
        submit(client, f"{setup}/training", {"training": "provider_led"}),
        "Your school cannot use a training provider funded by DfE. Select another option",
    )


def test_the_rules_behind_the_forms_that_only_a_forged_request_reaches(client, session, tutor):  # noqa: F811
    """Each with its message: what another caller (an admin page, a command) would show."""
    import datetime as dt

    from domain import clock, registrations, school_cohorts
    from domain.errors import RuleBroken
    from storage.models import Cohort

    _, school = tutor
    set_up(client, school)
    mentor = add(client, school, MARCUS, "mentor").split("/")[-2]
    ect = add(client, school, RHYS, mentor="later").split("/")[-2]
    cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == 2025)).one()
    other = builders.school(session, name="Fresh School")
    joining = {
        "joining_date": clock.today(),
        "email": "new@example.com",
        "continue_with_current_provider": True,
    }
    cases = [
        (lambda: registrations.assign_mentor(session, school, mentor, None), "Only ECTs have mentors"),
        (lambda: registrations.assign_mentor(session, school, ect, uuid.uuid4()), registrations.MENTOR_UNKNOWN),
        (lambda: registrations.report_leaver(session, school, uuid.uuid4(), clock.today()), registrations.NOT_AT_SCHOOL),
        (lambda: registrations.report_leaver(session, school, "not-an-id", clock.today()), registrations.NOT_AT_SCHOOL),
        (lambda: registrations.transfer_in(session, school, uuid.uuid4(), **joining), "This person could not be found"),
        (lambda: registrations.transfer_in(session, school, ect, **joining), "This person is already registered at your school"),
        (lambda: registrations.check_start_date(clock.today() + dt.timedelta(days=400)), registrations.START_DATE_TOO_LATE),
        (lambda: school_cohorts.set_up_cohort(session, school, cohort, expecting_ects=False), school_cohorts.ALREADY_SET_UP),
        (
            lambda: school_cohorts.set_up_cohort(
                session, other, cohort, expecting_ects=True, training="school_led", appropriate_body_id=str(uuid.uuid4())
            ),
            school_cohorts.UNKNOWN_BODY,
        ),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(RuleBroken) as broken:
            call()
        assert [text for _, text in broken.value.errors] == [message]
        session.rollback()
    with clock.travel(builders.at(2019, 1, 1)):
        with pytest.raises(RuleBroken) as broken:
            school_cohorts.set_up_cohort(session, other, cohort, expecting_ects=False)
        assert [text for _, text in broken.value.errors] == [school_cohorts.NOT_OPEN]
        with pytest.raises(RuleBroken) as broken:
            registrations.placement_cohort(session, ProfileType.ECT, None)
        assert [text for _, text in broken.value.errors] == ["Registration is not open yet"]


def test_the_nominee_email_address_over_320_characters_is_refused(client, session, oak):  # noqa: F811
    client.get(nomination_link(client, session, oak))
    submit(client, "/nominations/full-name", {"full_name": "Ada Lovelace"})
    only_message(submit(client, "/nominations/email", {"email": LONG_EMAIL}), TOO_LONG)
