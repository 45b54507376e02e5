"""The per-token limit: 429 past the limit, shared by every worker process, in Redis or the database.

The headers and the 429's body are proved in test_http_conveniences.py."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import redis

from cpd.app import create_app
from handlers.rate_limit import DatabaseCounter, RedisCounter
from tests.factories import provider_with_token

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def token(session, settings) -> str:
    _, plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    return plaintext


def _limited(settings, limit: int, **changes):  # type: ignore[no-untyped-def]
    return dataclasses.replace(settings, rate_limit=limit, **changes)


@pytest.mark.parametrize("store", ["database", "redis"])
def test_requests_past_the_limit_get_429_across_workers(settings, token, store):
    if store == "redis":
        if not _redis_available():
            pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
        limited = _limited(settings, 3, redis_url=REDIS_URL)
        redis.Redis.from_url(REDIS_URL).flushdb()
    else:
        limited = _limited(settings, 3)
    # Two apps stand for two worker processes sharing the counter store.
    first, second = create_app(limited), create_app(limited)
    headers = {"Authorization": f"Bearer {token}"}
    with first.test_client() as a, second.test_client() as b:
        statuses = [a.get("/api/v3/statements", headers=headers).status_code for _ in range(2)]
        statuses.append(b.get("/api/v3/statements", headers=headers).status_code)
        throttled = b.get("/api/v3/statements", headers=headers)
        also_throttled = a.get("/api/v3/statements", headers=headers)
        other_token = a.get("/api/v3/statements", headers={"Authorization": "Bearer someone-else"})
    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["title"] == "Too many requests"
    assert throttled.headers["content-type"] == "application/vnd.api+json"
    assert 1 <= int(throttled.headers["retry-after"]) <= limited.rate_limit_window_seconds
    assert throttled.headers["ratelimit-remaining"] == "0"
    assert also_throttled.status_code == 429
    assert other_token.status_code == 401  # another key has its own allowance


def test_requests_without_a_token_are_not_counted(settings, token):
    with create_app(_limited(settings, 1)).test_client() as client:
        assert [client.get("/api/v3/statements").status_code for _ in range(3)] == [401, 401, 401]
        assert (
            client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )


def test_database_counter_counts_per_key_and_window(settings):
    counter = DatabaseCounter(settings.database_url)
    key = uuid.uuid4().hex
    assert [counter._hit(key, 0) for _ in range(3)] == [1, 2, 3]
    assert counter._hit(key, 300) == 1
    assert counter._hit("another", 0) == 1


def test_redis_counter_counts_and_expires():
    if not _redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    counter = RedisCounter(REDIS_URL)
    key = uuid.uuid4().hex
    assert [counter._hit(f"t:{key}", 60) for _ in range(2)] == [1, 2]
    assert 0 < counter.client.ttl(f"t:{key}") <= 120
