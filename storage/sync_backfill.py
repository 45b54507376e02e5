"""Setting every API change stamp from the row timestamps, as the API computed them before.

Until migration 0004 the API worked out each resource's ``updated_at`` when it was read:
for a participant, the newest ``updated_at`` (or ``created_at`` of append-only rows) across
the person and everything their enrolments show; for a partnership, the newest of the
partnership, its school, delivery partner and induction tutor; and so on. This module
keeps those expressions, in one place, to fill the ``api_*updated_at`` columns so that
nothing a provider sees changes when the columns take over:

* migration 0004 runs it once over existing data;
* the sandbox runs it after its bulk population, which writes historical timestamps
  (``cpd.sandbox``).

From then on ``domain.sync`` moves the stamps. The tables are spelt out with lightweight
``sa.table`` constructs rather than the models, so the migration keeps working whatever
the models become later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from storage.models.base import UTCDateTime


def _t(name: str, *columns: str) -> sa.TableClause:
    """A table as far as the backfill reads it; timestamps typed so they read back aware."""

    def typed(column: str) -> sa.ColumnClause[Any]:
        is_stamp = column.endswith(("_at", "last_stamp"))
        return sa.column(column, UTCDateTime()) if is_stamp else sa.column(column)

    return sa.table(name, *(typed(column) for column in columns))


teachers = _t(
    "teachers",
    "id",
    "updated_at",
    "api_updated_at",
    "transfers_api_updated_at",
    "unfunded_mentor_api_updated_at",
)
identities = _t("participant_identities", "teacher_id", "updated_at")
profiles = _t("participant_profiles", "id", "teacher_id", "profile_type", "updated_at")
records = _t(
    "induction_records", "participant_profile_id", "induction_programme_id", "mentor_profile_id", "updated_at"
)
profile_states = _t("participant_profile_states", "participant_profile_id", "created_at")
eligibilities = _t("participant_eligibilities", "participant_profile_id", "updated_at")
validation_data = _t("participant_validation_data", "participant_profile_id", "updated_at")
id_changes = _t("participant_id_changes", "teacher_id", "created_at")
programmes = _t("induction_programmes", "id", "partnership_id")
partnerships = _t("partnerships", "id", "school_id", "delivery_partner_id", "updated_at", "api_updated_at")
schools = _t("schools", "id", "induction_tutor_id", "updated_at", "api_updated_at")
school_cohorts = _t("school_cohorts", "id", "updated_at", "api_updated_at")
tutors = _t("induction_tutors", "id", "updated_at")
delivery_partners = _t("delivery_partners", "id", "updated_at", "api_updated_at")
declarations = _t("participant_declarations", "id", "updated_at", "api_updated_at")
statements = _t("statements", "id", "updated_at", "api_updated_at")
clock = _t("api_sync_clock", "id", "last_stamp")


#: The sync clock's start on an empty database.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def latest_of(*columns: Any) -> sa.ColumnElement[Any]:
    """The latest of several timestamps, ignoring NULLs after the first, on any database."""
    latest = columns[0]
    for column in columns[1:]:
        latest = sa.case((column > latest, column), else_=latest)
    return latest


def _newest_per_teacher(parts: list[sa.Select[Any]], name: str) -> sa.Subquery:
    changes = sa.union_all(*parts).subquery(f"{name}_changes")
    return (
        sa.select(changes.c.teacher_id, sa.func.max(changes.c.changed_at).label("stamp"))
        .group_by(changes.c.teacher_id)
        .subquery(name)
    )


def participant_stamps() -> sa.Subquery:
    """``(teacher_id, stamp)``: the newest change to the person, their identities, every
    training record, its induction records, provider actions, eligibility verdict and
    validation data, their id changes, and the partnerships their records sit under."""
    via_profile = profiles.c.id
    return _newest_per_teacher(
        [
            sa.select(teachers.c.id.label("teacher_id"), teachers.c.updated_at.label("changed_at")),
            sa.select(identities.c.teacher_id, identities.c.updated_at),
            sa.select(profiles.c.teacher_id, profiles.c.updated_at),
            sa.select(profiles.c.teacher_id, records.c.updated_at).join(
                records, records.c.participant_profile_id == via_profile
            ),
            sa.select(profiles.c.teacher_id, profile_states.c.created_at).join(
                profile_states, profile_states.c.participant_profile_id == via_profile
            ),
            sa.select(profiles.c.teacher_id, eligibilities.c.updated_at).join(
                eligibilities, eligibilities.c.participant_profile_id == via_profile
            ),
            sa.select(profiles.c.teacher_id, validation_data.c.updated_at).join(
                validation_data, validation_data.c.participant_profile_id == via_profile
            ),
            sa.select(id_changes.c.teacher_id, id_changes.c.created_at),
            sa.select(profiles.c.teacher_id, partnerships.c.updated_at)
            .join(records, records.c.participant_profile_id == via_profile)
            .join(programmes, programmes.c.id == records.c.induction_programme_id)
            .join(partnerships, partnerships.c.id == programmes.c.partnership_id),
        ],
        "participant_stamps",
    )


def transfer_stamps() -> sa.Subquery:
    """``(teacher_id, stamp)``: the newest change to any induction record of the person
    (everything a transfer shows comes from them); the person's own for someone without any."""
    return _newest_per_teacher(
        [
            sa.select(teachers.c.id.label("teacher_id"), teachers.c.updated_at.label("changed_at")).where(
                ~sa.exists()
                .where(profiles.c.teacher_id == teachers.c.id)
                .where(records.c.participant_profile_id == profiles.c.id)
            ),
            sa.select(profiles.c.teacher_id, records.c.updated_at).join(
                records, records.c.participant_profile_id == profiles.c.id
            ),
        ],
        "transfer_stamps",
    )


