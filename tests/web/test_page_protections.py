"""What every page of the service shares, checked across all of them at once: CSRF on every
form (read from the app's routes, so a new form is covered without editing this file), the
GOV.UK 404 page under the pages' prefixes (the API keeps its JSON 404), and where
``/dev/outbox`` exists."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule, UUIDConverter

from cpd.app import create_app
from domain.partnerships import confirm_partnership
from storage.models import Base
from tests import builders
from tests.factories import provider_with_token
from tests.web.school_story import records_api, settings  # noqa: F401  (fixtures)
from tests.web.service_pages import h1_of, make_provider_user, sign_in, title_of
from tests.web.test_provider_pages import upload_ok
from tests.web.test_school_pages import RHYS, add, base, set_up, tutor  # noqa: F401  (fixture)
from web.dev_outbox import enabled as outbox_enabled
from web.service import page_prefixes

#: Rows a refused POST may still touch: reading the session marks it as seen (idle time-out).
VOLATILE_TABLES = {"user_sessions"}
#: Plausible answers for the forms, so that a form whose check went missing would act on them.
ANSWERS = {
    "email": "someone@example.com",
    "full_name": "Someone New",
    "expecting": "yes",
    "training": "provider_led",
    "appropriate_body": "later",
    "participant_type": "ect",
    "trn": "1000101",
    "reason": "mistake",
    "mentor": "later",
    "role": "induction_tutor",
    "urn": "100001",
    "shown": "anything",
    "token": "anything",
}


def _page_forms(flask_app) -> list[Rule]:  # type: ignore[no-untyped-def]
    """Every route of a page that accepts a POST (the API under /api/ is exempt by design)."""
    return [
        rule
        for rule in flask_app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and not rule.rule.startswith("/api/")
        and not rule.endpoint.startswith("api_")
    ]


def _dummy(rule: Rule, name: str) -> str:
    converter = rule._converters.get(name)  # werkzeug keeps them only here
    return str(uuid.uuid4()) if isinstance(converter, UUIDConverter) else "0"


def _snapshot(session) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in session.execute(sa.select(table)))
        for table in Base.metadata.sorted_tables
        if table.name not in VOLATILE_TABLES
    }


def test_every_form_refuses_a_post_without_its_csrf_token_and_changes_nothing(
    app,
    client,
    session,
    settings,  # noqa: F811
    tutor,  # noqa: F811
):
    _, school = tutor
    set_up(client, school)
    profile_id = add(client, school, RHYS).split("/")[-2]
    provider, _ = provider_with_token(session, settings.secret_key)
    partner = builders.delivery_partner(session, provider, name="Leeds Partnership")
    partnership = confirm_partnership(session, provider.id, "2025", str(school.id), str(partner.id))
    session.commit()
    make_provider_user(session)
    with app.test_client() as provider_client:
        assert sign_in(provider_client, session, "pat@provider.example.com").status_code == 302
        upload_id = upload_ok(provider_client, session, f"URN\n{school.urn}\n").split("/")[-1]
        values = {
            "slug": base(school).split("/")[-1],
            "year": "2025",
            "profile_id": profile_id,
            "partnership_id": str(partnership.id),
            "upload_id": upload_id,
        }
        before = _snapshot(session)
        refused, wrong = set(), {}
        for rule in _page_forms(app.app):
            # A parameter this test does not know (a new page's) gets a dummy its converter
            # accepts: the check comes before the view, so the answer must be the same.
            path = rule.build({name: values.get(name) or _dummy(rule, name) for name in rule.arguments})[1]
            user = provider_client if path.startswith("/providers") else client
            for token in ({}, {"csrf_token": "forged"}):
                response = user.post(path, data={**ANSWERS, **token}, follow_redirects=False)
                if response.status_code != 400 or h1_of(response.text) != "Sorry, this form has expired":
                    wrong[f"{rule.endpoint} {path} {token}"] = response.status_code
            refused.add(rule.endpoint)
        assert wrong == {}
        assert _snapshot(session) == before
    # The journeys' forms are all among them (so the routes really were read).
    assert {
        "auth.sign_in", "auth.use_sign_in_link", "auth.sign_out", "auth.choose_role",
        "auth.nomination_name", "auth.nomination_email", "auth.nomination_check",
        "auth.request_access", "auth.request_access_confirm",
        "schools.setup_expect_ects", "schools.setup_training", "schools.setup_appropriate_body",
        "schools.setup_check", "schools.add_type", "schools.add_name", "schools.add_trn",
        "schools.add_date_of_birth", "schools.add_nino", "schools.add_another_name",
        "schools.add_record_name", "schools.add_email", "schools.add_start_date", "schools.add_mentor",
        "schools.add_check", "schools.change_mentor", "schools.report_leaving",
        "schools.transfer_joining_date", "schools.transfer_email", "schools.transfer_provider",
        "schools.transfer_check", "schools.challenge", "schools.challenge_from_email",
        "providers.upload", "providers.confirm",
    } <= refused  # fmt: skip


# --- unknown pages ------------------------------------------------------------------------------


def test_unknown_paths_under_the_pages_get_the_govuk_404_page(app, client):
    prefixes = page_prefixes(app.app)
    assert {"schools", "providers", "sign-in", "nominations", "request-access", "dev"} <= prefixes
    for prefix in sorted(prefixes):
        for method in ("get", "post"):
            response = getattr(client, method)(f"/{prefix}/no-such/page", follow_redirects=False)
            assert response.status_code == 404, (prefix, method)
            assert response.headers["content-type"].startswith("text/html")
            assert title_of(response.text) == "Page not found – Manage teacher CPD – GOV.UK"
            assert response.headers["cache-control"] == "no-store"
    # A method a page does not take is no page either.
    assert client.put("/sign-in").headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v3/no-such-resource", "/api/v9/participants/ecf", "/no-such-page"])
def test_other_unknown_paths_keep_the_apis_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/vnd.api+json"
    assert response.json() == {"error": "Resource not Found"}


def test_an_unknown_method_on_the_api_keeps_its_json_405(client):
    response = client.put("/api/v3/participants/ecf")
    assert (response.status_code, response.json()) == (405, {"error": "Method Not Allowed"})


# --- /dev/outbox --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "dev_outbox", "notify", "expected"),
    [
        ("development", False, False, True),
        ("test", False, False, True),
        ("sandbox", False, False, False),  # a public sandbox: sign-in links are not for everyone
        ("sandbox", True, False, True),  # `make run` asks for it
        ("production", True, False, False),  # never, whatever is asked
        ("development", True, True, False),  # Notify sends for real: there is nothing to show
    ],
)
def test_where_the_outbox_exists(settings, environment, dev_outbox, notify, expected):  # noqa: F811
    chosen = replace(
        settings,
        environment=environment,
        dev_outbox=dev_outbox,
        notify_api_key="k" * 74 if notify else None,
        secret_key="s" * 40,
    )
    assert outbox_enabled(chosen) is expected


@pytest.mark.parametrize(
    ("environment", "dev_outbox"), [("sandbox", False), ("sandbox", True), ("development", False)]
)
def test_the_outbox_page_and_its_link_follow_the_setting(settings, environment, dev_outbox):  # noqa: F811
    app = create_app(replace(settings, environment=environment, dev_outbox=dev_outbox))
    with app.test_client() as client:
        outbox = client.get("/dev/outbox")
        start = client.get("/").text
    if environment == "development" or dev_outbox:
        assert outbox.status_code == 200 and h1_of(outbox.text) == "Email outbox"
        assert 'href="/dev/outbox"' in start
    else:
        assert outbox.status_code == 404
        assert "/dev/outbox" not in start


def test_make_run_turns_the_outbox_on_for_its_sandbox():
    from cpd.config import PROJECT_ROOT, load_settings

    assert "CPD_DEV_OUTBOX=$${CPD_DEV_OUTBOX:-1}" in (PROJECT_ROOT / "Makefile").read_text()
    assert load_settings({"CPD_ENVIRONMENT": "sandbox", "CPD_DEV_OUTBOX": "1"}).dev_outbox
    assert not load_settings({"CPD_ENVIRONMENT": "sandbox"}).dev_outbox
