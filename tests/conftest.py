"""Shared fixtures: a real, migrated database (SQLite by default, PostgreSQL when
``DATABASE_URL`` says so), emptied after every test, and settings pointing at it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd.config import Settings
from storage import visible_records
from storage.db import dispose_all, get_engine, new_session
from storage.migrate import upgrade
from storage.models import Base

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One visible line when browser tests were skipped for want of Chromium (the skip is in
    tests/web/conftest.py; this hook sits here so that xdist's controller runs it)."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "browser tests skipped" in str(report.longrepr[-1])
    ]
    if skipped:
        reason = str(skipped[0].longrepr[-1]).removeprefix("Skipped: ")
        terminalreporter.write_sep(
            "!", f"NOTICE: {len(skipped)} tests skipped: {reason}", yellow=True, bold=True
        )


def _fresh_postgres_database(base_url: str) -> tuple[str, sa.URL]:
    url = sa.make_url(base_url)
    name = f"cpd_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgresql"):
        url, base = _fresh_postgres_database(configured)
        upgrade(url)
        yield url
        dispose_all()
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url
        dispose_all()


def _empty_all_tables(database_url: str) -> None:
    engine = get_engine(database_url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            connection.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
            connection.execute(sa.text("UPDATE school_cohorts SET default_induction_programme_id = NULL"))
            for table in tables:
                connection.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    yield Settings(
        database_url=database_url,
        redis_url=None,
        secret_key=TEST_SECRET_KEY,
        environment="test",
        debug=False,
        rate_limit=1_000_000,  # the limit itself is tested in test_rate_limit.py
    )
    try:
        _assert_visibility_follows_the_rule(database_url)
    finally:
        _empty_all_tables(database_url)


def _assert_visibility_follows_the_rule(database_url: str) -> None:
    """After every test that wrote data, ``visible_training_records`` still equals what the
    visibility rule computes from the data: every write path the suite exercises keeps it."""
    with get_engine(database_url).connect() as connection:
        missing, extra = visible_records.differences(connection)
    assert not missing and not extra, f"visible_training_records is stale: missing {missing}, extra {extra}"


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session on the test database; commit explicitly when the code under test expects it."""
    db_session = new_session(settings.database_url)
    try:
        yield db_session
    finally:
        db_session.rollback()
        db_session.close()


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    """The real Connexion app (response validation on), bound to the test database."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from cpd.app import create_app

        return create_app(settings)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free local port, for behaviour that is HTTP."""
    import socket
    import threading
    import time

    import uvicorn

    from cpd.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
