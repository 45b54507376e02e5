"""What moves each API resource's ``updated_at``, and why a poller never misses a change.

Every API resource keeps its own change stamp (an ``api_*updated_at`` column): it is the
``updated_at`` the resource shows, and what ``filter[updated_since]`` and ``sort=updated_at``
read. A stamp moves when, and only when, something the resource shows changes, or something
that decides whether a provider sees it at all (so a row entering a list carries a new stamp).
:data:`RULES` below says, for each table, which of its columns each resource shows and how to
find the resource rows a change moves. It answers "what moves a participant's
``updated_at``?": look for :data:`PARTICIPANT` in it.

How stamps are taken (docs/sync.md has the provider's routine and the proof):

1. During the transaction, session events record which resource rows were touched: each
   flush compares the changed objects' attribute history with :data:`RULES` (a change to an
   unshown column, ``updated_at`` included, touches nothing). Writes that bypass the ORM
   (``sa.update``/``sa.insert`` statements) call :func:`touch` themselves.
2. At commit (or earlier, with :func:`stamp_now`, for a response read inside the transaction)
   the touched rows are locked, then the one ``api_sync_clock`` row is locked and moved to
   ``max(when the changes were made, last stamp + 1µs)``, and that stamp is written on every
   touched row. The clock row stays locked until the commit, so stamps increase in commit
   order: a transaction committing after a poller's snapshot has a stamp above every stamp
   that snapshot holds, and the next poll from the newest one seen returns it.

Resource rows are locked *before* the clock so that a transaction never waits for a row
while holding the clock (the writer holding that row would be waiting for the clock: a
deadlock). "When the changes were made" is :func:`domain.clock.now` at the time, so sandbox
time travel applies; the ``max`` keeps stamps increasing when a request travels back.

Known limits: ``participant_status`` (joining/leaving/left) and a transfer's ``status`` are
judged at read time from dates, so they change with the calendar and no write moves a stamp
for that; cohort start years and schedule identifiers are reference keys that never change
and are not tracked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import MANYTOONE, ORMExecuteState, Session, SessionTransaction, aliased
from sqlalchemy.orm.attributes import set_committed_value

from domain.clock import now
from storage import visible_records
from storage.enums import BLOCKING_STATES, StatementStatus
from storage.models import (
    ApiSyncClock,
    DeclarationStateChange,
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    InductionTutor,
    LeadProvider,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    ParticipantValidationData,
    Partnership,
    ProviderRelationship,
    School,
    SchoolCohort,
    Statement,
    StatementLineItem,
    Teacher,
)
from storage.sync_backfill import EPOCH

# --- the resources --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One API resource's change stamp: the table whose rows are the resource, and the column."""

    name: str
    model: type
    column: str

    @property
    def table(self) -> sa.Table:
        return self.model.__table__  # type: ignore[attr-defined,no-any-return]


PARTICIPANT = Resource("participant", Teacher, "api_updated_at")
TRANSFER = Resource("participant transfers", Teacher, "transfers_api_updated_at")
UNFUNDED_MENTOR = Resource("unfunded mentor", Teacher, "unfunded_mentor_api_updated_at")
DECLARATION = Resource("declaration", ParticipantDeclaration, "api_updated_at")
PARTNERSHIP = Resource("partnership", Partnership, "api_updated_at")
#: A school shows the newer of SCHOOL (its own fields) and SCHOOL_IN_COHORT (its set-up
#: for the cohort asked for).
SCHOOL = Resource("school", School, "api_updated_at")
SCHOOL_IN_COHORT = Resource("school in a cohort", SchoolCohort, "api_updated_at")
DELIVERY_PARTNER = Resource("delivery partner", DeliveryPartner, "api_updated_at")
STATEMENT = Resource("statement", Statement, "api_updated_at")

RESOURCES = (
    PARTICIPANT,
    TRANSFER,
    UNFUNDED_MENTOR,
    DECLARATION,
    PARTNERSHIP,
    SCHOOL,
    SCHOOL_IN_COHORT,
    DELIVERY_PARTNER,
    STATEMENT,
)


