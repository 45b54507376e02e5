"""The audit trail: every write by anyone records who, when, what changed and why.

Who is acting lives in a context variable, set once by each entry point (docs/audit.md):
the API when a bearer token is authenticated (``handlers.security``), a page before it runs
(``web.service``), a command when it starts (``cpd.cli``). Domain code adds the why with
``with audit.reason(session, "…"):``. Nothing else has to remember the trail: session
events see every write made through a :class:`~sqlalchemy.orm.Session`:

- ``after_flush``: rows inserted, updated (each changed column's value before and after, from
  the ORM's attribute history, so no query is needed) and deleted, written as one bulk
  insert per flush on the flush's own connection, so they commit or roll back with the change;
- ``do_orm_execute``: ``sa.update``/``sa.delete``/``sa.insert`` statements, which flushes
  never see. The rows an update or delete will touch are selected first (with the columns it
  sets), then the statement runs; values it sets as SQL expressions are read back afterwards.

A write with no actor set (tests building data, a Python shell, ``bench/seed.py``) is not
recorded: every real entry point sets one, and :data:`SYSTEM` is there for anything else
that should be. Bulk loads run inside :func:`suspended`, which records one summary instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import getpass
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE

from domain import clock
from storage.models import (
    ApiRequest,
    AuditEvent,
    Base,
    DeclarationStateChange,
    InductionRecord,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileSchedule,
    ParticipantProfileState,
    ParticipantValidationData,
    Teacher,
)

# --- who, and why -------------------------------------------------------------------------


class Source(enum.StrEnum):
    API = "api"
    PAGE = "page"
    COMMAND = "command"
    SYSTEM = "system"


class ActorKind(enum.StrEnum):
    STAFF_USER = "staff_user"
    SCHOOL_USER = "school_user"
    PROVIDER_USER = "provider_user"
    #: Signed in, with no role (yet).
    USER = "user"
    #: Not signed in: someone following an emailed link, or asking for access.
    VISITOR = "visitor"
    API_TOKEN = "api_token"
    COMMAND = "command"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is writing, as the trail names them: ``label`` is kept as it was then, so the
    trail still reads when the user's email or the provider's name later changes."""

    kind: ActorKind
    id: str | None
    label: str
    source: Source

    @classmethod
    def api_token(cls, token_id: str, lead_provider_id: str | None, provider_name: str | None) -> Actor:
        """A lead provider's API token: the provider is the actor (its token is named too)."""
        name = provider_name or "unknown provider"
        return cls(ActorKind.API_TOKEN, lead_provider_id, f"{name} (API token {token_id[:8]})", Source.API)

    @classmethod
    def page_user(cls, kind: ActorKind, user_id: uuid.UUID | str, email: str) -> Actor:
        return cls(kind, str(user_id), email, Source.PAGE)

    @classmethod
    def command(cls, path: str) -> Actor:
        """A ``cpd`` command, named with the operating-system user who ran it."""
        user = os_user()
        return cls(ActorKind.COMMAND, user, f"command: {path} ({user})", Source.COMMAND)


VISITOR = Actor(ActorKind.VISITOR, None, "someone not signed in", Source.PAGE)
#: For work no person or provider asked for, should it ever need recording.
SYSTEM = Actor(ActorKind.SYSTEM, None, "the service", Source.SYSTEM)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (a container running as an arbitrary uid)
        return os.environ.get("USER") or f"uid {os.getuid()}"


_actor: ContextVar[Actor | None] = ContextVar("cpd_audit_actor", default=None)
_reason: ContextVar[tuple[str | None, str | None]] = ContextVar("cpd_audit_reason", default=(None, None))
#: While a bulk load runs: how many writes it made (rows flushed, statements run), else None.
_suspended: ContextVar[list[int] | None] = ContextVar("cpd_audit_suspended", default=None)
_request: ContextVar[tuple[str | None, uuid.UUID | None]] = ContextVar(
    "cpd_audit_request", default=(None, None)
)


