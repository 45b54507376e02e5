"""The published specs are valid, self-contained, and every operation names a real handler."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_DIR = Path(__file__).resolve().parent.parent / "openapi"
SPECS = sorted(SPEC_DIR.glob("v*.yaml"))
METHODS = ("get", "put", "post", "patch", "delete")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def operations(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def walk_refs(node: Any):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_refs(value)


def test_there_is_a_spec_per_version():
    assert [p.name for p in SPECS] == ["v1.yaml", "v2.yaml", "v3.yaml"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi(path):
    validate(load(path))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_self_contained(path):
    assert all(ref.startswith("#/") for ref in walk_refs(load(path)))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_operation_ids_are_unique_and_name_plain_handler_functions(path):
    """Short operationIds give generated clients readable names; the router extension
    says which ``handlers`` module holds the function of that name."""
    seen: dict[str, str] = {}
    for route, _method, operation in operations(load(path)):
        operation_id = operation["operationId"]
        assert operation_id.isidentifier(), operation_id
        assert operation_id not in seen, f"{operation_id} used by {seen.get(operation_id)} and {route}"
        seen[operation_id] = route
        module = importlib.import_module(operation["x-openapi-router-controller"])
        assert module.__name__.startswith("handlers."), module.__name__
        assert callable(getattr(module, operation_id)), operation_id


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_response_bodies_use_named_schemas(path):
    """Generated clients get good type names only when bodies point at named components."""
    spec = load(path)
    bodies = []
    for _route, _method, operation in operations(spec):
        for response in operation["responses"].values():
            bodies.append(response)
    bodies.extend(spec.get("components", {}).get("responses", {}).values())
    for response in bodies:
        for media in response.get("content", {}).values():
            assert set(media["schema"]) == {"$ref"}, media["schema"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_operation_documents_auth_failures(path):
    for route, method, operation in operations(load(path)):
        assert {"401", "403"} <= set(operation["responses"]), (method, route)
