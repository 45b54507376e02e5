"""The induction tutor's pages without JavaScript (the real app, the fake teacher record API):
cohort set-up, adding ECTs and mentors with every validation message, the participants
page (mentor, leaver), transfers in, challenging a partnership, and CSRF on every form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from domain.reference import load_reference_data
from storage.enums import AppropriateBodyType, ChallengeReason, InductionProgrammeChoice, InductionStatus
from storage.models import AppropriateBody, InductionRecord, ParticipantProfile, Partnership, SchoolCohort
from tests import builders
from tests.factories import provider_with_token
from tests.web.school_story import records_api, settings  # noqa: F401  (fixtures)
from tests.web.service_pages import (
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_tutor,
    sign_in,
    submit,
)

AMARA = {"full_name": "Amara Okafor", "trn": "1000101", "dob": ("14", "3", "1996"), "nino": "AB123456C"}
RHYS = {"full_name": "Rhys Llewellyn", "trn": "1000104", "dob": ("9", "1", "1995")}
MARCUS = {"full_name": "Marcus Lindqvist", "trn": "1000116", "dob": ("2", "2", "1985")}


@pytest.fixture
def tutor(client, session):
    load_reference_data(session)
    session.add(
        AppropriateBody(
            name="Northern Lights Teaching School Hub", body_type=AppropriateBodyType.TEACHING_SCHOOL_HUB
        )
    )
    user, school = make_tutor(session)
    assert sign_in(client, session, user.email).status_code == 302
    return user, school


def base(school) -> str:
    return f"/schools/{school.urn}-ash-tree-primary-school"


def set_up(client, school, training="provider_led"):
    setup = f"{base(school)}/cohorts/2025/setup"
    assert submit(client, f"{setup}/expect-ects", {"expecting": "yes"}).status_code == 302
    assert submit(client, f"{setup}/training", {"training": training}).status_code == 302
    page = client.get(f"{setup}/appropriate-body").text
    body = re.search(r'name="appropriate_body" type="radio" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="appropriate_body"', page
    )
    assert submit(client, f"{setup}/appropriate-body", {"appropriate_body": "later"}).status_code == 302
    done = submit(client, f"{setup}/check-answers")
    assert done.headers["location"].endswith("/cohorts/2025/setup/complete"), done.text
    return body


def add(client, school, person, kind="ect", *, email=None, start=("1", "9", "2025"), mentor=None):
    add_url = f"{base(school)}/participants/add"
    client.get(add_url)
    submit(client, f"{add_url}/type", {"participant_type": kind})
    submit(client, f"{add_url}/name", {"full_name": person["full_name"]})
    submit(client, f"{add_url}/trn", {"trn": person["trn"]})
    response = submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(person["dob"])})
    assert response.headers["location"].endswith("/email"), response.headers["location"]
    email = email or person["full_name"].lower().replace(" ", ".") + "@example.com"
    assert submit(client, f"{add_url}/email", {"email": email}).status_code == 302
    if kind == "ect":
        step = submit(client, f"{add_url}/start-date", {"start_date": list(start)})
        if step.headers["location"].endswith("/mentor"):
            submit(client, f"{add_url}/mentor", {"mentor": mentor or "later"})
    confirmed = submit(client, f"{add_url}/check-answers")
    assert confirmed.status_code == 302, main_text(confirmed.text)
    return confirmed.headers["location"]


def test_a_school_without_a_cohort_is_sent_to_set_it_up(client, session, tutor):
    _, school = tutor
    response = client.get(base(school), follow_redirects=False)
    assert response.headers["location"] == f"{base(school)}/cohorts/2025/setup"
    assert (
        client.get(f"{base(school)}/participants", follow_redirects=False)
        .headers["location"]
        .endswith("/setup")
    )
    set_up(client, school)
    page = client.get(base(school)).text
    assert "Provider-led: a training provider funded by DfE" in main_text(page)
    assert "Your lead provider needs to confirm this with us" in main_text(page)
    (row,) = session.scalars(sa.select(SchoolCohort)).all()
    assert row.induction_programme_choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
    assert (
        row.default_induction_programme is not None and row.default_induction_programme.partnership_id is None
    )


def test_no_ects_sets_up_an_opt_out(client, session, tutor):
    _, school = tutor
    setup = f"{base(school)}/cohorts/2025/setup"
    assert (
        submit(client, f"{setup}/expect-ects", {"expecting": "no"})
        .headers["location"]
        .endswith("/check-answers")
    )
    assert submit(client, f"{setup}/check-answers").status_code == 302
    row = session.scalars(sa.select(SchoolCohort)).one()
    assert (
        row.induction_programme_choice == InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS
        and row.opt_out_of_updates
    )


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("expect-ects", {}, "Select yes if you expect any new ECTs this year"),
        ("training", {}, "Select how your school will run training"),
        (
            "training",
            {"training": "keep_providers"},
            "Your school has no provider from last year to keep. Select another option",
        ),
        (
            "training",
            {"training": "school_funded"},
            "Your school is eligible for DfE-funded training. Select another option",
        ),
    ],
)
def test_setup_messages(client, session, tutor, step, data, message):
    _, school = tutor
    setup = f"{base(school)}/cohorts/2025/setup"
    response = submit(client, f"{setup}/{step}", data)
    assert response.status_code == 200
    assert error_summary(response.text) == [message]


def test_the_appropriate_body_must_be_chosen(client, session, tutor):
    _, school = tutor
    setup = f"{base(school)}/cohorts/2025/setup"
    submit(client, f"{setup}/expect-ects", {"expecting": "yes"})
    submit(client, f"{setup}/training", {"training": "school_led"})
    response = submit(client, f"{setup}/appropriate-body", {})
    assert error_summary(response.text) == [
        "Select your appropriate body, or that you will appoint one later"
    ]


ADD_MESSAGES = [
    ("type", {}, "Select whether you want to add an ECT or a mentor"),
    ("name", {"full_name": " "}, "Enter their full name"),
    ("name", {"full_name": "x" * 256}, "Full name must be 255 characters or fewer"),
    ("trn", {"trn": ""}, "Enter the teacher reference number (TRN)"),
    ("trn", {"trn": "RP/12"}, "The teacher reference number (TRN) must have at least 5 digits"),
    ("trn", {"trn": "12345678"}, "The teacher reference number (TRN) must have no more than 7 digits"),
    ("date-of-birth", {}, "Enter their date of birth"),
    ("date-of-birth", {"date_of_birth": ["31", "2", "1990"]}, "Date of birth must be a real date"),
    (
        "date-of-birth",
        {"date_of_birth": ["1", "1", "1899"]},
        "Date of birth must be on or after 1 January 1900",
    ),
    ("date-of-birth", {"date_of_birth": ["1", "1", "2020"]}, "They must be at least 18 years old"),
]


@pytest.mark.parametrize(("step", "data", "message"), ADD_MESSAGES)
def test_add_messages_before_the_record_check(client, session, tutor, step, data, message):
    _, school = tutor
    set_up(client, school)
    add_url = f"{base(school)}/participants/add"
    client.get(add_url)
    answers = {
        "type": {"participant_type": "ect"},
        "name": {"full_name": "Amara Okafor"},
        "trn": {"trn": "1000101"},
    }
    for earlier in ("type", "name", "trn"):
        if earlier == step:
            break
        submit(client, f"{add_url}/{earlier}", answers[earlier])
    response = submit(client, f"{add_url}/{step}", data)
    assert response.status_code == 200
    assert error_summary(response.text) == [message]
    assert inline_errors(response.text) == [message]


def start_ect(client, school, person, *, name=None):
    add_url = f"{base(school)}/participants/add"
    client.get(add_url)
    submit(client, f"{add_url}/type", {"participant_type": "ect"})
    submit(client, f"{add_url}/name", {"full_name": name or person["full_name"]})
    submit(client, f"{add_url}/trn", {"trn": person["trn"]})
    return add_url


def test_no_match_asks_for_a_national_insurance_number_and_retries(client, session, tutor):
    _, school = tutor
    set_up(client, school)
    add_url = start_ect(client, school, RHYS)
    response = submit(client, f"{add_url}/date-of-birth", {"date_of_birth": ["9", "1", "1996"]})
    assert response.headers["location"].endswith("/national-insurance-number")
    for nino, message in [
        ("", "Enter a National Insurance number"),
        ("12345", "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"),
    ]:
        page = submit(client, f"{add_url}/national-insurance-number", {"nino": nino})
        assert error_summary(page.text) == [message]
    still = submit(client, f"{add_url}/national-insurance-number", {"nino": "AA 11 22 33 A"})
    assert still.headers["location"].endswith("/not-found")
    assert h1_of(client.get(f"{add_url}/not-found").text) == "We still cannot find their teacher record"
    # The right NINO with the right TRN, wrong date of birth: two out of four still fail;
    # the right NINO and date of birth match.
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    assert client.get(f"{add_url}/email").status_code == 200


def test_a_different_name_asks_whether_they_are_known_by_another(client, session, tutor):
    _, school = tutor
    set_up(client, school)
    add_url = start_ect(client, school, RHYS, name="Bryn Llewellyn")
    response = submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    assert response.headers["location"].endswith("/known-by-another-name")
    assert error_summary(submit(client, f"{add_url}/known-by-another-name", {}).text) == [
        "Select yes if they are known by another name"
    ]
    assert h1_of(submit(client, f"{add_url}/known-by-another-name", {"another_name": "no"}).text) == (
        "We cannot add this person yet"
    )
    submit(client, f"{add_url}/known-by-another-name", {"another_name": "yes"})
    matched = submit(client, f"{add_url}/name-on-record", {"full_name": "Rhys Llewellyn"})
    assert matched.headers["location"].endswith("/email")


def test_an_ect_and_a_mentor_are_added_and_the_mentor_assigned(client, session, tutor):
    user, school = tutor
    set_up(client, school)
    add_url = f"{base(school)}/participants/add"
    add(client, school, MARCUS, "mentor")
    # email rules, then adding the ECT with the mentor
    start_ect(client, school, RHYS)
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    for email, message in [
        ("", "Enter their email address"),
        ("nope", "Enter an email address in the correct format, like name@example.com"),
        (user.email, "You cannot register an ECT with your own email address. Enter theirs"),
        ("marcus.lindqvist@example.com", "Someone at your school is already registered with this email address. Enter a different one"),
    ]:  # fmt: skip
        assert error_summary(submit(client, f"{add_url}/email", {"email": email}).text) == [message]
    submit(client, f"{add_url}/email", {"email": "rhys@example.com"})
    for date, message in [
        ([], "Enter the date they start"),
        (["40", "9", "2025"], "The start date must be a real date"),
        (["1", "9", "2020"], "The start date must be on or after 1 September 2021"),
        (["1", "9", "2099"], "The start date must be within the next year"),
    ]:
        assert error_summary(submit(client, f"{add_url}/start-date", {"start_date": date}).text) == [message]
    assert (
        submit(client, f"{add_url}/start-date", {"start_date": ["1", "9", "2025"]})
        .headers["location"]
        .endswith("/mentor")
    )
    assert error_summary(submit(client, f"{add_url}/mentor", {}).text) == [
        "Select a mentor, or that you will add one later"
    ]
    mentor = session.scalars(
        sa.select(ParticipantProfile).where(ParticipantProfile.profile_type == "mentor")
    ).one()
    submit(client, f"{add_url}/mentor", {"mentor": mentor.id.hex})
    check = client.get(f"{add_url}/check-answers")
    assert "Marcus Lindqvist" in main_text(check.text) and "1 September 2025" in main_text(check.text)
    done = submit(client, f"{add_url}/check-answers")
    assert done.headers["location"].endswith("/added")
    assert h1_of(client.get(done.headers["location"]).text) == "Rhys Llewellyn has been added as an ECT"
    session.expire_all()
    ect = session.scalars(sa.select(ParticipantProfile).where(ParticipantProfile.profile_type == "ect")).one()
    assert ect.teacher.trn == "1000104" and ect.mentor_profile_id == mentor.id
    assert ect.eligibility.status == "eligible" and ect.induction_start_date.isoformat() == "2025-09-01"
    listing = main_text(client.get(f"{base(school)}/participants").text)
    assert "Rhys Llewellyn Training Not confirmed yet Marcus Lindqvist" in listing

    # The same TRN again: already here
    start_ect(client, school, RHYS)
    again = submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    assert again.headers["location"].endswith("/already-registered")
    assert h1_of(client.get(f"{add_url}/already-registered").text) == "You cannot add Rhys Llewellyn"

    # Change the mentor to none, then report the ECT leaving
    person = f"{base(school)}/participants/{ect.id}"
    assert submit(client, f"{person}/mentor", {"mentor": "later"}).status_code == 302
    for date, message in [
        ([], "Enter the date they leave"),
        (["1", "13", "2026"], "The leaving date must be a real date"),
        (["1", "1", "2025"], "The leaving date must be on or after the date they started at your school"),
    ]:
        assert error_summary(submit(client, f"{person}/leaving", {"end_date": date}).text) == [message]
    assert submit(client, f"{person}/leaving", {"end_date": ["20", "12", "2026"]}).status_code == 302
    session.expire_all()
    latest = session.scalars(
        sa.select(InductionRecord).where(
            InductionRecord.participant_profile_id == ect.id, InductionRecord.induction_status == "leaving"
        )
    ).one()
    assert latest.mentor_profile_id is None and latest.end_date.date().isoformat() == "2026-12-20"
    assert "Leaving on 20 December 2026" in main_text(client.get(person).text)


def _teacher(session, name, trn):
    from storage.models import Teacher

    teacher = Teacher(full_name=name, trn=trn)
    session.add(teacher)
    session.flush()
    return teacher


def test_someone_at_another_school_transfers_in(client, session, tutor):
    _, school = tutor
    set_up(client, school)
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    other = builders.school(session, name="Elm School")
    _, programme = builders.partnership(session, other, provider, partner, 2025)
    builders.participant(session, programme, teacher=_teacher(session, "Rhys Llewellyn", "1000104"))
    session.commit()
    add_url = start_ect(client, school, RHYS)
    submit(client, f"{add_url}/date-of-birth", {"date_of_birth": list(RHYS["dob"])})
    page = client.get(f"{add_url}/already-registered")
    assert h1_of(page.text) == "Rhys Llewellyn is registered at another school"
    transfer = re.search(r'href="([^"]+/joining-date)"', page.text).group(1)
    assert error_summary(submit(client, transfer, {}).text) == ["Enter the date they start at your school"]
    assert error_summary(submit(client, transfer, {"joining_date": ["1", "1", "2025"]}).text) == [
        "The joining date must be after they started at their current school"
    ]
    assert submit(client, transfer, {"joining_date": ["4", "1", "2027"]}).status_code == 302
    assert (
        submit(
            client, transfer.replace("joining-date", "email"), {"email": "rhys.new@example.com"}
        ).status_code
        == 302
    )
    provider_page = transfer.replace("joining-date", "provider")
    assert error_summary(submit(client, provider_page, {}).text) == ["Select who will train them"]
    submit(client, provider_page, {"provider": "continue"})
    assert submit(client, transfer.replace("joining-date", "check-answers")).status_code == 302
    session.expire_all()
    records = session.scalars(sa.select(InductionRecord).order_by(InductionRecord.start_date)).all()
    assert [r.induction_status for r in records] == [InductionStatus.LEAVING, InductionStatus.ACTIVE]
    assert records[1].school_transfer and records[1].induction_programme.partnership.is_relationship
    assert records[1].induction_programme.partnership.lead_provider_id == provider.id


def test_the_school_challenges_its_partnership(client, session, tutor):
    _, school = tutor
    set_up(client, school)
    provider, _ = provider_with_token(session, "secret")
    partner = builders.delivery_partner(session, provider, years=(2025,))
    from domain.partnerships import confirm_partnership

    partnership = confirm_partnership(session, provider.id, "2025", str(school.id), str(partner.id))
    session.commit()
    dashboard = client.get(base(school)).text
    link = re.search(r'href="([^"]+/report)"', dashboard).group(1)
    assert error_summary(submit(client, link, {}).text) == ["Select why you are reporting this partnership"]
    done = submit(client, link, {"reason": "mistake"})
    assert done.headers["location"].endswith("/reported")
    assert h1_of(client.get(done.headers["location"]).text).startswith("Partnership reported")
    session.expire_all()
    assert session.get(Partnership, partnership.id).challenge_reason == ChallengeReason.MISTAKE
    assert client.get(link, follow_redirects=False).headers["location"].endswith("/reported")


FORMS = [
    "cohorts/2025/setup/expect-ects",
    "participants/add/type",
]


@pytest.mark.parametrize("path", FORMS)
def test_every_form_needs_the_csrf_token(client, session, tutor, path):
    _, school = tutor
    response = client.post(f"{base(school)}/{path}", data={"expecting": "yes", "participant_type": "ect"})
    assert response.status_code == 400 and "Sorry, this form has expired" in response.text
