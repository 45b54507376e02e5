"""/api-docs/vN/api_spec.yml and .json: the hand-written specs, published as written, to anyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_DIR = Path(__file__).resolve().parents[2] / "openapi"
VERSIONS = ("v1", "v2", "v3")


@pytest.mark.parametrize("version", VERSIONS)
def test_yaml_is_the_file_as_written(docs_client, version):
    response = docs_client.get(f"/api-docs/{version}/api_spec.yml")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in ("application/yaml", "text/yaml")
    assert response.content == (SPEC_DIR / f"{version}.yaml").read_bytes()


@pytest.mark.parametrize("version", VERSIONS)
def test_json_is_the_same_document_and_valid_openapi(docs_client, version):
    response = docs_client.get(f"/api-docs/{version}/api_spec.json")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/json"
    document = json.loads(response.content)
    assert document == yaml.safe_load((SPEC_DIR / f"{version}.yaml").read_text())
    validate(document)


@pytest.mark.parametrize("version", VERSIONS)
def test_served_yaml_is_valid_openapi(docs_client, version):
    validate(yaml.safe_load(docs_client.get(f"/api-docs/{version}/api_spec.yml").content))


@pytest.mark.parametrize("suffix", ["yml", "json"])
def test_specs_are_public_and_cacheable(docs_client, suffix):
    response = docs_client.get(f"/api-docs/v3/api_spec.{suffix}")  # no Authorization header
    assert response.status_code == 200
    assert "public" in response.headers["cache-control"]
    assert "max-age" in response.headers["cache-control"]
    etag = response.headers["etag"]
    again = docs_client.get(f"/api-docs/v3/api_spec.{suffix}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_head_answers_like_get_without_a_body(docs_client):
    response = docs_client.head("/api-docs/v2/api_spec.yml")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    "path", ["/api-docs/v4/api_spec.yml", "/api-docs/v4/api_spec.json", "/api-docs/v3/api_spec.txt"]
)
def test_unknown_version_or_format_is_the_json_404(docs_client, path):
    response = docs_client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Resource not Found"}
