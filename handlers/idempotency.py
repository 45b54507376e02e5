"""``Idempotency-Key`` on every API POST and PUT: a retried request is answered, not redone.

A lead provider sends any key it likes (1 to 255 printable ASCII characters; a UUID is
usual). Within 24 hours of the key's first use, on the one clock:

- the same request again (same method, path and query, and the same JSON body once parsed,
  so key order and spacing do not matter) gets the first answer again (status, body and
  content type) with ``Idempotent-Replayed: true``, and nothing is done a second time;
- a different request with that key gets a 422 titled ``Idempotency-Key``;
- while the first request is still being served, a duplicate waits for its answer (up to
  ``WAIT_SECONDS``) and then gets a 409 if there is none yet.

Keys belong to a provider: another provider's identical key is unrelated. What is kept is
an answer the operation itself gave, 2xx or 4xx; nothing is kept for requests refused
before the operation ran (401, 403, 429, a malformed body or parameter) or for server
errors, so those can simply be retried with the same key.

Two middlewares share the work, because no single place in Connexion's stack both knows
the caller and sees every answer (``cpd.app`` places them):

- :class:`IdempotencyGate` runs after authentication and validation, just before the
  operation: it claims the key by inserting its row (the primary key (provider, key) lets
  exactly one concurrent request in), or answers from the stored row, or refuses;
- :class:`IdempotencyRecorder` runs outside Connexion's exception handling, where error
  answers are rendered, and stores the claimed request's answer (or frees the claim).

Expired keys are swept on about 1% of claims.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import logging
import random
import re
import time
import uuid
from dataclasses import dataclass

import anyio
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpd.config import Settings
from domain import clock
from handlers.errors import ApiError
from storage.db import get_engine
from storage.models import IdempotencyKey

HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
METHODS = ("POST", "PUT")
TITLE = "Idempotency-Key"
#: What the spec allows (``components/parameters/IdempotencyKey``); checked here too.
KEY_FORMAT = re.compile(r"[ -~]{1,255}")
BAD_KEY = "The header 'Idempotency-Key' must be 1 to 255 printable ASCII characters"
MISMATCH = (
    "This Idempotency-Key was used in the last 24 hours for a different request (method, path or "
    "body). Send a new key with a new request."
)
IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed. Send it again shortly to get its answer."
)

#: How long a key is honoured from its first use.
LIFETIME = dt.timedelta(hours=24)
#: A claim still without an answer after this long was abandoned (its worker stopped): it is taken over.
ABANDONED_AFTER = dt.timedelta(minutes=5)
#: How long a duplicate of a request in progress waits for its answer before the 409.
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.05
#: The share of claims that also delete expired keys.
SWEEP_SHARE = 0.01
#: Where the recorder leaves its slot for the gate, in the request's scope.
SLOT = "cpd.idempotency"

log = logging.getLogger("cpd.api")


@dataclass(frozen=True)
class Claim:
    """A key this request holds: the row's identity, and the moment that makes it unique."""

    lead_provider_id: uuid.UUID
    key: str
    fingerprint: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Stored:
    """The first request's answer."""

    status: int
    content_type: str | None
    body: bytes


class Refusal(enum.Enum):
    MISMATCH = "mismatch"
    IN_PROGRESS = "in progress"


@dataclass
class _Slot:
    claim: Claim | None = None
    settled: bool = False


# --- the rows -------------------------------------------------------------------------------------


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """SHA-256 of the request. A JSON body is hashed in canonical form (sorted keys, no
    spaces), so re-serialising the same document on a retry is still the same request."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:  # not JSON (or empty): the bytes as sent
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


_table = IdempotencyKey.__table__
_c = _table.c


def _row(claim: Claim) -> sa.ColumnElement[bool]:
    return sa.and_(_c.lead_provider_id == claim.lead_provider_id, _c.key == claim.key)


def _ours(claim: Claim) -> sa.ColumnElement[bool]:
    """The row is still this request's claim (not finished, not taken over)."""
    return sa.and_(_row(claim), _c.created_at == claim.created_at, _c.response_status.is_(None))


def _try_insert(connection: sa.Connection, claim: Claim) -> bool:
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(_table)
        .values(
            lead_provider_id=claim.lead_provider_id,
            key=claim.key,
            fingerprint=claim.fingerprint,
            created_at=claim.created_at,
        )
        .on_conflict_do_nothing(index_elements=[_c.lead_provider_id, _c.key])
        .returning(_c.key)
    )
    return connection.execute(statement).first() is not None


def _lapsed(row: sa.Row, now: dt.datetime) -> bool:
    age = now - row.created_at
    return age >= (LIFETIME if row.response_status is not None else ABANDONED_AFTER)


