"""The hand-written specs as the documentation reads them: bytes, parsed documents, lookups
and generated examples. Everything is read from ``openapi/`` on demand (cached by file
modification time), so the published specs and the pages follow the files as they change."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cpd.config import PROJECT_ROOT

SPEC_DIR = PROJECT_ROOT / "openapi"
VERSIONS = ("v1", "v2", "v3")
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


class _StringTimestampLoader(yaml.SafeLoader):
    """A YAML loader that keeps unquoted dates as the strings they are in the file: JSON has
    no date type, and an OpenAPI example or default is the text the author wrote."""


_StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LoadedSpec:
    version: str
    raw: bytes
    document: dict[str, Any]
    etag: str


_cache: dict[str, tuple[int, LoadedSpec]] = {}
_lock = threading.Lock()


def spec_path(version: str) -> Path:
    if version not in VERSIONS:
        raise KeyError(version)
    return SPEC_DIR / f"{version}.yaml"


def load(version: str) -> LoadedSpec:
    """The spec of one version, re-read whenever its file changes."""
    path = spec_path(version)
    mtime = path.stat().st_mtime_ns
    with _lock:
        cached = _cache.get(version)
        if cached and cached[0] == mtime:
            return cached[1]
    raw = path.read_bytes()
    document = yaml.load(raw, Loader=_StringTimestampLoader)
    loaded = LoadedSpec(version, raw, document, hashlib.sha256(raw).hexdigest()[:32])
    with _lock:
        _cache[version] = (mtime, loaded)
    return loaded


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (the specs are self-contained) until a real node."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            return {}
        seen.add(ref)
        node = pointer(document, ref[1:])
    return node


def pointer(document: Any, path: str) -> Any:
    """A JSON pointer (``/components/schemas/X``) into the document; ``{}`` when absent."""
    node = document
    for part in path.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return {}
    return node


def ref_name(node: Any) -> str | None:
    """``ECFParticipant`` for ``{"$ref": "#/components/schemas/ECFParticipant"}``."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return node["$ref"].rsplit("/", 1)[-1]
    return None


def enum_values(document: dict[str, Any], path: str) -> list[str]:
    """The enumeration at a pointer (through ``$ref``/``allOf``), so the pages never drift
    from the spec; empty when the spec no longer has it."""
    schema = resolve(document, pointer(document, path))
    if not isinstance(schema, dict):
        return []
    if "enum" in schema:
        return [str(value) for value in schema["enum"] if value is not None]
    for part in schema.get("allOf", []):
        values = enum_values_of(document, part)
        if values:
            return values
    return []


def enum_values_of(document: dict[str, Any], schema: Any) -> list[str]:
    schema = resolve(document, schema)
    if isinstance(schema, dict) and "enum" in schema:
        return [str(value) for value in schema["enum"] if value is not None]
    return []


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, operation, path item) for every operation, in file order."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                found.append((path, method, item[method], item))
    return found


@dataclass(frozen=True)
class Deprecation:
    since: str | None
    sunset: str | None
    replacement: str | None


def deprecation(node: Any) -> Deprecation:
    """What a spec says about a deprecated operation or property: an ``x-deprecation`` object
    (``since``, ``sunset``, ``replacement``), or the flat ``x-sunset``/``x-replacement``."""
    if not isinstance(node, dict):
        return Deprecation(None, None, None)
    details = node.get("x-deprecation") if isinstance(node.get("x-deprecation"), dict) else {}

    def text(*values: Any) -> str | None:
        return next((str(value) for value in values if value), None)

    return Deprecation(
        since=text(details.get("since")),
        sunset=text(details.get("sunset"), node.get("x-sunset")),
        replacement=text(details.get("replacement"), node.get("x-replacement")),
    )


def sunset(document: dict[str, Any], whole_version: bool = False) -> str | None:
    """When a version stops answering, as its spec marks it: ``x-cpd-sunset`` on the document
    (or its ``info``), else the earliest sunset among its operations; with ``whole_version``,
    only when every operation is deprecated (one retired endpoint does not retire a version)."""
    for holder in (document, document.get("info") or {}):
        value = holder.get("x-cpd-sunset")
        if value:
            return str(value)
    found = operations(document)
    if whole_version and not all(operation.get("deprecated") for _p, _m, operation, _i in found):
        return None
    dates = sorted(date for _p, _m, operation, _i in found if (date := deprecation(operation).sunset))
    return dates[0] if dates else None


def readable_date(value: str) -> str:
    """``2026-12-31`` (or an RFC 3339 instant) as "31 December 2026"; anything else as it is."""
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            day = parsedate_to_datetime(text).date()
        except (TypeError, ValueError):
            return text
    return f"{day.day} {day:%B %Y}"


EXAMPLE_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
_FORMAT_EXAMPLES: dict[str, Any] = {
    "date-time": "2025-09-01T10:00:00Z",
    "date": "2025-09-01",
    "uuid": EXAMPLE_UUID,
    "email": "name@example.com",
    "uri": "https://example.com",
}


def example_for(document: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """An example built from a schema when the spec gives none: its own ``example``s first,
    then the first enum value, a value of the right format, or one of the right type."""
    if depth > 10:
        return None
    schema = resolve(document, schema)
    if not isinstance(schema, dict):
        return None
    if "example" in schema:
        return schema["example"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if schema.get("allOf"):
        parts = [example_for(document, part, depth + 1) for part in schema["allOf"]]
        if all(isinstance(part, dict) for part in parts):
            merged: dict[str, Any] = {}
            for part in parts:
                merged.update(part)
            return merged
        return next((part for part in parts if part is not None), None)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return example_for(document, schema[key][0], depth + 1)
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value is not None), None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: example_for(document, prop, depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        item = example_for(document, schema.get("items", {}), depth + 1)
        return [] if item is None else [item]
    if kind == "string":
        return _FORMAT_EXAMPLES.get(schema.get("format", ""), "string")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return None
