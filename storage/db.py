"""Engine and session handling.

One engine per process and database URL. SQLite gets foreign keys, WAL and a busy
timeout so the embedded default behaves like a real database under a few workers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[str, sa.Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(database_url: str) -> sa.Engine:
    engine = _engines.get(database_url)
    if engine is not None:
        return engine
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    _engines[database_url] = engine
    return engine


def new_session(database_url: str) -> Session:
    """A session on the database. Every session stamps the API resources its transaction
    changes when it commits (``domain.sync``, whose events are registered on import)."""
    import domain.sync  # noqa: F401  (imported here: domain modules import storage)

    factory = _factories.get(database_url)
    if factory is None:
        factory = _factories[database_url] = sessionmaker(
            bind=get_engine(database_url), expire_on_commit=False
        )
    return factory()


@contextlib.contextmanager
def transaction(database_url: str) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back whole."""
    session = new_session(database_url)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def dispose_all() -> None:
    """Close every pool (tests switch databases; forked workers must not share sockets)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()
