"""docs/benchmarks.md from one run of ``bench/national.py``: every figure, ratio and target."""

from __future__ import annotations

from typing import Any

from bench import notes

MARK = {True: "met", False: "**missed**", None: "n/a"}


def _met(value: float | None, target: float, higher_is_better: bool = False) -> bool | None:
    if value is None:
        return None
    return value >= target if higher_is_better else value <= target


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a is not None and b else None


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text}{unit}"


def render(run: dict[str, Any]) -> str:
    m, d = run["machine"], run["dataset"]
    seed = d.get("seed") or {}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/national.py`); the raw figures are in",
        "`bench/results/national-latest.json`. Figures are measured on the machine below, never",
        "asserted in tests. Targets are issue 9's.",
        "",
        "## Machine, date, dataset, set-up",
        "",
        f"- Date: {run['date']}; whole run {run['seconds']:.0f} s.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mib']:,} MiB; Linux {m['kernel']};"
        f" Python {m['python']}; PostgreSQL {m['postgresql']} on the same machine;"
        f" load average at start {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}"
        " (the machine is shared with other work, so figures move between runs).",
        f"- Dataset: `cpd seed --participants {seed.get('participants', 250000):,}` copied from the"
        f" `{d['template']}` template database ({d['copy_seconds']} s to copy): {d['people']:,} people,"
        f" {d['training_records']:,} training records, {d['declarations']:,} declarations,"
        f" {d['lead_providers']} lead providers, {d['size']} on disk. Measured as the provider with the"
        f" most participants: {d['provider']}.",
        f"- Server: {run['server']['command']}, {run['server']['workers']} workers,"
        f" `CPD_ENVIRONMENT=production` (response validation off), rate-limit counters in"
        f" {'Redis' if run['server']['redis'] else 'the database'}, on loopback. The load comes from"
        " a separate process (asyncio + httpx) on the same 2 cores, so the client's own CPU is"
        " part of every figure.",
        "",
        "## Summary against the targets",
        "",
        "| measure | target | measured | |",
        "|---|---|---|---|",
    ]
    pages = run["pages"]
    worst_p50 = max(entry["api"]["p50_ms"] for entry in pages.values())
    worst_p99 = max(entry["api"]["p99_ms"] for entry in pages.values())
    ratios = [
        _ratio(entry["api"]["p50_ms"], entry["database"]["p50_ms"])
        for entry in pages.values()
        if "database" in entry
    ]
    worst_ratio = max((r for r in ratios if r is not None), default=None)
    poll_p50 = max(entry["p50_ms"] for entry in run["poll"].values())
    sync = run["sync"]
    participants_rate = sync["/api/v3/participants/ecf"]["participants_per_second"]
    declarations_rate = sync["/api/v3/participant-declarations"]["declarations_per_second"]
    csv = run["csv"]
    csv_rate = min(entry["rows_per_second"] for entry in csv.values())
    copy_ratio = max(_ratio(e["copy_rows_per_second"], e["rows_per_second"]) or 0 for e in csv.values())
    csv_memory = max(entry["rss_growth_mib"] for entry in csv.values())
    post = run["posts"].get("10", {})
    mixed = run["mixed"]
    rows = [
        ("page of 100, any list endpoint: p50", "≤ 25 ms", worst_p50, " ms", _met(worst_p50, 25)),
        ("page of 100, any list endpoint: p99", "≤ 100 ms", worst_p99, " ms", _met(worst_p99, 100)),
        ("page of 100: API / database floor (worst)", "≤ 2×", worst_ratio, "×", _met(worst_ratio, 2)),
        ("`updated_since` poll: p50 (worst)", "≤ 25 ms", poll_p50, " ms", _met(poll_p50, 25)),
        (
            "full sync: participants/s (v3)",
            "≥ 20,000",
            participants_rate,
            "",
            _met(participants_rate, 20000, True),
        ),
        (
            "full sync: declarations/s (v3)",
            "≥ 50,000",
            declarations_rate,
            "",
            _met(declarations_rate, 50000, True),
        ),
        ("CSV: rows/s (slowest export)", "≥ 50,000", csv_rate, "", _met(csv_rate, 50000, True)),
        ("CSV: COPY / API (worst)", "≤ 2×", copy_ratio, "×", _met(copy_ratio, 2)),
        ("CSV: worker memory growth", "< 50 MB", csv_memory, " MiB", _met(csv_memory, 47.6)),
        (
            "POST declaration, 10 clients: p50",
            "≤ 30 ms",
            post.get("p50_ms"),
            " ms",
            _met(post.get("p50_ms"), 30),
        ),
        ("POST declaration, 10 clients: errors", "0", post.get("errors"), "", _met(post.get("errors"), 0)),
        (
            "POST declaration, 10 clients: throughput",
            "≥ 200/s",
            post.get("per_second"),
            "/s",
            _met(post.get("per_second"), 200, True),
        ),
        (
            "mixed reads, all workers busy",
            "≥ 500 req/s",
            mixed["requests_per_second"],
            " req/s",
            _met(mixed["requests_per_second"], 500, True),
        ),
        (
            "seeding 250,000 participants",
            "≤ 10 min",
            seed.get("seconds"),
            " s",
            _met(seed.get("seconds"), 600) if seed else None,
        ),
    ]
    for name, target, value, unit, met in rows:
        lines.append(f"| {name} | {target} | {_fmt(value, unit)} | {MARK[met]} |")
    lines += [
        "",
        "## 1–2. A page of 100 per list endpoint, with its floors",
        "",
        "Single client, sequential requests cycling through pages 1–5 (`page[per_page]=100`),",
        f"{pages[next(iter(pages))]['api']['n']} timed requests each after a warm-up. **Database floor**: one SQL",
        "statement that builds the page's JSON in PostgreSQL (`json_agg`, `bench/floors.py`), timed",
        "from this process (round trip included). **Bare endpoint**: `/api/bench-floor/…` answering",
        "the same bytes through the same middlewares and Flask (mounted only when",
        "`CPD_BENCH_FLOOR_DIR` is set), so API − bare ≈ our code plus Connexion's routing,",
        "security and validation. Database floors exist for participants and declarations (v1, v2,",
        "v3); the other lists have only the bare floor.",
        "",
        "| endpoint | records | KB | p50 ms | p99 ms | database p50 | API/database | bare p50 | API/bare |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for path, entry in pages.items():
        database = entry.get("database", {}).get("p50_ms")
        lines.append(
            f"| `{path}` | {entry['records']} | {entry['bytes'] / 1000:.1f} | {entry['api']['p50_ms']:.1f} |"
            f" {entry['api']['p99_ms']:.1f} | {_fmt(database)} | {_fmt(_ratio(entry['api']['p50_ms'], database))} |"
            f" {entry['bare']['p50_ms']:.1f} | {_fmt(_ratio(entry['api']['p50_ms'], entry['bare']['p50_ms']))} |"
        )
    lines += [
        "",
        "## 3. `updated_since` poll at the tail",
        "",
        "`filter[updated_since]` set to the 50th newest change stamp, `page[per_page]=100`.",
        "",
        "| endpoint | records | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for path, entry in run["poll"].items():
        lines.append(f"| `{path}` | {entry['records']} | {entry['p50_ms']:.1f} | {entry['p99_ms']:.1f} |")
    lines += [
        "",
        "## 4. Full sync at `per_page=3000`",
        "",
        "A sync that would outlast its time budget stops early; its rate is over the pages it read",
        "(later pages cost more with offset paging, so a stopped sync's rate flatters it).",
        "",
        "| endpoint | records | requests | seconds | records/s |",
        "|---|---|---|---|---|",
    ]
    for path, entry in sync.items():
        rate = entry.get("participants_per_second") or entry.get("declarations_per_second")
        partial = "" if entry.get("complete", True) else " (stopped at the time budget)"
        lines.append(
            f"| `{path}` | {entry['records']:,}{partial} | {entry['requests']} | {entry['seconds']:.1f} | {rate:,} |"
        )
    lines += [
        "",
        "## 5. CSV exports against COPY",
        "",
        "`COPY (same rows and columns) TO STDOUT WITH (FORMAT csv)` read by psycopg; memory is the",
        "largest resident-set growth of any worker while the export streams.",
        "",
        "| export | rows | MB | seconds | rows/s | COPY rows/s | COPY/API | worker RSS growth |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for path, entry in csv.items():
        lines.append(
            f"| `{path}` | {entry['rows']:,} | {entry['megabytes']} | {entry['seconds']:.1f} |"
            f" {entry['rows_per_second']:,} | {entry['copy_rows_per_second']:,} |"
            f" {_fmt(_ratio(entry['copy_rows_per_second'], entry['rows_per_second']))} |"
            f" {entry['rss_growth_mib']:.1f} MiB |"
        )
    lines += [
        "",
        "## 6. POST declarations",
        "",
        "`POST /api/v3/participant-declarations`, each body a different person's next milestone",
        "(chosen in SQL so the rules accept it), clients in parallel on keep-alive connections.",
        "",
        "| clients | requests | p50 ms | p99 ms | per second | accepted | rejected (422) | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for clients, entry in run["posts"].items():
        lines.append(
            f"| {clients} | {entry['requests']} | {entry['p50_ms']:.1f} | {entry['p99_ms']:.1f} |"
            f" {entry['per_second']:.0f} | {entry['accepted']} | {entry['rejected_422']} | {entry['errors']} |"
        )
    lines += [
        "",
        "## 7. Mixed reads",
        "",
        f"{mixed['clients']} clients for {mixed['seconds']} s, each request a random page (1–5) of a",
        f"random list endpoint: {mixed['requests']:,} requests, {mixed['requests_per_second']:,} req/s,"
        f" p50 {mixed['p50_ms']:.1f} ms, p99 {mixed['p99_ms']:.1f} ms, {mixed['errors']} errors.",
        "",
        "## 8. Seeding",
        "",
        (
            f"`bench/seed.py --participants {seed['participants']:,}` took {seed['seconds']:.0f} s"
            f" ({seed['at']}, when the template was built; reused since)."
            if seed
            else "Not measured in this run (the template existed before seed times were recorded)."
        ),
        "",
        notes.TEXT,
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Render docs/benchmarks.md again from the latest results (after editing bench/notes.py)."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    run = json.loads((root / "bench" / "results" / "national-latest.json").read_text())
    (root / "docs" / "benchmarks.md").write_text(render(run))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
