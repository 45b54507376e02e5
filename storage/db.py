"""Engine and session handling.

One engine per process and database URL. SQLite gets foreign keys, WAL and a busy
timeout so the embedded default behaves like a real database under a few workers.

Reads may go to a replica: ``configure(primary, replica_url=...)`` names one, and a
session made while :func:`reading_from_replica` is on (``handlers.read_replica`` turns
it on for API GETs) sends its SELECTs there. Anything that writes (a flush, an INSERT,
UPDATE or DELETE statement, a locking SELECT) still goes to the primary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[str, sa.Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
#: Primary URL -> its read replica's URL.
_replicas: dict[str, str] = {}
#: Connections each engine keeps (``pool_size``) and may add under load (``max_overflow``).
_pool = {"pool_size": 10, "max_overflow": 10}
_replica_reads: ContextVar[bool] = ContextVar("cpd_replica_reads", default=False)


def configure(
    primary_url: str,
    *,
    replica_url: str | None = None,
    pool_size: int | None = None,
    max_overflow: int | None = None,
) -> None:
    """Pool sizes for engines made from now on, and the replica (if any) of ``primary_url``."""
    if pool_size is not None:
        _pool["pool_size"] = pool_size
    if max_overflow is not None:
        _pool["max_overflow"] = max_overflow
    if replica_url and replica_url != primary_url:
        _replicas[primary_url] = replica_url
    else:
        _replicas.pop(primary_url, None)


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Sessions made inside this block read from the replica, when there is one."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class _RoutingSession(Session):
    """Reads from the replica, writes to the primary (SQLAlchemy's ``get_bind`` hook)."""

    replica: sa.Engine | None = None

    def get_bind(self, mapper: Any = None, clause: Any = None, **kwargs: Any) -> Any:
        if self.replica is None or self._flushing or _writes(clause):
            return super().get_bind(mapper, clause=clause, **kwargs)
        return self.replica


def _writes(clause: Any) -> bool:
    if isinstance(clause, sa.sql.dml.UpdateBase):
        return True
    if isinstance(clause, sa.Select) and clause._for_update_arg is not None:
        return True
    # Text and anything else we cannot read: the primary, to be safe.
    return not isinstance(clause, sa.Select | None)


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
        # LIFO: the most recently used connection is handed out first, so a few connections stay
        # busy and keep their prepared statements (psycopg prepares a statement on its fifth
        # run on a connection) while the rest idle, instead of every request warming a cold one.
        engine = sa.create_engine(url, pool_pre_ping=True, pool_use_lifo=True, **_pool)
    _engines[database_url] = engine
    return engine


def new_session(database_url: str) -> Session:
    """A session on the database. Every session stamps the API resources its transaction
    changes when it commits (``domain.sync``), and records its writes in the audit trail
    (``domain.audit``); both register their session events on import."""
    import domain.audit
    import domain.sync  # noqa: F401

    replica_url = _replicas.get(database_url) if _replica_reads.get() else None
    key = f"{database_url} -> {replica_url}" if replica_url else database_url
    factory = _factories.get(key)
    if factory is None:
        if replica_url:
            routing = type("ReplicaSession", (_RoutingSession,), {"replica": get_engine(replica_url)})
            factory = sessionmaker(bind=get_engine(database_url), class_=routing, expire_on_commit=False)
        else:
            factory = sessionmaker(bind=get_engine(database_url), expire_on_commit=False)
        _factories[key] = factory
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
    _replicas.clear()
