"""Benchmark the sandbox seeding: populate N participants, then print rows per table and timings.

A benchmark, not a test: it asserts nothing about time. It migrates the database given by
DATABASE_URL (to head; a no-op when already there), seeds it in one transaction and commits.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cpd_bench \\
        .venv/bin/python bench/seed.py --participants 20000
"""

from __future__ import annotations

import argparse
import sys
import time

import sqlalchemy as sa

from cpd.config import load_settings
from cpd.sandbox import populate
from storage.db import get_engine, transaction
from storage.migrate import upgrade
from storage.models import Base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants", type=int, default=20_000, help="participants in total (default 20000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    arguments = parser.parse_args(argv)
    settings = load_settings()
    if settings.environment == "production":
        parser.error("refusing to seed sandbox data in production")

    engine = get_engine(settings.database_url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
    upgrade(settings.database_url)
    started = time.monotonic()
    with transaction(settings.database_url) as session:
        provider_tokens = populate(
            session,
            secret_key=settings.secret_key,
            participants=arguments.participants,
            seed=arguments.seed,
            progress=True,
        )
        seeded = time.monotonic()
    committed = time.monotonic()
    if engine.dialect.name == "postgresql":
        # Planner statistics for the bulk load, so benchmarks run on it see real plans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))

    with engine.connect() as connection:
        rows = {
            table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
    width = max(len(name) for name in rows)
    for name, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"{name:<{width}}  {count:>12,}")
    total = sum(rows.values())
    elapsed = committed - started
    print(f"{'total':<{width}}  {total:>12,}")
    print(
        f"{len(provider_tokens)} providers; seeded in {seeded - started:.1f}s, committed in {committed - seeded:.1f}s, "
        f"{elapsed:.1f}s in all ({total / elapsed:,.0f} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
