"""HTTP conveniences on every API version: ETag and 304, rate-limit headers and the JSON 429,
Idempotency-Key on POST and PUT, and X-Request-Id with its log line.

The ``client`` fixture's app checks every response the operations give against the spec, so
each 200 and 4xx here has also been proved to conform. (A 304 is made outside that check; its
headers are compared with the spec in ``test_the_specs_declare_every_convenience``.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import types
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from cpd.app import create_app
from cpd.config import PROJECT_ROOT
from domain import declarations as rules
from domain.clock import UTC
from handlers import idempotency, rate_limit
from handlers.http_cache import etag_for, none_match
from storage.db import transaction
from storage.models import IdempotencyKey, ParticipantDeclaration, ParticipantProfileState
from tests import builders
from tests.test_declarations_api import NOW, Provider, attributes, envelope, make_provider

VERSIONS = ("v1", "v2", "v3")
JSON_API = "application/vnd.api+json"
TAG = '"00000000000000000000000000000000"'


@pytest.fixture
def lp(session, settings) -> Provider:  # type: ignore[no-untyped-def]
    provider = make_provider(session, settings.secret_key)
    session.commit()
    return provider


def new_participant(session, lp: Provider):  # type: ignore[no-untyped-def]
    profile = builders.participant(session, lp.programmes[2024])
    session.commit()
    return profile


def declare(
    client, lp: Provider, profile, version: str = "v3", key: str | bytes | None = None, **overrides: Any
):  # type: ignore[no-untyped-def]
    headers = lp.headers()
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/api/{version}/participant-declarations",
        json=envelope(attributes(profile, **overrides)),
        headers=headers,
    )


def declarations_of(session, profile) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(ParticipantDeclaration)
        .where(ParticipantDeclaration.participant_profile_id == profile.id)
    )


# --- ETag and 304 ---------------------------------------------------------------------------------


def representative_gets(version: str, profile, declaration_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    if version == "v3":
        return [
            "/api/v3/participants/ecf",
            f"/api/v3/participants/ecf/{profile.teacher_id}",
            f"/api/v3/participant-declarations/{declaration_id}",
            "/api/v3/statements",
        ]
    return [
        f"/api/{version}/participants/ecf",
        f"/api/{version}/participants/ecf/{profile.teacher_id}",
        f"/api/{version}/participant-declarations",
        f"/api/{version}/participant-declarations/{declaration_id}",
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_json_gets_carry_an_etag_and_a_matching_if_none_match_gets_304(client, session, lp, version):
    profile = new_participant(session, lp)
    created = declare(client, lp, profile, version)
    assert created.status_code == 200
    assert "etag" not in created.headers  # only GETs are tagged
    for url in representative_gets(version, profile, created.json()["data"]["id"]):
        first = client.get(url, headers=lp.headers())
        assert first.status_code == 200, (url, first.text)
        etag = first.headers["etag"]
        assert etag == etag_for(first.content)
        for condition in (etag, f"W/{etag}", f"{TAG}, {etag}", f"W/{TAG},W/{etag}", "*"):
            again = client.get(url, headers={**lp.headers(), "If-None-Match": condition})
            assert again.status_code == 304, (url, condition)
            assert again.content == b""
            assert again.headers["etag"] == etag
            assert "content-type" not in again.headers
            assert again.headers["x-request-id"] and again.headers["ratelimit-limit"]
        for condition in (TAG, f"W/{TAG}", "nonsense", etag.strip('"')):
            other = client.get(url, headers={**lp.headers(), "If-None-Match": condition})
            assert (other.status_code, other.content) == (200, first.content), (url, condition)


def test_the_tag_follows_the_data(client, session, lp):
    url = "/api/v3/participant-declarations"
    before = client.get(url, headers=lp.headers())
    assert declare(client, lp, new_participant(session, lp)).status_code == 200
    after = client.get(url, headers={**lp.headers(), "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert len(after.json()["data"]) == len(before.json()["data"]) + 1


def test_head_gets_the_tag_and_the_304_too(client, lp):
    url = "/api/v3/statements"
    etag = client.get(url, headers=lp.headers()).headers["etag"]
    head = client.head(url, headers=lp.headers())
    assert (head.status_code, head.headers["etag"], head.content) == (200, etag, b"")
    assert client.head(url, headers={**lp.headers(), "If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v3/participants/ecf/5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e", 404),
        ("/api/v2/participants/ecf?filter[updated_since]=yesterday", 400),
        ("/api/v1/nothing-here", 404),
    ],
)
def test_errors_carry_no_tag_and_ignore_if_none_match(client, lp, url, status):
    response = client.get(url, headers={**lp.headers(), "If-None-Match": "*"})
    assert response.status_code == status
    assert "etag" not in response.headers
    anonymous = client.get(url, headers={"If-None-Match": "*"})
    assert anonymous.status_code in (401, 404) and "etag" not in anonymous.headers


@pytest.mark.parametrize("version", ("v1", "v2"))
@pytest.mark.parametrize("export", ("participants/ecf.csv", "participant-declarations.csv"))
def test_csv_exports_stream_untagged_and_if_none_match_does_not_apply(client, session, lp, version, export):
    profile = new_participant(session, lp)
    assert declare(client, lp, profile, version).status_code == 200
    url = f"/api/{version}/{export}"
    plain = client.get(url, headers=lp.headers())
    conditional = client.get(url, headers={**lp.headers(), "If-None-Match": "*"})
    assert plain.status_code == conditional.status_code == 200
    assert plain.headers["content-type"].startswith("text/csv")
    assert "etag" not in plain.headers and "etag" not in conditional.headers
    assert conditional.content == plain.content and plain.content.count(b"\n") >= 2


def test_if_none_match_is_read_as_rfc_9110_says():
    etag = '"abc"'
    assert none_match(['"abc"'], etag) and none_match(['W/"abc"'], etag) and none_match(["*"], etag)
    assert none_match(['"x", W/"abc"'], etag) and none_match(['"x"', '"abc"'], etag)
    assert none_match(['"x" ,"abc"'], etag)
    assert not none_match(['"x"'], etag) and not none_match(["abc"], etag) and not none_match([""], etag)
    assert not none_match(['"x", *'], etag)  # `*` only on its own
    assert not none_match(['"a,b"'], '"a"')  # a comma inside a tag is part of it


# --- rate-limit headers and the 429 ---------------------------------------------------------------


@pytest.fixture
def frozen_time(monkeypatch):  # type: ignore[no-untyped-def]
    """The rate limiter's wall clock, under the test's control (its windows are real time)."""
    moment = {"now": 1_800_000_000.0}  # a window boundary for 300-second windows
    monkeypatch.setattr(rate_limit, "time", types.SimpleNamespace(time=lambda: moment["now"]))
    return moment


@pytest.mark.parametrize("version", VERSIONS)
def test_rate_limit_headers_count_down_and_the_429_is_a_json_error(settings, lp, frozen_time, version):
    limited = dataclasses.replace(settings, rate_limit=3, rate_limit_window_seconds=300)
    url = f"/api/{version}/participant-declarations"
    frozen_time["now"] += 100  # 200 seconds of the window left
    with create_app(limited).test_client() as client:
        answers = [client.get(url, headers=lp.headers()) for _ in range(2)]
        answers.append(client.get(f"{url}/{uuid.uuid4()}", headers=lp.headers()))  # an error counts too
        frozen_time["now"] += 50.5
        throttled = client.get(url, headers=lp.headers())
        frozen_time["now"] += 50
        fresh_window_later = client.get(url, headers=lp.headers())
        frozen_time["now"] += 100
        fresh = client.get(url, headers=lp.headers())
    assert [a.status_code for a in answers] == [200, 200, 404]
    assert [a.headers["ratelimit-limit"] for a in answers] == ["3", "3", "3"]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    assert [a.headers["ratelimit-reset"] for a in answers] == ["200", "200", "200"]
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == JSON_API
    assert throttled.json() == {
        "errors": [
            {
                "title": "Too many requests",
                "detail": "This token has made more than 3 requests in the current 300-second window. "
                "Try again in 150 seconds.",
            }
        ]
    }
    assert throttled.headers["retry-after"] == throttled.headers["ratelimit-reset"] == "150"
    assert (throttled.headers["ratelimit-limit"], throttled.headers["ratelimit-remaining"]) == ("3", "0")
    assert throttled.headers["x-request-id"]
    assert fresh_window_later.status_code == 429 and fresh_window_later.headers["retry-after"] == "100"
    assert fresh.status_code == 200
    assert (fresh.headers["ratelimit-remaining"], fresh.headers["ratelimit-reset"]) == ("2", "300")


def test_only_requests_with_a_token_carry_rate_limit_headers(client, lp):
    anonymous = client.get("/api/v3/statements")
    assert anonymous.status_code == 401 and "ratelimit-limit" not in anonymous.headers
    wrong = client.get("/api/v3/statements", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and wrong.headers["ratelimit-remaining"].isdigit()
    page = client.get("/api-docs/v3/api_spec.yml", headers=lp.headers())
    assert page.status_code == 200 and "ratelimit-limit" not in page.headers  # pages are never counted


def test_a_counter_store_that_fails_serves_the_request_unthrottled(settings, lp, monkeypatch, caplog):
    class Broken:
        async def hit(self, key: str, window_start: int, window_seconds: int) -> int:
            raise ConnectionError("redis is away")

    monkeypatch.setattr(rate_limit, "counter_for", lambda _settings: Broken())
    app = create_app(settings)
    with app.test_client() as client, caplog.at_level(logging.ERROR, logger="cpd"):
        response = client.get("/api/v3/statements", headers=lp.headers())
    assert response.status_code == 200 and "ratelimit-limit" not in response.headers
    assert "rate limit counter unavailable" in caplog.text


# --- Idempotency-Key ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_same_request_with_the_same_key_is_answered_again_without_doing_it_again(
    client, session, lp, version
):
    profile = new_participant(session, lp)
    key = str(uuid.uuid4())
    first = declare(client, lp, profile, version, key=key)
    # The same JSON document written differently is the same request.
    body = envelope(attributes(profile))
    reordered = json.dumps({"data": dict(reversed(list(body["data"].items())))}, indent=2)
    again = client.post(
        f"/api/{version}/participant-declarations",
        content=reordered,
        headers={**lp.headers(), "Idempotency-Key": key, "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"] == JSON_API
    assert declarations_of(session, profile) == 1
    # Without the key the request is done again, and the rules refuse a second declaration.
    assert declare(client, lp, profile, version).json() == {
        "errors": [{"title": "base", "detail": rules.ALREADY_DECLARED}]
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_a_put_is_replayed_too(client, session, lp, version):
    profile = new_participant(session, lp)
    url = f"/api/{version}/participants/ecf/{profile.teacher_id}/defer"
    body = {
        "data": {
            "type": "participant-defer",
            "attributes": {"reason": "career-break", "course_identifier": "ecf-induction"},
        }
    }
    headers = {**lp.headers(), "Idempotency-Key": "defer-1"}
    first = client.put(url, json=body, headers=headers)
    again = client.put(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200), first.text
    assert (again.content, again.headers["idempotent-replayed"]) == (first.content, "true")
    session.expire_all()
    states = session.scalars(
        sa.select(ParticipantProfileState.state).where(
            ParticipantProfileState.participant_profile_id == profile.id
        )
    ).all()
    assert list(states).count("deferred") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_key_reused_for_another_request_is_a_422(client, session, lp, version):
    profile = new_participant(session, lp)
    assert declare(client, lp, profile, version, key="k1").status_code == 200
    other_body = declare(client, lp, profile, version, key="k1", declaration_type="retained-1")
    other_path = client.put(
        f"/api/{version}/participant-declarations/{uuid.uuid4()}/void",
        headers={**lp.headers(), "Idempotency-Key": "k1"},
    )
    expected = {"errors": [{"title": "Idempotency-Key", "detail": idempotency.MISMATCH}]}
    for response in (other_body, other_path):
        assert (response.status_code, response.json()) == (422, expected)
        assert response.headers["content-type"] == JSON_API
        assert "idempotent-replayed" not in response.headers
    assert declarations_of(session, profile) == 1


def test_keys_belong_to_one_provider(client, session, settings, lp):
    other = make_provider(session, settings.secret_key, name="Teach First")
    session.commit()
    mine, theirs = new_participant(session, lp), builders.participant(session, other.programmes[2024])
    session.commit()
    assert declare(client, lp, mine, key="shared").status_code == 200
    second = declare(client, other, theirs, key="shared")
    assert second.status_code == 200 and "idempotent-replayed" not in second.headers
    assert declarations_of(session, mine) == declarations_of(session, theirs) == 1


def test_a_business_rule_422_is_kept_and_replayed(client, session, lp):
    profile = new_participant(session, lp)
    refused = declare(client, lp, profile, key="bad-date", declaration_date="2099-01-01T00:00:00Z")
    again = declare(client, lp, profile, key="bad-date", declaration_date="2099-01-01T00:00:00Z")
    assert refused.status_code == again.status_code == 422
    assert again.content == refused.content and again.headers["idempotent-replayed"] == "true"


def test_nothing_is_kept_for_requests_refused_before_the_operation(client, session, lp):
    profile = new_participant(session, lp)
    headers = {**lp.headers(), "Idempotency-Key": "early"}
    url = "/api/v3/participant-declarations"
    assert client.post(url, json={"nothing": 1}, headers=headers).status_code == 400
    unauthorised = {"Authorization": "Bearer wrong", "Idempotency-Key": "early"}
    assert client.post(url, json=envelope(attributes(profile)), headers=unauthorised).status_code == 401
    done = declare(client, lp, profile, key="early")
    assert done.status_code == 200 and "idempotent-replayed" not in done.headers


def test_a_server_error_frees_the_key(client, session, lp, monkeypatch, caplog):
    profile = new_participant(session, lp)
    real = rules.record_declaration

    def fail_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(rules, "record_declaration", real)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rules, "record_declaration", fail_once)
    with caplog.at_level(logging.ERROR, logger="cpd"):
        failed = declare(client, lp, profile, key="retry-me")
    assert failed.status_code == 500
    assert f"unhandled error in request {failed.headers['x-request-id']}" in caplog.text
    retried = declare(client, lp, profile, key="retry-me")
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers
    assert declarations_of(session, profile) == 1


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("key", ["", "x" * 256, "clé".encode("latin-1"), "tab\there"])
def test_a_key_that_is_empty_too_long_or_not_printable_ascii_is_a_400(client, session, lp, version, key):
    profile = new_participant(session, lp)
    response = declare(client, lp, profile, version, key=key)
    assert response.status_code == 400, response.text
    assert response.json() == {"errors": [{"title": "Bad request", "detail": idempotency.BAD_KEY}]}
    assert declarations_of(session, profile) == 0
    assert declare(client, lp, profile, version, key="x" * 255).status_code == 200


def test_a_key_is_honoured_for_24_hours_on_the_one_clock(client, session, lp):
    profile = new_participant(session, lp)
    first_use = dt.datetime.fromisoformat(NOW.replace("Z", "+00:00"))

    def at(moment: dt.datetime):  # type: ignore[no-untyped-def]
        headers = {**lp.headers(moment.strftime("%Y-%m-%dT%H:%M:%SZ")), "Idempotency-Key": "day"}
        return client.post(
            "/api/v3/participant-declarations", json=envelope(attributes(profile)), headers=headers
        )

    assert at(first_use).status_code == 200
    nearly = at(first_use + dt.timedelta(hours=23, minutes=59))
    assert nearly.status_code == 200 and nearly.headers["idempotent-replayed"] == "true"
    later = at(first_use + dt.timedelta(hours=24))
    # Expired: the request is done afresh, and the rules refuse the second declaration.
    assert later.status_code == 422 and "idempotent-replayed" not in later.headers
    assert later.json() == {"errors": [{"title": "base", "detail": rules.ALREADY_DECLARED}]}
    assert declarations_of(session, profile) == 1


def claim_row(settings, lp: Provider, key: str, body: dict[str, Any], created_at: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """A claim left by another request still being served (or abandoned)."""
    with transaction(settings.database_url) as db:
        db.add(
            IdempotencyKey(
                lead_provider_id=lp.id,
                key=key,
                fingerprint=idempotency.fingerprint(
                    "POST", "/api/v3/participant-declarations", b"", json.dumps(body).encode()
                ),
                created_at=created_at,
            )
        )


def test_a_duplicate_of_a_request_in_progress_waits_then_gets_a_409(
    client, session, settings, lp, monkeypatch
):
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    profile = new_participant(session, lp)
    body = envelope(attributes(profile))
    claim_row(settings, lp, "busy", body, dt.datetime.now(UTC))
    response = client.post(
        "/api/v3/participant-declarations", json=body, headers={**lp.headers(None), "Idempotency-Key": "busy"}
    )
    assert response.status_code == 409
    assert response.json() == {"errors": [{"title": "Idempotency-Key", "detail": idempotency.IN_PROGRESS}]}
    assert response.headers["content-type"] == JSON_API
    assert declarations_of(session, profile) == 0


def test_an_abandoned_claim_is_taken_over(client, session, settings, lp):
    profile = new_participant(session, lp)
    body = envelope(attributes(profile))
    claim_row(settings, lp, "abandoned", body, dt.datetime.fromisoformat("2024-11-15T11:50:00+00:00"))
    response = client.post(
        "/api/v3/participant-declarations",
        json=body,
        headers={**lp.headers(), "Idempotency-Key": "abandoned"},
    )
    assert response.status_code == 200 and "idempotent-replayed" not in response.headers
    assert declarations_of(session, profile) == 1


def test_expired_keys_are_swept(client, session, settings, lp, monkeypatch):
    monkeypatch.setattr(idempotency, "SWEEP_SHARE", 1.0)
    old = dt.datetime.fromisoformat("2024-11-14T11:59:59+00:00")  # more than 24 hours before NOW
    claim_row(settings, lp, "old", {}, old)
    claim_row(settings, lp, "recent", {}, old + dt.timedelta(seconds=2))
    assert declare(client, lp, new_participant(session, lp), key="new").status_code == 200
    session.expire_all()
    assert sorted(session.scalars(sa.select(IdempotencyKey.key))) == ["new", "recent"]


# --- X-Request-Id and the request log --------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/participants/ecf", "/api/v2/participant-declarations", "/api/v3/statements"]
)
def test_a_sane_request_id_is_kept_and_anything_else_replaced(client, lp, url):
    kept = client.get(url, headers={**lp.headers(), "X-Request-Id": "crm-42:sync/7"})
    assert kept.headers["x-request-id"] == "crm-42:sync/7"
    for insane in ("x" * 129, "two words", 'quote"d', ""):
        replaced = client.get(url, headers={**lp.headers(), "X-Request-Id": insane})
        assert uuid.UUID(replaced.headers["x-request-id"]).version == 4
    made = client.get(url, headers=lp.headers())
    assert uuid.UUID(made.headers["x-request-id"]).version == 4
    assert made.headers.get_list("x-request-id") == [made.headers["x-request-id"]]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/v3/statements", 401),
        ("GET", "/api/v3/no-such-thing", 404),
        ("GET", "/nothing/here", 404),
        ("GET", "/api-docs/v2/api_spec.yml", 200),
        ("POST", "/api/v3/statements", 405),
    ],
)
def test_every_response_carries_a_request_id(client, method, url, status):
    response = client.request(method, url, headers={"X-Request-Id": "abc-123"})
    assert (response.status_code, response.headers["x-request-id"]) == (status, "abc-123")


def test_one_line_is_logged_per_request_naming_the_provider_never_the_token(client, lp, caplog):
    with caplog.at_level(logging.INFO, logger="cpd"):
        client.get("/api/v3/statements", headers={**lp.headers(), "X-Request-Id": "req-1"})
        client.get("/api/v3/statements", headers={"X-Request-Id": "req-2"})
    lines = [r for r in caplog.records if r.name == "cpd.requests"]
    assert len(lines) == 2
    first, second = (r.getMessage() for r in lines)
    assert first.startswith("request_id=req-1 method=GET path=/api/v3/statements status=200 duration_ms=")
    assert f"provider_id={lp.id} " in first and first.endswith('provider="Ambition Institute"')
    assert lines[0].lead_provider_id == str(lp.id) and lines[0].status_code == 200
    assert second.startswith("request_id=req-2 method=GET path=/api/v3/statements status=401")
    assert second.endswith("provider_id=- provider=-")
    assert lp.token not in caplog.text


# --- the specs say all of it ----------------------------------------------------------------------


def spec(version: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "openapi" / f"{version}.yaml").read_text())


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@pytest.mark.parametrize("version", VERSIONS)
def test_the_specs_declare_every_convenience(version):
    document = spec(version)
    assert set(document["components"]["headers"]) == {
        "ETag",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Retry-After",
        "X-Request-Id",
        "Idempotent-Replayed",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            parameters = {resolve(document, p)["name"] for p in operation.get("parameters", [])}
            responses = {code: resolve(document, r) for code, r in operation["responses"].items()}
            json_get = method == "get" and JSON_API in responses["200"].get("content", {})
            assert "X-Request-Id" in parameters, label
            assert ("If-None-Match" in parameters) == json_get, label
            assert ("304" in responses) == json_get, label
            assert ("Idempotency-Key" in parameters) == (method in ("post", "put")), label
            assert ("409" in responses) == (method in ("post", "put")), label
            if json_get:
                assert "ETag" in responses["200"]["headers"] and "ETag" in responses["304"]["headers"], label
            for code, response in responses.items():
                assert {"X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
                    response.get("headers", {})
                ), (label, code)
                # Every answer a POST or PUT's operation gives may be a replay; refusals before it never are.
                if method in ("post", "put") and code not in (
                    "400",
                    "401",
                    "403",
                    "409",
                    "413",
                    "415",
                    "429",
                ):
                    assert "Idempotent-Replayed" in response["headers"], (label, code)
            assert set(responses["429"]["content"]) == {JSON_API}, label
            assert "Retry-After" in responses["429"]["headers"], label
