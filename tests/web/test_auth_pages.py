"""Signing in by emailed link, sessions, CSRF and the cookie, naming an induction tutor and
requesting access: the pages as a browser without JavaScript uses them (the real app)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from domain import accounts
from domain.tokens import issue
from storage.models import LeadProvider, NominationToken, School, SignInToken, UserSession
from tests import builders
from tests.web.service_pages import (
    csrf_token,
    error_summary,
    h1_of,
    inline_errors,
    link_in,
    main_text,
    make_provider_user,
    make_tutor,
    outbox,
    sign_in,
    submit,
    title_of,
)

SERVER_DATE = "X-With-Server-Date"


def later(**delta: float) -> dict[str, str]:
    """Headers that run a request as if it were that long from now (the sandbox clock)."""
    instant = dt.datetime.now(dt.UTC) + dt.timedelta(**delta)
    return {SERVER_DATE: instant.isoformat().replace("+00:00", "Z")}


# --- asking for a link -----------------------------------------------------------------


def test_the_start_page_offers_sign_in_and_request_access(client):
    page = client.get("/")
    assert page.status_code == 200
    assert h1_of(page.text) == "Manage training for early career teachers"
    assert 'href="/sign-in"' in page.text and 'href="/request-access"' in page.text
    assert title_of(page.text) == "Manage training for early career teachers – Manage teacher CPD – GOV.UK"


def test_known_and_unknown_addresses_see_the_same_page_and_get_different_emails(client, session):
    make_tutor(session)
    pages = {}
    for address in ("Jo.Bloggs@ash-tree.example.com", "someone.else@example.com"):
        response = submit(client, "/sign-in", {"email": f"  {address} "})
        assert (response.status_code, response.headers["location"]) == (302, "/sign-in/check-email")
        pages[address] = main_text(client.get("/sign-in/check-email").text).replace(address, "ADDRESS")
    assert len(set(pages.values())) == 1
    assert "We have sent an email to ADDRESS" in pages["someone.else@example.com"]
    (known,) = outbox(session, to="jo.bloggs@ash-tree.example.com")
    (unknown,) = outbox(session, to="someone.else@example.com")
    assert known.template == "sign_in" and link_in(known).startswith("/sign-in/confirm?token=")
    assert "http://testserver/sign-in/confirm?token=" in known.body
    assert unknown.template == "access_info" and "http://testserver/request-access" in unknown.body


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("jo at school", "Enter an email address in the correct format, like name@example.com"),
    ],
    ids=["empty", "malformed"],
)
def test_the_email_address_is_checked(client, session, email, message):
    response = submit(client, "/sign-in", {"email": email})
    assert response.status_code == 200
    assert error_summary(response.text) == [message]
    assert inline_errors(response.text) == [message]
    assert title_of(response.text).startswith("Error: Sign in")
    assert 'href="#email"' in response.text
    assert outbox(session) == []


def test_too_many_requests_for_one_address_are_refused_for_an_hour(client, session):
    for _ in range(accounts.LINK_REQUESTS_PER_EMAIL):
        assert submit(client, "/sign-in", {"email": "busy@example.com"}).status_code == 302
    refused = submit(client, "/sign-in", {"email": "busy@example.com"})
    assert refused.status_code == 429
    assert h1_of(refused.text) == "You have asked for too many sign-in links"
    assert "try again in 60 minutes" in main_text(refused.text)
    assert len(outbox(session, to="busy@example.com")) == accounts.LINK_REQUESTS_PER_EMAIL
    assert (
        submit(client, "/sign-in", {"email": "busy@example.com"}, headers=later(minutes=61)).status_code
        == 302
    )


# --- using the link --------------------------------------------------------------------


def test_the_link_shows_a_button_signs_in_once_and_lands_on_the_school(client, session):
    user, school = make_tutor(session)
    submit(client, "/sign-in", {"email": user.email})
    path = link_in(outbox(session, to=user.email)[0])

    confirm = client.get(path)
    assert confirm.status_code == 200 and h1_of(confirm.text) == "Sign in to Manage teacher CPD"
    assert client.get(path).status_code == 200  # opening it (a mail scanner, say) does not use it up
    assert confirm.headers["Referrer-Policy"] == "same-origin"

    signed_in = submit(client, "/sign-in/confirm", {"token": path.split("token=")[1]}, page=confirm.text)
    assert (signed_in.status_code, signed_in.headers["location"]) == (302, "/schools")
    dashboard = client.get("/schools")
    assert h1_of(dashboard.text) == "Ash Tree Primary School"
    assert "Sign out" in dashboard.text and school.urn in dashboard.text
    assert dashboard.headers["Cache-Control"] == "no-store"

    used = client.get(path)
    assert used.status_code == 410
    assert h1_of(used.text) == "This sign-in link has already been used"
    assert 'href="/sign-in"' in used.text


def test_an_expired_or_unknown_link_gets_a_clear_page_with_a_way_to_a_new_one(client, session):
    user, _ = make_tutor(session)
    submit(client, "/sign-in", {"email": user.email})
    path = link_in(outbox(session, to=user.email)[0])
    expired = client.get(path, headers=later(hours=24, minutes=1))
    assert expired.status_code == 410 and h1_of(expired.text) == "Your sign-in link has expired"
    assert "Get a new link" in expired.text
    pressed = submit(client, "/sign-in/confirm", {"token": path.split("token=")[1]}, page=client.get(path).text,
                     headers=later(hours=25))  # fmt: skip
    assert pressed.status_code == 410
    unknown = client.get("/sign-in/confirm?token=made-up")
    assert unknown.status_code == 404 and h1_of(unknown.text) == "This sign-in link is not valid"
    assert client.get("/schools", follow_redirects=False).status_code == 302  # still not signed in


def test_signing_out_ends_the_session_on_the_server_too(client, session):
    user, _ = make_tutor(session)
    sign_in(client, session, user.email)
    cookie = client.cookies.get("cpd_session")
    page = client.get("/schools").text
    signed_out = client.post("/sign-out", data={"csrf_token": csrf_token(page)}, follow_redirects=False)
    assert (signed_out.status_code, signed_out.headers["location"]) == (302, "/signed-out")
    assert h1_of(client.get("/signed-out").text) == "You have signed out"
    assert client.get("/schools", follow_redirects=False).headers["location"] == "/sign-in"
    client.cookies.set("cpd_session", cookie)  # a copy of the old cookie is worth nothing now
    assert client.get("/schools", follow_redirects=False).status_code == 302
    session.expire_all()
    assert session.scalars(sa.select(UserSession.ended_at)).one() is not None


def test_an_idle_hour_signs_you_out(client, session):
    user, _ = make_tutor(session)
    sign_in(client, session, user.email)
    assert client.get("/schools", headers=later(minutes=59), follow_redirects=True).status_code == 200
    idle = client.get("/schools", headers=later(minutes=59 + 61), follow_redirects=False)
    assert idle.headers["location"] == "/sign-in?timed_out=1"
    assert "had not done anything for an hour" in client.get(idle.headers["location"]).text


def test_pages_send_you_to_sign_in_and_back_and_refuse_other_roles(client, session):
    user, school = make_tutor(session)
    provider_user, provider = make_provider_user(session)
    slug_path = f"/schools/{school.urn}-ash-tree-primary-school"
    assert client.get(slug_path, follow_redirects=False).headers["location"] == "/sign-in"
    landed = sign_in(client, session, user.email)
    assert landed.headers["location"] == slug_path
    assert client.get(f"/schools/{school.urn}", follow_redirects=False).headers["location"] == slug_path
    other = builders.school(session)
    session.commit()
    assert client.get(f"/schools/{other.urn}").status_code == 404

    client.cookies.clear()
    assert sign_in(client, session, provider_user.email).headers["location"] == "/providers"
    assert h1_of(client.get("/providers").text) == provider.name
    refused = client.get("/schools")
    assert refused.status_code == 403 and h1_of(refused.text) == "You cannot see this page"


def test_someone_with_two_roles_chooses_one(client, session):
    user, _ = make_tutor(session, email="both@example.com")
    make_provider_user(session, email="both@example.com", name="Jo Bloggs")
    assert sign_in(client, session, user.email).headers["location"] == "/choose-role"
    page = client.get("/choose-role")
    assert error_summary(submit(client, "/choose-role", {}, page=page.text).text) == [
        "Select what you want to do"
    ]
    chosen = submit(client, "/choose-role", {"role": "lead_provider"}, page=page.text)
    assert chosen.headers["location"] == "/providers"
    navigation = client.get("/providers").text
    assert 'href="/schools"' in navigation and 'href="/providers"' in navigation


def test_a_tutor_replaced_at_their_only_school_loses_their_pages_at_once(client, session):
    user, school = make_tutor(session)
    sign_in(client, session, user.email)
    make_tutor(
        session, name="New Tutor", email="new@ash-tree.example.com", school=session.get(School, school.id)
    )
    assert client.get("/schools").status_code == 403
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/no-access"


# --- CSRF and the cookie ---------------------------------------------------------------


def test_a_form_sent_without_its_csrf_token_is_refused_with_a_page(client, session):
    client.get("/sign-in")
    for data in ({"email": "jo@example.com"}, {"email": "jo@example.com", "csrf_token": "forged"}):
        refused = client.post("/sign-in", data=data)
        assert refused.status_code == 400
        assert h1_of(refused.text) == "Sorry, this form has expired"
    assert client.post("/sign-out").status_code == 400
    assert outbox(session) == []


def test_the_api_needs_no_csrf_token(client, session, settings):
    provider = LeadProvider(name="API Provider")
    session.add(provider)
    session.flush()
    _, token = issue(session, provider, settings.secret_key)
    session.commit()
    response = client.post(
        "/api/v3/participant-declarations", json={"data": {}}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (400, 422)
    assert "json" in response.headers["content-type"]
    assert response.json()["errors"]


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(app, settings):
    with app.test_client() as plain:
        cookie = plain.get("/sign-in").headers["set-cookie"]
    assert "cpd_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie and "Expires" not in cookie  # ends with the browser session
    with app.test_client(base_url="https://testserver") as secure:
        assert "Secure" in secure.get("/sign-in").headers["set-cookie"]

    from cpd.app import create_app

    production = replace(settings, environment="production")
    with create_app(production).test_client() as client:
        page = client.get("/sign-in")
        assert "Secure" in page.headers["set-cookie"]
        assert client.get("/dev/outbox").status_code == 404  # no outbox in production


# --- naming the induction tutor --------------------------------------------------------


def nomination_link(client, session, school: School) -> str:
    """Request access for the school on the pages; the link from the email it is sent."""
    page = client.get("/request-access")
    assert submit(client, "/request-access", {"urn": school.urn}, page=page.text).headers["location"] == (
        "/request-access/confirm"
    )
    confirm = client.get("/request-access/confirm")
    assert "o*****@oak.example.sch.uk" in main_text(confirm.text)
    sent = submit(client, "/request-access/confirm", page=confirm.text)
    assert sent.headers["location"] == "/request-access/sent"
    assert "o*****@oak.example.sch.uk" in main_text(client.get("/request-access/sent").text)
    return link_in(outbox(session, to="office@oak.example.sch.uk")[0])


@pytest.fixture
def oak(session) -> School:
    school = builders.school(
        session, induction_tutor=None, name="Oak Primary", primary_contact_email="office@oak.example.sch.uk"
    )
    session.commit()
    return school


def test_a_school_names_its_induction_tutor_who_then_signs_in(client, session, oak):
    make_tutor(
        session, name="Pat Elsewhere", email="pat@elsewhere.example.com", school=builders.school(session)
    )
    start = client.get(nomination_link(client, session, oak), follow_redirects=False)
    assert start.headers["location"] == "/nominations/full-name"

    name_page = client.get("/nominations/full-name")
    assert h1_of(name_page.text) == "What is the induction tutor’s full name?"
    empty = submit(client, "/nominations/full-name", {"full_name": " "}, page=name_page.text)
    assert error_summary(empty.text) == inline_errors(empty.text) == ["Enter the induction tutor’s full name"]
    assert (
        submit(client, "/nominations/full-name", {"full_name": "Ada Lovelace"}, page=name_page.text).headers[
            "location"
        ]
        == "/nominations/email"
    )

    email_page = client.get("/nominations/email")
    assert h1_of(email_page.text) == "What is Ada Lovelace’s email address?"
    for email, message in [
        ("", "Enter the induction tutor’s email address"),
        ("ada@", "Enter an email address in the correct format, like name@example.com"),
        ("PAT@elsewhere.example.com", "This email address belongs to someone with a different name. Check the name and email address"),
    ]:  # fmt: skip
        refused = submit(client, "/nominations/email", {"email": email}, page=email_page.text)
        assert error_summary(refused.text) == inline_errors(refused.text) == [message]
        assert title_of(refused.text).startswith("Error: ")
    assert (
        submit(
            client, "/nominations/email", {"email": "Ada@Oak.example.sch.uk"}, page=email_page.text
        ).headers["location"]
        == "/nominations/check-answers"
    )

    check = client.get("/nominations/check-answers")
    assert "Ada Lovelace" in main_text(check.text) and "Ada@Oak.example.sch.uk" in main_text(check.text)
    done = submit(client, "/nominations/check-answers", page=check.text)
    assert done.headers["location"] == "/nominations/done"
    assert "Ada Lovelace is now the induction tutor for Oak Primary" in main_text(
        client.get("/nominations/done").text
    )

    invitation = outbox(session, to="ada@oak.example.sch.uk")[0]
    assert invitation.template == "tutor_nominated"
    client.cookies.clear()
    confirm = client.get(link_in(invitation))
    signed_in = submit(
        client, "/sign-in/confirm", {"token": link_in(invitation).split("token=")[1]}, page=confirm.text
    )
    assert client.get(signed_in.headers["location"], follow_redirects=True).text.count("Oak Primary") >= 1

    again = client.get(nomination_link_used := link_in(outbox(session, to="office@oak.example.sch.uk")[0]))
    assert again.status_code == 410 and h1_of(again.text) == "This nomination link has already been used"
    assert nomination_link_used.startswith("/nominations/start?token=")


def test_the_current_tutor_cannot_be_named_again(client, session, oak):
    make_tutor(session, name="Jo Bloggs", email="jo@oak.example.sch.uk", school=oak)
    client.get(nomination_link(client, session, oak))
    assert outbox(session, to="office@oak.example.sch.uk")[0].template == "tutor_change_requested"
    submit(client, "/nominations/full-name", {"full_name": "Jo Bloggs"})
    refused = submit(client, "/nominations/email", {"email": "JO@oak.example.sch.uk"})
    assert error_summary(refused.text) == ["Jo Bloggs is already the induction tutor for Oak Primary"]


def test_an_expired_nomination_link_gets_a_clear_page(client, session, oak):
    path = nomination_link(client, session, oak)
    expired = client.get(path, headers=later(days=21, minutes=1))
    assert expired.status_code == 410 and h1_of(expired.text) == "Your nomination link has expired"
    assert 'href="/request-access"' in expired.text
    assert client.get("/nominations/full-name").status_code == 404  # nothing under way


def test_request_access_checks_the_urn_and_the_school(client, session, oak):
    page = client.get("/request-access")
    for urn, message in [
        ("", "Enter your school’s URN"),
        ("12", "Enter a URN of 6 digits, like 123456"),
        ("999999", "We cannot find a school with this URN. Check it in Get information about schools"),
    ]:
        refused = submit(client, "/request-access", {"urn": urn}, page=page.text)
        assert error_summary(refused.text) == inline_errors(refused.text) == [message]
    closed = builders.school(session, school_status_code=2, primary_contact_email="office@closed.example.com")
    session.commit()
    submit(client, "/request-access", {"urn": closed.urn}, page=page.text)
    assert "cannot use this service" in h1_of(client.get("/request-access/confirm").text)

    nomination_link(client, session, oak)
    assert session.scalar(sa.select(sa.func.count()).select_from(NominationToken)) == 1
    submit(client, "/request-access", {"urn": oak.urn}, page=page.text)
    limited = submit(client, "/request-access/confirm")
    assert limited.status_code == 429 and "too many links for this school" in h1_of(limited.text)


# --- the outbox ------------------------------------------------------------------------


def test_the_outbox_shows_what_was_sent_with_working_links(client, session):
    make_tutor(session)
    submit(client, "/sign-in", {"email": "jo.bloggs@ash-tree.example.com"})
    page = client.get("/dev/outbox?to=jo.bloggs@ash-tree.example.com")
    assert page.status_code == 200
    assert "Your link to sign in to Manage teacher CPD" in page.text
    assert re.search(
        r'<a class="govuk-link" href="http://testserver/sign-in/confirm\?token=[^"]+">', page.text
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(SignInToken)) == 1