# --- from a changed row to the resource rows it moves ---------------------------------------


@dataclass(frozen=True)
class Via:
    """The resource rows a changed row moves: the values (before and after) of one of its
    columns, turned into resource ids by ``ids`` (or taken as the ids when there is none)."""

    column: str
    ids: Callable[[list[Any]], sa.Select[Any]] | None = None


ITSELF = Via("id")


def _teachers_of_profiles(ids: list[Any]) -> sa.Select[Any]:
    return sa.select(ParticipantProfile.teacher_id).where(ParticipantProfile.id.in_(ids))


def _records_under_programmes(programme_ids: sa.Select[Any] | list[Any]) -> sa.Select[Any]:
    return sa.select(InductionRecord.participant_profile_id).where(
        InductionRecord.induction_programme_id.in_(programme_ids)
    )


def _programmes_of_partnerships(ids: list[Any]) -> sa.Select[Any]:
    return sa.select(InductionProgramme.id).where(InductionProgramme.partnership_id.in_(ids))


def _teachers_under_programmes(ids: list[Any] | sa.Select[Any]) -> sa.Select[Any]:
    """People with an induction record on one of the programmes."""
    return sa.select(ParticipantProfile.teacher_id).where(
        ParticipantProfile.id.in_(_records_under_programmes(ids))
    )


def _mentors_and_teachers_under_programmes(ids: list[Any] | sa.Select[Any]) -> sa.Select[Any]:
    """People with an induction record on one of the programmes, and the mentors those
    records name (whether a mentor is "unfunded" depends on both)."""
    mentor = aliased(ParticipantProfile)
    named = (
        sa.select(mentor.teacher_id)
        .join(InductionRecord, InductionRecord.mentor_profile_id == mentor.id)
        .where(InductionRecord.induction_programme_id.in_(ids))
    )
    return sa.union(_teachers_under_programmes(ids), named).subquery().select()


def _teachers_under_partnerships(ids: list[Any]) -> sa.Select[Any]:
    return _teachers_under_programmes(_programmes_of_partnerships(ids))


def _mentors_and_teachers_under_partnerships(ids: list[Any]) -> sa.Select[Any]:
    return _mentors_and_teachers_under_programmes(_programmes_of_partnerships(ids))


def _teachers_at_schools(ids: list[Any]) -> sa.Select[Any]:
    programmes = (
        sa.select(InductionProgramme.id)
        .join(SchoolCohort, SchoolCohort.id == InductionProgramme.school_cohort_id)
        .where(SchoolCohort.school_id.in_(ids))
    )
    return _teachers_under_programmes(programmes)


