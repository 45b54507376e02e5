"""Security headers on every kind of answer (API JSON and its errors, CSV, published specs,
pages, the documentation site, assets), HSTS only in production, and the session cookie's
flags. The browser proves the policy lets the pages work: tests/web/test_security_csp_browser.py."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from cpd.config import Settings
from handlers.security_headers import HSTS, govuk_inline_script_hashes
from storage.db import new_session
from tests.conftest import TEST_SECRET_KEY, _empty_all_tables
from tests.factories import provider_with_token

BASE = Settings(
    database_url="",
    redis_url=None,
    secret_key=TEST_SECRET_KEY,
    environment="test",
    debug=False,
    rate_limit=3,
)
PRODUCTION_KEY = "production-secret-key-that-is-long-enough-0123456789"


def _client(settings: Settings):  # type: ignore[no-untyped-def]
    from cpd.app import create_app

    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def token(database_url: str) -> Iterator[str]:
    session = new_session(database_url)
    _, plaintext = provider_with_token(session, TEST_SECRET_KEY)
    session.commit()
    session.close()
    yield plaintext
    _empty_all_tables(database_url)


@pytest.fixture(scope="module")
def client(database_url: str, token: str) -> Iterator[object]:
    with _client(replace(BASE, database_url=database_url)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def production(database_url: str, token: str) -> Iterator[object]:
    settings = replace(
        BASE,
        database_url=database_url,
        environment="production",
        secret_key=TEST_SECRET_KEY,
        base_url="https://cpd.example.gov.uk",
    )
    with _client(settings) as test_client:
        yield test_client


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response.headers["content-security-policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in header.split("; ")
    }


PAGES = ["/", "/sign-in", "/api-reference", "/api-reference/get-started", "/sign-in/no-such-page"]
DOCUMENTS = [
    "/api-docs/v3/api_spec.yml",
    "/api-docs/v1/api_spec.json",
    "/assets/govuk-frontend.min.css",
    "/service-assets/service.js",
]


def _api_requests(token: str) -> list[tuple[str, str, dict[str, str]]]:
    auth = {"Authorization": f"Bearer {token}"}
    return [
        ("GET", "/api/v3/statements", auth),  # 200
        ("GET", "/api/v3/participants/ecf", {}),  # 401
        ("GET", f"/api/v3/participant-declarations/{uuid.uuid4()}", auth),  # 404
        ("GET", "/api/v3/participants/ecf?page[page]=x", auth),  # 400
        ("GET", "/api/v1/participants/ecf.csv", auth),  # CSV
    ]


def test_api_answers_carry_the_document_policy_and_no_referrer(client, token):
    statuses = set()
    for method, path, headers in _api_requests(token):
        response = client.request(method, path, headers=headers)
        statuses.add(response.status_code)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["x-frame-options"] == "DENY", path
        policy = _policy(response)
        assert policy["default-src"] == "'none'", path
        assert policy["frame-ancestors"] == "'none'", path
        assert "strict-transport-security" not in response.headers, path
    assert {200, 400, 401, 404} <= statuses


def test_the_429_carries_them_too(client, token):
    responses = [
        client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}) for _ in range(5)
    ]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, [r.status_code for r in responses]
    assert limited[-1].headers["x-content-type-options"] == "nosniff"
    assert _policy(limited[-1])["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", PAGES)
def test_pages_allow_only_this_origin_and_govuks_one_inline_script(client, path):
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html"), path
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].split() == ["'self'", *govuk_inline_script_hashes()]
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("path", PAGES)
def test_every_inline_script_on_a_page_is_allowed_by_its_hash_and_no_inline_styles(client, path):
    """A new inline script or ``style=`` attribute in a template would be blocked by the
    browser: found here first, by hashing what the page actually contains."""
    import base64
    import hashlib

    html = client.get(path).text
    allowed = set(govuk_inline_script_hashes())
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        if "src=" in attributes:
            continue
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        assert digest in allowed, f"{path}: inline script not allowed by the policy: {body[:80]!r}"
    assert not re.search(r"\sstyle=", html), f"{path}: an inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), f"{path}: an inline event handler"


@pytest.mark.parametrize("path", DOCUMENTS)
def test_specs_and_assets_get_the_document_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["x-content-type-options"] == "nosniff"
    assert _policy(response)["default-src"] == "'none'"
    assert _policy(response)["frame-ancestors"] == "'none'"


def test_hsts_only_in_production(production, token):
    for path in ["/", "/api-reference", "/api-docs/v3/api_spec.yml", "/api/v3/participants/ecf"]:
        response = production.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.headers["strict-transport-security"] == HSTS, path
        assert HSTS.startswith("max-age=31536000")
        if response.headers["content-type"].startswith("text/html"):
            assert "upgrade-insecure-requests" in _policy(response)


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie" and "cpd_session=" in v]
    assert cookies, "the sign-in page sets the session cookie (its CSRF token)"
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_on_local_http(client):
    client.cookies.clear()
    cookie = _session_cookie(client.get("/sign-in")).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "; secure" not in cookie  # make run on http://127.0.0.1 must still work
    assert "expires=" not in cookie and "max-age" not in cookie  # ends with the browser


def test_the_session_cookie_is_secure_in_production(production):
    production.cookies.clear()
    cookie = _session_cookie(production.get("/sign-in")).lower()
    assert "; secure" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_the_session_cookie_is_secure_on_a_sandbox_published_over_https(database_url, token):
    settings = replace(
        BASE, database_url=database_url, environment="sandbox", base_url="https://sandbox.example.gov.uk"
    )
    with _client(settings) as sandbox:
        cookie = _session_cookie(sandbox.get("/sign-in")).lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
