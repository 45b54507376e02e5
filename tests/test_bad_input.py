"""Bad input never breaks the API: every filter, id and body attribute of every operation of
v1–v3 (read from the specs), sent NUL bytes, odd unicode, SQL-looking strings and huge
numbers, gets a clear 4xx in the API's own error format, never a 500.

Run on PostgreSQL too (``DATABASE_URL=postgresql+psycopg://…``): it refuses NUL bytes in
text, which SQLite stores happily, so that is where a missed check would show.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from cpd.config import Settings
from handlers.validation import MAX_BODY_BYTES
from storage.db import new_session
from tests.conftest import TEST_SECRET_KEY, _empty_all_tables
from tests.factories import provider_with_token
from tests.spec_operations import Operation, all_operations

#: Values a careless server turns into a 500: NUL (PostgreSQL text refuses it), other control
#: characters, right-to-left overrides and astral characters, SQL and LIKE metacharacters,
#: very long strings, and numbers past any integer column.
BAD_STRINGS = [
    "a\x00b",
    "\x00",
    "\x01\x1f\x7f",
    "' OR '1'='1",
    "'; DROP TABLE participant_profiles; --",
    "%_\\",
    "\u202eevil\u202c 日本語 🧑‍🏫",
    "\ufeff\ufffe",
    "x" * 5000,
    "99999999999999999999999999999999",
    "-1",
    "1e309",
    "2021-02-30T25:61:61Z",
    "null",
]
#: Values of other JSON types for body attributes.
BAD_JSON_VALUES = [None, 0, -1, 10**30, 1.5, True, [], {}, ["a\x00"], {"$gt": ""}]
SAFE_CLIENT_ERRORS = {400, 401, 404, 405, 409, 413, 415, 422}

OPERATIONS = all_operations()


def _ids(op: Operation) -> str:
    return f"{op.version}-{op.operation_id}"


@pytest.fixture(scope="module")
def api(database_url: str) -> Iterator[tuple[object, dict[str, str]]]:
    """One app and one provider for the whole module: these requests change nothing, and
    building the app per case would dominate the run."""
    settings = Settings(
        database_url=database_url,
        redis_url=None,
        secret_key=TEST_SECRET_KEY,
        environment="test",
        debug=False,
        rate_limit=1_000_000,
    )
    session = new_session(database_url)
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    session.close()
    from cpd.app import create_app

    with create_app(settings).test_client() as test_client:
        yield test_client, {"Authorization": f"Bearer {token}"}
    _empty_all_tables(database_url)


@pytest.fixture
def client(api):  # type: ignore[no-untyped-def]
    return api[0]


@pytest.fixture
def headers(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return api[1]


def _assert_clear_error(response, what: str) -> None:  # type: ignore[no-untyped-def]
    """A 2xx, or a 4xx whose body is the API's JSON error format; never a 5xx."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.status_code in SAFE_CLIENT_ERRORS, f"{what}: {response.status_code}"
        body = response.json()
        assert "errors" in body or "error" in body, f"{what}: {body}"
        if "errors" in body:
            assert body["errors"] and all({"title", "detail"} <= set(e) for e in body["errors"]), body


def _base_query(op: Operation) -> dict[str, str]:
    """What a required filter needs to be valid, so the value under test is the only bad one."""
    return {"filter[cohort]": "2025"} if "filter" in op.required_query else {}


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.filter_keys], ids=_ids)
def test_every_filter_refuses_bad_values_with_a_4xx(client, headers, op):
    for key in op.filter_keys:
        for value in BAD_STRINGS:
            query = {**_base_query(op), f"filter[{key}]": value}
            response = client.get(op.url(id=str(uuid.uuid4())), params=query, headers=headers)
            _assert_clear_error(response, f"{op} filter[{key}]={value[:40]!r}")