def unfunded_mentor_stamps() -> sa.Subquery:
    """``(teacher_id, stamp)``: the newest change to the person, their identities, their
    mentor records with those records' induction records and validation data, and the
    induction records naming them as mentor.

    The old expression counted only the mentor records and links one provider saw; this
    counts every provider's, so a stamp may be later than one provider saw before (never
    earlier): at worst a mentor is sent once more.
    """
    mentor = profiles.alias("mentor_profile")
    mentor_ids = sa.select(profiles.c.id).where(profiles.c.profile_type == "mentor")
    return _newest_per_teacher(
        [
            sa.select(teachers.c.id.label("teacher_id"), teachers.c.updated_at.label("changed_at")),
            sa.select(identities.c.teacher_id, identities.c.updated_at),
            sa.select(profiles.c.teacher_id, profiles.c.updated_at).where(profiles.c.id.in_(mentor_ids)),
            sa.select(profiles.c.teacher_id, records.c.updated_at)
            .join(records, records.c.participant_profile_id == profiles.c.id)
            .where(profiles.c.id.in_(mentor_ids)),
            sa.select(profiles.c.teacher_id, validation_data.c.updated_at)
            .join(validation_data, validation_data.c.participant_profile_id == profiles.c.id)
            .where(profiles.c.id.in_(mentor_ids)),
            sa.select(mentor.c.teacher_id, records.c.updated_at).join(
                mentor, mentor.c.id == records.c.mentor_profile_id
            ),
        ],
        "unfunded_mentor_stamps",
    )


def partnership_stamps() -> sa.Subquery:
    """``(id, stamp)``: the newest of the partnership, its school, delivery partner and the
    school's induction tutor (whose name and email the partnership shows)."""
    return (
        sa.select(
            partnerships.c.id,
            latest_of(
                partnerships.c.updated_at,
                schools.c.updated_at,
                delivery_partners.c.updated_at,
                tutors.c.updated_at,
            ).label("stamp"),
        )
        .join(schools, schools.c.id == partnerships.c.school_id)
        .join(delivery_partners, delivery_partners.c.id == partnerships.c.delivery_partner_id)
        .outerjoin(tutors, tutors.c.id == schools.c.induction_tutor_id)
        .subquery("partnership_stamps")
    )


def backfill(connection: sa.Connection) -> dt.datetime | None:
    """Set every API change stamp from the row timestamps, and the sync clock to at least the
    newest of them (so later stamps stay above every backfilled one). Returns that newest."""
    person = {
        "api_updated_at": participant_stamps(),
        "transfers_api_updated_at": transfer_stamps(),
        "unfunded_mentor_api_updated_at": unfunded_mentor_stamps(),
    }
    for column, stamps in person.items():
        connection.execute(
            sa.update(teachers).values({column: stamps.c.stamp}).where(teachers.c.id == stamps.c.teacher_id)
        )
    found = partnership_stamps()
    connection.execute(
        sa.update(partnerships).values(api_updated_at=found.c.stamp).where(partnerships.c.id == found.c.id)
    )
    # Schools show the newest of the school and its set-up for the cohort: each row keeps its own.
    others = (schools, school_cohorts, delivery_partners, declarations, statements)
    for table in others:
        connection.execute(sa.update(table).values(api_updated_at=table.c.updated_at))
    columns = [
        teachers.c.api_updated_at,
        teachers.c.transfers_api_updated_at,
        teachers.c.unfunded_mentor_api_updated_at,
        *(table.c.api_updated_at for table in (partnerships, *others)),
    ]
    found_stamps = [
        connection.execute(sa.select(sa.type_coerce(sa.func.max(column), UTCDateTime()))).scalar()
        for column in columns
    ]
    newest = max((stamp for stamp in found_stamps if stamp is not None), default=None)
    raise_clock(connection, newest or EPOCH)
    return newest


def raise_clock(connection: sa.Connection, at_least: dt.datetime) -> None:
    """Make the sync clock's last stamp at least ``at_least`` (creating its row if need be)."""
    current = connection.execute(sa.select(clock.c.last_stamp).where(clock.c.id == 1)).scalar()
    if current is None:
        connection.execute(sa.insert(clock).values(id=1, last_stamp=at_least))
    elif current < at_least:
        connection.execute(sa.update(clock).where(clock.c.id == 1).values(last_stamp=at_least))