def current_actor() -> Actor | None:
    return _actor.get()


def set_actor(actor: Actor | None) -> Token[Actor | None]:
    """Name who is acting from here on in this context (an entry point's one line)."""
    return _actor.set(actor)


def reset_actor(token: Token[Actor | None]) -> None:
    _actor.reset(token)


@contextlib.contextmanager
def acting_as(actor: Actor | None) -> Iterator[Actor | None]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def in_request(request_id: str | None, api_request_id: uuid.UUID | None = None) -> Iterator[None]:
    """An HTTP request begins: nobody is acting until it says who (the server process may
    have been started by a command, whose actor must not leak into requests)."""
    actor = _actor.set(None)
    request = _request.set((request_id, api_request_id))
    try:
        yield
    finally:
        _request.reset(request)
        _actor.reset(actor)


@contextlib.contextmanager
def reason(session: Session, why: str | None, action: str | None = None) -> Iterator[None]:
    """The block's writes carry ``why``, and its updates ``action`` (a domain verb such as
    "withdrawn") in place of "updated"; rows it creates or deletes stay so named. Changes made before the block are flushed first and the
    block's own changes at its end, so the reason is on exactly those.

    Blocks nest: a staff member's reason around a domain rule's own (withdraw's API reason,
    say) is kept, and the two are joined ("outer; inner"); an inner block without a reason
    or an action keeps the outer one's."""
    session.flush()
    outer_why, outer_action = _reason.get()
    joined = "; ".join(part for part in (outer_why, why) if part) or None
    token = _reason.set((joined, action or outer_action))
    try:
        yield
        session.flush()
    finally:
        _reason.reset(token)


# --- what is recorded ---------------------------------------------------------------------

#: Tables whose rows are plumbing, not records: never in the trail.
NOISE = frozenset(
    {
        "user_sessions",
        "sign_in_tokens",
        "nomination_tokens",
        "sign_in_link_requests",
        "rate_limit_counters",
        "idempotency_keys",
        "api_sync_clock",
        "visible_training_records",  # derived from the records, which are recorded
        "outbox_emails",
        "partnership_uploads",  # a draft; the partnerships it confirms are recorded
        "audit_events",
        "api_requests",
    }
)
#: Columns that change as a side effect of every write; a change to only these is not an event.
IGNORED_COLUMNS = frozenset({"created_at", "updated_at", "last_used_at", "last_seen_at", "last_signed_in_at"})
#: Secrets (digests of tokens and keys, sealed authenticator secrets): a change is shown, never the value.
SECRET_COLUMN = re.compile(r"digest|secret|hashed|password", re.IGNORECASE)
REDACTED = "[redacted]"
#: Long text values (a pasted CSV, say) are cut to this many characters.
MAX_TEXT = 2000


def _ignored(column: str) -> bool:
    return column in IGNORED_COLUMNS or column.endswith("api_updated_at")


