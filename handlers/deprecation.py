"""Deprecation notices read from the specs and sent as response headers.

An operation marked ``deprecated: true`` in its spec, with an ``x-deprecation`` object
(``since``, ``sunset`` and ``replacement``), answers every request with:

- ``Warning: 299 - "<what is deprecated and what to use instead>"`` (RFC 7234 §5.5),
- ``Deprecation: @<since, as Unix seconds>`` (RFC 9745),
- ``Sunset: <HTTP date>`` (RFC 8594), when a sunset date is given,
- ``Link: </api-reference/release-notes>; rel="deprecation"``.

A deprecated *property* of the operation's request or 200 response (``deprecated: true``
on the property, ``x-deprecation.replacement`` naming what to read instead) adds its own
``Warning``. The spec is the only source, so the documentation, generated clients and
these headers cannot disagree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RELEASE_NOTES_PATH = "/api-reference/release-notes"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Notice:
    """What one operation tells its callers about deprecations."""

    warnings: tuple[str, ...]
    since: dt.date | None = None
    sunset: dt.date | None = None

    def headers(self) -> list[tuple[bytes, bytes]]:
        found = [(b"warning", f'299 - "{text}"'.encode()) for text in self.warnings]
        if self.since is not None:
            found.append((b"deprecation", f"@{_unix(self.since)}".encode()))
        if self.sunset is not None:
            found.append((b"sunset", formatdate(_unix(self.sunset), usegmt=True).encode()))
        found.append((b"link", f'<{RELEASE_NOTES_PATH}>; rel="deprecation"; type="text/html"'.encode()))
        return found


def notices(spec: Mapping[str, Any]) -> dict[str, Notice]:
    """Notices by resolved operation id (``<router controller>.<operationId>``, as Connexion
    names the matched operation), for the operations that have something to say."""
    found: dict[str, Notice] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            notice = _notice(spec, f"{method.upper()} {path}", operation)
            if notice is not None:
                controller = operation.get("x-openapi-router-controller", "")
                found[f"{controller}.{operation['operationId']}"] = notice
    return found


def _notice(spec: Mapping[str, Any], name: str, operation: Mapping[str, Any]) -> Notice | None:
    warnings: list[str] = []
    since = sunset = None
    if operation.get("deprecated"):
        details = operation.get("x-deprecation", {})
        since, sunset = _date(details.get("since")), _date(details.get("sunset"))
        text = f"{name} is deprecated"
        if sunset is not None:
            text += f" and will be withdrawn on {sunset:%-d %B %Y}"
        if details.get("replacement"):
            text += f": use {details['replacement']} instead"
        warnings.append(text)
    for prop, replacement in sorted(set(_deprecated_properties(spec, operation))):
        text = f"The attribute '{prop}' is deprecated"
        warnings.append(f"{text}: use '{replacement}' instead" if replacement else text)
    if not warnings:
        return None
    return Notice(tuple(warnings), since, sunset)


def _deprecated_properties(
    spec: Mapping[str, Any], operation: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    """``(property, replacement)`` for deprecated properties of the request body and the 200
    response, however deeply nested or referenced."""
    schemas = []
    body = _resolve(spec, operation.get("requestBody", {}))
    schemas += [media.get("schema", {}) for media in body.get("content", {}).values()]
    ok = _resolve(spec, operation.get("responses", {}).get("200", {}))
    schemas += [media.get("schema", {}) for media in ok.get("content", {}).values()]
    for schema in schemas:
        yield from _walk(spec, schema, set())


def _walk(spec: Mapping[str, Any], schema: Any, seen: set[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, Mapping):
        return
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        yield from _walk(spec, _resolve(spec, schema), seen | {ref})
        return
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(spec, prop)
        if resolved.get("deprecated"):
            yield name, resolved.get("x-deprecation", {}).get("replacement", "")
        yield from _walk(spec, prop, seen)
    for key in ("items", "additionalProperties"):
        yield from _walk(spec, schema.get(key), seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            yield from _walk(spec, part, seen)


def _resolve(spec: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _unix(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


class DeprecationMiddleware:
    """Adds the matched operation's notices to every response it gives, errors included.

    It sits outside Connexion's exception handling so that error answers carry the notice
    too, which is before routing has run: the operation is looked up when the response
    starts, in the routing details Connexion leaves in the request's scope.
    """

    def __init__(self, app: ASGIApp, notices: Mapping[str, Notice]) -> None:
        self.app = app
        self.notices = notices

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Connexion's routing writes into this same dict further down the stack.
        extensions = scope.setdefault("extensions", {})

        async def send_with_notice(message: Message) -> None:
            if message["type"] == "http.response.start":
                routing = extensions.get("connexion_routing", {})
                notice = self.notices.get(routing.get("operation_id") or "")
                if notice is not None:
                    message = {**message, "headers": [*message.get("headers", []), *notice.headers()]}
            await send(message)

        await self.app(scope, receive, send_with_notice)
