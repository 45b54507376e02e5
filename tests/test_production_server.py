"""The production server as ``cpd serve --production`` runs it: gunicorn with uvicorn workers,
on a real port, answering ``/healthcheck`` and logging JSON lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import httpx

from cpd.cli import gunicorn_command
from cpd.config import PROJECT_ROOT

SECRET = "production-test-secret-key-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_app_with_json_logs(settings, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "CPD_ENVIRONMENT": "production",
        "SECRET_KEY": SECRET,
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            gunicorn_command("127.0.0.1", port, 2), cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output
        )
        try:
            response = None
            deadline = time.monotonic() + 90  # a wait for start-up, not a timing assertion
            while response is None and time.monotonic() < deadline and server.poll() is None:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=5)
                except httpx.TransportError:
                    time.sleep(0.3)
            assert response is not None, log.read_text()
            assert response.status_code == 200
            assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
            unknown = httpx.get(f"http://127.0.0.1:{port}/api/bench-floor/anything", timeout=5)
            assert unknown.status_code == 404  # the benchmark-only endpoint is not mounted
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "cpd.requests"]
    assert any("path=/healthcheck" in line["message"] and line["status_code"] == 200 for line in requests)
