"""API tokens: only a keyed digest is stored; revoked and expired tokens never authenticate."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd.config import Settings
from domain import tokens
from domain.clock import UTC, travel
from storage.enums import TokenScope
from storage.models import ApiToken, LeadProvider

OTHER_SECRET_KEY = "another-secret-key-that-is-long-enough-9876543210"


@pytest.fixture
def secret(settings: Settings) -> str:
    return settings.secret_key


@pytest.fixture
def provider(session: Session) -> LeadProvider:
    lead_provider = LeadProvider(name="Education Development Trust")
    session.add(lead_provider)
    session.flush()
    return lead_provider


def _raw_api_token_rows(session: Session) -> list[tuple[object, ...]]:
    """Every column of every row, read with plain SQL so no ORM mapping can hide one."""
    return [tuple(row) for row in session.execute(sa.text("SELECT * FROM api_tokens"))]


def test_the_plaintext_is_stored_nowhere(session: Session, provider: LeadProvider, secret: str) -> None:
    issued = [
        tokens.issue(session, provider, secret, description="CRM sync")[1],
        tokens.issue(session, None, secret, scope=TokenScope.INTERNAL)[1],
        tokens.issue(session, provider, secret, plaintext="chosen-plaintext-for-sandbox-1234")[1],
    ]
    session.commit()

    rows = _raw_api_token_rows(session)
    assert len(rows) == 3
    stored = [str(value) for row in rows for value in row if value is not None]
    for plaintext in issued:
        assert len(plaintext) >= 32
        assert not any(plaintext in value for value in stored)
        assert not any(hashlib.sha256(plaintext.encode()).hexdigest() == value for value in stored)


def test_the_digest_is_an_hmac_keyed_by_the_secret(
    session: Session, provider: LeadProvider, secret: str
) -> None:
    token, plaintext = tokens.issue(session, provider, secret)

    assert token.hashed_token == tokens.digest(plaintext, secret)
    assert len(token.hashed_token) == 64
    assert int(token.hashed_token, 16) >= 0
    assert tokens.digest(plaintext, OTHER_SECRET_KEY) != token.hashed_token
    assert tokens.digest(plaintext + "x", secret) != token.hashed_token
    assert token.hashed_token != hashlib.sha256(plaintext.encode()).hexdigest()
    assert tokens.digest(plaintext, secret) == tokens.digest(plaintext, secret)


def test_a_token_checked_under_another_secret_fails(
    session: Session, provider: LeadProvider, secret: str
) -> None:
    _token, plaintext = tokens.issue(session, provider, secret)

    assert tokens.authenticate(session, plaintext, OTHER_SECRET_KEY) is None


def test_authenticate_finds_the_provider_and_moves_last_used_at(
    session: Session, provider: LeadProvider, secret: str
) -> None:
    token, plaintext = tokens.issue(session, provider, secret)
    session.commit()
    assert token.last_used_at is None

    first = dt.datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    with travel(first):
        found = tokens.authenticate(session, plaintext, secret)
    assert found is not None and found.id == token.id
    assert found.lead_provider_id == provider.id
    session.commit()
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == first

    later = first + dt.timedelta(days=2)
    with travel(later):
        assert tokens.authenticate(session, plaintext, secret) is not None
    session.commit()
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == later


@pytest.mark.parametrize("presented", ["", "not-a-token", "x" * 600])
def test_unknown_or_absurd_tokens_fail(
    session: Session, provider: LeadProvider, presented: str, secret: str
) -> None:
    tokens.issue(session, provider, secret)

    assert tokens.authenticate(session, presented, secret) is None


def test_a_revoked_token_fails_and_others_still_work(
    session: Session, provider: LeadProvider, secret: str
) -> None:
    revoked, revoked_plaintext = tokens.issue(session, provider, secret)
    _kept, kept_plaintext = tokens.issue(session, provider, secret)

    assert tokens.revoke(session, token_id=revoked.id) == 1
    session.commit()

    assert tokens.authenticate(session, revoked_plaintext, secret) is None
    assert tokens.authenticate(session, kept_plaintext, secret) is not None
    assert tokens.revoke(session, token_id=revoked.id) == 0


def test_revoking_by_provider_revokes_only_its_live_tokens(
    session: Session, provider: LeadProvider, secret: str
) -> None:
    other = LeadProvider(name="UCL Institute of Education")
    session.add(other)
    session.flush()
    mine = [tokens.issue(session, provider, secret)[1] for _ in range(2)]
    theirs = tokens.issue(session, other, secret)[1]

    assert tokens.revoke(session, provider=provider) == 2

    assert [tokens.authenticate(session, p, secret) for p in mine] == [None, None]
    assert tokens.authenticate(session, theirs, secret) is not None
    with pytest.raises(tokens.TokenError):
        tokens.revoke(session)


def test_an_expired_token_fails(session: Session, provider: LeadProvider, secret: str) -> None:
    token, plaintext = tokens.issue(session, provider, secret)
    token.expires_at = dt.datetime(2025, 6, 1, tzinfo=UTC)
    session.commit()

    with travel(dt.datetime(2025, 5, 31, 23, 59, tzinfo=UTC)):
        assert tokens.authenticate(session, plaintext, secret) is not None
    with travel(dt.datetime(2025, 6, 1, tzinfo=UTC)):
        assert tokens.authenticate(session, plaintext, secret) is None


def test_an_internal_token_has_no_provider(session: Session, provider: LeadProvider, secret: str) -> None:
    token, plaintext = tokens.issue(session, None, secret, scope=TokenScope.INTERNAL)
    session.commit()

    found = tokens.authenticate(session, plaintext, secret)
    assert found is not None and found.id == token.id
    assert found.scope == TokenScope.INTERNAL
    assert found.lead_provider_id is None and found.lead_provider is None


def test_a_provider_token_without_a_provider_is_refused_by_the_database(
    session: Session, secret: str
) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        tokens.issue(session, None, secret, scope=TokenScope.LEAD_PROVIDER)


def test_derived_sandbox_tokens_are_reproducible_per_secret_and_label(secret: str) -> None:
    first = tokens.derived_plaintext(secret, "Ambition Institute")

    assert first == tokens.derived_plaintext(secret, "Ambition Institute")
    assert first != tokens.derived_plaintext(secret, "Teach First")
    assert first != tokens.derived_plaintext(OTHER_SECRET_KEY, "Ambition Institute")
    assert len(first) >= 32


def test_find_provider_by_name_or_id(session: Session, provider: LeadProvider) -> None:
    assert tokens.find_provider(session, "Education Development Trust").id == provider.id
    assert tokens.find_provider(session, str(provider.id)).id == provider.id
    with pytest.raises(tokens.TokenError, match="no lead provider called 'Nobody'"):
        tokens.find_provider(session, "Nobody")
