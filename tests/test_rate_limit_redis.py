"""Rate-limit counters in a real Redis (127.0.0.1:6379), under a key prefix unique to each test,
so tests share a Redis without seeing each other's counts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import anyio
import pytest
import redis

from cpd.app import create_app
from handlers.rate_limit import RedisCounter
from tests.factories import provider_with_token

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"cpd-test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_two_counters_share_one_count_per_key_and_window(prefix):
    """Two counters stand for two app servers: the count is the sum of both."""
    first, second = RedisCounter(REDIS_URL, prefix), RedisCounter(REDIS_URL, prefix)

    async def hits() -> list[int]:
        return [
            await first.hit("key", 600, 300),
            await second.hit("key", 600, 300),
            await first.hit("key", 600, 300),
            await second.hit("key", 900, 300),  # the next window starts again
            await first.hit("other", 600, 300),
        ]

    assert anyio.run(hits) == [1, 2, 3, 1, 1]
    client = redis.Redis.from_url(REDIS_URL)
    assert sorted(key.decode() for key in client.scan_iter(f"{prefix}*")) == [
        f"{prefix}key:600",
        f"{prefix}key:900",
        f"{prefix}other:600",
    ]
    # Counters expire on their own (two windows), so Redis needs no sweeping.
    assert 0 < client.ttl(f"{prefix}key:600") <= 600


def test_the_api_counts_in_redis_and_answers_429_past_the_limit(settings, session, prefix):
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    limited = dataclasses.replace(settings, rate_limit=2, redis_url=REDIS_URL, redis_key_prefix=prefix)
    app = create_app(limited)
    headers = {"Authorization": f"Bearer {token}"}
    with app.test_client() as client:
        statuses = [client.get("/api/v3/statements", headers=headers).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    assert [key.decode().rsplit(":", 2)[0] for key in keys] == [f"{prefix}rate"]
    assert int(client.get(keys[0])) == 3


def test_an_unreachable_redis_serves_requests_unthrottled(settings, session):
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    limited = dataclasses.replace(settings, rate_limit=1, redis_url="redis://127.0.0.1:1/0")
    with create_app(limited).test_client() as client:
        statuses = [
            client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}).status_code
            for _ in range(2)
        ]
    assert statuses == [200, 200]
