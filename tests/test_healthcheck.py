"""``/healthcheck``: 200 when the database (and Redis, when configured) answer, else 503."""

from __future__ import annotations

import dataclasses

import pytest
import redis

from cpd.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/15"
#: Nothing listens on port 1: a store that is configured but unreachable.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _get(settings):  # type: ignore[no-untyped-def]
    with create_app(settings).test_client() as client:
        return client.get("/healthcheck")


def test_database_up_is_200_with_each_check_named(settings):
    response = _get(settings)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_redis_configured_and_up_is_200(settings):
    if not _redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    response = _get(dataclasses.replace(settings, redis_url=REDIS_URL))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_redis_unreachable_is_503(settings):
    response = _get(dataclasses.replace(settings, redis_url=UNREACHABLE_REDIS))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unreachable"}}


def test_replica_unreachable_is_503(settings):
    response = _get(dataclasses.replace(settings, database_replica_url=UNREACHABLE_DATABASE))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "database_replica": "unreachable"}


def test_healthcheck_needs_no_token_and_is_not_rate_limited(settings):
    with create_app(dataclasses.replace(settings, rate_limit=1)).test_client() as client:
        statuses = [
            client.get("/healthcheck", headers={"Authorization": "Bearer x"}).status_code for _ in range(3)
        ]
        response = client.get("/healthcheck")
    assert statuses == [200, 200, 200]
    assert "ratelimit-limit" not in response.headers


def test_the_bench_floor_endpoint_exists_only_when_its_setting_is_on(settings, tmp_path):
    (tmp_path / "page").write_bytes(b'{"data":[]}')
    with create_app(settings).test_client() as client:
        assert client.get("/api/bench-floor/page").status_code == 404
    with create_app(dataclasses.replace(settings, bench_floor_dir=str(tmp_path))).test_client() as client:
        response = client.get("/api/bench-floor/page")
        missing = client.get("/api/bench-floor/other")
    assert response.status_code == 200
    assert response.content == b'{"data":[]}'
    assert missing.status_code == 404


def test_database_unreachable_is_503(settings):
    response = _get(dataclasses.replace(settings, database_url=UNREACHABLE_DATABASE))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}
