"""``GET /healthcheck``: can this app server reach what it needs to serve?

For a load balancer or orchestrator: 200 when the database (and Redis, when
``REDIS_URL`` is set) answer, else 503, with a small JSON body naming each check. It
lives outside the API specs (like ``/api-docs``), needs no token and is never rate
limited (only ``/api/`` paths are counted).
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import Blueprint, Response, current_app

from storage.db import get_engine

blueprint = Blueprint("healthcheck", __name__)
log = logging.getLogger("cpd.healthcheck")


def _database(url: str) -> str:
    with get_engine(url).connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return "ok"


def _redis(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@blueprint.get("/healthcheck")
def healthcheck() -> Response:
    settings = current_app.config["CPD_SETTINGS"]
    checks: dict[str, tuple] = {"database": (_database, settings.database_url)}
    if settings.database_replica_url:
        checks["database_replica"] = (_database, settings.database_replica_url)
    if settings.redis_url:
        checks["redis"] = (_redis, settings.redis_url)
    results: dict[str, str] = {}
    for name, (check, url) in checks.items():
        try:
            results[name] = check(url)
        except Exception as error:  # any failure means "not reachable"; say which, log why
            log.warning("healthcheck: %s unreachable: %s", name, type(error).__name__)
            results[name] = "unreachable"
    healthy = all(result == "ok" for result in results.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": results}
    return Response(
        json.dumps(body),
        status=200 if healthy else 503,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
