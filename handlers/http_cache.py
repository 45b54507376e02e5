"""``ETag`` on JSON answers to API GETs, and ``304 Not Modified`` for a matching ``If-None-Match``.

The validator is a digest of the body bytes (BLAKE2b, 128 bits), so it is strong (same
bytes, same tag), needs no knowledge of what the handler read, and costs one pass over a
body already built in memory. Deciding a 304 still runs the query: what it saves is the
transfer and the client's parsing, which for a full page of participants is most of it.

Only 200 answers with a JSON media type are buffered and tagged. Anything else passes
through untouched as it streams, in particular the CSV exports
(``handlers.csv_export``), which are sent in chunks while rows are read and so carry no
tag: ``If-None-Match`` does not apply to them. Errors never carry a tag.

``If-None-Match`` follows RFC 9110 §13.1.2: ``*`` or a list of entity tags, compared
weakly (``W/"x"`` matches ``"x"``); tags that cannot be read are ignored.
"""

from __future__ import annotations

import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

IF_NONE_MATCH = b"if-none-match"
ETAG = b"etag"
#: An entity tag in a list: optional weakness prefix, then a quoted opaque tag.
_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*(?:,|$)')
#: Representation metadata a 304 leaves out (RFC 9110 §15.4.5): there is no body to describe.
_BODY_HEADERS = {b"content-type", b"content-length", b"content-encoding"}


def etag_for(body: bytes) -> str:
    """The strong validator of a body: ``"<32 hex digits>"``."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def none_match(header_values: list[str], etag: str) -> bool:
    """Whether ``If-None-Match`` (all its field lines) names ``etag``, or is ``*``."""
    opaque = etag.removeprefix("W/")
    for value in header_values:
        text = value.strip()
        if text == "*":
            return True
        position = 0
        while position < len(text):
            match = _ENTITY_TAG.match(text, position)
            if match is None:
                break  # not a list of entity tags: nothing more can be read from it
            if f'"{match.group(1)}"' == opaque:
                return True
            position = match.end()
    return False


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class HttpCacheMiddleware:
    """Tags JSON 200s to API GETs (HEAD is served as GET before this runs) and answers 304.

    It sits just outside Connexion's routing, so the body it hashes is the one the response
    check (further in) passed, and a 304 is decided only once the request was authorised and
    served. It sits inside the sandbox-clock middleware, which serves HEAD as GET and drops the
    body on the way out: the tag is computed on the real body either way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or not scope.get("path", "").startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        conditions = [value.decode("latin-1") for name, value in scope["headers"] if name == IF_NONE_MATCH]
        held: Message | None = None
        chunks: list[bytes] = []

        async def tag(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message["status"] == 200 and _is_json(message.get("headers", [])):
                    held = message  # wait for the whole body
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                etag = etag_for(body)
                headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != ETAG]
                if none_match(conditions, etag):
                    headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
                    await send({**held, "status": 304, "headers": [*headers, (ETAG, etag.encode())]})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await send({**held, "headers": [*headers, (ETAG, etag.encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, tag)