def claim_key(database_url: str, claim: Claim) -> Claim | Stored | Refusal:
    """Claim the key for this request, or say what the earlier request with it came to.

    The insert comes first, so on both databases the unique key decides between concurrent
    requests (PostgreSQL makes the loser wait for the winner's commit; SQLite has one writer).
    """
    with get_engine(database_url).begin() as connection:
        if _try_insert(connection, claim):
            if random.random() < SWEEP_SHARE:
                sweep(connection, claim.created_at)
            return claim
        row = connection.execute(sa.select(_table).where(_row(claim))).first()
        if row is not None and _lapsed(row, claim.created_at):
            stale = sa.and_(_row(claim), _c.created_at == row.created_at)
            if connection.execute(sa.delete(_table).where(stale)).rowcount and _try_insert(connection, claim):
                return claim
            row = connection.execute(sa.select(_table).where(_row(claim))).first()
    if row is None:
        return Refusal.IN_PROGRESS  # freed between two statements: the caller asks again
    if row.fingerprint != claim.fingerprint:
        return Refusal.MISMATCH
    if row.response_status is None:
        return Refusal.IN_PROGRESS
    return Stored(row.response_status, row.response_content_type, bytes(row.response_body))


def store(database_url: str, claim: Claim, answer: Stored) -> None:
    with get_engine(database_url).begin() as connection:
        connection.execute(
            sa.update(_table)
            .where(_ours(claim))
            .values(
                response_status=answer.status,
                response_content_type=answer.content_type,
                response_body=answer.body,
            )
        )


def release(database_url: str, claim: Claim) -> None:
    """Free a claim whose request got no answer worth keeping, so a retry does the work."""
    with get_engine(database_url).begin() as connection:
        connection.execute(sa.delete(_table).where(_ours(claim)))


def sweep(connection: sa.Connection, now: dt.datetime) -> int:
    """Delete every key past its 24 hours; returns how many."""
    return connection.execute(sa.delete(_table).where(_c.created_at <= now - LIFETIME)).rowcount


# --- the middlewares ------------------------------------------------------------------------------


def _header(scope: Scope) -> str | None:
    raw = next((value for name, value in scope.get("headers", ()) if name == HEADER), None)
    return None if raw is None else raw.decode("latin-1").strip()


def _caller(scope: Scope) -> uuid.UUID | None:
    token_info = (scope.get("extensions", {}).get("connexion_context") or {}).get("token_info") or {}
    provider = token_info.get("lead_provider_id")
    return uuid.UUID(provider) if provider else None


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands the same messages on."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay


class IdempotencyGate:
    """Just before the operation (after authentication and validation): claim, replay or refuse."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slot = scope.get("extensions", {}).get(SLOT) if scope["type"] == "http" else None
        provider = _caller(scope) if slot is not None else None
        key = _header(scope)
        if slot is None or provider is None or key is None:
            await self.app(scope, receive, send)
            return
        if not KEY_FORMAT.fullmatch(key):
            raise ApiError.bad_request(BAD_KEY)
        body, receive = await _read_body(receive)
        claim = Claim(
            provider,
            key,
            fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body),
            clock.now(),
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = await anyio.to_thread.run_sync(claim_key, self.settings.database_url, claim)
            if isinstance(outcome, Claim):
                break
            if isinstance(outcome, Stored):
                await _replay(outcome, send)
                return
            if outcome is Refusal.MISMATCH:
                raise ApiError(422, [(TITLE, MISMATCH)])
            if time.monotonic() >= deadline:
                raise ApiError(409, [(TITLE, IN_PROGRESS)])
            await anyio.sleep(POLL_SECONDS)
        slot.claim = outcome
        await self.app(scope, receive, send)


async def _replay(answer: Stored, send: Send) -> None:
    headers = [(b"content-length", str(len(answer.body)).encode()), REPLAYED_HEADER]
    if answer.content_type:
        headers.insert(0, (b"content-type", answer.content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class IdempotencyRecorder:
    """Outside Connexion's exception handling: keeps the answer of a request that claimed a key."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in METHODS or _header(scope) is None:
            await self.app(scope, receive, send)
            return
        slot = _Slot()
        scope.setdefault("extensions", {})[SLOT] = slot
        status, content_type, chunks = 0, None, []

        async def record(message: Message) -> None:
            nonlocal status, content_type
            if slot.claim is not None and not slot.settled:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    raw = next(
                        (v for k, v in message.get("headers", []) if k.lower() == b"content-type"), None
                    )
                    content_type = raw.decode("latin-1") if raw is not None else None
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        slot.settled = True
                        await self._settle(slot.claim, Stored(status, content_type, b"".join(chunks)))
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            if slot.claim is not None and not slot.settled:
                slot.settled = True
                with anyio.CancelScope(shield=True):
                    await self._settle(slot.claim, None)

    async def _settle(self, claim: Claim, answer: Stored | None) -> None:
        """Keep a 2xx or 4xx answer; free the claim after anything else (or no answer at all)."""
        keep = answer is not None and (200 <= answer.status < 300 or 400 <= answer.status < 500)
        try:
            if keep:
                assert answer is not None
                await anyio.to_thread.run_sync(store, self.settings.database_url, claim, answer)
            else:
                await anyio.to_thread.run_sync(release, self.settings.database_url, claim)
        except Exception:  # the answer still goes out; an unreleased claim lapses in minutes
            log.exception("could not record the answer for an Idempotency-Key")
