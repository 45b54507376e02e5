"""API tokens from the admin pages: a token issued on the page works on the API at once and is
shown exactly once (never again, never logged, never cached); revoking it from the page shuts
the API to it; the lists show last use and expiry. The page calls ``domain.tokens``, as the
``cpd tokens`` commands do."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa

from domain import audit, clock
from storage.models import ApiToken
from tests.web.service_pages import error_summary, h1_of, inline_errors, main_text, submit, title_of
from tests.web.test_admin_schools import ADMIN, ROLES, World, admin_world, check_access, sign_in_as

API = "/api/v3/participants/ecf"


@pytest.fixture
def world(session, settings) -> World:
    return admin_world(session, settings)


@pytest.fixture
def admin(client, session, world):
    sign_in_as(client, session, "admin")
    return client


def _the_token(session, world: World) -> ApiToken:
    return session.scalars(sa.select(ApiToken).where(ApiToken.lead_provider_id == world.provider.id)).one()


@pytest.mark.parametrize("who", ROLES)
def test_only_admins_reach_the_token_pages_and_actions(client, session, world, who):
    token = _the_token(session, world)
    new = f"/admin/lead-providers/{world.provider.id}/tokens/new"
    revoke = f"/admin/tokens/{token.id}/revoke"
    check_access(
        client, session, who, ["/admin/tokens", new, revoke], [new, revoke] if who != "admin" else []
    )
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is None
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_a_token_made_on_the_page_is_shown_once_and_works_on_the_api(admin, client, session, world, caplog):
    new = f"/admin/lead-providers/{world.provider.id}/tokens/new"
    assert h1_of(admin.get(new).text) == "Create an API token"
    with caplog.at_level(logging.DEBUG):
        made = submit(admin, new, {"description": "CRM integration"})
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    plaintext = re.search(r'<code class="app-token" id="api-token">([^<]+)</code>', made.text).group(1)
    assert made.text.count(plaintext) == 1
    assert not any(plaintext in record.getMessage() for record in caplog.records)
    # It authenticates the API straight away, as the provider.
    assert client.get(API, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 200
    # Only a digest is stored, and no page shows the plaintext again.
    session.expire_all()
    stored = session.scalars(sa.select(ApiToken).where(ApiToken.description == "CRM integration")).one()
    assert plaintext not in stored.hashed_token
    for path in (f"/admin/lead-providers/{world.provider.id}", "/admin/tokens", new):
        page = admin.get(path).text
        assert plaintext not in page, path
    assert "CRM integration" in main_text(admin.get("/admin/tokens").text)


@pytest.mark.parametrize(
    ("description", "message"),
    [("", "Enter a description of the token"), ("x" * 256, "Description must be 255 characters or fewer")],
)
def test_each_bad_description_gets_its_message_and_no_token_is_made(
    admin, session, world, description, message
):
    page = submit(
        admin, f"/admin/lead-providers/{world.provider.id}/tokens/new", {"description": description}
    )
    assert page.status_code == 200
    assert (error_summary(page.text), inline_errors(page.text)) == ([message], [message])
    assert title_of(page.text).startswith("Error: ")
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_revoking_on_the_page_shuts_the_api_to_the_token_and_is_in_the_trail(admin, client, session, world):
    headers = {"Authorization": f"Bearer {world.plaintext}"}
    assert client.get(API, headers=headers).status_code == 200
    token = _the_token(session, world)
    path = f"/admin/tokens/{token.id}/revoke"
    assert h1_of(admin.get(path).text) == "Are you sure you want to revoke this token?"
    done = submit(admin, path)
    assert (done.status_code, done.headers["location"]) == (302, f"/admin/lead-providers/{world.provider.id}")
    assert "revoked. Requests with it are now refused" in main_text(admin.get(done.headers["location"]).text)
    assert client.get(API, headers=headers).status_code == 401
    session.expire_all()
    event = next(e for e in audit.history_of(session, ApiToken, token.id) if "revoked_at" in e.changes)
    assert (event.actor_label, event.source) == (ADMIN, "page")
    # Asking again says so rather than failing.
    again = admin.get(path, follow_redirects=True)
    assert "That token was already revoked" in main_text(again.text)


def test_the_lists_show_last_use_and_expiry(admin, client, session, world):
    assert client.get(API, headers={"Authorization": f"Bearer {world.plaintext}"}).status_code == 200
    token = _the_token(session, world)
    session.expire_all()
    used = session.get(ApiToken, token.id).last_used_at
    assert used is not None
    text = main_text(admin.get(f"/admin/lead-providers/{world.provider.id}").text)
    assert f"{used:%-d %B %Y at %H:%M} UTC" in text
    assert "Does not expire" in text
    token = session.get(ApiToken, token.id)
    token.expires_at = clock.now() - dt.timedelta(days=1)
    session.commit()
    listing = main_text(admin.get("/admin/tokens").text)
    assert "Expired" in listing and f"{token.expires_at:%-d %B %Y at %H:%M} UTC" in listing


def test_an_unknown_token_is_a_404(admin):
    assert admin.get("/admin/tokens/nope/revoke").status_code == 404
    assert admin.get("/admin/tokens/00000000-0000-0000-0000-000000000000/revoke").status_code == 404


def test_rotating_gives_a_new_token_once_and_the_old_one_works_until_the_grace_ends(
    admin, client, session, world
):
    rotate = f"/admin/lead-providers/{world.provider.id}/tokens/rotate"
    assert h1_of(admin.get(rotate).text) == "Rotate API tokens"
    made = submit(admin, rotate, {"description": "New CRM", "grace_days": "7"})
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    plaintext = re.search(r'<code class="app-token" id="api-token">([^<]+)</code>', made.text).group(1)
    assert made.text.count(plaintext) == 1
    assert "other token keeps working until" in main_text(made.text)
    for token in (plaintext, world.plaintext):  # both work during the grace period
        assert client.get(API, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    session.expire_all()
    old = session.scalars(sa.select(ApiToken).where(ApiToken.id != _new(session).id)).one()
    assert old.expires_at is not None
    assert dt.timedelta(days=6, hours=23) < old.expires_at - clock.now() <= dt.timedelta(days=7)
    assert plaintext not in admin.get(f"/admin/lead-providers/{world.provider.id}").text


def test_rotating_with_no_grace_ends_the_old_tokens_at_once(admin, client, session, world):
    made = submit(admin, f"/admin/lead-providers/{world.provider.id}/tokens/rotate",
                  {"description": "Now", "grace_days": "0"})  # fmt: skip
    assert made.status_code == 200
    assert client.get(API, headers={"Authorization": f"Bearer {world.plaintext}"}).status_code == 401


@pytest.mark.parametrize(
    ("grace", "message"),
    [
        ("", "Enter how many days the current tokens keep working"),
        ("a week", "Enter the number of days as a whole number, like 7"),
        ("91", "The grace period must be between 0 and 90 days"),
    ],
)
def test_each_bad_grace_period_gets_its_message_and_nothing_changes(admin, session, world, grace, message):
    page = submit(admin, f"/admin/lead-providers/{world.provider.id}/tokens/rotate",
                  {"description": "New CRM", "grace_days": grace})  # fmt: skip
    assert page.status_code == 200
    assert (error_summary(page.text), inline_errors(page.text)) == ([message], [message])
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    assert _the_token(session, world).expires_at is None


def _new(session) -> ApiToken:
    return session.scalars(sa.select(ApiToken).where(ApiToken.description == "New CRM")).one()
