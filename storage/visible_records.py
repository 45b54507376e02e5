"""Keeping ``visible_training_records`` equal to what the visibility rule says.

The rule itself is :func:`storage.queries.participants.latest_records`; this module stores its
answer. :func:`refresh` rewrites the rows of some people and is called by ``domain.sync``
whenever it stamps a participant change, in the same transaction (and
:func:`refresh_declared` when it stamps a declaration change). Every change that can alter
what a provider sees of a person (their records, programmes, partnerships and challenges,
schedules, training status) already moves that person's participant stamp, so the table
follows the same rules as ``updated_at`` and needs no list of its own. :func:`rebuild` fills it
from scratch: the migration that adds it, and bulk loads that bypass the session's events
(the sandbox and the benchmark seed).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import util as sql_util

from storage.enums import BLOCKING_STATES
from storage.models import (
    Cohort,
    InductionRecord,
    ParticipantDeclaration,
    ParticipantProfile,
    Schedule,
    Teacher,
    VisibleTrainingRecord,
)
from storage.queries.participants import latest_records

#: People per statement, well under every database's limit on bound parameters.
_CHUNK = 5000

_COLUMNS = (
    "lead_provider_id",
    "participant_profile_id",
    "induction_record_id",
    "teacher_id",
    "profile_type",
    "mentor_profile_id",
    "schedule_cohort",
    "training_status",
    "teacher_created_at",
    "profile_created_at",
    "api_updated_at",
    "others_live_declarations",
)


def _others_live_declarations(profile_id: Any, lead_provider_id: Any) -> sa.Exists:
    """Whether a provider other than ``lead_provider_id`` has a live declaration on the record."""
    return (
        sa.select(ParticipantDeclaration.id)
        .where(
            ParticipantDeclaration.participant_profile_id == profile_id,
            ParticipantDeclaration.lead_provider_id != lead_provider_id,
            ParticipantDeclaration.state.in_(BLOCKING_STATES),
        )
        .exists()
    )


def _visible(teacher_ids: Collection[uuid.UUID] | None, *, distinct_on: bool) -> sa.Select[Any]:
    """The rows the table should hold, for these people or for everyone."""
    latest = latest_records(
        None, list(teacher_ids) if teacher_ids is not None else None, distinct_on=distinct_on
    )
    latest_sq = latest.subquery("latest")
    return (
        sa.select(
            latest_sq.c.lead_provider_id,
            latest_sq.c.profile_id,
            latest_sq.c.record_id,
            ParticipantProfile.teacher_id,
            ParticipantProfile.profile_type,
            InductionRecord.mentor_profile_id,
            Cohort.start_year,
            InductionRecord.training_status,
            Teacher.created_at,
            ParticipantProfile.created_at,
            Teacher.api_updated_at,
            _others_live_declarations(latest_sq.c.profile_id, latest_sq.c.lead_provider_id),
        )
        .select_from(latest_sq)
        .join(InductionRecord, InductionRecord.id == latest_sq.c.record_id)
        .join(ParticipantProfile, ParticipantProfile.id == latest_sq.c.profile_id)
        .join(Teacher, Teacher.id == ParticipantProfile.teacher_id)
        .join(Schedule, Schedule.id == InductionRecord.schedule_id)
        .join(Cohort, Cohort.id == Schedule.cohort_id)
    )


def _insert(select: sa.Select[Any]) -> sa.Insert:
    table = VisibleTrainingRecord.__table__
    return sa.insert(table).from_select([table.c[name] for name in _COLUMNS], select)


def reads(statement: object) -> bool:
    """Whether a statement reads the table (directly, in a subquery or under an alias)."""
    if not isinstance(statement, sa.sql.ClauseElement):
        return False
    table = VisibleTrainingRecord.__table__
    return any(found is table for found in sql_util.find_tables(statement, include_aliases=True))


def refresh(session: Session, teacher_ids: Collection[uuid.UUID]) -> None:
    """Rewrite these people's rows from the current state of the transaction. Rows of training
    records that moved to another person in the same change (a merge) go too: both people
    are touched, and a row is found by its record as well as by its person."""
    table = VisibleTrainingRecord.__table__
    distinct_on = session.get_bind().dialect.name == "postgresql"
    ids = sorted(set(teacher_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        profiles = sa.select(ParticipantProfile.id).where(ParticipantProfile.teacher_id.in_(chunk))
        session.execute(
            sa.delete(table).where(
                sa.or_(table.c.teacher_id.in_(chunk), table.c.participant_profile_id.in_(profiles))
            )
        )
        session.execute(_insert(_visible(chunk, distinct_on=distinct_on)))


def refresh_declared(session: Session, declaration_ids: Collection[uuid.UUID]) -> None:
    """Recompute ``others_live_declarations`` on the records these declarations are for (a
    declaration was made, or changed state)."""
    table = VisibleTrainingRecord.__table__
    ids = sorted(set(declaration_ids))
    for start in range(0, len(ids), _CHUNK):
        profiles = sa.select(ParticipantDeclaration.participant_profile_id).where(
            ParticipantDeclaration.id.in_(ids[start : start + _CHUNK])
        )
        session.execute(
            sa.update(table)
            .where(table.c.participant_profile_id.in_(profiles))
            .values(
                others_live_declarations=_others_live_declarations(
                    table.c.participant_profile_id, table.c.lead_provider_id
                )
            )
        )


def rebuild(connection: sa.Connection) -> int:
    """Empty the table and fill it for every person; returns the rows written."""
    table = VisibleTrainingRecord.__table__
    connection.execute(sa.delete(table))
    distinct_on = connection.dialect.name == "postgresql"
    connection.execute(_insert(_visible(None, distinct_on=distinct_on)))
    # Counted rather than read from the insert's rowcount, which psycopg leaves at -1 here.
    return connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def differences(connection: sa.Connection) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """``(missing, extra)``: rows the rule gives that the table lacks, and rows it holds that the
    rule no longer gives (for tests and ``cpd visibility check``)."""
    table = VisibleTrainingRecord.__table__
    expected = {tuple(row) for row in connection.execute(_visible(None, distinct_on=False))}
    stored = {tuple(row) for row in connection.execute(sa.select(*(table.c[name] for name in _COLUMNS)))}
    return expected - stored, stored - expected
