"""API tokens as an attacker or a careless log would meet them: compared in constant time,
never written to a log or a table in plaintext, refused with the usual 401 once expired or
revoked, and rotated with a grace period (``cpd tokens rotate``)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cpd.cli import main
from domain import tokens
from domain.clock import now, travel
from storage.models import ApiToken, Base
from tests.factories import provider_with_token

ACCESS_DENIED = {"error": "HTTP Token: Access denied"}


def _at(moment: dt.datetime) -> dict[str, str]:
    """The sandbox header that moves the service's clock for one request."""
    return {"X-With-Server-Date": moment.isoformat()}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    assert response.json() == ACCESS_DENIED
    assert response.headers["www-authenticate"] == 'Token realm="Application"'


def test_the_digest_found_is_confirmed_with_a_constant_time_comparison(session, settings, monkeypatch):
    _, plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert tokens.authenticate(session, plaintext, settings.secret_key) is not None
    expected = tokens.digest(plaintext, settings.secret_key)
    assert (expected, expected) in compared
    assert tokens.authenticate(session, plaintext + "x", settings.secret_key) is None


def test_an_expired_token_gets_the_usual_401(client, session, settings):
    provider, plaintext = provider_with_token(session, settings.secret_key)
    token = session.scalars(sa.select(ApiToken).where(ApiToken.lead_provider_id == provider.id)).one()
    token.expires_at = now() + dt.timedelta(days=1)
    session.commit()
    assert client.get("/api/v3/statements", headers=_auth(plaintext)).status_code == 200
    later = now() + dt.timedelta(days=1, seconds=1)
    _refused(client.get("/api/v3/statements", headers={**_auth(plaintext), **_at(later)}))


def test_a_revoked_token_gets_the_usual_401(client, session, settings):
    provider, plaintext = provider_with_token(session, settings.secret_key)
    tokens.revoke(session, provider=provider)
    session.commit()
    _refused(client.get("/api/v3/statements", headers=_auth(plaintext)))


def test_rotation_keeps_the_old_token_working_until_the_grace_period_ends(client, session, settings):
    provider, old_plaintext = provider_with_token(session, settings.secret_key)
    start = now()
    with travel(start):
        new_token, new_plaintext, old = tokens.rotate(
            session, provider, settings.secret_key, grace=dt.timedelta(days=7)
        )
    session.commit()
    assert [t.expires_at for t in old] == [start + dt.timedelta(days=7)]
    assert new_token.expires_at is None and new_plaintext != old_plaintext

    within = start + dt.timedelta(days=6, hours=23)
    after = start + dt.timedelta(days=7, seconds=1)
    for plaintext in (old_plaintext, new_plaintext):
        response = client.get("/api/v3/statements", headers={**_auth(plaintext), **_at(within)})
        assert response.status_code == 200
    _refused(client.get("/api/v3/statements", headers={**_auth(old_plaintext), **_at(after)}))
    assert client.get("/api/v3/statements", headers={**_auth(new_plaintext), **_at(after)}).status_code == 200


def test_rotation_never_extends_a_token_and_a_zero_grace_ends_the_old_ones_now(session, settings):
    provider, old_plaintext = provider_with_token(session, settings.secret_key)
    soon = now() + dt.timedelta(hours=1)
    session.scalars(sa.select(ApiToken)).one().expires_at = soon
    tokens.rotate(session, provider, settings.secret_key, grace=dt.timedelta(days=7))
    old = session.scalars(
        sa.select(ApiToken).where(ApiToken.hashed_token == tokens.digest(old_plaintext, settings.secret_key))
    ).one()
    assert old.expires_at == soon

    _, newest, _ = tokens.rotate(session, provider, settings.secret_key, grace=dt.timedelta(0))
    assert tokens.authenticate(session, old_plaintext, settings.secret_key) is None
    assert tokens.authenticate(session, newest, settings.secret_key) is not None
    with pytest.raises(tokens.TokenError):
        tokens.rotate(session, provider, settings.secret_key, grace=dt.timedelta(days=-1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", dt.timedelta(days=7)),
        ("36h", dt.timedelta(hours=36)),
        ("90m", dt.timedelta(minutes=90)),
        ("0", dt.timedelta(0)),
    ],
)
def test_grace_periods_are_read_as_days_hours_or_minutes(text, expected):
    assert tokens.parse_grace(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "-1d", "7w", "1.5d", "٣d", "91d", "9" * 40 + "d"])
def test_bad_grace_periods_are_refused(text):
    with pytest.raises(tokens.TokenError):
        tokens.parse_grace(text)


def test_cpd_tokens_rotate_prints_only_the_new_token(session, settings):
    provider, old_plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    env = {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "CPD_ENVIRONMENT": "test",
        "REDIS_URL": None,
    }
    result = CliRunner().invoke(
        main,
        ["tokens", "rotate", "--provider", provider.name, "--grace", "36h"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    new_plaintext = result.stdout.strip()
    assert "\n" not in new_plaintext and "stop" in result.stderr
    session.expire_all()
    assert tokens.authenticate(session, new_plaintext, settings.secret_key) is not None
    old = tokens.authenticate(session, old_plaintext, settings.secret_key)
    assert old is not None and old.expires_at is not None
    assert dt.timedelta(hours=35) < old.expires_at - now() <= dt.timedelta(hours=36)

    refused = CliRunner().invoke(
        main, ["tokens", "rotate", "--provider", provider.name, "--grace", "soon"], env=env
    )
    assert refused.exit_code != 0
    assert "grace period" in refused.output


def test_tokens_never_reach_a_log_record_or_a_table(live_server, session, settings):
    """Authenticated requests of every kind (reads, writes, refusals, errors) with every log
    record captured from every logger at DEBUG: neither the token nor the Authorization
    header appears, and no table holds the plaintext."""
    provider, plaintext = provider_with_token(session, settings.secret_key)
    revoked, revoked_plaintext = tokens.issue(session, provider, settings.secret_key)
    tokens.revoke(session, token_id=revoked.id)
    session.commit()
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            for token in (plaintext, revoked_plaintext, plaintext + "-wrong"):
                for scheme in (f"Bearer {token}", f'Token token="{token}"'):
                    headers = {"Authorization": scheme, "X-Request-Id": "token-log-test"}
                    http.get("/api/v3/statements", headers=headers)
                    http.get("/api/v3/participants/ecf?page[page]=x", headers=headers)
                    http.get("/api/v1/participants/ecf.csv", headers=headers)
                    http.post(
                        "/api/v3/participant-declarations",
                        json={
                            "data": {
                                "type": "participant-declaration",
                                "attributes": {"participant_id": "p-1"},
                            }
                        },
                        headers={**headers, "Idempotency-Key": "k-1"},
                    )
                    http.put("/api/v3/participants/ecf/not-an-id/defer", content=b"{", headers=headers)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)

    assert any(r.name == "cpd.requests" for r in records), "the request log was captured"
    for record in records:
        text = record.getMessage() + " " + repr(record.__dict__)
        for secret in (plaintext, revoked_plaintext):
            assert secret not in text, f"token in log record {record.name}: {text[:200]}"
        assert "Bearer " not in text and "Token token=" not in text, record.name

    with session.bind.connect() as connection:  # type: ignore[union-attr]
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, str | dict | list):
                        assert plaintext not in str(value), f"the token is stored in {table.name}"
