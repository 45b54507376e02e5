"""A lead provider's pages as a browser without JavaScript uses them (the real app): signing in
from the emailed link, the dashboard, upload → check → confirm → done, every form's messages,
CSRF on every form, "Your schools", and never another provider's data. Then the API: the
confirmed school's ECTs reach the provider's ``GET /api/v3/participants/ecf``."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from storage.enums import ChallengeReason, TrainingProgramme
from storage.models import InductionProgramme, LeadProvider, OutboxEmail, Partnership, SchoolCohort
from tests import builders
from tests.factories import provider_with_token
from tests.web.service_pages import (
    csrf_token,
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_provider_user,
    outbox,
    sign_in,
    submit,
    title_of,
)

UPLOAD = "/providers/partnerships/upload"


@pytest.fixture
def provider(session, settings) -> LeadProvider:
    """Ambition Institute (contracted 2021–2025) with a delivery partner, and Pat signed in."""
    provider, _ = provider_with_token(session, settings.secret_key)
    builders.delivery_partner(session, provider, name="Leeds Partnership")
    session.commit()
    make_provider_user(session)
    return provider


@pytest.fixture
def signed_in(client, session, provider):
    response = sign_in(client, session, "pat@provider.example.com")
    assert (response.status_code, response.headers["location"]) == (302, "/providers")
    return client


def partner_id(session, name: str = "Leeds Partnership") -> str:
    from storage.models import DeliveryPartner

    return str(session.scalars(sa.select(DeliveryPartner.id).where(DeliveryPartner.name == name)).one())


def upload(client, data: dict[str, str], *, file: tuple[bytes, str] | None = None, token: str | None = None):
    """POST the upload form as a browser does (multipart, with the page's CSRF token)."""
    page = client.get(UPLOAD).text
    form = {"csrf_token": token if token is not None else csrf_token(page), **data}
    files = {"csv_file": (file[1], io.BytesIO(file[0]), "text/csv")} if file is not None else None
    return client.post(UPLOAD, data=form, files=files, follow_redirects=False)


def upload_ok(client, session, body: str, year: str = "2025"):
    response = upload(
        client, {"cohort": year, "delivery_partner": partner_id(session)}, file=(body.encode(), "s.csv")
    )
    assert response.status_code == 302, error_summary(response.text)
    return response.headers["location"]


# --- signing in and the dashboard ----------------------------------------------------------------


def test_pages_need_a_provider_user(client, session, provider):
    for path in ("/providers", UPLOAD, "/providers/schools"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/sign-in"
    from tests.web.service_pages import make_tutor

    make_tutor(session)
    sign_in(client, session, "jo.bloggs@ash-tree.example.com")
    for path in ("/providers", UPLOAD, "/providers/schools"):
        assert client.get(path).status_code == 403


def test_the_dashboard_names_the_provider_and_links_the_journey(signed_in):
    page = signed_in.get("/providers")
    assert page.status_code == 200 and h1_of(page.text) == "Ambition Institute"
    assert 'href="/providers/partnerships/upload?cohort=2025"' in page.text
    assert "Confirm your schools for the 2025 to 2026 academic year" in main_text(page.text)
    assert 'href="/providers/schools"' in page.text


def test_the_upload_page_offers_the_providers_cohorts_and_partners(signed_in, session, settings):
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    builders.delivery_partner(session, rival, name="Rival Partner")
    session.commit()
    page = signed_in.get(UPLOAD + "?cohort=2024").text
    assert h1_of(page) == "Confirm your schools"
    assert re.search(r'<label class="govuk-label[^"]*" for="cohort">\s*Cohort\s*</label>', page)
    assert re.search(
        r'<label class="govuk-label[^"]*" for="delivery_partner">\s*Delivery partner\s*</label>', page
    )
    assert re.search(r'<label class="govuk-label[^"]*" for="csv_file">\s*Upload a CSV file\s*</label>', page)
    assert 'name="csv_file"' in page and 'enctype="multipart/form-data"' in page
    assert '<option value="2024" selected>2024 to 2025</option>' in page
    assert "Leeds Partnership (cohorts 2023, 2024, 2025)" in page and "Rival Partner" not in page


# --- every validation message -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "file", "messages"),
    [
        ({}, None, ["Select a cohort", "Select a delivery partner", "Select a CSV file"]),
        ({"cohort": "2019", "delivery_partner": "PARTNER"}, (b"100001", "s.csv"), ["Select a cohort you are contracted for"]),
        ({"cohort": "2025", "delivery_partner": "nonsense"}, (b"100001", "s.csv"), ["Select a delivery partner"]),
        ({"cohort": "2025", "delivery_partner": "OLD"}, (b"100001", "s.csv"),
         ["Select a delivery partner who works with you in the 2025 to 2026 academic year"]),
        ({"cohort": "2025", "delivery_partner": "PARTNER"}, (b"", "s.csv"), ["The selected file is empty"]),
        ({"cohort": "2025", "delivery_partner": "PARTNER"}, (b"100001", "s.xlsx"), ["The selected file must be a CSV"]),
        ({"cohort": "2025", "delivery_partner": "PARTNER"}, (b"1" * (2 * 1024 * 1024 + 1), "s.csv"),
         ["The selected file must be smaller than 2MB"]),
        ({"cohort": "2025", "delivery_partner": "PARTNER"}, (b"URN\n", "s.csv"), ["The selected file does not contain any URNs"]),
    ],
    ids=["nothing", "cohort", "partner", "partner-cohort", "empty", "not-csv", "too-big", "no-urns"],
)  # fmt: skip
def test_every_upload_message(signed_in, session, provider, data, file, messages):
    old = builders.delivery_partner(session, provider, years=(2024,), name="Old Partner")
    session.commit()
    swap = {"PARTNER": partner_id(session), "OLD": str(old.id)}
    response = upload(signed_in, {k: swap.get(v, v) for k, v in data.items()}, file=file)
    assert response.status_code == 200
    assert error_summary(response.text) == messages
    assert inline_errors(response.text) == messages
    assert title_of(response.text).startswith("Error: Confirm your schools")
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0


# --- CSRF on every form ------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(signed_in, session):
    builders.school(session, urn="400001")
    session.commit()
    refused = upload(signed_in, {"cohort": "2025", "delivery_partner": partner_id(session)},
                     file=(b"400001", "s.csv"), token="forged")  # fmt: skip
    assert refused.status_code == 400 and h1_of(refused.text) == "Sorry, this form has expired"
    check_path = upload_ok(signed_in, session, "400001")
    page = signed_in.get(check_path).text
    shown = re.search(r'name="shown"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    refused = signed_in.post(check_path, data={"shown": shown}, follow_redirects=False)
    assert refused.status_code == 400
    refused = signed_in.post(
        check_path, data={"shown": shown, "csrf_token": "forged"}, follow_redirects=False
    )
    assert refused.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0


# --- the journey ---------------------------------------------------------------------------------


def test_upload_check_confirm_done(signed_in, session, provider):
    tutor_school = builders.school(session, urn="400010", name="Birch Primary", la_name="Leeds")
    builders.school(session, urn="400011", name="Cedar Academy", induction_tutor=None,
                    primary_contact_email="office@cedar.example.sch.uk")  # fmt: skip
    builders.school(session, urn="400012", name="Independent", school_type_code=10)
    session.commit()
    check_path = upload_ok(signed_in, session, "URN\n400010\n400011\n400012\n123\n400010\n")
    assert re.fullmatch(r"/providers/partnerships/uploads/[0-9a-f-]{36}", check_path)

    page = signed_in.get(check_path)
    assert h1_of(page.text) == "Check the schools in your file"
    text = main_text(page.text)
    assert "Your file has 5 rows of URNs. 2 schools can be confirmed. 3 rows have problems." in text
    assert "4 400012 Independent This school cannot have funded training from a lead provider" in text
    assert "5 123 We cannot find a school with this URN" in text
    assert "6 400010 Birch Primary This school is already in the file, on row 2" in text
    assert "Birch Primary 400010 Leeds" in text and "Cedar Academy 400011 Not known" in text
    assert re.search(r">\s*Confirm partnerships\s*<", page.text)

    confirmed = submit(signed_in, check_path, {"shown": _hidden(page.text, "shown")}, page=page.text)
    assert (confirmed.status_code, confirmed.headers["location"]) == (302, check_path + "/done")
    done = signed_in.get(check_path + "/done")
    assert "Partnerships confirmed" in h1_of(done.text)
    assert "2 schools confirmed with Leeds Partnership for the 2025 to 2026 academic year" in main_text(
        done.text
    )

    assert {p.school.urn for p in session.scalars(sa.select(Partnership))} == {"400010", "400011"}
    (tutor_email,) = outbox(session, to=tutor_school.induction_tutor.email)
    assert tutor_email.template == "partnership_confirmed_tutor"
    (office,) = outbox(session, to="office@cedar.example.sch.uk")
    assert office.template == "partnership_confirmed_school" and "/nominations/start?token=" in office.body

    # Pressing the button again (or the back button) confirms nothing twice.
    again = submit(signed_in, check_path, {"shown": "anything"}, page=page.text)
    assert again.headers["location"] == check_path + "/done"
    assert signed_in.get(check_path, follow_redirects=False).headers["location"] == check_path + "/done"
    sent = (
        sa.select(sa.func.count()).select_from(OutboxEmail).where(OutboxEmail.template.like("partnership_%"))
    )
    assert session.scalar(sent) == 2


def test_a_file_with_no_school_to_confirm_has_no_button(signed_in, session):
    page = signed_in.get(upload_ok(signed_in, session, "999999"))
    assert "There are no schools in the file that you can confirm." in main_text(page.text)
    assert "Confirm partnerships" not in page.text


def test_a_school_that_changed_after_the_check_is_not_confirmed_unseen(signed_in, session, settings):
    school = builders.school(session, urn="400020")
    session.commit()
    check_path = upload_ok(signed_in, session, "400020")
    page = signed_in.get(check_path).text
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    builders.partnership(session, school, rival, builders.delivery_partner(session, rival), 2025)
    session.commit()
    response = submit(signed_in, check_path, {"shown": _hidden(page, "shown")}, page=page)
    assert response.headers["location"] == check_path
    again = signed_in.get(check_path).text
    assert "Some schools changed since you checked the file" in main_text(again)
    assert "Another lead provider has confirmed this school for this cohort" in main_text(again)
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership).where(
        Partnership.lead_provider_id != rival.id)) == 0  # fmt: skip


