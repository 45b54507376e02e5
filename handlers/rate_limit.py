"""Per-token request limit for the API: fixed windows, counted across every worker.

Like the original, the client key is the raw ``Authorization`` header (hashed here, so
no token reaches Redis or the counters table) and requests without one are not
counted. Counters live in Redis when ``REDIS_URL`` is set, else in the database.

Every counted response says where the caller stands, errors included: ``RateLimit-Limit``,
``RateLimit-Remaining`` (this request counted) and ``RateLimit-Reset`` (seconds until the
window ends), the fields of the IETF draft on rate-limit headers. Past the limit the answer
is a 429 in the API's error format with ``Retry-After``; the original sent ``Retry later``
as plain text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from typing import Protocol

import anyio
import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpd.config import Settings
from handlers.errors import JSON_API, errors_body
from storage.db import get_engine
from storage.models import RateLimitCounter

THROTTLED_TITLE = "Too many requests"

log = logging.getLogger("cpd.api")


class Counter(Protocol):
    async def hit(self, key: str, window_start: int, window_seconds: int) -> int:
        """Count one request in the window and return the window's total so far."""


class RedisCounter:
    """INCR and EXPIRE in one round trip. A synchronous client in a worker thread keeps
    the connection pool independent of whichever event loop serves the request."""

    def __init__(self, url: str, prefix: str = "cpd:rate:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        #: Keys are ``<prefix><hashed key>:<window start>``: one Redis may serve several services.
        self.prefix = prefix

    def _hit(self, name: str, window_seconds: int) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window_seconds * 2)
        count, _ = pipe.execute()
        return int(count)

    async def hit(self, key: str, window_start: int, window_seconds: int) -> int:
        return await anyio.to_thread.run_sync(self._hit, f"{self.prefix}{key}:{window_start}", window_seconds)


class DatabaseCounter:
    """An upsert per request; old windows are swept now and then."""

    def __init__(self, database_url: str) -> None:
        self.engine = get_engine(database_url)

    def _hit(self, key: str, window_start: int) -> int:
        table = RateLimitCounter.__table__
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(key=key, window_start=window_start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start], set_={"count": table.c.count + 1}
        ).returning(table.c.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.random() < 0.01:  # sweeping on ~1% of requests keeps the table small
                connection.execute(sa.delete(table).where(table.c.window_start < window_start))
        return int(count)

    async def hit(self, key: str, window_start: int, window_seconds: int) -> int:
        return await anyio.to_thread.run_sync(self._hit, key, window_start)


def counter_for(settings: Settings) -> Counter:
    if settings.redis_url:
        return RedisCounter(settings.redis_url, f"{settings.redis_key_prefix}rate:")
    return DatabaseCounter(settings.database_url)


class RateLimitMiddleware:
    """Counts each ``/api/`` request with a token, adds the rate-limit headers to whatever
    answer it gets, and answers 429 itself once a key passes the limit in a window.

    It sits outside Connexion's exception handling (``cpd.app``) so error answers carry the
    headers too. If the counter store fails, the request is served without a count or
    headers (and the failure logged): an outage of Redis should not take the API down.
    """

    def __init__(self, app: ASGIApp, settings: Settings, counter: Counter | None = None) -> None:
        self.app = app
        self.settings = settings
        self.counter = counter or counter_for(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        if not header:
            await self.app(scope, receive, send)
            return
        limit, window = self.settings.rate_limit, self.settings.rate_limit_window_seconds
        now = time.time()
        window_start = int(now // window) * window
        key = hashlib.sha256(header).hexdigest()
        try:
            count = await self.counter.hit(key, window_start, window)
        except Exception:  # the store is down: serve unthrottled rather than not at all
            log.exception("rate limit counter unavailable")
            await self.app(scope, receive, send)
            return
        reset = min(window, max(1, math.ceil(window_start + window - now)))
        headers = [
            (b"ratelimit-limit", str(limit).encode()),
            (b"ratelimit-remaining", str(max(0, limit - count)).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]
        if count <= limit:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *headers]}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        detail = (
            f"This token has made more than {limit:,} requests in the current {window}-second window. "
            f"Try again in {reset} seconds."
        )
        body = json.dumps(errors_body([(THROTTLED_TITLE, detail)]), separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", JSON_API.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(reset).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