def plain(value: Any) -> Any:
    """A value as JSON: dates, ids, decimals and enumerations as strings."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


@dataclass(frozen=True)
class _Column:
    key: str  # the mapped attribute
    name: str  # the table's column
    secret: bool


@dataclass(frozen=True)
class _Shape:
    table: str
    columns: tuple[_Column, ...]


_shapes: dict[Mapper[Any], _Shape | None] = {}


def _shape(mapper: Mapper[Any]) -> _Shape | None:
    """The columns of a mapped class worth recording (``None`` for a noise table)."""
    if mapper in _shapes:
        return _shapes[mapper]
    table = mapper.local_table
    shape = None
    if isinstance(table, sa.Table) and table.name not in NOISE:
        columns = tuple(
            _Column(
                attribute.key,
                attribute.columns[0].name,
                bool(SECRET_COLUMN.search(attribute.columns[0].name)),
            )
            for attribute in mapper.column_attrs
            if isinstance(attribute.columns[0], sa.Column)
            and attribute.columns[0].table is table
            and not _ignored(attribute.columns[0].name)
        )
        shape = _Shape(table.name, columns)
    _shapes[mapper] = shape
    return shape


def _stored(column: _Column, value: Any) -> Any:
    return REDACTED if column.secret and value is not None else plain(value)


def _shown(column_name: str, value: Any) -> Any:
    return REDACTED if SECRET_COLUMN.search(column_name) and value is not None else plain(value)


@dataclass
class _Batch:
    """The events of one flush or statement, sharing who, when and why."""

    actor: Actor
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        why, action = _reason.get()
        request_id, api_request_id = _request.get()
        self.common = {
            "occurred_at": clock.now(),
            "actor_kind": str(self.actor.kind),
            "actor_id": self.actor.id,
            "actor_label": self.actor.label[:255],
            "source": str(self.actor.source),
            "reason": why,
            "request_id": request_id,
            "api_request_id": api_request_id,
        }
        self.verb = action

    def add(self, table: str, record_id: str, kind: str, changes: dict[str, list[Any]]) -> None:
        self.rows.append(
            {
                **self.common,
                "record_type": table,
                "record_id": record_id[:100],
                "action": self.verb if self.verb and kind == "updated" else kind,
                "changes": changes,
            }
        )

    def write(self, connection: sa.Connection) -> None:
        if self.rows:
            connection.execute(_INSERT, self.rows)


_INSERT = sa.insert(AuditEvent.__table__)


def _primary(session: Session) -> sa.Connection:
    """The session's connection to the primary (a write, even where reads go to a replica)."""
    return session.connection(bind_arguments={"clause": _INSERT})


def _identity(state: sa.orm.InstanceState[Any]) -> str:
    """The row's primary key as text (a new row's identity key is only set after the flush)."""
    identity = state.identity or tuple(state.dict.get(c.key) for c in _pk_attributes(state.mapper))
    return ":".join(str(part) for part in identity)


def _pk_attributes(mapper: Mapper[Any]) -> list[Any]:
    return [mapper.get_property_by_column(column) for column in mapper.primary_key]


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    actor = _actor.get()
    tally = _suspended.get()
    if tally is not None:
        tally[0] += len(session.new) + len(session.deleted) + len(session.dirty)
        return
    if actor is None:
        return
    batch = _Batch(actor)
    for obj in session.new:
        state = sa.inspect(obj)
        shape = _shape(state.mapper)
        if shape is not None:
            values = state.dict
            changes = {
                c.name: [None, _stored(c, values[c.key])]
                for c in shape.columns
                if values.get(c.key) is not None
            }
            batch.add(shape.table, _identity(state), "created", changes)
    for obj in session.dirty:
        state = sa.inspect(obj)
        shape = _shape(state.mapper)
        if shape is None or not state.modified:
            continue
        changes = {}
        for c in shape.columns:
            history = state.manager[c.key].impl.get_history(state, state.dict, PASSIVE_NO_INITIALIZE)
            if not history.added:
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0]
            if before != after:
                changes[c.name] = [_stored(c, before), _stored(c, after)]
        if changes:
            batch.add(shape.table, _identity(state), "updated", changes)
    for obj in session.deleted:
        state = sa.inspect(obj)
        shape = _shape(state.mapper)
        if shape is not None:
            values = state.dict
            changes = {
                c.name: [_stored(c, values[c.key]), None]
                for c in shape.columns
                if values.get(c.key) is not None
            }
            batch.add(shape.table, _identity(state), "deleted", changes)
    batch.write(_primary(session))


# --- statements that bypass the flush -------------------------------------------------------


