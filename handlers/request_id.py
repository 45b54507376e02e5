"""``X-Request-Id`` on every response, and one log line per request.

A caller (or a proxy in front of us) may send its own ``X-Request-Id`` so both sides can
name the same request when something goes wrong; we keep it when it is a sane value
(1 to 128 letters, digits and ``._:@/+=-``, so it cannot forge log lines) and otherwise
make one (a UUID). The line logged to ``cpd.requests`` names the lead provider by id and
name, never by token, with the method, path, status and duration.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

log = logging.getLogger("cpd.requests")

_current: ContextVar[str | None] = ContextVar("cpd_request_id", default=None)


def current() -> str | None:
    """The id of the request being served, for other log lines (``None`` outside a request)."""
    return _current.get()


def request_id_for(scope: Scope) -> str:
    """The caller's id when it is sane, else a new one."""
    raw = next((value for name, value in scope.get("headers", ()) if name == HEADER), b"")
    text = raw.decode("latin-1").strip()
    return text if SANE.fullmatch(text) else str(uuid.uuid4())


class RequestIdMiddleware:
    """Outermost of our middlewares, so every answer carries the id: pages, API, errors, 429s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        method = scope.get("method", "")  # before HEAD is served as GET further in
        # Connexion's security layer records the caller in this dict further down the stack.
        extensions = scope.setdefault("extensions", {})
        started = time.perf_counter()
        status = 500  # what the client gets if nothing was sent (the server error handler)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id.encode("latin-1"))]}
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
            caller = (extensions.get("connexion_context") or {}).get("token_info") or {}
            log.info(
                "request_id=%s method=%s path=%s status=%s duration_ms=%.1f provider_id=%s provider=%s",
                request_id,
                method,
                _quoted(scope.get("path", "")),
                status,
                (time.perf_counter() - started) * 1000,
                caller.get("lead_provider_id") or "-",
                _quoted(caller.get("lead_provider_name") or "-"),
                extra={
                    "request_id": request_id,
                    "lead_provider_id": caller.get("lead_provider_id"),
                    "status_code": status,
                },
            )


def _quoted(text: str) -> str:
    """Plain words as they are; anything else JSON-quoted, so a path cannot break the line."""
    return text if re.fullmatch(r"[\w./:@+=-]*", text) else json.dumps(text)