def test_another_providers_upload_is_not_found(signed_in, client, session, settings, app):
    check_path = upload_ok(signed_in, session, "999999")
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    session.commit()
    with app.test_client() as other:
        make_rival_user(session, rival)
        sign_in(other, session, "sam@rival.example.com")
        assert other.get(check_path).status_code == 404
        assert (
            other.post(check_path, data={"csrf_token": csrf_token(other.get("/providers").text)}).status_code
            == 404
        )
        assert other.get(check_path + "/done").status_code == 404
    assert signed_in.get("/providers/partnerships/uploads/not-an-id").status_code == 404


def make_rival_user(session, rival: LeadProvider) -> None:
    from domain.accounts import add_lead_provider_user
    from integrations.email import OutboxSender
    from web.auth.links import PageLinks

    add_lead_provider_user(session, rival, "Sam Rival", "sam@rival.example.com", sender=OutboxSender(session),
                           links=PageLinks("http://testserver", "help@example.test"))  # fmt: skip
    session.execute(sa.delete(OutboxEmail))
    session.commit()


# --- your schools ----------------------------------------------------------------------------------


def test_your_schools_lists_only_the_providers_schools_by_cohort(signed_in, session, settings, provider):
    from storage.models import DeliveryPartner

    partner = session.scalars(
        sa.select(DeliveryPartner).where(DeliveryPartner.name == "Leeds Partnership")
    ).one()
    rival, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    rival_partner = builders.delivery_partner(session, rival, name="Rival Partner")
    ash = builders.school(session, urn="500001", name="Ash School")
    builders.partnership(session, ash, provider, partner, 2025, challenge_deadline=builders.at(2025, 10, 31))
    elm = builders.school(session, urn="500002", name="Elm School")
    builders.partnership(session, elm, provider, partner, 2025, challenged_at=builders.at(2025, 10, 2),
                         challenge_reason=ChallengeReason.NOT_CONFIRMED)  # fmt: skip
    builders.partnership(session, builders.school(session, urn="500003", name="Rival School"), rival,
                         rival_partner, 2025)  # fmt: skip
    builders.partnership(
        session, builders.school(session, urn="500004", name="Old School"), provider, partner, 2024
    )
    session.commit()

    page = signed_in.get("/providers/schools?cohort=2025")
    text = main_text(page.text)
    assert "2 schools in the 2025 to 2026 academic year" in text
    assert (
        "Ash School 500001 Leeds Partnership Confirmed The school can challenge until 31 October 2025" in text
    )
    assert "Elm School 500002 Leeds Partnership Challenged The school has not confirmed an agreement" in text
    assert "Rival School" not in text and "Old School" not in text
    assert "Old School" in main_text(signed_in.get("/providers/schools?cohort=2024").text)
    assert "Ash School" in main_text(signed_in.get("/providers/schools").text)  # the newest cohort
    found = main_text(signed_in.get("/providers/schools?cohort=2025&q=elm").text)
    assert "1 school matching “elm”" in found and "Ash School" not in found
    assert "Elm School" in main_text(signed_in.get("/providers/schools?cohort=2025&q=500002").text)
    assert "Ash School" in main_text(signed_in.get("/providers/schools?cohort=2025&q=leeds").text)
    assert (
        signed_in.get("/providers/schools?cohort=1999", follow_redirects=False).headers["location"]
        == "/providers/schools?cohort=2025"
    )