def _statement_values(statement: Any, parameters: Any) -> list[dict[str, Any]]:
    """The column values of an insert or update: its parameter sets when executed with many,
    else the statement's own ``values()`` (a bound literal, or a SQL expression)."""
    if isinstance(parameters, Sequence) and not isinstance(parameters, str | bytes) and parameters:
        return [dict(p) for p in parameters]
    if isinstance(parameters, Mapping) and parameters:
        return [dict(parameters)]
    multi = getattr(statement, "_multi_values", ())
    if multi:
        return [{_name(k): v for k, v in row.items()} for rows in multi for row in rows]
    values = getattr(statement, "_values", None) or {}
    return [{_name(k): v for k, v in values.items()}]


def _name(key: Any) -> str:
    return str(getattr(key, "key", None) or getattr(key, "name", None) or key)


def _literal(value: Any) -> tuple[bool, Any]:
    if isinstance(value, sa.BindParameter):
        return True, value.value
    if isinstance(value, sa.ClauseElement):
        return False, None
    return True, value


def _key_to_column(table: sa.Table, entity: Any) -> dict[str, sa.Column[Any]]:
    """Parameter keys (attribute names for a mapped class, else column names) to columns."""
    found: dict[str, sa.Column[Any]] = {c.name: c for c in table.columns}
    mapper = sa.inspect(entity, raiseerr=False) if entity is not None else None
    if isinstance(mapper, Mapper):
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            if isinstance(column, sa.Column) and column.table is table:
                found[attribute.key] = column
    return found


def _on_execute(state: ORMExecuteState) -> Any:
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    actor = _actor.get()
    statement = state.statement
    named = getattr(getattr(statement, "table", None), "name", None)
    table = Base.metadata.tables.get(named) if isinstance(named, str) else None
    if actor is None or table is None or table.name in NOISE:
        return None
    tally = _suspended.get()
    if tally is not None:
        tally[0] += 1
        return None
    entity = (getattr(statement, "entity_description", None) or {}).get("entity")
    columns = _key_to_column(table, entity)
    key = list(table.primary_key.columns)
    parameters = state.parameters
    many = isinstance(parameters, Sequence) and not isinstance(parameters, str | bytes) and bool(parameters)
    connection = _primary(state.session)
    batch = _Batch(actor)
    if state.is_insert:
        result = state.invoke_statement()
        for row in _statement_values(statement, parameters):
            values = {columns[k].name: v for k, v in row.items() if k in columns}
            record_id = ":".join(str(_literal(values.get(c.name, ""))[1]) for c in key)
            changes = {}
            for name, value in values.items():
                is_literal, literal = _literal(value)
                if is_literal and literal is not None and not _ignored(name):
                    changes[name] = [None, _shown(name, literal)]
            batch.add(table.name, record_id, "created", changes)
        batch.write(connection)
        return result
    if many and statement.whereclause is not None:
        return None  # executemany with its own WHERE parameters: nothing in the domain does this
    rows = _statement_values(statement, parameters)
    if state.is_update:
        assigned = {columns[k] for row in rows for k in row if k in columns and not _ignored(columns[k].name)}
        if not assigned:
            return None  # only stamps moved (domain.sync): nothing to record, nothing to query
        watched = sorted(assigned, key=lambda c: c.name)
    else:
        watched = [c for c in table.columns if not _ignored(c.name) and c not in key]
    where = statement.whereclause
    if many:  # ORM bulk update by primary key
        pk = key[0]
        pk_key = next(k for k, c in columns.items() if c is pk and k in rows[0])
        where = pk.in_([row[pk_key] for row in rows])
    query = sa.select(*key, *watched)
    if where is not None:
        query = query.where(where)
    before = {tuple(r[: len(key)]): r[len(key) :] for r in connection.execute(query)}
    result = state.invoke_statement()
    if not before:
        return result
    if state.is_delete:
        for ids, values in before.items():
            changes = {
                c.name: [_shown(c.name, v), None]
                for c, v in zip(watched, values, strict=True)
                if v is not None
            }
            batch.add(table.name, ":".join(map(str, ids)), "deleted", changes)
        batch.write(connection)
        return result
    after = _values_after(connection, table, key, watched, before, rows, columns, many)
    for ids, old in before.items():
        new = after.get(ids)
        if new is None:
            continue
        changes = {
            c.name: [_shown(c.name, o), _shown(c.name, n)]
            for c, o, n in zip(watched, old, new, strict=True)
            if o != n
        }
        if changes:
            batch.add(table.name, ":".join(map(str, ids)), "updated", changes)
    batch.write(connection)
    return result


