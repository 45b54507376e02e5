"""The API's operations, read from our specs, for tests that must cover every one of them
(bad input, provider isolation): a new operation or filter is covered without new test code."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parent.parent / "openapi"
VERSIONS = ("v1", "v2", "v3")
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    version: str
    method: str
    path: str
    operation_id: str
    planned: bool
    #: Query parameters by name, their schemas resolved.
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    required_query: frozenset[str] = frozenset()
    path_params: tuple[str, ...] = ()
    #: The request body's ``data.attributes`` properties, when the operation takes a body.
    body_attributes: dict[str, dict[str, Any]] | None = None
    produces_csv: bool = False
    #: The status codes the spec documents.
    responses: frozenset[str] = frozenset()

    @property
    def filter_keys(self) -> list[str]:
        """``filter[x]`` keys this operation reads."""
        schema = self.query.get("filter") or {}
        return sorted((schema.get("properties") or {}).keys())

    def url(self, **ids: str) -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace("{" + name + "}", ids.get(name, ids.get("id", "")))
        return path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _resolve(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    if depth > 30:
        return node
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, root, depth + 1)
        return {key: _resolve(value, root, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, root, depth + 1) for item in node]
    return node


@functools.cache
def spec(version: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / f"{version}.yaml").read_text())


def _body_attributes(request_body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    content = request_body.get("content") or {}
    schema = next(iter(content.values()), {}).get("schema") or {}
    data = (schema.get("properties") or {}).get("data") or {}
    attributes = (data.get("properties") or {}).get("attributes") or {}
    return dict(attributes.get("properties") or {})


@functools.cache
def operations(version: str) -> tuple[Operation, ...]:
    root = spec(version)
    found = []
    for path, item in (root.get("paths") or {}).items():
        for method in METHODS:
            if method not in item:
                continue
            raw = item[method]
            operation = _resolve(raw, root)
            parameters = [
                *(_resolve(item.get("parameters") or [], root)),
                *(operation.get("parameters") or []),
            ]
            query = {p["name"]: p.get("schema") or {} for p in parameters if p["in"] == "query"}
            required = frozenset(p["name"] for p in parameters if p["in"] == "query" and p.get("required"))
            path_params = tuple(p["name"] for p in parameters if p["in"] == "path")
            success = (operation.get("responses") or {}).get("200") or {}
            found.append(
                Operation(
                    version=version,
                    method=method,
                    path=path,
                    operation_id=operation["operationId"],
                    planned=operation.get("x-cpd-status") == "planned",
                    query=query,
                    required_query=required,
                    path_params=path_params,
                    body_attributes=(
                        _body_attributes(operation["requestBody"]) if "requestBody" in operation else None
                    ),
                    produces_csv="text/csv" in (success.get("content") or {}),
                    responses=frozenset(str(code) for code in operation.get("responses") or {}),
                )
            )
    return tuple(found)


def all_operations(*, include_planned: bool = False) -> list[Operation]:
    return [op for v in VERSIONS for op in operations(v) if include_planned or not op.planned]