@pytest.mark.parametrize("op", [op for op in OPERATIONS if "page" in op.query], ids=_ids)
@pytest.mark.parametrize(
    "page",
    [
        {"page[page]": str(10**30)},
        {"page[page]": str(2**63)},
        {"page[page]": str(2**31)},
        {"page[per_page]": str(10**30)},
        {"page[page]": "0"},
        {"page[page]": "-5"},
        {"page[page]": "1\x00"},
        {"page[per_page]": "１"},  # a full-width digit
        {"page[page][x]": "1"},
    ],
    ids=lambda page: repr(page)[:40],
)
def test_huge_and_odd_page_numbers_are_an_empty_page_or_a_400(client, headers, op, page):
    response = client.get(op.path, params={**_base_query(op), **page}, headers=headers)
    _assert_clear_error(response, f"{op} {page}")
    assert response.status_code in (200, 400)
    if response.status_code == 200 and not op.produces_csv and page.get("page[page]") == str(10**30):
        assert response.json()["data"] == []


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.path_params], ids=_ids)
@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "00000000-0000-0000-0000-00000000000\x00",
        "' OR 1=1 --",
        "%00",
        "..%2F..%2Fetc",
        "é" * 36,
    ],
)
def test_bad_ids_in_the_path_are_a_4xx(client, headers, op, bad_id):
    url = op.url(id=quote(bad_id, safe="%"))
    kwargs = {"json": {"data": {"type": "x", "attributes": {}}}} if op.body_attributes is not None else {}
    response = client.request(op.method.upper(), url, headers=headers, **kwargs)
    _assert_clear_error(response, f"{op} id={bad_id!r}")
    # Participant actions answer an unknown participant with the original's 422.
    assert response.status_code in ((400, 404, 422) if op.body_attributes is not None else (400, 404))


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body_attributes], ids=_ids)
def test_every_body_attribute_refuses_bad_values_with_a_4xx(client, headers, op):
    for attribute in op.body_attributes or {}:
        for value in [*BAD_STRINGS, *BAD_JSON_VALUES]:
            body = {"data": {"type": "x", "attributes": {attribute: value}}}
            response = client.request(
                op.method.upper(), op.url(id=str(uuid.uuid4())), json=body, headers=headers
            )
            _assert_clear_error(response, f"{op} {attribute}={str(value)[:40]!r}")
            assert response.status_code != 200 or op.method == "get"


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body_attributes is not None], ids=_ids)
@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"data": {"attributes": {"participant_id": "x"}}',
        b'{"data": {"attributes": {}}}' + b"trailing",
        b'{"data": {"type": "\x00", "attributes": {"a\\u0000": "\\u0000"}}}',
        b'{"data": {"attributes": {"participant_id": "\\ud800"}}}',  # a lone surrogate
        b"[" * 5000 + b"]" * 5000,  # deep nesting
        b'{"data": {"attributes": {"x": 1e999999}}}',
        b"\xef\xbb\xbf{}",  # a byte-order mark
        '{"data": {"attributes": {"reason": "caf\u00e9"}}}'.encode("latin-1"),
    ],
    ids=lambda body: repr(body[:30]),
)
def test_malformed_json_is_a_400(client, headers, op, body):
    response = client.request(
        op.method.upper(),
        op.url(id=str(uuid.uuid4())),
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    _assert_clear_error(response, f"{op} {body[:40]!r}")


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body_attributes is not None], ids=_ids)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"],
)
def test_wrong_content_types_are_a_415(client, headers, op, content_type):
    response = client.request(
        op.method.upper(),
        op.url(id=str(uuid.uuid4())),
        content=json.dumps({"data": {"attributes": {}}}).encode(),
        headers={**headers, "Content-Type": content_type},
    )
    assert response.status_code == 415, response.text
    assert response.json() == {"errors": [{"title": "Bad request", "detail": "Send request bodies as JSON"}]}


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body_attributes is not None], ids=_ids)
def test_oversized_bodies_are_a_413_whether_or_not_their_length_is_declared(client, headers, op):
    big = json.dumps({"data": {"attributes": {"reason": "x" * (MAX_BODY_BYTES + 1)}}}).encode()

    def chunks():  # type: ignore[no-untyped-def]
        # A streamed body has no Content-Length: the limit must hold while reading.
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    for content in (big, chunks()):
        response = client.request(
            op.method.upper(),
            op.url(id=str(uuid.uuid4())),
            content=content,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert response.json() == {
            "errors": [
                {
                    "title": "Request too large",
                    "detail": f"Request bodies are limited to {MAX_BODY_BYTES} bytes",
                }
            ]
        }


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body_attributes is not None], ids=_ids)
def test_body_errors_are_declared_in_the_spec(op):
    assert {"400", "413", "415"} <= op.responses, f"{op} must document its body errors"


def test_a_chunked_body_within_the_limit_is_read(client, headers):
    body = json.dumps({"data": {"type": "participant-defer", "attributes": {"reason": "other"}}}).encode()
    response = client.put(
        f"/api/v3/participants/ecf/{uuid.uuid4()}/defer",
        content=iter([body[:10], body[10:]]),
        headers={**headers, "Content-Type": "application/json"},
    )
    # Read and understood: the unknown participant is the business rule's 422, not a 400.
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["title"] in ("participant_id", "course_identifier")


def test_a_lying_content_length_is_refused(client, headers):
    response = client.post(
        "/api/v3/participant-declarations",
        content=b"{}",
        headers={**headers, "Content-Type": "application/json", "Content-Length": str(10**12)},
    )
    assert response.status_code in (400, 413)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer \x00",
        "Bearer " + "a" * 10_000,
        "Bearer ' OR '1'='1",
        'Token token=""',
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer é",
    ],
)
def test_bad_authorization_headers_are_the_usual_401(client, header):
    response = client.get("/api/v3/participants/ecf", headers={"Authorization": header.encode("utf-8")})
    assert response.status_code == 401
    assert response.json() == {"error": "HTTP Token: Access denied"}


def test_bad_bytes_in_query_strings_and_paths_are_a_4xx(client, headers):
    for raw in (
        "/api/v3/participants/ecf?filter[cohort]=%FF%FE",
        "/api/v3/participants/ecf?filter%00=1",
        "/api/v3/participants/ecf?page[page]=%00",
        "/api/v3/participants/ecf?" + "filter[cohort]=2025&" * 2000,
        "/api/v3/participants/ecf/%00",
        "/api/v3/participants/ecf/%FF",
        "/api/v3/statements?filter[updated_since]=%ED%A0%80",
    ):
        response = client.get(raw, headers=headers)
        _assert_clear_error(response, raw[:80])
