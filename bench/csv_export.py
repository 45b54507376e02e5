"""Benchmark the CSV exports: rows per second and the server's memory while streaming.

A benchmark, not a test: it measures and prints, and asserts nothing. It needs a populated
database (``bench/seed.py --participants 250000`` on PostgreSQL), starts the production
server on it (one uvicorn process, response validation off), gives the provider with the
most participants a fresh token, and streams each export through a real socket while a
thread samples the server's resident memory.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cpd_bench \\
        .venv/bin/python bench/csv_export.py
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from domain import tokens
from storage.db import transaction
from storage.models import InductionProgramme, InductionRecord, LeadProvider, Partnership

ROOT = Path(__file__).resolve().parent.parent
#: Only for this benchmark's own server process; production refuses a short secret.
BENCH_SECRET = "benchmark-only-secret-key-0123456789abcdef"
EXPORTS = (
    "/api/v1/participants/ecf.csv",
    "/api/v2/participants/ecf.csv",
    "/api/v1/participant-declarations.csv",
    "/api/v2/participant-declarations.csv",
)


def largest_provider_token(database_url: str) -> tuple[str, str]:
    with transaction(database_url) as session:
        name, provider_id = session.execute(
            sa.select(LeadProvider.name, LeadProvider.id)
            .join(Partnership, Partnership.lead_provider_id == LeadProvider.id)
            .join(InductionProgramme, InductionProgramme.partnership_id == Partnership.id)
            .join(InductionRecord, InductionRecord.induction_programme_id == InductionProgramme.id)
            .group_by(LeadProvider.name, LeadProvider.id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        provider = session.get(LeadProvider, provider_id)
        _, plaintext = tokens.issue(session, provider, BENCH_SECRET)
    return name, plaintext


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CPD_ENVIRONMENT": "production",
        "SECRET_KEY": BENCH_SECRET,
        "CPD_RATE_LIMIT": "1000000",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cpd.app:create_asgi_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v3/statements", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def measure(base: str, token: str, path: str, pid: int) -> dict[str, float]:
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_kib(pid))
            time.sleep(0.05)

    before = rss_kib(pid)
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    rows = size = 0
    started = time.perf_counter()
    first_byte = None
    with httpx.stream(
        "GET", base + path, headers={"Authorization": f"Bearer {token}"}, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if first_byte is None:
                first_byte = time.perf_counter() - started
            rows += chunk.count(b"\n")
            size += len(chunk)
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join()
    rows = max(rows - 1, 0)  # the header line
    return {
        "rows": rows,
        "megabytes": size / 1e6,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed if elapsed else 0.0,
        "first_byte_ms": (first_byte or 0.0) * 1000,
        "rss_before_mib": before / 1024,
        "rss_growth_mib": (max(samples, default=before) - before) / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    arguments = parser.parse_args(argv)
    if not arguments.database_url:
        parser.error("set DATABASE_URL or --database-url to a populated database")
    name, token = largest_provider_token(arguments.database_url)
    port = free_port()
    server = start_server(arguments.database_url, port)
    try:
        print(f"provider: {name}")
        print(
            f"{'export':<40} {'rows':>9} {'MB':>7} {'s':>7} {'rows/s':>9} {'1st byte ms':>11} {'RSS growth MiB':>15}"
        )
        for path in EXPORTS:
            result = measure(f"http://127.0.0.1:{port}", token, path, server.pid)
            print(
                f"{path:<40} {result['rows']:>9,} {result['megabytes']:>7.1f} {result['seconds']:>7.1f} "
                f"{result['rows_per_second']:>9,.0f} {result['first_byte_ms']:>11.0f} {result['rss_growth_mib']:>15.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
