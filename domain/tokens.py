"""API tokens: issued once in plaintext, stored only as an HMAC-SHA256 digest.

The digest is keyed with a key derived from ``SECRET_KEY``, so a stolen database
alone does not let anyone check guesses offline. Lookup is by digest on a unique
index, which is a constant-time comparison in effect: no plaintext is ever compared.
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
    token = session.scalars(
        sa.select(ApiToken).where(ApiToken.hashed_token == digest(plaintext, secret_key))
    ).first()
    if token is None or token.revoked_at is not None:
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
