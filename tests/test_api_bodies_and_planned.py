"""Request-body envelope rules, shared by every write operation, and the published
operations that are not yet available."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from tests.factories import provider_with_token

DATA_REQUIRED = "correct json data structure required. See API docs for reference"
SPEC = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi" / "v3.yaml").read_text())


@pytest.fixture
def headers(session, settings) -> dict[str, str]:
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"data": null}', b'{"data": "x"}', b"[1, 2]", b"not json", b'{"type": "x"}', b"\xff\xfe"],
)
def test_a_body_without_a_data_object_is_a_400(client, headers, body):
    response = client.put(
        f"/api/v3/participants/ecf/{uuid.uuid4()}/defer",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad request", "detail": DATA_REQUIRED}]}


def test_oversized_bodies_are_refused_before_parsing(client, headers):
    body = b'{"data": {"attributes": {"reason": "' + b"x" * 70_000 + b'"}}}'
    response = client.put(
        f"/api/v3/participants/ecf/{uuid.uuid4()}/defer",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["detail"].startswith("Request bodies are limited to")


def test_schools_without_the_cohort_filter_get_the_original_message(client, headers):
    for query in ("", "?filter[urn]=123456"):
        response = client.get(f"/api/v3/schools/ecf{query}", headers=headers)
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {"title": "Bad parameter", "detail": "The filter '#/cohort' must be included in your request"}
            ]
        }


def _planned_operations():  # type: ignore[no-untyped-def]
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if operation.get("x-cpd-status") == "planned":
                yield method, path


PLANNED = list(_planned_operations())


@pytest.mark.skipif(not PLANNED, reason="every published operation is implemented")
@pytest.mark.parametrize(("method", "path"), PLANNED or [("get", "/")])
def test_planned_operations_answer_501_as_documented(client, headers, method, path):
    url = path.replace("{id}", str(uuid.uuid4()))
    if "/schools/" in url:
        url += "?filter[cohort]=2025"
    kwargs = {"json": {"data": {"type": "x", "attributes": {}}}} if method in ("post", "put") else {}
    response = client.request(method.upper(), url, headers=headers, **kwargs)
    assert response.status_code == 501
    assert response.json() == {"error": "Not yet available"}


@pytest.mark.parametrize("media_type", ["application/json", "application/vnd.api+json", "text/x-json"])
def test_json_media_type_synonyms_are_read_as_json(client, headers, media_type):
    response = client.put(
        f"/api/v3/participants/ecf/{uuid.uuid4()}/defer",
        content=b'{"data": {"type": "participant-defer", "attributes": {"reason": "other", "course_identifier": "ecf-induction"}}}',
        headers={**headers, "Content-Type": media_type},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["title"] == "participant_id"


def test_non_json_bodies_are_415(client, headers):
    response = client.put(
        f"/api/v3/participants/ecf/{uuid.uuid4()}/defer",
        content=b"data=x",
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
