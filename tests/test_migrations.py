"""The migrations build exactly the models, and 0004's change stamps start where the API was.

Migration 0004 adds the API change stamps and fills them from the expressions the API used to
compute at read time (``storage.sync_backfill``), so a provider sees the same ``updated_at``
before and after the upgrade.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from domain import clock
from storage import visible_records
from storage.db import dispose_all, get_engine
from storage.migrate import alembic_config, upgrade
from storage.models import (
    Base,
    DeliveryPartner,
    InductionTutor,
    ParticipantIdentity,
    ParticipantProfile,
    Partnership,
    School,
    Statement,
    Teacher,
    User,
)
from storage.sync_backfill import EPOCH, backfill
from tests import builders as b
from tests.test_v3_participants import get, records_of, world

STAMPED = {
    "teachers": ("api_updated_at", "transfers_api_updated_at", "unfunded_mentor_api_updated_at"),
    "participant_declarations": ("api_updated_at",),
    "partnerships": ("api_updated_at",),
    "schools": ("api_updated_at",),
    "school_cohorts": ("api_updated_at",),
    "delivery_partners": ("api_updated_at",),
    "statements": ("api_updated_at",),
}


def test_the_migrated_schema_is_exactly_the_models(database_url):
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture
def throwaway(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = sa.make_url(configured)
    name = f"cpd_migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    dispose_all()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_0004_goes_down_and_up_again(throwaway):
    upgrade(throwaway, "0004_api_updated_at")
    config = alembic_config()
    with get_engine(throwaway).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_idempotency_keys")
    with get_engine(throwaway).connect() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("teachers")}
        assert "api_updated_at" not in columns
        assert "api_sync_clock" not in sa.inspect(connection).get_table_names()
    upgrade(throwaway, "0004_api_updated_at")
    with get_engine(throwaway).connect() as connection:
        assert connection.execute(sa.text("SELECT id FROM api_sync_clock")).scalars().all() == [1]


def _downgrade(url: str, revision: str) -> None:
    config = alembic_config()
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _school_with_signed_up_tutor(url: str) -> uuid.UUID:
    """A school whose tutor has an account: the rows the accounts migration (0005) reshapes."""
    with Session(get_engine(url)) as session:
        school = b.school(session)
        user = User(email="tutor@example.com", full_name="Tutor")
        session.add(user)
        session.flush()
        session.get(InductionTutor, school.induction_tutor_id).user_id = user.id  # type: ignore[union-attr]
        session.commit()
        return school.id


def _tutor_of(url: str, school_id: uuid.UUID) -> uuid.UUID | None:
    with Session(get_engine(url)) as session:
        return session.scalar(sa.select(School.induction_tutor_id).where(School.id == school_id))


def test_every_migration_goes_down_to_base_and_back_up_to_the_models(throwaway):
    """With data in the tables each step reshapes (on SQLite, a table is rebuilt to alter it,
    which foreign keys from other rows must survive)."""
    upgrade(throwaway)
    _school_with_signed_up_tutor(throwaway)
    _downgrade(throwaway, "base")
    with get_engine(throwaway).connect() as connection:
        assert sa.inspect(connection).get_table_names() == ["alembic_version"]
    upgrade(throwaway)
    with get_engine(throwaway).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_accounts_migration_keeps_each_schools_tutor_down_and_up(throwaway):
    upgrade(throwaway)
    school_id = _school_with_signed_up_tutor(throwaway)
    tutor = _tutor_of(throwaway, school_id)
    assert tutor is not None
    _downgrade(throwaway, "0004_api_updated_at")
    with get_engine(throwaway).connect() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("induction_tutors")}
        assert "user_id" not in columns and "users" not in sa.inspect(connection).get_table_names()
        if connection.dialect.name == "sqlite":
            assert connection.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    assert _tutor_of(throwaway, school_id) == tutor
    upgrade(throwaway)
    assert _tutor_of(throwaway, school_id) == tutor
    with Session(get_engine(throwaway)) as session:
        assert session.get(InductionTutor, tutor).user_id is None  # type: ignore[union-attr]


def _at(day: int) -> dt.datetime:
    return dt.datetime(2025, 1, day, tzinfo=dt.UTC)


def test_the_backfill_gives_what_the_api_computed_before(client, session, settings):
    """Each stamp is the newest ``updated_at`` across what the resource used to roll up."""
    with clock.travel(_at(1)):
        w = world(session, settings.secret_key)
        ect = b.participant(session, w.programme)
        # Registered, with no induction record yet.
        waiting = Teacher(full_name="Waiting")
        session.add(waiting)
        session.flush()
        identity = ParticipantIdentity(teacher_id=waiting.id, email="waiting@example.com")
        session.add(identity)
        session.flush()
        session.add(
            ParticipantProfile(
                teacher_id=waiting.id,
                participant_identity_id=identity.id,
                profile_type=ect.profile_type,
                school_cohort_id=ect.school_cohort_id,
                schedule_id=ect.schedule_id,
            )
        )
        session.commit()
    with clock.travel(_at(2)):
        records_of(session, ect)[0].school_transfer = True  # any change to an induction record counted
        session.commit()
    with clock.travel(_at(3)):
        session.get(Partnership, w.partnership.id).pending = True  # so did any change to its partnership
        session.commit()
    with clock.travel(_at(4)):
        session.get(InductionTutor, w.school.induction_tutor_id).full_name = "Tutor"  # type: ignore[union-attr]
        session.commit()
    with clock.travel(_at(5)):
        session.get(School, w.school.id).la_name = "Somewhere"  # type: ignore[union-attr]
        session.commit()
    with get_engine(settings.database_url).begin() as connection:
        for table, columns in STAMPED.items():
            connection.execute(
                sa.table(table, *map(sa.column, columns)).update().values(dict.fromkeys(columns, EPOCH))
            )
        newest = backfill(connection)
        # Bulk writes bypass the session's events; the sandbox rebuilds the derived table after them.
        visible_records.rebuild(connection)
    session.expire_all()
    teacher = session.get(Teacher, ect.teacher_id)
    assert teacher is not None
    assert teacher.api_updated_at == _at(3)  # the partnership its record sits under
    assert teacher.transfers_api_updated_at == _at(2)  # its induction records
    assert session.get(Teacher, waiting.id).transfers_api_updated_at == _at(1)  # type: ignore[union-attr]
    # The partnership, its school (any field), its tutor or its delivery partner.
    assert session.get(Partnership, w.partnership.id).api_updated_at == _at(5)  # type: ignore[union-attr]
    assert session.get(DeliveryPartner, w.partner.id).api_updated_at == _at(1)  # type: ignore[union-attr]
    assert session.get(School, w.school.id).api_updated_at == _at(5)  # type: ignore[union-attr]
    statement = session.scalars(sa.select(Statement).limit(1)).one()
    assert statement.api_updated_at == statement.updated_at
    assert newest == _at(5)
    assert session.execute(sa.text("SELECT last_stamp FROM api_sync_clock")).scalar() is not None
    status, body = get(client, w.token, f"/api/v3/participants/ecf/{ect.teacher_id}")
    assert (status, body["data"]["attributes"]["updated_at"]) == (200, "2025-01-03T00:00:00Z")
