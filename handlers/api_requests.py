"""Every write request to the API is kept: its body, who sent it and the status it got.

:class:`ApiRequestRecorder` sits outside Connexion's exception handling (so it sees every
answer, errors and 429s included) and inside ``RequestIdMiddleware`` (so it knows the
``X-Request-Id``). For a POST, PUT, PATCH or DELETE under ``/api/`` it gives the request an
id, which ``domain.audit`` stamps on the events its writes cause, and once the answer has
gone out it writes one ``api_requests`` row in its own short transaction: a refused request
(401, 422, 429) is kept too, with no events beside it. For every HTTP request it also clears
the actor, so a server started by a ``cpd`` command does not act as that command.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import anyio
import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpd.config import Settings
from domain import audit, clock
from handlers import request_id
from storage.db import get_engine
from storage.models import ApiRequest

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Bodies longer than this (request or error answer) are kept cut short, as text.
MAX_BODY = 16 * 1024
SECRET_KEY = re.compile(r"token|password|secret|authori[sz]ation", re.IGNORECASE)

log = logging.getLogger("cpd.api")


def is_write(scope: Scope) -> bool:
    return scope.get("method") in WRITES and scope.get("path", "").startswith("/api/")


def redacted(value: Any) -> Any:
    """A JSON document with the value of any key that names a secret replaced."""
    if isinstance(value, dict):
        return {k: audit.REDACTED if SECRET_KEY.search(str(k)) else redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def kept_body(raw: bytes, size: int | None = None) -> Any:
    """What is kept of a body (``raw`` is its start, ``size`` its whole length): the JSON
    document (secrets removed), or a cut-short text."""
    size = len(raw) if size is None else size
    if not size:
        return None
    if size > MAX_BODY:
        return {"truncated": True, "bytes": size, "text": raw[:MAX_BODY].decode("utf-8", "replace")}
    try:
        return redacted(json.loads(raw))
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested past the parser's depth
        return {"unreadable": raw.decode("utf-8", "replace")}


def _caller(scope: Scope) -> dict[str, Any]:
    return (scope.get("extensions", {}).get("connexion_context") or {}).get("token_info") or {}


def _uuid(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text)) if text else None
    except ValueError:
        return None


def record(database_url: str, row: dict[str, Any]) -> None:
    with get_engine(database_url).begin() as connection:
        connection.execute(sa.insert(ApiRequest.__table__), [row])


class ApiRequestRecorder:
    """Keeps each API write request (see the module's docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not is_write(scope):
            with audit.in_request(request_id.current()):
                await self.app(scope, receive, send)
            return
        api_request_id = uuid.uuid4()
        received_at = clock.now()
        started = time.perf_counter()
        body = _BodyStart(receive)
        status = 500
        answer: list[bytes] = []
        size = 0

        async def keep_status(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status > 299 and size <= MAX_BODY:
                chunk = message.get("body", b"")
                answer.append(chunk)
                size += len(chunk)
            await send(message)

        try:
            with audit.in_request(request_id.current(), api_request_id):
                await self.app(scope, body.receive, keep_status)
        finally:
            with anyio.CancelScope(shield=True):
                await body.read_rest()
            caller = _caller(scope)
            row = {
                "id": api_request_id,
                "received_at": received_at,
                "request_id": request_id.current(),
                "method": scope["method"],
                "path": _path(scope),
                "lead_provider_id": _uuid(caller.get("lead_provider_id")),
                "api_token_id": _uuid(caller.get("token_id")),
                "request_body": kept_body(bytes(body.start), body.size),
                "response_status": status,
                "response_body": kept_body(b"".join(answer)) if status > 299 else None,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            }
            with anyio.CancelScope(shield=True):
                try:
                    await anyio.to_thread.run_sync(record, self.settings.database_url, row)
                except Exception:  # the answer has gone out; a lost record must not fail it
                    log.exception("could not record an API write request")


class _BodyStart:
    """Passes the request body on as it is read, keeping its first ``MAX_BODY`` bytes (so a
    huge body is never held in memory); what the app did not read (a request refused before
    its body was needed, such as a 401) is read afterwards, up to ``DRAIN_LIMIT``."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.start = bytearray()
        self.size = 0
        self.done = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            room = MAX_BODY + 1 - len(self.start)
            if room > 0:
                self.start.extend(chunk[:room])
            self.done = not message.get("more_body", False)
        else:  # http.disconnect
            self.done = True
        return message

    async def read_rest(self) -> None:
        while not self.done and self.size <= DRAIN_LIMIT:
            await self.receive()


#: How much of an unread body is read after the answer, to keep its start.
DRAIN_LIMIT = 1024 * 1024


def _path(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    path = scope.get("path", "")
    return (f"{path}?{query}" if query else path)[:2048]
