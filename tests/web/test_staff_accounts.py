"""Staff accounts at /admin/staff, for super users: adding someone (emailed a sign-in link that
works), changing roles (never one's own super-user role), removing access and resetting a lost
authenticator app, each with every message and closed to everyone else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain import accounts, audit, staff
from storage.enums import StaffRole
from storage.models import StaffRoleGrant, User
from tests.web.service_pages import (
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
)
from tests.web.staff_pages import make_staff, sign_in_staff

ROOT = "root.user@education.gov.uk"
OTHER = "alex.admin@education.gov.uk"


@pytest.fixture
def people(session):
    root = make_staff(session, ROOT, StaffRole.SUPER_USER, name="Root User")
    other = make_staff(session, OTHER, StaffRole.ADMIN, name="Alex Admin")
    return root, other


@pytest.fixture
def super_user(client, session, people):
    sign_in_staff(client, session, ROOT)
    return client


def _pages(people) -> list[str]:
    _, other = people
    return [
        "/admin/staff/",
        "/admin/staff/new",
        f"/admin/staff/{other.id}",
        f"/admin/staff/{other.id}/roles",
        f"/admin/staff/{other.id}/remove",
        f"/admin/staff/{other.id}/reset-authenticator",
    ]


def _actions(people) -> list[tuple[str, dict[str, str]]]:
    _, other = people
    return [
        ("/admin/staff/new", {"full_name": "Eve", "email": "eve@education.gov.uk", "roles": "super_user"}),
        (f"/admin/staff/{other.id}/roles", {"roles": "finance"}),
        (f"/admin/staff/{other.id}/remove", {}),
        (f"/admin/staff/{other.id}/reset-authenticator", {}),
    ]


def _roles(session, email: str) -> list[StaffRole]:
    session.expire_all()
    user = accounts.find_user(session, email)
    return staff.staff_roles(session, user) if user else []


# --- who may use the pages -----------------------------------------------------------------------


def test_anyone_not_signed_in_is_sent_to_sign_in(client, session, people):
    for path in _pages(people):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"].startswith("/sign-in"), path
    for path, data in _actions(people):
        response = submit(client, path, data, page=client.get("/sign-in").text)
        assert (response.status_code, response.headers["location"]) == (302, "/sign-in"), path
    assert _roles(session, OTHER) == [StaffRole.ADMIN]


@pytest.mark.parametrize("who", ["tutor", "provider", "admin", "finance", "admin_and_finance"])
def test_everyone_but_a_super_user_gets_403(client, session, people, who):
    if who == "tutor":
        user, _ = make_tutor(session)
        sign_in(client, session, user.email)
    elif who == "provider":
        user, _ = make_provider_user(session)
        sign_in(client, session, user.email)
    else:
        roles = [StaffRole.ADMIN, StaffRole.FINANCE] if who == "admin_and_finance" else [StaffRole(who)]
        make_staff(session, "someone@education.gov.uk", *roles)
        sign_in_staff(client, session, "someone@education.gov.uk")
    for path in _pages(people):
        assert client.get(path).status_code == 403, path
    home = client.get("/sign-in").text
    for path, data in _actions(people):
        assert submit(client, path, data, page=home).status_code == 403, path
    assert _roles(session, OTHER) == [StaffRole.ADMIN]
    assert accounts.find_user(session, "eve@education.gov.uk") is None


def test_a_super_user_sees_every_page(super_user, people):
    for path in _pages(people):
        assert super_user.get(path).status_code == 200, path
    # A super user is not an admin or finance user by being a super user.
    assert super_user.get("/admin/").status_code == 403
    assert super_user.get("/finance/").status_code == 403


def test_someone_without_a_staff_role_has_no_staff_page(super_user, session):
    user, _ = make_tutor(session)
    for path in [f"/admin/staff/{user.id}", f"/admin/staff/{user.id}/roles", "/admin/staff/not-an-id"]:
        response = super_user.get(path)
        assert (response.status_code, h1_of(response.text)) == (404, "Page not found"), path


# --- adding someone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, ["Enter the person’s full name", "Enter their email address", "Select at least one role"]),
        (
            {"full_name": "Fin", "email": "not an email", "roles": "finance"},
            ["Enter an email address in the correct format, like name@example.com"],
        ),
        (
            {"full_name": "x" * 256, "email": "f@education.gov.uk", "roles": "finance"},
            ["Full name must be 255 characters or fewer"],
        ),
        (
            {"full_name": "Fin", "email": "f@education.gov.uk", "roles": "root"},
            ["Select only the roles listed"],
        ),
        (
            {"full_name": "Alex", "email": OTHER.upper(), "roles": "finance"},
            [f"{OTHER} already has a staff account: change their roles from the list of staff"],
        ),
    ],
)
def test_adding_someone_shows_every_problem_on_its_field(super_user, session, data, errors):
    emails = len(outbox(session))
    response = submit(super_user, "/admin/staff/new", data)
    assert response.status_code == 200
    assert error_summary(response.text) == errors
    assert inline_errors(response.text) == errors
    assert len(outbox(session)) == emails


def test_added_staff_are_emailed_a_link_that_signs_them_in(super_user, session, app, people):
    root, _ = people
    response = submit(
        super_user,
        "/admin/staff/new",
        {"full_name": " Fin  Person ", "email": "Fin.Person@Education.gov.uk", "roles": ["finance", "admin"]},
    )
    user = accounts.find_user(session, "fin.person@education.gov.uk")
    assert response.headers["location"] == f"/admin/staff/{user.id}"
    page = super_user.get(response.headers["location"]).text
    assert "Fin Person has been added. We have emailed fin.person@education.gov.uk a link to sign in." in page
    assert "admin, finance" in main_text(page) and "Not set up yet" in main_text(page)
    assert _roles(session, user.email) == [StaffRole.ADMIN, StaffRole.FINANCE]
    granted_by = session.scalars(
        sa.select(StaffRoleGrant.granted_by_id).where(StaffRoleGrant.user_id == user.id)
    )
    assert set(granted_by) == {root.id}

    [email] = outbox(session, to=user.email)
    assert email.subject == "Your DfE staff account for Manage teacher CPD"
    assert "with these roles: admin, finance." in email.body
    # The link is a working sign-in link: it leads to the authenticator step.
    with app.test_client() as newcomer:
        confirm = newcomer.get(link_in(email))
        assert h1_of(confirm.text) == "Sign in to Manage teacher CPD"
        token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
        step = submit(newcomer, "/sign-in/confirm", {"token": token}, page=confirm.text)
        assert step.headers["location"] == "/sign-in/authenticator"


def test_someone_with_another_account_is_given_staff_roles(super_user, session):
    tutor, _ = make_tutor(session)
    response = submit(super_user, "/admin/staff/new",
                      {"full_name": tutor.full_name, "email": tutor.email, "roles": "admin"})  # fmt: skip
    assert response.status_code == 302
    assert _roles(session, tutor.email) == [StaffRole.ADMIN]
    assert session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == tutor.email)) == 1


# --- changing roles, removing access ----------------------------------------------------------


def test_changing_someones_roles(super_user, session, people):
    _, other = people
    path = f"/admin/staff/{other.id}/roles"
    page = super_user.get(path).text
    assert h1_of(page) == "Change Alex Admin’s roles"
    assert 'value="admin" checked' in page
    empty = submit(super_user, path, {}, page=page)
    assert error_summary(empty.text) == ["Select at least one role"]
    assert _roles(session, OTHER) == [StaffRole.ADMIN]

    done = submit(super_user, path, {"roles": ["finance", "super_user"]}, page=page)
    assert done.headers["location"] == f"/admin/staff/{other.id}"
    assert "Alex Admin’s roles are now: finance, super user." in super_user.get(done.headers["location"]).text
    assert _roles(session, OTHER) == [StaffRole.FINANCE, StaffRole.SUPER_USER]
    events = audit.history_of(session, StaffRoleGrant, _grant_id(session, other, StaffRole.FINANCE))
    assert [(e.action, e.actor_label) for e in events] == [("created", ROOT)]


def _grant_id(session, user, role):
    return session.scalar(
        sa.select(StaffRoleGrant.id).where(StaffRoleGrant.user_id == user.id, StaffRoleGrant.role == role)
    )


def test_nobody_removes_their_own_super_user_role(super_user, session, people):
    root, _ = people
    response = submit(super_user, f"/admin/staff/{root.id}/roles", {"roles": "admin"})
    assert error_summary(response.text) == ["You cannot remove your own super user role"]
    assert inline_errors(response.text) == ["You cannot remove your own super user role"]
    assert _roles(session, ROOT) == [StaffRole.SUPER_USER]
    # Nor all their roles at once; their page offers no "Remove staff access".
    assert "Remove staff access" not in super_user.get(f"/admin/staff/{root.id}").text
    refused = submit(super_user, f"/admin/staff/{root.id}/remove", {})
    assert error_summary(refused.text) == ["You cannot remove your own super user role"]
    assert _roles(session, ROOT) == [StaffRole.SUPER_USER]
    # Adding a role to themselves is fine.
    assert (
        submit(super_user, f"/admin/staff/{root.id}/roles", {"roles": ["finance", "super_user"]}).status_code
        == 302
    )
    assert _roles(session, ROOT) == [StaffRole.FINANCE, StaffRole.SUPER_USER]


def test_removing_someones_staff_access_closes_their_pages_at_once(super_user, session, app, people):
    _, other = people
    with app.test_client() as theirs:
        sign_in_staff(theirs, session, OTHER)
        assert theirs.get("/admin/").status_code == 200
        page = super_user.get(f"/admin/staff/{other.id}/remove").text
        assert h1_of(page) == "Remove Alex Admin’s staff access?"
        done = submit(super_user, f"/admin/staff/{other.id}/remove", page=page)
        assert done.headers["location"] == "/admin/staff/"
        assert "Alex Admin no longer has a staff account." in super_user.get("/admin/staff/").text
        assert _roles(session, OTHER) == []
        assert theirs.get("/admin/").status_code == 403


# --- resetting a lost authenticator app ---------------------------------------------------------


def test_resetting_an_authenticator_app_makes_the_next_sign_in_enrol_again(super_user, session, app, people):
    _, other = people
    with app.test_client() as theirs:
        sign_in_staff(theirs, session, OTHER)
    assert staff.is_enrolled(session, other)
    person = super_user.get(f"/admin/staff/{other.id}").text
    assert "Reset authenticator app" in person
    page = super_user.get(f"/admin/staff/{other.id}/reset-authenticator").text
    assert h1_of(page) == "Reset Alex Admin’s authenticator app?"
    done = submit(super_user, f"/admin/staff/{other.id}/reset-authenticator", page=page)
    assert done.headers["location"] == f"/admin/staff/{other.id}"
    assert (
        "Alex Admin will set up a new authenticator app the next time they sign in."
        in super_user.get(done.headers["location"]).text
    )
    session.expire_all()
    assert not staff.is_enrolled(session, other)
    with app.test_client() as theirs:
        assert submit(theirs, "/sign-in", {"email": OTHER}).status_code == 302
        confirm = theirs.get(link_in(outbox(session, to=OTHER)[0]))
        token = confirm.text.split('name="token"')[1].split('value="')[1].split('"')[0]
        submit(theirs, "/sign-in/confirm", {"token": token}, page=confirm.text)
        assert h1_of(theirs.get("/sign-in/authenticator").text) == "Set up your authenticator app"
