"""API reads go to ``DATABASE_REPLICA_URL`` when it is set; writes and pages stay on the primary.

The replica is a second real database (a second SQLite file, or a second PostgreSQL
database), given a copy of the primary's rows as replication would, then made to differ.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from cpd.app import create_app
from storage.db import get_engine, new_session, reading_from_replica
from storage.migrate import upgrade
from storage.models import ApiToken, Base, Statement
from tests.conftest import _fresh_postgres_database
from tests.factories import provider_with_token


@pytest.fixture
def replica_url(database_url: str, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if database_url.startswith("postgresql"):
        url, base = _fresh_postgres_database(os.environ["DATABASE_URL"])
    else:
        url, base = f"sqlite:///{tmp_path / 'replica.sqlite3'}", None
    upgrade(url)
    yield url
    get_engine(url).dispose()
    if base is not None:
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def _replicate(primary_url: str, replica_url: str) -> None:
    """Copy every row, parents first, as streaming replication would have."""
    with get_engine(primary_url).connect() as source, get_engine(replica_url).begin() as target:
        for table in reversed(Base.metadata.sorted_tables):  # rows the migrations made
            target.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in source.execute(sa.select(table))]
            if rows:
                target.execute(table.insert(), rows)


@pytest.fixture
def token(session, settings, replica_url) -> str:  # type: ignore[no-untyped-def]
    _, plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    _replicate(settings.database_url, replica_url)
    # The replica differs from the primary: it has no statements.
    with get_engine(replica_url).begin() as connection:
        connection.execute(sa.delete(Statement.__table__))
    return plaintext


def test_api_gets_read_from_the_replica(settings, replica_url, token):
    headers = {"Authorization": f"Bearer {token}"}
    with create_app(settings).test_client() as client:
        from_primary = client.get("/api/v3/statements", headers=headers).json()["data"]
    with create_app(dataclasses.replace(settings, database_replica_url=replica_url)).test_client() as client:
        from_replica = client.get("/api/v3/statements", headers=headers).json()["data"]
    assert len(from_primary) > 0
    assert from_replica == []


def test_a_get_that_writes_writes_to_the_primary(settings, replica_url, token):
    """Reading with a token records when it was last used: that write reaches the primary."""
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.update(ApiToken.__table__).values(last_used_at=None))
    with get_engine(replica_url).begin() as connection:
        connection.execute(sa.update(ApiToken.__table__).values(last_used_at=None))
    app = create_app(dataclasses.replace(settings, database_replica_url=replica_url))
    with app.test_client() as client:
        assert (
            client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
    with get_engine(settings.database_url).connect() as connection:
        assert connection.scalar(sa.select(ApiToken.last_used_at)) is not None
    with get_engine(replica_url).connect() as connection:
        assert connection.scalar(sa.select(ApiToken.last_used_at)) is None


def test_writes_and_sessions_outside_api_gets_use_the_primary(settings, replica_url, token):
    create_app(dataclasses.replace(settings, database_replica_url=replica_url))  # configures the replica
    primary_count = sa.select(sa.func.count()).select_from(Statement)
    outside = new_session(settings.database_url)
    with reading_from_replica():
        inside = new_session(settings.database_url)
    try:
        assert outside.scalar(primary_count) > 0
        assert inside.scalar(primary_count) == 0  # read from the replica
        locked = inside.scalars(sa.select(Statement).limit(1).with_for_update()).first()
        assert locked is not None  # a locking read is a write's first step: the primary
    finally:
        outside.close()
        inside.close()


def test_without_a_replica_everything_reads_the_primary(settings, token):
    with create_app(settings).test_client() as client:
        response = client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"})
    assert len(response.json()["data"]) > 0