def test_your_schools_pages_through_thousands_in_two_queries(signed_in, session, provider):
    from storage.models import DeliveryPartner, School

    partner = session.scalars(
        sa.select(DeliveryPartner).where(DeliveryPartner.name == "Leeds Partnership")
    ).one()
    cohort = builders.cohort(session, 2025)
    schools = [School(urn=str(600000 + n), name=f"School {n:04d}", school_status_code=1) for n in range(1200)]
    session.add_all(schools)
    session.flush()
    session.add_all(
        Partnership(
            school_id=s.id, lead_provider_id=provider.id, delivery_partner_id=partner.id, cohort_id=cohort.id
        )
        for s in schools
    )
    session.commit()

    from domain.provider_schools import provider_schools

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        listing = provider_schools(session, provider.id, cohort, page=3)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2
    assert listing.total == 1200 and listing.pages == 24 and listing.rows[0].name == "School 0100"
    page = signed_in.get("/providers/schools?cohort=2025&page=24")
    assert "School 1199" in main_text(page.text) and "govuk-pagination" in page.text


# --- the API sees the school's teachers ---------------------------------------------------------------


def test_after_confirming_the_schools_ects_reach_the_providers_api(signed_in, session, settings, client):
    provider = session.scalars(sa.select(LeadProvider).where(LeadProvider.name == "Ambition Institute")).one()
    from domain.tokens import issue

    _, token = issue(session, provider, settings.secret_key)
    school = builders.school(session, urn="700001", name="Waiting School")
    school_cohort = builders.school_cohort(session, school, 2025)
    programme = InductionProgramme(school_cohort_id=school_cohort.id,
                                   training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME)  # fmt: skip
    session.add(programme)
    session.flush()
    school_cohort.default_induction_programme_id = programme.id
    ect = builders.participant(session, programme)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def visible() -> list[str]:
        response = client.get("/api/v3/participants/ecf", headers=headers)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert visible() == []
    check_path = upload_ok(signed_in, session, "700001")
    page = signed_in.get(check_path).text
    submit(signed_in, check_path, {"shown": _hidden(page, "shown")}, page=page)
    session.expire_all()
    assert session.scalars(sa.select(SchoolCohort)).one().default_induction_programme_id == programme.id
    assert visible() == [str(ect.teacher_id)]


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert found, f"no hidden {name}"
    return found.group(1)
