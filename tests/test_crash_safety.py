"""Crash safety: the real server (uvicorn in its own process) on PostgreSQL takes a burst of
declarations and participant actions from concurrent clients, is killed with SIGKILL in the
middle of it, and is started again. Every request answered 200 is in the database; nothing is
half-written (each declaration has its state history, and each eligible one its billable
statement line); and the service answers again.

PostgreSQL only: the guarantee comes from each write being one transaction, which is what
this proves under a real crash. ``CPD_CRASH_REQUESTS`` makes the burst bigger.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from storage.enums import DeclarationState, TrainingStatus
from storage.models import (
    DeclarationStateChange,
    ParticipantDeclaration,
    ParticipantProfile,
    StatementLineItem,
)
from tests import builders
from tests.test_declarations_api import NOW, attributes, envelope, make_provider

pytestmark = pytest.mark.postgres_only
ROOT = Path(__file__).resolve().parent.parent
PARTICIPANTS = int(os.environ.get("CPD_CRASH_REQUESTS", "60"))
CLIENTS = 8


class Server:
    """``uvicorn --factory cpd.app:create_asgi_app`` in a process group of its own."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, token: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "cpd.app:create_asgi_app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "the server exited while starting"
            try:
                answer = httpx.get(
                    f"{self.url}/api/v3/statements", headers={"Authorization": f"Bearer {token}"}
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within a minute"
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def server_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if sa.make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…): crash safety is its transactions'"
        )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CPD_DEBUG")}
    env.update(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        CPD_ENVIRONMENT="test",
        CPD_RATE_LIMIT="1000000",
    )
    return env


@pytest.fixture
def server(server_env) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    running = Server(server_env)
    yield running
    running.kill()


def test_a_killed_server_loses_no_answered_write_and_leaves_nothing_half_done(session, settings, server):
    provider = make_provider(session, settings.secret_key)
    profiles = [builders.participant(session, provider.programmes[2024]) for _ in range(PARTICIPANTS)]
    session.commit()
    headers = {"Authorization": f"Bearer {provider.token}", "X-With-Server-Date": NOW}
    server.start(provider.token)

    requests: list[tuple[str, str, dict]] = []
    for index, profile in enumerate(profiles):
        requests.append(("POST", "/api/v3/participant-declarations", envelope(attributes(profile))))
        if index % 3 == 0:
            action = {
                "type": "participant-defer",
                "attributes": {"reason": "other", "course_identifier": "ecf-induction"},
            }
            requests.append(("PUT", f"/api/v3/participants/ecf/{profile.teacher_id}/defer", {"data": action}))
    answered: list[tuple[str, str, httpx.Response]] = []
    lock = threading.Lock()
    kill_after = len(requests) // 3

    def send(request: tuple[str, str, dict]) -> None:
        method, path, body = request
        try:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                response = http.request(method, path, json=body, headers=headers)
        except httpx.TransportError:
            return  # the server died under it: no answer, no promise
        with lock:
            answered.append((method, path, response))
            if len(answered) == kill_after:
                server.kill()  # SIGKILL, mid-burst: requests are still in flight

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(send, requests))
    server.kill()

    assert len(answered) < len(requests), "the server was not killed mid-burst"
    successes = [(m, p, r) for m, p, r in answered if r.status_code == 200]
    assert successes, "no request succeeded before the crash: the test proved nothing"
    assert all(r.status_code < 500 for _, _, r in answered), [
        r.text for _, _, r in answered if r.status_code >= 500
    ]

    session.expire_all()
    for method, path, response in successes:
        data = response.json()["data"]
        if method == "POST":
            stored = session.get(ParticipantDeclaration, data["id"])
            assert stored is not None, f"declaration {data['id']} was answered 200 but is not stored"
            assert str(stored.state) == data["attributes"]["state"]
        else:
            profile = session.scalars(
                sa.select(ParticipantProfile).where(ParticipantProfile.teacher_id == data["id"])
            ).one()
            assert profile.training_status == TrainingStatus.DEFERRED, path

    for declaration in session.scalars(sa.select(ParticipantDeclaration)):
        states = session.scalars(
            sa.select(DeclarationStateChange.state).where(
                DeclarationStateChange.participant_declaration_id == declaration.id
            )
        ).all()
        assert states, f"declaration {declaration.id} has no state history"
        assert declaration.state in states, f"declaration {declaration.id}'s state is not in its history"
        if declaration.state in (DeclarationState.ELIGIBLE, DeclarationState.PAYABLE, DeclarationState.PAID):
            lines = session.scalar(
                sa.select(sa.func.count())
                .select_from(StatementLineItem)
                .where(StatementLineItem.participant_declaration_id == declaration.id)
            )
            assert lines == 1, f"eligible declaration {declaration.id} has {lines} statement lines"

    server.start(provider.token)  # the service answers again
    again = httpx.get(f"{server.url}/api/v3/participant-declarations", headers=headers, timeout=30)
    assert again.status_code == 200
    listed = {row["id"] for row in again.json()["data"]}
    assert {r.json()["data"]["id"] for m, _, r in successes if m == "POST"} <= listed
