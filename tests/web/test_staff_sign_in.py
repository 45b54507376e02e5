"""DfE staff sign in with the emailed link and then a code from an authenticator app: the
enrolment the first time, wrong, reused and too many codes, the pending step expiring, and
each role's pages closed to the others. Plus ``cpd staff create`` and the staff list."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cpd.cli import main
from domain import accounts, clock, staff
from storage.enums import StaffRole
from storage.models import StaffSecondFactor
from tests.web.service_pages import error_summary, h1_of, link_in, outbox, submit, title_of
from tests.web.staff_pages import APPS, app_code, make_staff, sign_in_staff

EMAIL = "alex.admin@education.gov.uk"


def test_first_sign_in_enrols_the_app_then_lands_on_the_role_home(client, session):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    done = sign_in_staff(client, session, EMAIL)
    assert (done.status_code, done.headers["location"]) == (302, "/admin/")
    assert h1_of(client.get("/admin/").text) == "Admin"
    assert staff.is_enrolled(session, accounts.find_user(session, EMAIL))


def test_the_enrolment_page_shows_a_qr_code_and_the_key_and_no_session_exists_yet(client, session):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    assert submit(client, "/sign-in", {"email": EMAIL}).status_code == 302
    confirm = client.get(link_in(outbox(session, to=EMAIL)[0]))
    token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
    step = submit(client, "/sign-in/confirm", {"token": token}, page=confirm.text)
    assert step.headers["location"] == "/sign-in/authenticator"
    page = client.get("/sign-in/authenticator").text
    assert title_of(page).startswith("Set up your authenticator app")
    assert "<svg" in page and 'class="app-secret-key"' in page
    # Not signed in until the code is given: the admin pages send the browser to sign in.
    admin = client.get("/admin/", follow_redirects=False)
    assert admin.status_code == 302, admin.text
    assert admin.headers["location"].startswith("/sign-in")


def test_a_second_sign_in_asks_for_the_code_without_showing_the_key(client, session, app):
    make_staff(session, EMAIL, StaffRole.FINANCE)
    sign_in_staff(client, session, EMAIL)
    with app.test_client() as other:
        assert submit(other, "/sign-in", {"email": EMAIL}).status_code == 302
        confirm = other.get(link_in(outbox(session, to=EMAIL)[0]))
        token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
        submit(other, "/sign-in/confirm", {"token": token}, page=confirm.text)
        page = other.get("/sign-in/authenticator").text
        assert h1_of(page) == "Enter the code from your authenticator app"
        assert "app-secret-key" not in page
        done = submit(other, "/sign-in/authenticator", {"code": app_code(session, EMAIL)}, page=page)
        assert done.headers["location"] == "/finance/"


def _at_code_page(client, session, email: str) -> str:
    assert submit(client, "/sign-in", {"email": email}).status_code == 302
    confirm = client.get(link_in(outbox(session, to=email)[0]))
    token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
    submit(client, "/sign-in/confirm", {"token": token}, page=confirm.text)
    page = client.get("/sign-in/authenticator").text
    APPS[email] = page.split('class="app-secret-key">')[1].split("<")[0]
    return page


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "Enter the code as 6 digits, like 123456"),
        ("abcdef", "Enter the code as 6 digits, like 123456"),
    ],
)
def test_malformed_codes_are_refused_with_a_message(client, session, code, message):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    page = _at_code_page(client, session, EMAIL)
    response = submit(client, "/sign-in/authenticator", {"code": code}, page=page)
    assert response.status_code == 200
    assert error_summary(response.text) == [message]


def test_a_wrong_code_is_refused_and_five_send_the_person_back_to_the_start(client, session):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    page = _at_code_page(client, session, EMAIL)
    right = pyotp.TOTP(APPS[EMAIL]).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(staff.MAX_FAILED_CODES - 1):
        response = submit(client, "/sign-in/authenticator", {"code": wrong}, page=page)
        assert error_summary(response.text) == [
            "The code is not right. Enter the 6-digit code your authenticator app shows now"
        ]
    last = submit(client, "/sign-in/authenticator", {"code": wrong}, page=page)
    assert (last.status_code, h1_of(last.text)) == (403, "Sign in again")
    assert "wrong code too many times" in last.text
    # The pending step is gone: even the right code no longer signs in from this browser.
    again = client.get("/sign-in/authenticator")
    assert again.status_code == 403


def test_a_code_is_accepted_only_once(client, session, app):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    sign_in_staff(client, session, EMAIL)
    used = pyotp.TOTP(APPS[EMAIL])
    factor_step = session.scalars(sa.select(StaffSecondFactor.last_used_step)).one()
    with app.test_client() as other:
        assert submit(other, "/sign-in", {"email": EMAIL}).status_code == 302
        confirm = other.get(link_in(outbox(session, to=EMAIL)[0]))
        token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
        submit(other, "/sign-in/confirm", {"token": token}, page=confirm.text)
        page = other.get("/sign-in/authenticator").text
        replay = submit(other, "/sign-in/authenticator", {"code": used.generate_otp(factor_step)}, page=page)
        assert error_summary(replay.text) == [
            "That code has already been used. Wait for your app to show a new one"
        ]


def test_the_code_step_expires_after_ten_minutes(client, session):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    page = _at_code_page(client, session, EMAIL)
    later = (clock.now() + dt.timedelta(minutes=11)).isoformat()
    late = submit(
        client,
        "/sign-in/authenticator",
        {"code": app_code(session, EMAIL)},
        page=page,
        headers={"X-With-Server-Date": later},
    )
    assert (late.status_code, h1_of(late.text)) == (403, "Sign in again")


@pytest.mark.parametrize(
    ("roles", "allowed", "refused"),
    [
        ((StaffRole.ADMIN,), ["/admin/"], ["/finance/", "/admin/staff/"]),
        ((StaffRole.FINANCE,), ["/finance/"], ["/admin/", "/admin/staff/"]),
        ((StaffRole.SUPER_USER,), ["/admin/staff/"], ["/admin/", "/finance/"]),
        ((StaffRole.ADMIN, StaffRole.FINANCE), ["/admin/", "/finance/"], ["/admin/staff/"]),
    ],
)
def test_each_role_opens_its_own_pages_only(client, session, roles, allowed, refused):
    make_staff(session, EMAIL, *roles)
    sign_in_staff(client, session, EMAIL)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in refused:
        assert client.get(path).status_code == 403, path


def test_school_and_provider_users_cannot_open_staff_pages(client, session):
    from tests.web.service_pages import make_tutor, sign_in

    make_tutor(session)
    sign_in(client, session, "jo.bloggs@ash-tree.example.com")
    for path in ["/admin/", "/finance/", "/admin/staff/"]:
        assert client.get(path).status_code == 403, path


def test_staff_roles_need_the_second_factor(session):
    user = make_staff(session, EMAIL, StaffRole.ADMIN, StaffRole.FINANCE)
    assert accounts.roles_of(session, user) == [accounts.Role.ADMIN, accounts.Role.FINANCE]
    assert accounts.roles_of(session, user, staff=False) == []


def test_the_staff_list_shows_everyone_with_a_role(client, session):
    make_staff(session, "root@education.gov.uk", StaffRole.SUPER_USER, name="Root User")
    make_staff(session, EMAIL, StaffRole.ADMIN, StaffRole.FINANCE, name="Alex Admin")
    sign_in_staff(client, session, "root@education.gov.uk")
    page = client.get("/admin/staff/").text
    assert "Alex Admin" in page and "admin, finance" in page
    assert "Root User" in page and "super user" in page


def test_cpd_staff_create_grants_roles_and_refuses_bad_input(settings, session):
    runner = CliRunner()
    env = {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "CPD_ENVIRONMENT": "test",
    }
    made = runner.invoke(
        main,
        ["staff", "create", "Fin@Education.gov.uk", "--name", "Fin Person", "--role", "finance"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert "Fin Person <fin@education.gov.uk> holds: finance." in made.output
    more = runner.invoke(
        main, ["staff", "create", "fin@education.gov.uk", "--name", "Fin Person", "--role", "admin"], env=env
    )
    assert "holds: admin, finance." in more.output
    bad = runner.invoke(main, ["staff", "create", "not-an-email", "--name", "X", "--role", "admin"], env=env)
    assert bad.exit_code != 0
    assert "Enter an email address in the correct format" in bad.output
    unknown_role = runner.invoke(
        main, ["staff", "create", "a@b.example", "--name", "X", "--role", "root"], env=env
    )
    assert unknown_role.exit_code != 0


def test_cpd_staff_reset_authenticator_makes_the_next_sign_in_enrol_again(client, session, settings):
    make_staff(session, EMAIL, StaffRole.ADMIN)
    sign_in_staff(client, session, EMAIL)
    env = {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "CPD_ENVIRONMENT": "test",
    }
    result = CliRunner().invoke(main, ["staff", "reset-authenticator", EMAIL], env=env)
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert not staff.is_enrolled(session, accounts.find_user(session, EMAIL))
