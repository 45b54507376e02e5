"""Declarative base, shared column types and naming conventions."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.clock import UTC, now

# Stable constraint names make migrations reviewable and identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones, so without this a value would come back naive there
    and aware on PostgreSQL; comparing the two is an error waiting to happen.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use domain.clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A portable enumeration: VARCHAR plus a CHECK constraint listing the stored values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), uuid.UUID: sa.Uuid()}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_uuid)


class Timestamps:
    """``created_at``/``updated_at`` stamped from the one clock, so time travel applies.

    ``updated_at`` moves on any change to the row; the API shows ``api_updated_at`` instead.
    """

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=now, onupdate=now, nullable=False)


def api_stamp() -> Mapped[dt.datetime]:
    """An API resource's change stamp: what it shows as ``updated_at`` and what
    ``filter[updated_since]`` compares. Moved only by ``domain.sync`` at commit, when a field
    the resource shows changes; the default is provisional (the commit replaces it)."""
    return mapped_column(UTCDateTime(), default=now, nullable=False, index=True)


class ApiStamped:
    """A table that backs one API resource: its rows carry that resource's ``api_updated_at``."""

    api_updated_at: Mapped[dt.datetime] = api_stamp()
