"""API tokens: issued once in plaintext, stored only as an HMAC-SHA256 digest.

The digest is keyed with a key derived from ``SECRET_KEY``, so a stolen database
alone does not let anyone check guesses offline. Lookup is by digest on a unique
index: no plaintext is ever compared, and the digest found is confirmed with
``hmac.compare_digest``, so timing says nothing about how close a guess was.

The functions web pages and commands call (keep their signatures stable):

- :func:`issue` a new token for a provider (the plaintext is returned once);
- :func:`revoke` one token, or all of a provider's, at once;
- :func:`rotate` a provider's tokens: a new token now, the old ones expiring after a grace
  period, so a provider can switch its systems over without an outage;
- :func:`authenticate` a presented plaintext (revoked and expired tokens are refused).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.clock import now
from storage.enums import TokenScope
from storage.models import ApiToken, LeadProvider

_TOKEN_BYTES = 24  # 32 URL-safe characters
#: How long the old tokens keep working after a rotation, unless told otherwise.
DEFAULT_ROTATION_GRACE = dt.timedelta(days=7)
#: An old token should not linger: a provider that needs longer can be given a new rotation.
MAX_ROTATION_GRACE = dt.timedelta(days=90)


class TokenError(ValueError):
    """A token operation that cannot be done (unknown provider, unknown token)."""


def _digest_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"cpd api token digest key\x00" + secret_key.encode()).digest()


def digest(plaintext: str, secret_key: str) -> str:
    """Hex HMAC-SHA256 of a presented token."""
    return hmac.new(_digest_key(secret_key), plaintext.encode(), hashlib.sha256).hexdigest()


def generate_plaintext() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def derived_plaintext(secret_key: str, label: str) -> str:
    """A reproducible token for sandbox seeding only: the same secret and label give the same token."""
    raw = hmac.new(secret_key.encode(), b"sandbox token\x00" + label.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw[:_TOKEN_BYTES]).decode().rstrip("=")


def find_provider(session: Session, name_or_id: str) -> LeadProvider:
    condition = LeadProvider.name == name_or_id
    with contextlib.suppress(ValueError):
        condition = sa.or_(condition, LeadProvider.id == uuid.UUID(name_or_id))
    query = sa.select(LeadProvider).where(condition)
    provider = session.scalars(query).first()
    if provider is None:
        raise TokenError(f"no lead provider called {name_or_id!r}")
    return provider


def issue(
    session: Session,
    provider: LeadProvider | None,
    secret_key: str,
    *,
    plaintext: str | None = None,
    scope: TokenScope = TokenScope.LEAD_PROVIDER,
    description: str | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token's digest and return it with the plaintext, which is never stored."""
    plaintext = plaintext or generate_plaintext()
    token = ApiToken(
        hashed_token=digest(plaintext, secret_key),
        lead_provider_id=provider.id if provider else None,
        scope=scope,
        description=description,
    )
    session.add(token)
    session.flush()
    return token, plaintext


def authenticate(
    session: Session, plaintext: str, secret_key: str, *, touch_after: dt.timedelta | None = None
) -> ApiToken | None:
    """The live token for a presented plaintext, with ``last_used_at`` moved; else ``None``.

    ``touch_after`` skips the write when the last recorded use is more recent than that,
    so a busy client does not turn every read into a write.
    """
    if not plaintext or len(plaintext) > 512:
        return None
    presented = digest(plaintext, secret_key)
    token = session.scalars(sa.select(ApiToken).where(ApiToken.hashed_token == presented)).first()
    if (
        token is None
        or not hmac.compare_digest(token.hashed_token, presented)
        or token.revoked_at is not None
    ):
        return None
    moment = now()
    if token.expires_at is not None and token.expires_at <= moment:
        return None
    if touch_after is None or token.last_used_at is None or moment - token.last_used_at >= touch_after:
        token.last_used_at = moment
    return token


def revoke(
    session: Session, *, token_id: uuid.UUID | None = None, provider: LeadProvider | None = None
) -> int:
    """Revoke one token by id, or every live token of a provider. Returns how many."""
    query = sa.select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    elif provider is not None:
        query = query.where(ApiToken.lead_provider_id == provider.id)
    else:
        raise TokenError("say which token or provider to revoke")
    tokens = list(session.scalars(query))
    for token in tokens:
        token.revoked_at = now()
    session.flush()
    return len(tokens)


def rotate(
    session: Session,
    provider: LeadProvider,
    secret_key: str,
    *,
    grace: dt.timedelta = DEFAULT_ROTATION_GRACE,
    description: str | None = None,
) -> tuple[ApiToken, str, list[ApiToken]]:
    """Issue ``provider`` a new token and let its other live tokens work only until ``grace``
    has passed (a zero grace ends them now). Returns the new token, its plaintext (shown
    once) and the old tokens, now with their ``expires_at``.

    A token already due to expire sooner keeps its earlier end: rotating never extends one.
    """
    if not dt.timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise TokenError(f"the grace period must be between 0 and {MAX_ROTATION_GRACE.days} days")
    ends = now() + grace
    old = list(
        session.scalars(
            sa.select(ApiToken).where(
                ApiToken.lead_provider_id == provider.id,
                ApiToken.revoked_at.is_(None),
                sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now()),
            )
        )
    )
    for token in old:
        if token.expires_at is None or token.expires_at > ends:
            token.expires_at = ends
    new_token, plaintext = issue(
        session, provider, secret_key, description=description or f"Rotated {now():%Y-%m-%d %H:%M} UTC"
    )
    return new_token, plaintext, old


def parse_grace(text: str) -> dt.timedelta:
    """``7d``, ``36h``, ``90m`` or ``0``: the grace period of a rotation, as commands take it."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text == "0":
        return dt.timedelta(0)
    if len(text) >= 2 and text[-1] in units and text[:-1].isascii() and text[:-1].isdigit():
        grace = dt.timedelta(**{units[text[-1]]: min(int(text[:-1]), 10**6)})
        if grace > MAX_ROTATION_GRACE:
            raise TokenError(f"a grace period is at most {MAX_ROTATION_GRACE.days} days")
        return grace
    raise TokenError(
        f"a grace period is a whole number of days, hours or minutes (7d, 36h, 90m), not {text!r}"
    )