def _values_after(
    connection: sa.Connection,
    table: sa.Table,
    key: list[sa.Column[Any]],
    watched: list[sa.Column[Any]],
    before: dict[tuple[Any, ...], Any],
    rows: list[dict[str, Any]],
    columns: dict[str, sa.Column[Any]],
    many: bool,
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The watched columns after an update: from its literal values when it has only those,
    else read back (a value set by a SQL expression)."""
    if many:
        pk_name = key[0].name
        by_id = {}
        for row in rows:
            named = {columns[k].name: v for k, v in row.items() if k in columns}
            by_id[(named[pk_name],)] = named
        return {
            ids: tuple(by_id[ids].get(c.name, old[i]) for i, c in enumerate(watched))
            for ids, old in before.items()
            if ids in by_id
        }
    named = {columns[k].name: v for k, v in rows[0].items() if k in columns}
    literals = {name: _literal(v) for name, v in named.items()}
    if all(is_literal for is_literal, _ in literals.values()) and len(key) == 1:
        new = tuple(literals[c.name][1] for c in watched)
        return dict.fromkeys(before, new)
    ids = [k[0] for k in before] if len(key) == 1 else None
    if ids is None:
        return {}
    read = connection.execute(sa.select(*key, *watched).where(key[0].in_(ids)))
    return {tuple(r[: len(key)]): tuple(r[len(key) :]) for r in read}


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _on_execute)


# --- bulk loads -------------------------------------------------------------------------------


def _recorded_tables() -> list[sa.Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOISE]


def _row_counts(session: Session) -> dict[str, int]:
    connection = _primary(session)
    return {
        t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in _recorded_tables()
    }


@contextlib.contextmanager
def suspended(session: Session, action: str) -> Iterator[None]:
    """A bulk load (seeding, reference data, a sandbox reset) records one summary event,
    not one per row: ``action`` names it, and its changes map each table whose row count
    moved to ``[rows before, rows after]``; a load that wrote nothing records nothing.
    Nested loads are summarised by the outermost."""
    if _suspended.get() is not None:
        yield
        return
    actor = _actor.get()
    before = _row_counts(session) if actor is not None else {}
    tally = [0]
    token = _suspended.set(tally)
    try:
        yield
        session.flush()
    finally:
        _suspended.reset(token)
    if actor is None:
        return
    after = _row_counts(session)
    changes = {
        name: [before.get(name, 0), count] for name, count in after.items() if count != before.get(name, 0)
    }
    if not changes and not tally[0]:
        return  # a load that found everything in place
    batch = _Batch(actor)
    batch.add("tables", "*", action, changes)
    batch.write(_primary(session))


# --- reading the trail ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    """One event as a record page shows it."""

    id: int
    occurred_at: dt.datetime
    actor_kind: str
    actor_id: str | None
    actor_label: str
    source: str
    record_type: str
    record_id: str
    action: str
    changes: dict[str, list[Any]]
    reason: str | None
    request_id: str | None
    api_request: ApiRequest | None

    @property
    def source_text(self) -> str:
        return SOURCE_TEXT.get(self.source, self.source)

    @property
    def record_text(self) -> str:
        """ "participant profile 1f2e…" (a summary names the tables instead)."""
        if self.record_type == "tables":
            return "tables (bulk load)"
        return f"{_singular(self.record_type).replace('_', ' ')} {self.record_id}"

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """Each change as (column in words, before, after), for a page."""
        return [
            (name.replace("_", " ").capitalize(), _text(pair[0]), _text(pair[1]))
            for name, pair in sorted(self.changes.items())
        ]


SOURCE_TEXT = {
    "api": "through the API",
    "page": "on a page",
    "command": "by a command",
    "system": "by the service",
}


def _singular(table: str) -> str:
    if table.endswith("ies"):
        return table[:-3] + "y"
    return table.removesuffix("s")


def _text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _views(session: Session, query: sa.Select[tuple[AuditEvent]]) -> list[EventView]:
    events = list(session.scalars(query))
    wanted = {e.api_request_id for e in events if e.api_request_id is not None}
    requests = (
        {r.id: r for r in session.scalars(sa.select(ApiRequest).where(ApiRequest.id.in_(wanted)))}
        if wanted
        else {}
    )
    return [
        EventView(
            e.id,
            e.occurred_at,
            e.actor_kind,
            e.actor_id,
            e.actor_label,
            e.source,
            e.record_type,
            e.record_id,
            e.action,
            e.changes,
            e.reason,
            e.request_id,
            requests.get(e.api_request_id) if e.api_request_id else None,
        )
        for e in events
    ]


def _table_name(record_type: str | type) -> str:
    return record_type if isinstance(record_type, str) else record_type.__table__.name  # type: ignore[attr-defined]


def history_of(
    session: Session, record_type: str | type, record_id: uuid.UUID | str, limit: int = 500
) -> list[EventView]:
    """A record's events, newest first; ``record_type`` is a table name or a model class."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.record_type == _table_name(record_type), AuditEvent.record_id == str(record_id))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return _views(session, query)


def history_of_participant(
    session: Session, participant_id: uuid.UUID | str, limit: int = 500
) -> list[EventView]:
    """A participant's events, newest first: their teacher row, identities, training records
    (profiles) and everything hanging off them: induction records, training-status changes,
    schedule changes, eligibility, validation data, declarations and their states, id changes.

    Rows are found as they are now, so the events of a row since deleted are not gathered
    (``history_of`` on its id still has them)."""
    teacher_id = uuid.UUID(str(participant_id))
    profiles = list(
        session.scalars(sa.select(ParticipantProfile.id).where(ParticipantProfile.teacher_id == teacher_id))
    )
    declarations = list(
        session.scalars(
            sa.select(ParticipantDeclaration.id).where(ParticipantDeclaration.teacher_id == teacher_id)
        )
    )
    owned: dict[Any, Iterable[Any]] = {
        Teacher: [teacher_id],
        ParticipantProfile: profiles,
        ParticipantDeclaration: declarations,
    }
    by_teacher = {
        ParticipantIdentity: ParticipantIdentity.teacher_id,
        ParticipantIdChange: ParticipantIdChange.teacher_id,
    }
    for model, column in by_teacher.items():
        owned[model] = session.scalars(sa.select(model.id).where(column == teacher_id))
    by_profile = (
        InductionRecord,
        ParticipantProfileState,
        ParticipantProfileSchedule,
        ParticipantEligibility,
        ParticipantValidationData,
    )
    if profiles:
        for model in by_profile:
            owned[model] = session.scalars(
                sa.select(model.id).where(model.participant_profile_id.in_(profiles))
            )
    if declarations:
        owned[DeclarationStateChange] = session.scalars(
            sa.select(DeclarationStateChange.id).where(
                DeclarationStateChange.participant_declaration_id.in_(declarations)
            )
        )
    conditions = []
    for model, ids in owned.items():
        texts = [str(i) for i in ids]
        if texts:
            conditions.append(
                sa.and_(AuditEvent.record_type == _table_name(model), AuditEvent.record_id.in_(texts))
            )
    query = sa.select(AuditEvent).where(sa.or_(*conditions)).order_by(AuditEvent.id.desc()).limit(limit)
    return _views(session, query)


def events_by(session: Session, actor_kind: str, actor_id: str, limit: int = 500) -> list[EventView]:
    """What one actor did, newest first."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.actor_kind == str(actor_kind), AuditEvent.actor_id == actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return _views(session, query)
