"""Load: every sandbox provider's CRM calling at once, as fast as it can, well past its rate
limit, against the real server in its own process. No answer is a 5xx; the only refusals are
429s, each sent when the token's window was used up; the server's memory (RSS) stays flat.

CI runs ``CPD_LOAD_SECONDS`` (default 20) with a small limit in a 5-second window, so many
windows fill and reset; ``CPD_LOAD_SECONDS=300 pytest tests/test_load.py`` is the longer run the
issue asks for. Counters go to Redis when ``REDIS_URL`` is set, else to the database.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cpd.sandbox import populate
from tests.test_crash_safety import Server

SECONDS = float(os.environ.get("CPD_LOAD_SECONDS", "20"))
LIMIT = 5
WINDOW = 5
#: How much the server's resident memory may grow between the end of the warm-up and the end.
RSS_GROWTH_MIB = 64
PATHS = [
    "/api/v3/participants/ecf?page[per_page]=5",
    "/api/v3/participant-declarations?page[per_page]=5",
    "/api/v3/statements",
    "/api/v2/participants/ecf?page[per_page]=5",
    "/api/v1/participant-declarations?page[per_page]=5",
    "/api/v3/partnerships/ecf",
]


def _rss_mib(pid: int) -> float:
    """Resident memory of the server process (and its children: uvicorn runs in one)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


@pytest.fixture
def loaded_server(session, settings) -> Iterator[tuple[Server, dict[str, str]]]:  # type: ignore[no-untyped-def]
    tokens = populate(session, secret_key=settings.secret_key)
    session.commit()
    env = {k: v for k, v in os.environ.items() if k != "CPD_DEBUG"}
    env.update(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        CPD_ENVIRONMENT="test",
        CPD_RATE_LIMIT=str(LIMIT),
        CPD_RATE_LIMIT_WINDOW=str(WINDOW),
    )
    if not os.environ.get("REDIS_URL"):
        env.pop("REDIS_URL", None)
    server = Server(env)
    server.start(next(iter(tokens.values())))
    yield server, tokens
    server.kill()


def test_all_providers_at_their_rate_limit_at_once(loaded_server):
    server, tokens = loaded_server
    assert server.process is not None
    statuses: dict[str, collections.Counter[int]] = {name: collections.Counter() for name in tokens}
    wrong_429s: list[str] = []
    errors: list[str] = []
    rss: list[float] = []
    stop = time.monotonic() + SECONDS

    def crm(name: str, token: str) -> None:
        with httpx.Client(
            base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            turn = 0
            while time.monotonic() < stop:
                response = http.get(PATHS[turn % len(PATHS)])
                turn += 1
                statuses[name][response.status_code] += 1
                if response.status_code == 429:
                    if (
                        response.headers.get("ratelimit-remaining") != "0"
                        or "retry-after" not in response.headers
                    ):
                        wrong_429s.append(f"{name}: {dict(response.headers)}")
                    time.sleep(0.05)
                elif response.status_code != 200:
                    errors.append(f"{name}: {response.status_code} {response.text[:200]}")

    def watch() -> None:
        while time.monotonic() < stop:
            rss.append(_rss_mib(server.process.pid))  # type: ignore[union-attr]
            time.sleep(0.5)

    threads = [threading.Thread(target=crm, args=item) for item in tokens.items()]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors[:5]
    assert not wrong_429s, wrong_429s[:3]
    for name, counter in statuses.items():
        assert set(counter) <= {200, 429}, (name, counter)
        assert counter[429] > 0, f"{name} never reached its limit: {counter}"
        windows = SECONDS / WINDOW + 2  # the first and last windows may be partial
        assert counter[200] <= LIMIT * windows, f"{name} got more than its allowance: {counter}"
    settled = rss[len(rss) // 4 :]
    assert settled, "no memory samples"
    assert max(settled) - settled[0] < RSS_GROWTH_MIB, (
        f"memory grew from {settled[0]:.0f} to {max(settled):.0f} MiB"
    )
    # And the server still answers once the storm is over.
    time.sleep(WINDOW)
    after = httpx.get(
        f"{server.url}/api/v3/statements", headers={"Authorization": f"Bearer {next(iter(tokens.values()))}"}
    )
    assert after.status_code == 200
