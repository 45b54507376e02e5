"""Deprecation headers come from the specs: every v1 operation carries them, no v2 or v3
operation does, and a deprecated property is announced too."""

from __future__ import annotations

import uuid
from email.utils import parsedate_to_datetime

import pytest
import yaml

from cpd.config import PROJECT_ROOT
from handlers.deprecation import notices
from tests.factories import provider_with_token

SPECS = PROJECT_ROOT / "openapi"
#: 2026-11-27T00:00:00Z, the day v1 was deprecated, as RFC 9745 writes a date.
V1_DEPRECATED = "@1795737600"


def operations(version: str) -> list[tuple[str, str]]:
    spec = yaml.safe_load((SPECS / f"{version}.yaml").read_text())
    return [
        (method.upper(), path.replace("{id}", str(uuid.uuid4())))
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post")
    ]


@pytest.fixture
def token(session, settings) -> str:  # type: ignore[no-untyped-def]
    _, plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    return plaintext


def call(client, token: str, method: str, path: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.request(method, path, headers=headers, json={})


def test_every_v1_operation_says_it_is_deprecated_and_when_it_goes(client, token):
    for method, path in operations("v1"):
        response = call(client, token, method, path)
        label = f"{method} {path} -> {response.status_code}"
        warnings = response.headers.get_list("warning")
        assert any(
            text.startswith('299 - "')
            and " is deprecated and will be withdrawn on 31 August 2027: use " in text
            for text in warnings
        ), label
        assert response.headers["deprecation"] == V1_DEPRECATED, label
        sunset = parsedate_to_datetime(response.headers["sunset"])
        assert (sunset.year, sunset.month, sunset.day, sunset.tzname()) == (2027, 8, 31, "UTC"), label
        assert (
            response.headers["link"] == '</api-reference/release-notes>; rel="deprecation"; type="text/html"'
        )


def test_each_v1_warning_names_its_v3_replacement(client, token):
    response = client.get("/api/v1/participants/ecf", headers={"Authorization": f"Bearer {token}"})
    assert response.headers.get_list("warning") == [
        '299 - "GET /api/v1/participants/ecf is deprecated and will be withdrawn on 31 August 2027: '
        'use GET /api/v3/participants/ecf instead"'
    ]


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_no_v2_or_v3_operation_carries_a_notice(client, token, version):
    for method, path in operations(version):
        response = call(client, token, method, path)
        for header in ("warning", "deprecation", "sunset", "link"):
            assert header not in response.headers, f"{method} {path}: {header}"


def test_deprecated_declaration_attributes_are_announced(client, token):
    response = client.get("/api/v1/participant-declarations", headers={"Authorization": f"Bearer {token}"})
    warnings = response.headers.get_list("warning")
    assert "299 - \"The attribute 'eligible_for_payment' is deprecated: use 'state' instead\"" in warnings
    assert "299 - \"The attribute 'voided' is deprecated: use 'state' instead\"" in warnings


def test_a_property_deprecation_alone_gives_a_warning_but_no_dates():
    spec = {
        "paths": {
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "x-openapi-router-controller": "handlers.things",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Thing"},
                                    }
                                }
                            }
                        }
                    },
                },
                "put": {"operationId": "replace_things", "responses": {"200": {"description": "ok"}}},
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "colour": {
                            "type": "string",
                            "deprecated": True,
                            "x-deprecation": {"replacement": "hue"},
                        },
                        "parent": {"$ref": "#/components/schemas/Thing"},
                    },
                }
            }
        },
    }

    found = notices(spec)

    assert list(found) == ["handlers.things.list_things"]
    headers = dict(found["handlers.things.list_things"].headers())
    assert headers[b"warning"] == b"299 - \"The attribute 'colour' is deprecated: use 'hue' instead\""
    assert b"deprecation" not in headers
    assert b"sunset" not in headers
