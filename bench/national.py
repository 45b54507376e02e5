"""National-scale benchmark (issue 9): ``make bench``.

A benchmark, not a test: it measures and reports, and asserts nothing. Steps:

1. The database. ``cpd_bench_template`` holds 250,000 seeded participants; when it is
   missing it is built (``bench/seed.py``, timed: that is figure 8) and kept. Each run
   copies it to ``cpd_bench_run`` (``CREATE DATABASE … TEMPLATE``), so the POSTs of one run
   never leak into the next, and migrates the copy to head.
2. The production server: gunicorn with uvicorn workers (``cpd serve --production``),
   ``CPD_ENVIRONMENT=production`` (no response validation), Redis for rate-limit counters,
   and the benchmark-only bare endpoint (``CPD_BENCH_FLOOR_DIR``), on loopback.
3. The load, from this process (asyncio + httpx), for the provider with the most
   participants: every list endpoint's page of 100 against its two floors, an
   ``updated_since`` poll, a full sync, the CSV exports against ``COPY``, declaration
   POSTs at 1, 10 and 50 clients, and mixed reads with every worker busy.
4. ``bench/results/national-<date>.json`` and ``docs/benchmarks.md``.

    make bench                      # or: .venv/bin/python -m bench.national [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa

from bench import floors, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STATE = ROOT / "var" / "bench"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
#: Requests per list endpoint before its timed ones (see ``Bench.pages``).
WARM_UP = 12
TEMPLATE, SEEDED, RUN = "cpd_bench_template", "cpd_bench", "cpd_bench_run"
#: Only for this benchmark's own server process; production refuses a short secret.
BENCH_SECRET = "benchmark-only-secret-key-0123456789abcdef"
PARTICIPANTS = 250_000

LIST_ENDPOINTS = (
    "/api/v1/participants/ecf",
    "/api/v1/participant-declarations",
    "/api/v2/participants/ecf",
    "/api/v2/participant-declarations",
    "/api/v3/participants/ecf",
    "/api/v3/participants/ecf/transfers",
    "/api/v3/partnerships/ecf",
    "/api/v3/schools/ecf",
    "/api/v3/delivery-partners",
    "/api/v3/unfunded-mentors/ecf",
    "/api/v3/participant-declarations",
    "/api/v3/statements",
)
#: Query strings some endpoints need (schools are listed per cohort).
EXTRA_QUERY = {"/api/v3/schools/ecf": "filter[cohort]=2024&"}
CSV_EXPORTS = ("/api/v1/participants/ecf.csv", "/api/v1/participant-declarations.csv")


# -- the database ---------------------------------------------------------------------


def _admin() -> psycopg.Connection:
    return psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True)


def _exists(name: str) -> bool:
    with _admin() as connection:
        return (
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        )


def prepare_database(reseed: bool) -> dict[str, Any]:
    """The run's database, copied from the template (built first when missing)."""
    STATE.mkdir(parents=True, exist_ok=True)
    seed_record = STATE / "seed.json"
    if reseed or not _exists(TEMPLATE):
        with _admin() as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
            connection.execute(f"DROP DATABASE IF EXISTS {SEEDED} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {SEEDED}")
        print(f"seeding {PARTICIPANTS:,} participants into {SEEDED} (a few minutes)", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "bench/seed.py", "--participants", str(PARTICIPANTS)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": f"{SERVER}/{SEEDED}", "CPD_ENVIRONMENT": "sandbox"},
            check=True,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        seed_record.write_text(
            json.dumps({"participants": PARTICIPANTS, "seconds": seconds, "at": _now()}, indent=2)
        )
    if not _exists(TEMPLATE):
        with _admin() as connection:
            connection.execute(f"CREATE DATABASE {TEMPLATE} TEMPLATE {SEEDED}")
    started = time.perf_counter()
    with _admin() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {RUN} TEMPLATE {TEMPLATE}")
    copied = time.perf_counter() - started
    from storage.migrate import upgrade

    upgrade(f"{SERVER}/{RUN}")
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={RUN}", autocommit=True) as connection:
        connection.execute("ANALYZE")
        sizes = connection.execute(
            "SELECT (SELECT count(*) FROM teachers), (SELECT count(*) FROM participant_profiles),"
            " (SELECT count(*) FROM participant_declarations), (SELECT count(*) FROM lead_providers),"
            " pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    seed = json.loads(seed_record.read_text()) if seed_record.exists() else None
    return {
        "template": TEMPLATE,
        "copy_seconds": round(copied, 1),
        "people": sizes[0],
        "training_records": sizes[1],
        "declarations": sizes[2],
        "lead_providers": sizes[3],
        "size": sizes[4],
        "seed": seed,
    }


def largest_provider() -> tuple[str, str, str]:
    """The provider with the most visible training records, with a fresh token."""
    from domain import tokens
    from storage.db import transaction
    from storage.models import LeadProvider

    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={RUN}") as connection:
        provider_id, name = connection.execute(
            """SELECT lp.id, lp.name FROM lead_providers lp
               JOIN partnerships p ON p.lead_provider_id = lp.id
               JOIN induction_programmes ip ON ip.partnership_id = p.id
               JOIN induction_records ir ON ir.induction_programme_id = ip.id
               GROUP BY lp.id, lp.name ORDER BY count(DISTINCT ir.participant_profile_id) DESC LIMIT 1"""
        ).fetchone()
    with transaction(f"{SERVER}/{RUN}") as session:
        _, plaintext = tokens.issue(session, session.get(LeadProvider, provider_id), BENCH_SECRET)
    return str(provider_id), name, plaintext


# -- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int, floor_dir: str, redis_url: str | None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{RUN}",
        "CPD_ENVIRONMENT": "production",
        "SECRET_KEY": BENCH_SECRET,
        "CPD_RATE_LIMIT": "100000000",
        "CPD_BENCH_FLOOR_DIR": floor_dir,
        "CPD_BASE_URL": "http://127.0.0.1",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = open(STATE / "server.log", "w")  # noqa: SIM115  (closed with the process)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "cpd"),
            "serve",
            "--production",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.3)
    server.kill()
    raise SystemExit(f"the server did not start; see {STATE / 'server.log'}")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else [master]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


# -- measuring ------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 0.50), 2),
        "p99_ms": round(percentile(samples_ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2) if samples_ms else 0.0,
    }


class Bench:
    def __init__(self, base: str, token: str, provider_id: str, samples: int, budget: float) -> None:
        self.base = base
        #: Seconds of sampling per endpoint before a slow one stops early (at least 10 samples),
        #: and of a full sync before it stops, so the whole run fits in 20 minutes.
        self.budget = budget
        self.sync_budget = budget * 4
        self.headers = {"Authorization": f"Bearer {token}"}
        self.provider_id = provider_id
        self.samples = samples
        self.engine = sa.create_engine(f"{SERVER}/{RUN}", pool_size=4)

    def client(self, connections: int = 1) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base,
            headers=self.headers,
            timeout=120,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def timed_get(self, client: httpx.AsyncClient, url: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = await client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
        return elapsed, response

    # 1 and 2: a page of 100 per list endpoint, and its floors
    async def pages(self, floor_dir: Path) -> dict[str, Any]:
        results: dict[str, Any] = {}
        async with self.client() as client:
            for path in LIST_ENDPOINTS:
                pages = 5
                urls = [
                    f"{path}?{EXTRA_QUERY.get(path, '')}page[per_page]=100&page[page]={(i % pages) + 1}"
                    for i in range(self.samples)
                ]
                # Warm up to a running server's steady state: connections, caches and plans.
                # psycopg prepares a statement on its 5th run on a connection and PostgreSQL
                # settles on a generic plan after 5 more, so each shape runs WARM_UP times first.
                for index in range(WARM_UP):
                    await self.timed_get(client, urls[index % len(urls)])
                api, bodies = [], {}
                budget = time.perf_counter() + self.budget
                for index, url in enumerate(urls):
                    if index >= 10 and time.perf_counter() > budget:
                        break  # enough samples for a slow endpoint; n says how many
                    elapsed, response = await self.timed_get(client, url)
                    api.append(elapsed)
                    bodies.setdefault(index % pages, response.content)
                entry: dict[str, Any] = {
                    "api": summary(api),
                    "bytes": len(bodies[0]),
                    "records": len(json.loads(bodies[0])["data"]),
                }
                # The bare endpoint: the same bytes through the same stack, without our code.
                name = path.strip("/").replace("/", "_").replace("-", "_")
                (floor_dir / name).write_bytes(bodies[0])
                bare = []
                for _ in range(3):
                    await self.timed_get(client, f"/api/bench-floor/{name}")
                for _ in range(len(api)):
                    bare.append((await self.timed_get(client, f"/api/bench-floor/{name}"))[0])
                entry["bare"] = summary(bare)
                floor_sql = floors.FLOORS.get(path)
                if floor_sql is not None:
                    entry["database"] = summary(self.floor_times(floor_sql, pages, len(api)))
                results[path] = entry
                print(
                    f"  {path}: p50 {entry['api']['p50_ms']} ms, bare {entry['bare']['p50_ms']} ms"
                    + (f", database {entry['database']['p50_ms']} ms" if "database" in entry else ""),
                    flush=True,
                )
        return results

    def floor_times(self, statement: str, pages: int, samples: int) -> list[float]:
        query = sa.text(statement)
        times: list[float] = []
        budget = time.perf_counter() + self.budget
        with self.engine.connect() as connection:
            for index in range(samples + WARM_UP):  # warmed up as the API is
                if len(times) >= 10 and time.perf_counter() > budget:
                    break
                started = time.perf_counter()
                body = connection.execute(
                    query, {"lp": self.provider_id, "limit": 100, "offset": (index % pages) * 100}
                ).scalar_one()
                elapsed = (time.perf_counter() - started) * 1000
                assert body.startswith("[")
                if index >= WARM_UP:
                    times.append(elapsed)
        return times

    # 3: the updated_since poll at the tail of the data
    async def poll(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            # The 50th newest change among this provider's people: a poll finds ~50 records.
            since = connection.execute(
                sa.text("SELECT api_updated_at FROM teachers ORDER BY api_updated_at DESC OFFSET 50 LIMIT 1")
            ).scalar_one()
            declarations_since = connection.execute(
                sa.text(
                    "SELECT api_updated_at FROM participant_declarations WHERE lead_provider_id = :lp"
                    " ORDER BY api_updated_at DESC OFFSET 50 LIMIT 1"
                ),
                {"lp": self.provider_id},
            ).scalar_one()
        results = {}
        async with self.client() as client:
            for path, instant in (
                ("/api/v3/participants/ecf", since),
                ("/api/v3/participant-declarations", declarations_since),
                ("/api/v1/participants/ecf", since),
            ):
                stamp = instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                url = f"{path}?filter[updated_since]={stamp}&page[per_page]=100"
                for _ in range(3):
                    await self.timed_get(client, url)
                times, count = [], 0
                budget = time.perf_counter() + self.budget
                for index in range(self.samples):
                    if index >= 10 and time.perf_counter() > budget:
                        break
                    elapsed, response = await self.timed_get(client, url)
                    times.append(elapsed)
                    count = len(response.json()["data"])
                results[path] = {**summary(times), "records": count}
                print(f"  poll {path}: p50 {results[path]['p50_ms']} ms ({count} records)", flush=True)
        return results

    # 4: a full sync at per_page=3000
    async def full_sync(self) -> dict[str, Any]:
        results = {}
        async with self.client() as client:
            for path, key in (
                ("/api/v3/participants/ecf", "participants"),
                ("/api/v3/participant-declarations", "declarations"),
                ("/api/v1/participants/ecf", "participants"),
            ):
                started = time.perf_counter()
                records, page, requests, complete = 0, 1, 0, True
                while True:
                    _, response = await self.timed_get(
                        client, f"{path}?page[per_page]=3000&page[page]={page}"
                    )
                    requests += 1
                    found = len(response.json()["data"])
                    records += found
                    if found < 3000:
                        break
                    if time.perf_counter() - started > self.sync_budget:
                        complete = False  # the rate so far stands for the whole; the report says so
                        break
                    page += 1
                seconds = time.perf_counter() - started
                results[path] = {
                    "records": records,
                    "requests": requests,
                    "complete": complete,
                    "seconds": round(seconds, 2),
                    f"{key}_per_second": round(records / seconds),
                }
                print(
                    f"  sync {path}: {records:,} in {seconds:.1f}s = {records / seconds:,.0f}/s", flush=True
                )
        return results

    # 5: CSV exports against COPY, and the workers' memory
    def csv(self, master: int) -> dict[str, Any]:
        results = {}
        for path in CSV_EXPORTS:
            pids = worker_pids(master)
            before = {pid: rss_kib(pid) for pid in pids}
            peak = dict(before)
            done = threading.Event()

            def sample(
                pids: list[int] = pids, peak: dict[int, int] = peak, done: threading.Event = done
            ) -> None:
                while not done.is_set():
                    for pid in pids:
                        peak[pid] = max(peak[pid], rss_kib(pid))
                    time.sleep(0.02)

            watcher = threading.Thread(target=sample, daemon=True)
            watcher.start()
            rows = size = 0
            started = time.perf_counter()
            with httpx.stream("GET", self.base + path, headers=self.headers, timeout=600) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    rows += chunk.count(b"\n")
                    size += len(chunk)
            seconds = time.perf_counter() - started
            done.set()
            watcher.join()
            rows = max(rows - 1, 0)
            copy_rows, copy_seconds = self.copy(floors.COPIES[path])
            growth = max(peak[pid] - before[pid] for pid in pids) / 1024
            results[path] = {
                "rows": rows,
                "megabytes": round(size / 1e6, 1),
                "seconds": round(seconds, 2),
                "rows_per_second": round(rows / seconds),
                "copy_rows": copy_rows,
                "copy_seconds": round(copy_seconds, 2),
                "copy_rows_per_second": round(copy_rows / copy_seconds),
                "rss_growth_mib": round(growth, 1),
            }
            print(
                f"  csv {path}: {rows:,} rows {rows / seconds:,.0f}/s; COPY {copy_rows / copy_seconds:,.0f}/s;"
                f" +{growth:.1f} MiB",
                flush=True,
            )
        return results

    def copy(self, statement: str) -> tuple[int, float]:
        # COPY takes no parameters: the id is inlined, after checking it is a UUID.
        sql = statement.replace(":lp", f"'{uuid.UUID(self.provider_id)}'")
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={RUN}") as connection:
            cursor = connection.cursor()
            query = sql
            rows = 0
            started = time.perf_counter()
            with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for chunk in copy:
                    rows += bytes(chunk).count(b"\n")
            return rows - 1, time.perf_counter() - started

    # 6: POST declarations
    def declaration_bodies(self, count: int) -> list[dict[str, Any]]:
        """Declarations the rules accept: the provider's active, fundable records on their
        schedule's milestones not declared yet, dated on the milestone's first day."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    """
                    WITH latest AS (
                      SELECT DISTINCT ON (ir.participant_profile_id) ir.participant_profile_id AS profile_id,
                             ir.schedule_id, ir.training_status, ir.induction_status
                      FROM induction_records ir
                      JOIN induction_programmes ip ON ip.id = ir.induction_programme_id
                      JOIN partnerships p ON p.id = ip.partnership_id
                      WHERE p.lead_provider_id = :lp AND p.challenged_at IS NULL AND p.challenge_reason IS NULL
                      ORDER BY ir.participant_profile_id, (ir.end_date IS NULL) DESC, ir.start_date DESC,
                               ir.created_at DESC)
                    SELECT pp.teacher_id, pp.profile_type, m.declaration_type, m.start_date
                    FROM latest l
                    JOIN participant_profiles pp ON pp.id = l.profile_id AND pp.schedule_id = l.schedule_id
                    JOIN schedules s ON s.id = pp.schedule_id
                    JOIN cohorts c ON c.id = s.cohort_id
                    JOIN milestones m ON m.schedule_id = s.id
                    WHERE l.training_status = 'active' AND l.induction_status = 'active'
                      AND pp.status = 'active' AND c.start_year >= 2025
                      AND m.start_date < now() - interval '1 day'
                      AND (m.milestone_date IS NULL OR m.milestone_date > m.start_date)
                      AND m.declaration_type IN ('started', 'retained-1')
                      AND NOT EXISTS (
                        SELECT 1 FROM participant_declarations d
                        WHERE d.teacher_id = pp.teacher_id AND d.declaration_type = m.declaration_type)
                      AND (pp.profile_type = 'ect' OR m.declaration_type = 'started')
                    ORDER BY pp.teacher_id, m.declaration_type
                    LIMIT :count"""
                ),
                {"lp": self.provider_id, "count": count * 3},
            ).all()
        bodies, seen = [], set()
        for teacher_id, profile_type, declaration_type, start in rows:
            if teacher_id in seen:
                continue  # one per person, so clients never race for the same claim
            seen.add(teacher_id)
            course = "ecf-induction" if profile_type == "ect" else "ecf-mentor"
            attributes = {
                "participant_id": str(teacher_id),
                "declaration_type": declaration_type,
                "declaration_date": dt.datetime.combine(start, dt.time(12), dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "course_identifier": course,
            }
            if declaration_type != "started":
                attributes["evidence_held"] = "training-event-attended"
            bodies.append({"data": {"type": "participant-declaration", "attributes": attributes}})
        random.Random(0).shuffle(bodies)
        return bodies

    async def posts(self) -> dict[str, Any]:
        per_level = {1: 100, 10: 400, 50: 500}
        bodies = self.declaration_bodies(sum(per_level.values()))
        results = {}
        for clients, wanted in per_level.items():
            batch, bodies = bodies[:wanted], bodies[wanted:]
            if not batch:
                break
            times, statuses, failures, seconds = await self._post_all(batch, clients)
            ok = statuses.get(200, 0)
            results[str(clients)] = {
                **summary(times),
                "requests": len(batch),
                "accepted": ok,
                "rejected_422": statuses.get(422, 0),
                "errors": sum(n for status, n in statuses.items() if status not in (200, 422)),
                "per_second": round(len(batch) / seconds, 1),
                "statuses": {str(k): v for k, v in statuses.items()},
                "first_failures": failures[:3],
            }
            print(
                f"  POST x{clients}: p50 {results[str(clients)]['p50_ms']} ms, {len(batch) / seconds:.0f}/s,"
                f" statuses {statuses}",
                flush=True,
            )
        return results

    async def _post_all(
        self, batch: list[dict[str, Any]], clients: int
    ) -> tuple[list[float], dict[int, int], list[str], float]:
        queue: asyncio.Queue = asyncio.Queue()
        for body in batch:
            queue.put_nowait(body)
        times: list[float] = []
        statuses: dict[int, int] = {}
        failures: list[str] = []

        async def worker(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post("/api/v3/participant-declarations", json=body)
                except httpx.HTTPError as error:
                    statuses[0] = statuses.get(0, 0) + 1
                    failures.append(repr(error))
                    continue
                times.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code != 200 and len(failures) < 5:
                    failures.append(f"{response.status_code} {response.text[:300]}")

        async with self.client(clients) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(clients)))
            seconds = time.perf_counter() - started
        return times, statuses, failures, seconds

    # 7: mixed reads with every worker busy
    async def mixed(self, seconds: float, clients: int) -> dict[str, Any]:
        urls = [
            f"{path}?{EXTRA_QUERY.get(path, '')}page[per_page]=100&page[page]={page}"
            for path in LIST_ENDPOINTS
            for page in range(1, 6)
        ]
        rng = random.Random(1)
        times: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(rng.choice(urls))
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                times.append((time.perf_counter() - started) * 1000)

        async with self.client(clients) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(clients)))
            elapsed = time.perf_counter() - started
        result = {
            **summary(times),
            "clients": clients,
            "seconds": round(elapsed, 1),
            "requests": len(times),
            "errors": errors,
            "requests_per_second": round(len(times) / elapsed, 1),
        }
        print(
            f"  mixed: {result['requests_per_second']} req/s, p50 {result['p50_ms']} ms, errors {errors}",
            flush=True,
        )
        return result


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with _admin() as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": memory,
        "python": platform.python_version(),
        "postgresql": postgres,
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
    }


def redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


async def measure(bench: Bench, master: int, floor_dir: Path, quick: bool) -> dict[str, Any]:
    print("1-2. a page of 100 per list endpoint, with its floors", flush=True)
    pages = await bench.pages(floor_dir)
    print("3. updated_since poll", flush=True)
    poll = await bench.poll()
    print("4. full sync at per_page=3000", flush=True)
    sync = await bench.full_sync()
    print("5. CSV exports", flush=True)
    csv = await asyncio.to_thread(bench.csv, master)
    print("7. mixed reads", flush=True)
    mixed = await bench.mixed(10 if quick else 20, clients=8)
    print("6. POST declarations", flush=True)
    posts = await bench.posts()
    return {"pages": pages, "poll": poll, "sync": sync, "csv": csv, "posts": posts, "mixed": mixed}


def main(argv: list[str] | None = None) -> int:
    # A SIGTERM (``timeout``, Ctrl-C in make) ends the run through ``finally``: the server stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the seeded template database")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--workers", type=int, default=2, help="server workers (default 2, one per core)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    run: dict[str, Any] = {"date": _now(), "machine": machine()}
    print("preparing the database", flush=True)
    run["dataset"] = prepare_database(arguments.reseed)
    provider_id, name, token = largest_provider()
    run["dataset"]["provider"] = name
    redis_url = arguments.redis_url if redis_available(arguments.redis_url) else None
    run["server"] = {
        "command": "cpd serve --production (gunicorn, uvicorn workers)",
        "workers": arguments.workers,
        "redis": bool(redis_url),
        "environment": "production",
    }
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cpd-bench-floor-") as floor_dir:
        server = start_server(port, arguments.workers, floor_dir, redis_url)
        try:
            bench = Bench(
                f"http://127.0.0.1:{port}",
                token,
                provider_id,
                samples=30 if arguments.quick else 100,
                budget=4 if arguments.quick else 8,
            )
            run.update(asyncio.run(measure(bench, server.pid, Path(floor_dir), arguments.quick)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    run["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run["date"][:16].replace(":", "")
    (RESULTS / f"national-{stamp}.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    (RESULTS / "national-latest.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text(report.render(run))
    print(f"done in {run['seconds']:.0f}s: docs/benchmarks.md, bench/results/national-{stamp}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