def _teachers_under_providers(ids: list[Any]) -> sa.Select[Any]:
    return _teachers_under_programmes(
        sa.select(InductionProgramme.id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(Partnership.lead_provider_id.in_(ids))
    )


def _others_live_declarations(records: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Live declarations on the training records of the induction records matching ``records``,
    by providers other than the one each record is with: whether that provider sees them
    depends on the record (its own declarations it always sees)."""
    return (
        sa.select(ParticipantDeclaration.id)
        .join(
            InductionRecord,
            InductionRecord.participant_profile_id == ParticipantDeclaration.participant_profile_id,
        )
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(
            records,
            ParticipantDeclaration.state.in_(BLOCKING_STATES),
            ParticipantDeclaration.lead_provider_id != Partnership.lead_provider_id,
        )
    )


def _others_live_declarations_of_records(ids: list[Any]) -> sa.Select[Any]:
    return _others_live_declarations(InductionRecord.id.in_(ids))


def _others_live_declarations_under_programmes(ids: list[Any]) -> sa.Select[Any]:
    return _others_live_declarations(InductionProgramme.id.in_(ids))


def _others_live_declarations_under_partnerships(ids: list[Any]) -> sa.Select[Any]:
    return _others_live_declarations(Partnership.id.in_(ids))


def _declarations_of_providers(ids: list[Any]) -> sa.Select[Any]:
    return sa.select(ParticipantDeclaration.id).where(ParticipantDeclaration.lead_provider_id.in_(ids))


def _partnerships_of_schools(ids: list[Any]) -> sa.Select[Any]:
    return sa.select(Partnership.id).where(Partnership.school_id.in_(ids))


def _partnerships_of_tutors(ids: list[Any]) -> sa.Select[Any]:
    return _partnerships_of_schools(sa.select(School.id).where(School.induction_tutor_id.in_(ids)))  # type: ignore[arg-type]


def _partnerships_of_delivery_partners(ids: list[Any]) -> sa.Select[Any]:
    return sa.select(Partnership.id).where(Partnership.delivery_partner_id.in_(ids))


def key(column: str) -> Via:
    """The column holds the resource's id (e.g. a profile's ``teacher_id``)."""
    return Via(column)


def teacher_of_profile(column: str) -> Via:
    """The person whose training record the column names."""
    return Via(column, _teachers_of_profiles)


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shows:
    """``resource`` shows (or is listed by) these columns of the table, found ``via`` a column.

    A new or deleted row always moves the resource; a changed row moves it when one of
    ``columns`` changed. ``shown_as`` maps a column to how the resource shows it, when a
    change of the stored value can leave what is shown unchanged (a statement's ``status``
    is shown only as ``paid``).
    """

    resource: Resource
    via: Via
    columns: frozenset[str] = frozenset()
    shown_as: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


def shows(resource: Resource, via: Via, *columns: str, **shown_as: Callable[[Any], Any]) -> Shows:
    return Shows(resource, via, frozenset(columns) | frozenset(shown_as), shown_as)


#: Induction record columns that decide what an enrolment shows, or whether it is seen:
#: its programme (school, cohort, partnership, delivery partner), schedule, mentor, email,
#: training and induction status and its dates (which record is latest; participant_status).
_ENROLMENT = (
    "participant_profile_id",
    "induction_programme_id",
    "schedule_id",
    "mentor_profile_id",
    "preferred_identity_id",
    "training_status",
    "induction_status",
    "start_date",
    "end_date",
)
#: ... what a transfer shows: the schools and providers either side, the dates, and which
#: records pair up.
_TRANSFER = (
    "participant_profile_id",
    "induction_programme_id",
    "induction_status",
    "school_transfer",
    "start_date",
    "end_date",
)
#: ... what decides which record is a person's latest, and so whether a mentor is unfunded
#: and which email they show.
_LATEST = ("participant_profile_id", "induction_programme_id", "induction_status", "start_date", "end_date")


def _paid(status: object) -> bool:
    return status == StatementStatus.PAID


RULES: dict[type, tuple[Shows, ...]] = {
    # People -------------------------------------------------------------------------------
    Teacher: (
        shows(PARTICIPANT, ITSELF, "full_name", "trn"),
        shows(UNFUNDED_MENTOR, ITSELF, "full_name", "trn"),
        shows(TRANSFER, ITSELF),  # nothing of the row; stamped when it is created
    ),
    ParticipantIdentity: (
        shows(PARTICIPANT, key("teacher_id"), "email", "teacher_id"),
        shows(UNFUNDED_MENTOR, key("teacher_id"), "email", "teacher_id"),
    ),
    ParticipantProfile: (
        shows(
            PARTICIPANT,
            key("teacher_id"),
            "teacher_id",
            "participant_identity_id",
            "profile_type",
            "pupil_premium_uplift",
            "sparsity_uplift",
            "induction_completion_date",
            "mentor_completion_date",
            "mentor_completion_reason",
            "cohort_changed_after_payments_frozen",
        ),
        shows(TRANSFER, key("teacher_id"), "teacher_id"),
        shows(UNFUNDED_MENTOR, key("teacher_id"), "teacher_id", "participant_identity_id", "profile_type"),
    ),
    InductionRecord: (
        shows(PARTICIPANT, teacher_of_profile("participant_profile_id"), *_ENROLMENT),
        shows(TRANSFER, teacher_of_profile("participant_profile_id"), *_TRANSFER),
        # A mentor's own records (their email; whether the provider trains them itself) ...
        shows(
            UNFUNDED_MENTOR, teacher_of_profile("participant_profile_id"), *_LATEST, "preferred_identity_id"
        ),
        # ... and the records naming them as mentor (whether they are listed at all).
        shows(UNFUNDED_MENTOR, teacher_of_profile("mentor_profile_id"), *_LATEST, "mentor_profile_id"),
        # A provider sees other providers' live declarations for records it trains now.
        shows(
            DECLARATION,
            Via("id", _others_live_declarations_of_records),
            "participant_profile_id",
            "induction_programme_id",
            "induction_status",
            "end_date",
        ),
    ),
    ParticipantProfileState: (
        shows(PARTICIPANT, teacher_of_profile("participant_profile_id"), "state", "reason", "created_at"),
    ),
    ParticipantEligibility: (
        shows(
            PARTICIPANT,
            teacher_of_profile("participant_profile_id"),
            "participant_profile_id",
            "status",
            "reason",
        ),
    ),
    ParticipantValidationData: (
        shows(PARTICIPANT, teacher_of_profile("participant_profile_id"), "participant_profile_id", "trn"),
        shows(UNFUNDED_MENTOR, teacher_of_profile("participant_profile_id"), "participant_profile_id", "trn"),
    ),
    ParticipantIdChange: (
        shows(
            PARTICIPANT,
            key("teacher_id"),
            "teacher_id",
            "from_participant_id",
            "to_participant_id",
            "created_at",
        ),
    ),
    # Declarations -------------------------------------------------------------------------
    ParticipantDeclaration: (
        shows(
            DECLARATION,
            ITSELF,
            "teacher_id",
            "participant_profile_id",
            "lead_provider_id",
            "cohort_id",
            "course_identifier",
            "declaration_type",
            "declaration_date",
            "evidence_held",
            "state",
            "delivery_partner_id",
            "mentor_teacher_id",
            "pupil_premium_uplift",
            "sparsity_uplift",
        ),
    ),
    DeclarationStateChange: (  # the reason a declaration is ineligible
        shows(DECLARATION, key("participant_declaration_id"), "state", "state_reason"),
    ),
    StatementLineItem: (  # statement_id and clawback_statement_id
        shows(
            DECLARATION,
            key("participant_declaration_id"),
            "participant_declaration_id",
            "statement_id",
            "state",
        ),
    ),
    # Schools and partnerships -------------------------------------------------------------
    Partnership: (
        shows(
            PARTNERSHIP,
            ITSELF,
            "school_id",
            "lead_provider_id",
            "delivery_partner_id",
            "cohort_id",
            "challenged_at",
            "challenge_reason",
            "is_relationship",
        ),
        # in_partnership, and whether the school is listed in the cohort.
        shows(
            SCHOOL,
            key("school_id"),
            "school_id",
            "cohort_id",
            "challenged_at",
            "challenge_reason",
            "is_relationship",
        ),
        # The delivery partner an enrolment shows; who sees the participant at all.
        shows(
            PARTICIPANT,
            Via("id", _teachers_under_partnerships),
            "lead_provider_id",
            "delivery_partner_id",
            "challenged_at",
            "challenge_reason",
        ),
        shows(TRANSFER, Via("id", _teachers_under_partnerships), "lead_provider_id"),
        shows(
            UNFUNDED_MENTOR,
            Via("id", _mentors_and_teachers_under_partnerships),
            "lead_provider_id",
            "challenged_at",
            "challenge_reason",
        ),
        shows(
            DECLARATION,
            Via("id", _others_live_declarations_under_partnerships),
            "lead_provider_id",
            "challenge_reason",
        ),
    ),
    InductionProgramme: (
        shows(PARTICIPANT, Via("id", _teachers_under_programmes), "partnership_id", "school_cohort_id"),
        shows(TRANSFER, Via("id", _teachers_under_programmes), "partnership_id", "school_cohort_id"),
        shows(UNFUNDED_MENTOR, Via("id", _mentors_and_teachers_under_programmes), "partnership_id"),
        shows(DECLARATION, Via("id", _others_live_declarations_under_programmes), "partnership_id"),
    ),
    School: (
        # Its name and URN, and the GIAS fields that decide whether it is listed.
        shows(
            SCHOOL,
            ITSELF,
            "name",
            "urn",
            "school_status_code",
            "school_type_code",
            "administrative_district_code",
            "section_41_approved",
        ),
        # A partnership shows the URN and the tutor's (else the school's) contact details.
        shows(
            PARTNERSHIP,
            Via("id", _partnerships_of_schools),
            "urn",
            "induction_tutor_id",
            "primary_contact_email",
            "secondary_contact_email",
        ),
        shows(PARTICIPANT, Via("id", _teachers_at_schools), "urn"),
        shows(TRANSFER, Via("id", _teachers_at_schools), "urn"),
    ),
    SchoolCohort: (shows(SCHOOL_IN_COHORT, ITSELF, "induction_programme_choice", "school_id", "cohort_id"),),
    InductionTutor: (shows(PARTNERSHIP, Via("id", _partnerships_of_tutors), "full_name", "email"),),
    # Providers, delivery partners, statements ----------------------------------------------
    DeliveryPartner: (
        shows(DELIVERY_PARTNER, ITSELF, "name", "discarded_at"),
        shows(PARTNERSHIP, Via("id", _partnerships_of_delivery_partners), "name"),
    ),
    ProviderRelationship: (  # the cohorts a delivery partner shows, and whether it is listed
        shows(
            DELIVERY_PARTNER,
            key("delivery_partner_id"),
            "lead_provider_id",
            "delivery_partner_id",
            "cohort_id",
            "discarded_at",
        ),
    ),
    LeadProvider: (
        shows(DECLARATION, Via("id", _declarations_of_providers), "name"),
        shows(TRANSFER, Via("id", _teachers_under_providers), "name"),
    ),
    Statement: (
        shows(
            STATEMENT,
            ITSELF,
            "lead_provider_id",
            "cohort_id",
            "name",
            "deadline_date",
            "payment_date",
            "output_fee",
            status=_paid,
        ),
    ),
}


# --- recording what a transaction touched ----------------------------------------------------

_PENDING = "cpd.sync.pending"


@dataclass
class _Pending:
    """What the transaction has touched so far: keys per (resource, via), selects of ids, and
    the latest moment (the one clock's) at which it touched something."""

    keys: dict[tuple[Resource, Via], set[Any]] = field(default_factory=dict)
    selects: list[tuple[Resource, sa.Select[Any]]] = field(default_factory=list)
    at: dt.datetime = EPOCH
    #: Participants or declarations were touched since ``visible_training_records`` was last
    #: brought up to date.
    visibility_stale: bool = False

    def add(self, resource: Resource, via: Via, values: Iterable[Any]) -> None:
        found = self.keys.setdefault((resource, via), set())
        found.update(value for value in values if value is not None)
        self.at = max(self.at, now())
        self.visibility_stale = self.visibility_stale or resource in VISIBILITY_INPUTS


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    return pending


def touch(session: Session, resource: Resource, ids: Collection[uuid.UUID] | sa.Select[Any]) -> None:
    """Record that ``resource`` rows changed in a way the session events cannot see (a
    ``sa.update``/``sa.insert`` statement): the ids, or a select of them (run at commit)."""
    if isinstance(ids, sa.Select):
        pending = _pending(session)
        pending.selects.append((resource, ids))
        pending.at = max(pending.at, now())
        pending.visibility_stale = pending.visibility_stale or resource in VISIBILITY_INPUTS
    elif ids:
        _pending(session).add(resource, ITSELF, ids)


def _values(state: sa.orm.InstanceState[Any], column: str) -> list[Any]:
    """The column's values before and after the flush (a moved row moves both owners)."""
    history = state.attrs[column].history
    values = [*history.added, *history.unchanged, *history.deleted]
    if history.added and not history.deleted:
        # A foreign key set through its relationship keeps no old value; the relationship does.
        for relationship in state.mapper.relationships:
            if relationship.direction is MANYTOONE and column in {c.key for c in relationship.local_columns}:
                for previous in state.attrs[relationship.key].history.deleted:
                    identity = sa.inspect(previous).identity if previous is not None else None
                    if identity:
                        values.append(identity[0])
    if not values:
        values = [getattr(state.obj(), column)]
    return values


def _changed(state: sa.orm.InstanceState[Any], rule: Shows) -> bool:
    for column in rule.columns:
        history = state.attrs[column].history
        if not history.has_changes():
            continue
        shown = rule.shown_as.get(column)
        if shown is None or not history.deleted:
            return True
        if shown(history.deleted[0]) != shown(history.added[0] if history.added else None):
            return True
    return False


def _record_flush(session: Session, _flush_context: object) -> None:
    """After each flush (history still in place): record the resource rows it touched."""
    pending: _Pending | None = None
    for objects, whole in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for obj in objects:
            rules = RULES.get(type(obj))
            if not rules:
                continue
            state = sa.inspect(obj)
            for rule in rules:
                if whole or _changed(state, rule):
                    pending = pending or _pending(session)
                    pending.add(rule.resource, rule.via, _values(state, rule.via.column))


# --- stamping at commit -------------------------------------------------------------------

#: Ids per statement, well under every database's limit on bound parameters.
_CHUNK = 5000


def _chunks(ids: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _resolve(session: Session, pending: _Pending, only: Resource | None = None) -> dict[Resource, set[Any]]:
    """Resource ids per resource (or for ``only``), each select run once over every key
    gathered for it."""
    found: dict[Resource, set[Any]] = {}
    for (resource, via), keys in pending.keys.items():
        if only is not None and resource is not only:
            continue
        ids = found.setdefault(resource, set())
        if via.ids is None:
            ids.update(keys)
        else:
            for chunk in _chunks(sorted(keys)):
                ids.update(session.scalars(via.ids(chunk)))
    for resource, select in pending.selects:
        if only is None or resource is only:
            found.setdefault(resource, set()).update(session.scalars(select))
    return {resource: ids for resource, ids in found.items() if ids}


def take_stamp(session: Session, at: dt.datetime) -> dt.datetime:
    """Lock the sync clock row (until the commit), move it to ``max(at, last + 1µs)`` and
    return that: the stamp of everything this transaction changed. ``at`` is when the
    changes were made (the one clock's now then, so sandbox time travel applies)."""
    clock = ApiSyncClock.__table__
    lock = (
        sa.update(clock)
        .where(clock.c.id == 1)
        .values(last_stamp=clock.c.last_stamp)
        .returning(clock.c.last_stamp)
    )
    last = session.execute(lock).scalar()
    if last is None:  # an emptied database (tests, sandbox reset): start the clock again
        insert = _insert_ignoring_conflict(session, clock).values(id=1, last_stamp=EPOCH)
        session.execute(insert)
        last = session.execute(lock).scalar_one()
    stamp = max(at, last + dt.timedelta(microseconds=1))
    session.execute(sa.update(clock).where(clock.c.id == 1).values(last_stamp=stamp))
    return stamp


def _insert_ignoring_conflict(session: Session, table: sa.Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def stamp_now(session: Session) -> dt.datetime | None:
    """Flush, and stamp everything touched so far; the clock stays locked until the commit.

    Commit does this itself. Call it before reading back, within the transaction, what a
    write changed (a response built before the commit) so the read shows the final stamp.
    Returns the stamp, or ``None`` when nothing was touched.
    """
    session.flush()
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return None
    touched = _resolve(session, pending)
    if not touched:
        return None
    by_table: dict[sa.Table, set[Any]] = {}
    for resource, ids in touched.items():
        by_table.setdefault(resource.table, set()).update(ids)
    if session.get_bind().dialect.name == "postgresql":
        # Rows first, in one order, then the clock: never wait for a row holding the clock.
        for table in sorted(by_table, key=lambda table: table.name):
            for chunk in _chunks(sorted(by_table[table])):
                session.execute(
                    sa.select(table.c.id)
                    .where(table.c.id.in_(chunk))
                    .order_by(table.c.id)
                    .with_for_update(key_share=True)
                ).all()
    stamp = take_stamp(session, pending.at)
    for resource, ids in touched.items():
        table = resource.table
        for chunk in _chunks(sorted(ids)):
            # updated_at is named so that its on-update default leaves it alone: it records
            # changes to the row, and a stamp is not one.
            session.execute(
                sa.update(table)
                .where(table.c.id.in_(chunk))
                .values({resource.column: stamp, "updated_at": table.c.updated_at})
            )
        _refresh_loaded(session, resource, ids, stamp)
    _refresh_visibility(session, touched)
    return stamp


#: The resources whose changes ``visible_training_records`` follows.
VISIBILITY_INPUTS = frozenset({PARTICIPANT, DECLARATION})


def _refresh_visibility(session: Session, touched: Mapping[Resource, set[Any]]) -> None:
    """What each provider sees of these people follows the same changes as their stamp; whether
    others' declarations are live on a record follows the declarations' stamps."""
    people = touched.get(PARTICIPANT)
    if people:
        visible_records.refresh(session, people)
    declarations = touched.get(DECLARATION)
    if declarations:
        visible_records.refresh_declared(session, declarations)


def _visibility_before_reading(state: ORMExecuteState) -> None:
    """A read of ``visible_training_records`` inside a transaction that has changed participants
    or declarations sees those changes, as the session's autoflush lets every other read see
    them: what was touched is stamped first, as :func:`stamp_now` does for a response read back
    before the commit (so the rows are written under the clock's lock, like every other write
    of the table). Costs nothing when the transaction has touched neither."""
    pending: _Pending | None = state.session.info.get(_PENDING)
    if pending is None or not pending.visibility_stale or not state.is_select:
        return
    if not visible_records.reads(state.statement):
        return
    pending.visibility_stale = False  # before the statements below, which come through here
    session = state.session
    if not session.in_nested_transaction():
        stamp_now(session)
        return
    # Inside a savepoint the stamps wait for the outer commit (a rolled-back savepoint must not
    # take them along); the rows are brought up to date now and rewritten at that commit.
    session.flush()
    touched: dict[Resource, set[Any]] = {}
    for resource in VISIBILITY_INPUTS:
        touched.update(_resolve(session, pending, only=resource))
    _refresh_visibility(session, touched)


def _refresh_loaded(session: Session, resource: Resource, ids: set[Any], stamp: dt.datetime) -> None:
    """Objects the session holds show the new stamp too (sessions keep objects after commit)."""
    mapper = sa.inspect(resource.model)
    for resource_id in ids:
        obj = session.identity_map.get(mapper.identity_key_from_primary_key((resource_id,)))
        if obj is not None:
            set_committed_value(obj, resource.column, stamp)


def _stamp_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        stamp_now(session)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    """What a transaction touched goes with it (committed and stamped, or rolled back)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def pending_resources(session: Session) -> set[Resource]:
    """The resources touched and not yet stamped (for tests and diagnostics)."""
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is None:
        return set()
    return {resource for (resource, _), keys in pending.keys.items() if keys} | {
        resource for resource, _ in pending.selects
    }


def forget_pending(session: Session) -> None:
    """Drop what was touched without stamping it: the caller has set the stamps itself
    (the sandbox, whose bulk population is stamped by ``storage.sync_backfill``)."""
    session.info.pop(_PENDING, None)


event.listen(Session, "after_flush", _record_flush)
event.listen(Session, "do_orm_execute", _visibility_before_reading)
event.listen(Session, "before_commit", _stamp_at_commit)
event.listen(Session, "after_transaction_end", _forget)
