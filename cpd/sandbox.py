"""Sandbox population: a believable, reproducible service for lead providers to integrate against.

Why it is built this way:

* **Deterministic.** Every choice and every id comes from one ``random.Random(seed)``, and
  database-loaded inputs (cohorts, schedules, statements) are read in natural-key order,
  so the same seed on the same day gives the same people, ids and states in any database.
* **Idempotent.** Providers get deterministic ids; if the first one is already there the
  sandbox exists, and a run only (re)issues the tokens derived from the secret and seed.
* **Coherent.** Declarations are planned the way the service would have produced them:
  dated inside the milestone windows of the profile's schedule, attached to the provider's
  next output-fee statement at submission time, and moved through payable/paid by that
  statement's status as of :func:`domain.clock.today`. Every case providers must handle
  (transfers, unfunded mentors, id changes, challenged partnerships, every declaration
  state, ...) is created explicitly for every provider, then random people fill the rest.
* **Fast.** Rows are plain dicts inserted in bulk in foreign-key order, streamed in
  chunks (``insert(Model)`` executemany; COPY on PostgreSQL, see :class:`_Writer`), so
  250,000 participants take minutes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from domain import audit, clock, sync, tokens
from domain.reference import ensure_statements, load_reference_data, read_statement_rows
from domain.rollover import next_year, next_year_name, rollover_cohort
from storage import visible_records
from storage.enums import (
    BLOCKING_STATES,
    AppropriateBodyType,
    ChallengeReason,
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    DeferReason,
    EligibilityReason,
    EligibilityStatus,
    EvidenceHeld,
    InductionProgrammeChoice,
    InductionStatus,
    LineItemState,
    MentorCompletionReason,
    ProfileDuplicity,
    ProfileType,
    RecordStatus,
    ScheduleType,
    StatementStatus,
    TokenScope,
    TrainingProgramme,
    TrainingStatus,
    WithdrawReason,
)
from storage.models import (
    ApiToken,
    AppropriateBody,
    Base,
    CallOffContract,
    Cohort,
    DeclarationStateChange,
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    InductionTutor,
    LeadProvider,
    MentorCallOffContract,
    ParticipantBand,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileSchedule,
    ParticipantProfileState,
    ParticipantValidationData,
    Partnership,
    ProviderRelationship,
    PupilPremium,
    Schedule,
    School,
    SchoolCohort,
    Statement,
    StatementLineItem,
    Teacher,
)
from storage.sync_backfill import backfill

UTC = clock.UTC

PROVIDER_NAMES = (
    "Ambition Institute",
    "Best Practice Network",
    "Capita",
    "Education Development Trust",
    "National Institute of Teaching",
    "Teach First",
    "UCL Institute of Education",
)
CONTRACTED_YEARS = (2021, 2022, 2023, 2024, 2025)
ROLLOVER_YEAR = 2026
YEARS = (*CONTRACTED_YEARS, ROLLOVER_YEAR)

DEFAULT_SCHOOLS = 300
DEFAULT_PER_PROVIDER_COHORT = 8
SCHOOLS_PER_PARTICIPANT = 1 / 25
FLUSH_ROWS = 25_000

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

ECT_TYPES = (
    DeclarationType.STARTED,
    DeclarationType.RETAINED_1,
    DeclarationType.RETAINED_2,
    DeclarationType.RETAINED_3,
    DeclarationType.RETAINED_4,
    DeclarationType.COMPLETED,
)
EXTENDED_TYPES = (
    *ECT_TYPES[:-1],
    DeclarationType.EXTENDED_1,
    DeclarationType.EXTENDED_2,
    DeclarationType.EXTENDED_3,
    DeclarationType.COMPLETED,
)
FUNDED_MENTOR_TYPES = (DeclarationType.STARTED, DeclarationType.COMPLETED)
#: Typical days between outputs when a schedule has no milestone end dates.
SPACING = {
    ScheduleType.STANDARD: 110,
    ScheduleType.REDUCED: 55,
    ScheduleType.EXTENDED: 115,
    ScheduleType.REPLACEMENT: 90,
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Amelia Olivia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Ella Evie Poppy Ruby Zara Aisha Fatima "
    "Maryam Priya Chloe Hannah Megan Niamh Sian Jessica Laura Rebecca Bethany Emma Oliver George Noah Arthur "
    "Muhammad Leo Harry Oscar Archie Henry Jack Theo Charlie Jacob Thomas James William Samuel Daniel Joshua "
    "Ethan Adam Ibrahim Yusuf Arjun Rohan Kwame Tomasz Callum Owen Rhys"
)
LAST_NAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
    "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Khan "
    "Ahmed Begum Hussain Singh Kaur Ali Nowak Okafor Mensah O'Brien"
)
PLACES = _words(
    "Ashford Barnsley Bedford Bolton Bradford Brighton Bristol Burnley Cambridge Carlisle Chelmsford Chester "
    "Colchester Coventry Crewe Darlington Derby Doncaster Durham Exeter Gateshead Gloucester Grimsby Halifax "
    "Harrogate Hastings Hereford Huddersfield Ipswich Kendal Lancaster Leicester Lincoln Luton Maidstone "
    "Middlesbrough Northampton Norwich Nottingham Oldham Oxford Peterborough Plymouth Preston Reading "
    "Rochdale Salisbury Sheffield Shrewsbury Southampton Stockport Sunderland Swindon Taunton Telford Truro "
    "Wakefield Warrington Watford Wigan Winchester Worcester York"
)
STREETS = _words("Church Station Park Victoria Green Manor Mill School Queens Kings Grange Meadow Orchard")
ROADS = ("Road", "Lane", "Street", "Avenue", "Way", "Close")
SAINTS = ("Mary", "John", "Peter", "Paul", "Michael", "Anne", "Joseph", "Luke", "Margaret", "Thomas")
DP_KINDS = (
    "Teaching School Hub",
    "Learning Partnership",
    "Education Trust",
    "Teaching Alliance",
    "Schools Partnership",
    "Research School",
)
#: (LA code, LA name, administrative district code, district name); the last one is in Wales.
DISTRICTS = (
    ("202", "Camden", "E09000007", "Camden"),
    ("204", "Hackney", "E09000012", "Hackney"),
    ("330", "Birmingham", "E08000025", "Birmingham"),
    ("352", "Manchester", "E08000003", "Manchester"),
    ("383", "Leeds", "E08000035", "Leeds"),
    ("373", "Sheffield", "E08000019", "Sheffield"),
    ("391", "Newcastle upon Tyne", "E08000021", "Newcastle upon Tyne"),
    ("801", "Bristol, City of", "E06000023", "Bristol, City of"),
    ("908", "Cornwall", "E06000052", "Cornwall"),
    ("873", "Cambridgeshire", "E07000008", "Cambridge"),
    ("886", "Kent", "E07000105", "Ashford"),
    ("919", "Hertfordshire", "E07000103", "Watford"),
)
WELSH_DISTRICT = ("681", "Cardiff", "W06000015", "Cardiff")

#: GIAS establishment types used, by eligibility category (code, name, phase code, phase name).
ELIGIBLE_TYPES = (
    (1, "Community school", 2, "Primary"),
    (1, "Community school", 4, "Secondary"),
    (34, "Academy converter", 2, "Primary"),
    (34, "Academy converter", 4, "Secondary"),
    (28, "Academy sponsor led", 4, "Secondary"),
    (2, "Voluntary aided school", 2, "Primary"),
    (3, "Voluntary controlled school", 2, "Primary"),
    (5, "Foundation school", 4, "Secondary"),
    (35, "Free schools", 7, "All-through"),
    (7, "Community special school", 0, "Not applicable"),
    (15, "Local authority nursery school", 1, "Nursery"),
    (18, "Further education", 6, "16 plus"),
)
CIP_ONLY_TYPES = (
    (10, "Other independent special school", 0, "Not applicable"),
    (11, "Other independent school", 7, "All-through"),
    (37, "British schools overseas", 7, "All-through"),
)
EXCLUDED_TYPES = (
    (24, "Secure units", 0, "Not applicable"),
    (25, "Offshore schools", 0, "Not applicable"),
    (26, "Service childrens education", 7, "All-through"),
    (29, "Higher education institutions", 6, "16 plus"),
    (56, "Institution funded by other government department", 0, "Not applicable"),
)
SCHOOL_SUFFIXES = {
    0: ("School", "Academy"),
    1: ("Nursery School",),
    2: ("Primary School", "Infant School", "Church of England Primary School", "Junior School"),
    4: ("High School", "Academy", "Community College", "Catholic High School"),
    6: ("College", "Sixth Form College"),
    7: ("School", "Academy"),
}
STATUS_NAMES = {1: "Open", 2: "Closed", 3: "Open, but proposed to close", 4: "Proposed to open"}
APPROPRIATE_BODIES = (
    ("Independent Schools Teacher Induction Panel (ISTIP)", AppropriateBodyType.NATIONAL),
    ("National Teacher Accreditation (NTA)", AppropriateBodyType.NATIONAL),
    ("Northern Lights Teaching School Hub", AppropriateBodyType.TEACHING_SCHOOL_HUB),
    ("Kent County Council", AppropriateBodyType.LOCAL_AUTHORITY),
)


class SandboxError(RuntimeError):
    """The database holds part of a sandbox (or clashing names), so seeding would be half done."""


# --------------------------------------------------------------------------------------------
# Small value types


@dataclass(frozen=True, slots=True)
class _Stmt:
    id: uuid.UUID
    deadline: dt.date
    payment: dt.date
    status: StatementStatus
    payable_at: dt.datetime | None
    paid_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class _Sched:
    id: uuid.UUID
    year: int
    identifier: str
    kind: ScheduleType
    #: declaration type → (window start 00:00, window end 23:59:59.999 or None)
    windows: dict[DeclarationType, tuple[dt.datetime, dt.datetime | None]]

    @property
    def first_start(self) -> dt.datetime:
        return min(start for start, _ in self.windows.values())


@dataclass(frozen=True, slots=True)
class _Slot:
    """Somewhere to train: a school cohort's programme, with its partnership when provider-led."""

    school: int
    year: int
    school_cohort_id: uuid.UUID
    programme_id: uuid.UUID
    provider: int | None
    partnership_id: uuid.UUID | None
    dp_id: uuid.UUID | None


@dataclass(slots=True)
class _Person:
    teacher_id: uuid.UUID
    first: str
    last: str
    trn: str
    dob: dt.date
    new: bool = True


@dataclass(slots=True)
class _Segment:
    """One induction record being planned."""

    start: dt.datetime
    end: dt.datetime | None
    slot: _Slot
    training: TrainingStatus = TrainingStatus.ACTIVE
    induction: InductionStatus = InductionStatus.ACTIVE
    transfer: bool = False


@dataclass(slots=True)
class _Decl:
    """A planned declaration; ``target`` says how far along its life it got."""

    dtype: DeclarationType
    date: dt.datetime
    created: dt.datetime
    target: str = "natural"  # natural | voided | clawback | ineligible
    void_at: dt.datetime | None = None
    superseded_by: uuid.UUID | None = None


@dataclass(slots=True)
class _Built:
    profile_id: uuid.UUID
    person: _Person
    slot: _Slot
    ts: dt.datetime
    declarations: list[tuple[uuid.UUID, DeclarationType, DeclarationState, _Decl]] = field(
        default_factory=list
    )


@dataclass(slots=True)
class _Reg:
    """One registration (profile) being planned, before its rows are written."""

    profile_id: uuid.UUID
    identity_id: uuid.UUID
    kind: ProfileType
    year: int
    sched: _Sched
    person: _Person
    start: dt.datetime
    segments: list[_Segment]
    registered: dt.datetime
    cap: dt.datetime  # no declaration after this (withdrawal, leaving, now)
    changes: list[tuple[TrainingStatus, str | None, dt.datetime]] = field(default_factory=list)
    mentor: tuple[uuid.UUID, uuid.UUID] | None = None
    eligibility: tuple[EligibilityStatus, EligibilityReason] = (
        EligibilityStatus.ELIGIBLE,
        EligibilityReason.NONE,
    )
    uplifts: tuple[bool, bool] = (False, False)
    completion_date: dt.date | None = None
    mentor_completion: tuple[dt.date, MentorCompletionReason] | None = None


class _Calendar:
    """Each provider's output-fee statements per cohort, in deadline order, with their status today."""

    def __init__(self) -> None:
        self._deadlines: dict[tuple[int, int], list[dt.date]] = {}
        self._statements: dict[tuple[int, int], list[_Stmt]] = {}

    def add(self, provider: int, year: int, statement: _Stmt) -> None:
        self._deadlines.setdefault((provider, year), []).append(statement.deadline)
        self._statements.setdefault((provider, year), []).append(statement)

    def statements(self, provider: int, year: int) -> list[_Stmt]:
        return self._statements.get((provider, year), [])

    def next_at(self, provider: int, year: int, day: dt.date) -> _Stmt | None:
        """The statement a declaration submitted on ``day`` lands on (earliest deadline on or after it)."""
        deadlines = self._deadlines.get((provider, year), [])
        index = bisect.bisect_left(deadlines, day)
        return self._statements[(provider, year)][index] if index < len(deadlines) else None


class _Writer:
    """Buffers plain row dicts per model and inserts them in foreign-key order, in bulk.

    Rows go through ``session.execute(insert(Model), rows)`` (executemany / insertmanyvalues).
    On PostgreSQL they are streamed with COPY on the session's own connection instead: the
    server's work per row is the same (constraints, indexes, foreign-key checks), but
    executemany pays a statement round trip per row, about four times the cost at scale.
    """

    def __init__(self, session: Session, progress: _Progress) -> None:
        self.session = session
        self.progress = progress
        order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
        self._models = sorted(
            (mapper.class_ for mapper in Base.registry.mappers), key=lambda model: order[model.__table__.name]
        )
        self._rows: dict[type, list[dict[str, Any]]] = {model: [] for model in self._models}
        self._stamps: dict[type, list[str]] = {}
        for resource in sync.RESOURCES:
            self._stamps.setdefault(resource.model, []).append(resource.column)
        self._copy = session.get_bind().dialect.name == "postgresql"
        self.buffered = 0
        self.written = 0

    def add(self, model: type, row: dict[str, Any]) -> None:
        for column in self._stamps.get(model, ()):
            # Provisional (COPY needs every column): the population ends with the backfill.
            row.setdefault(column, row["updated_at"])
        self._rows[model].append(row)
        self.buffered += 1

    def maybe_flush(self) -> None:
        if self.buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for model in self._models:
            rows = self._rows[model]
            if not rows:
                continue
            if self._copy:
                self._copy_rows(model, rows)
            else:
                for start in range(0, len(rows), FLUSH_ROWS):
                    # render_nulls keeps every row's key set identical, so batches are never split up.
                    self.session.execute(
                        sa.insert(model).execution_options(render_nulls=True),
                        rows[start : start + FLUSH_ROWS],
                    )
            rows.clear()
        self.written += self.buffered
        self.buffered = 0
        self.progress.show(rows=self.written)

    def _copy_rows(self, model: type, rows: list[dict[str, Any]]) -> None:
        attributes = sa.inspect(model).column_attrs
        keys = [attribute.key for attribute in attributes]
        columns = ", ".join(f'"{attribute.columns[0].name}"' for attribute in attributes)
        # Stored enumerations are their values; everything else (uuid, aware datetimes, dates,
        # decimals) psycopg writes as PostgreSQL reads it.
        enums = [
            index
            for index, attribute in enumerate(attributes)
            if isinstance(attribute.columns[0].type, sa.Enum)
        ]
        nullable = {attribute.key for attribute in attributes if attribute.columns[0].nullable}
        connection = self.session.connection().connection.driver_connection
        sql = f'COPY "{model.__table__.name}" ({columns}) FROM STDIN'
        with connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                # A nullable column the population does not fill is NULL, as executemany writes it.
                values = [row[key] if key in row or key not in nullable else None for key in keys]
                for index in enums:
                    if isinstance(values[index], Enum):
                        values[index] = values[index].value
                copy.write_row(values)


class _Progress:
    """A plain-text progress bar on stderr (no dependency), redrawn at most a few times a second."""

    def __init__(self, enabled: bool, total: int = 0) -> None:
        self.enabled = enabled
        self.total = total
        self.done = 0
        self.rows = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def show(self, *, done: int | None = None, rows: int | None = None, final: bool = False) -> None:
        if done is not None:
            self.done = done
        if rows is not None:
            self.rows = rows
        if not self.enabled:
            return
        moment = time.monotonic()
        if not final and moment - self._drawn < 0.25:
            return
        self._drawn = moment
        elapsed = f"{self.rows:,} rows, {moment - self.started:.0f}s"
        if not self.total:
            sys.stderr.write(f"\rseeding providers, statements and schools: {elapsed}")
        else:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            sys.stderr.write(
                f"\rseeding [{bar:<30}] {share:4.0%} {self.done:,}/{self.total:,} participants, {elapsed}"
            )
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# The public entry point


def populate(
    session: Session,
    *,
    secret_key: str,
    participants: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, str]:
    """Seed a sandbox in the caller's transaction (flushes, never commits); returns {provider: token}.

    ``participants`` scales the run for benchmarks (about that many people in total);
    the default is a few hundred, enough to show every case for every provider. The audit
    trail gets one summary of it (``domain.audit.suspended``), not an event per row.
    """
    with audit.suspended(session, "sandbox seeded"):
        return _populate(
            session, secret_key=secret_key, participants=participants, seed=seed, progress=progress
        )


def _populate(
    session: Session, *, secret_key: str, participants: int | None, seed: int, progress: bool
) -> dict[str, str]:
    load_reference_data(session)
    rng = random.Random(seed)
    first_id = _uuid(rng)
    existing = {
        p.name: p
        for p in session.scalars(sa.select(LeadProvider).where(LeadProvider.name.in_(PROVIDER_NAMES)))
    }
    if PROVIDER_NAMES[0] in existing:
        # Already seeded (with this seed or another): only make sure this seed's tokens work.
        return {
            name: _ensure_token(session, existing[name], secret_key, seed)
            for name in PROVIDER_NAMES
            if name in existing
        }
    if existing:
        raise SandboxError(
            f"lead providers {', '.join(sorted(existing))} exist but {PROVIDER_NAMES[0]!r} does not; "
            "seed an empty database"
        )
    population = _Population(session, rng, first_id, participants, _Progress(progress))
    population.run()
    # The rows carry historical timestamps: the API change stamps are worked out from them
    # as the migration did for existing data, rather than all stamped "now" at commit.
    session.flush()
    backfill(session.connection())
    visible_records.rebuild(session.connection())
    sync.forget_pending(session)
    return {
        provider.name: _ensure_token(session, provider, secret_key, seed) for provider in population.providers
    }


def reset(
    session: Session,
    *,
    secret_key: str,
    participants: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, str]:
    """Empty every table and populate again, reference data first, in the caller's
    transaction: the sandbox back to the state a first ``cpd seed`` gives (the population
    also rolls cohorts over, so even reference rows are rebuilt). Providers' tokens are
    derived from the secret key and the seed, so they do not change."""
    from storage.models import Base

    with audit.suspended(session, "sandbox reset"):  # one summary event, not one per row
        # school_cohorts and induction_programmes point at each other: break the cycle first.
        session.execute(sa.update(SchoolCohort).values(default_induction_programme_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        # The rows are gone; objects the session still holds for them must not be reused.
        session.expunge_all()
        return populate(
            session, secret_key=secret_key, participants=participants, seed=seed, progress=progress
        )


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ensure_token(session: Session, provider: LeadProvider, secret_key: str, seed: int) -> str:
    """The provider's token for this seed, derived (never stored); its digest is stored once."""
    plaintext = tokens.derived_plaintext(secret_key, f"{provider.name}:{seed}")
    hashed = tokens.digest(plaintext, secret_key)
    if session.scalar(sa.select(ApiToken.id).where(ApiToken.hashed_token == hashed)) is None:
        # The id comes from the digest, so it is as reproducible as the token itself.
        session.add(
            ApiToken(
                id=uuid.UUID(bytes=bytes.fromhex(hashed)[:16], version=4),
                hashed_token=hashed,
                lead_provider_id=provider.id,
                scope=TokenScope.LEAD_PROVIDER,
                description=f"sandbox seed {seed}",
            )
        )
        session.flush()
    return plaintext


def _at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=UTC)


def statement_status(deadline: dt.date, payment: dt.date, today: dt.date) -> StatementStatus:
    """Paid once its payment date has passed, payable once its deadline has, else open."""
    if payment < today:
        return StatementStatus.PAID
    if deadline < today:
        return StatementStatus.PAYABLE
    return StatementStatus.OPEN


def latest_closed_output_statements(statements: list[Statement], today: dt.date) -> set[uuid.UUID]:
    """Per provider and cohort, the last output statement whose deadline has passed.

    The sandbox shows it as payable (closed, awaiting DfE's authorisation) even after its
    payment date, so that every provider always has payable statements and declarations
    to look at, whatever the day the sandbox is seeded.
    """
    latest: dict[tuple[uuid.UUID, uuid.UUID], Statement] = {}
    for statement in statements:
        if not statement.output_fee or statement.deadline_date >= today:
            continue
        key = (statement.lead_provider_id, statement.cohort_id)
        if key not in latest or statement.deadline_date > latest[key].deadline_date:
            latest[key] = statement
    return {statement.id for statement in latest.values()}


# --------------------------------------------------------------------------------------------
# The population itself


class _Population:
    def __init__(
        self,
        session: Session,
        rng: random.Random,
        first_id: uuid.UUID,
        participants: int | None,
        progress: _Progress,
    ) -> None:
        self.session = session
        self.rng = rng
        self.first_id = first_id
        self.now = clock.now()
        self.today = clock.today()
        self.progress = progress
        self.out = _Writer(session, progress)
        self.target = participants
        # Benchmark runs lean towards people with declarations (the point is volume); the default
        # sandbox keeps more quiet participants.
        self.undeclared = 0.25 if participants is None else 0.06
        self.dropout = 0.07 if participants is None else 0.03
        self.resubmitted = 0.05 if participants is None else 0.2
        self.n_schools = (
            DEFAULT_SCHOOLS
            if participants is None
            else max(DEFAULT_SCHOOLS, int(participants * SCHOOLS_PER_PARTICIPANT))
        )
        self.providers: list[LeadProvider] = []
        self.cohorts: dict[int, Cohort] = {}
        self.schedules: dict[tuple[int, str], _Sched] = {}
        self.calendar = _Calendar()
        self.dps: dict[tuple[int, int], list[uuid.UUID]] = {}  # (provider, year) → related partners
        self.schools: list[dict[str, Any]] = []
        self.pupil_premium: dict[tuple[int, int], tuple[bool, bool]] = {}
        self.school_cohorts: dict[tuple[int, int], tuple[uuid.UUID, int | None]] = {}
        self.slots: dict[tuple[int, int], list[_Slot]] = {}
        self.cip_slots: dict[int, list[_Slot]] = {}
        self.challenged: dict[int, _Slot] = {}
        self.mentors_at: dict[tuple[int, int], list[tuple[uuid.UUID, uuid.UUID]]] = {}
        self.mentors_of: dict[int, list[tuple[uuid.UUID, uuid.UUID]]] = {}
        self.ect_pool: dict[tuple[int, int], list[_Person]] = {}
        self.reused: set[uuid.UUID] = set()
        self.appropriate_bodies: list[uuid.UUID] = []
        self.serial = 0
        self.trn_offset = rng.randrange(9_000_000)
        self.urn_offset = rng.randrange(900_000)

    # -- helpers -------------------------------------------------------------------------------

    def id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def between(self, low: dt.datetime, high: dt.datetime) -> dt.datetime:
        """A whole-second instant in [low, high] (``low`` if the range is empty)."""
        span = int((high - low).total_seconds())
        return low + dt.timedelta(seconds=self.rng.randrange(span + 1)) if span > 0 else low

    def delta(self, low: dt.timedelta, high: dt.timedelta) -> dt.timedelta:
        """A whole-second duration in [low, high]."""
        return dt.timedelta(seconds=self.rng.randint(int(low.total_seconds()), int(high.total_seconds())))

    def past(self, moment: dt.datetime) -> dt.datetime:
        """Never in the future: creation stamps are history."""
        return min(moment, self.now - dt.timedelta(minutes=1))

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def stamps(self, created: dt.datetime, updated: dt.datetime | None = None) -> dict[str, dt.datetime]:
        created = self.past(created)
        return {"created_at": created, "updated_at": max(created, self.past(updated or created))}

    # -- orchestration -------------------------------------------------------------------------

    def run(self) -> None:
        self.build_providers()
        self.load_calendar_and_schedules()
        self.build_contracts()
        self.build_delivery_partners()
        self.build_schools()
        self.out.flush()
        self.build_participants()
        self.out.flush()
        self.progress.show(done=self.progress.total, final=True)

    # -- providers, statements, contracts -------------------------------------------------------

    def build_providers(self) -> None:
        cohorts = {
            c.start_year: c for c in self.session.scalars(sa.select(Cohort).order_by(Cohort.start_year))
        }
        contracted = [cohorts[year] for year in CONTRACTED_YEARS]
        registered = _at(dt.date(2021, 4, 1), 9)
        for index, name in enumerate(PROVIDER_NAMES):
            provider = LeadProvider(
                id=self.first_id if index == 0 else self.id(),
                name=name,
                vat_chargeable=name != "National Institute of Teaching",
                created_at=registered,
                updated_at=registered,
            )
            provider.cohorts = list(contracted)
            self.session.add(provider)
            self.providers.append(provider)
        self.session.flush()
        ensure_statements(self.session, read_statement_rows(), self.providers)
        if ROLLOVER_YEAR not in cohorts:
            rollover_cohort(self.session, ROLLOVER_YEAR)
        else:
            self._carry_statements_forward(cohorts)

    def _carry_statements_forward(self, cohorts: dict[int, Cohort]) -> None:
        """Cohort 2026 was rolled over before these providers existed: give them its statements too."""
        new, previous = cohorts[ROLLOVER_YEAR], cohorts[ROLLOVER_YEAR - 1]
        for provider in self.providers:
            provider.cohorts.append(new)
            for statement in self.session.scalars(
                sa.select(Statement)
                .where(Statement.lead_provider_id == provider.id, Statement.cohort_id == previous.id)
                .order_by(Statement.payment_date, Statement.name)
            ):
                self.session.add(
                    Statement(
                        id=self.id(),
                        lead_provider_id=provider.id,
                        cohort_id=new.id,
                        name=next_year_name(statement.name),
                        deadline_date=next_year(statement.deadline_date),
                        payment_date=next_year(statement.payment_date),
                        output_fee=statement.output_fee,
                    )
                )
        self.session.flush()

    def load_calendar_and_schedules(self) -> None:
        self.cohorts = {
            c.start_year: c
            for c in self.session.scalars(sa.select(Cohort).where(Cohort.start_year.in_(YEARS)))
        }
        year_of = {cohort.id: year for year, cohort in self.cohorts.items()}
        index_of = {provider.id: index for index, provider in enumerate(self.providers)}
        statements = list(
            self.session.scalars(
                sa.select(Statement)
                .where(Statement.lead_provider_id.in_(list(index_of)))
                .order_by(Statement.deadline_date, Statement.payment_date, Statement.name)
            )
        )
        awaiting_authorisation = latest_closed_output_statements(statements, self.today)
        for statement in statements:
            status = statement_status(statement.deadline_date, statement.payment_date, self.today)
            if statement.id in awaiting_authorisation:
                status = StatementStatus.PAYABLE
            payable_at = (
                _at(statement.deadline_date + DAY, 0, 30) if statement.deadline_date < self.today else None
            )
            paid_at = None
            if status == StatementStatus.PAID:
                paid_at = _at(statement.payment_date, 12)
                if payable_at is not None and payable_at >= paid_at:
                    paid_at = payable_at + HOUR
                paid_at = self.past(paid_at)
            statement.status = status
            statement.marked_as_paid_at = paid_at
            year = year_of.get(statement.cohort_id)
            # Declarations only land on output-fee statements; rows whose payment date is before
            # their deadline (a few in the published data) cannot be "next" coherently, so skip them.
            if year is None or not statement.output_fee or statement.payment_date < statement.deadline_date:
                continue
            self.calendar.add(
                index_of[statement.lead_provider_id],
                year,
                _Stmt(
                    statement.id, statement.deadline_date, statement.payment_date, status, payable_at, paid_at
                ),
            )
        self.session.flush()
        for schedule in self.session.scalars(
            sa.select(Schedule)
            .where(Schedule.cohort_id.in_([c.id for c in self.cohorts.values()]))
            .options(selectinload(Schedule.milestones))
        ):
            windows = {
                m.declaration_type: (
                    _at(m.start_date),
                    _end_of(m.milestone_date) if m.milestone_date else None,
                )
                for m in schedule.milestones
            }
            year = year_of[schedule.cohort_id]
            self.schedules[(year, schedule.schedule_identifier)] = _Sched(
                schedule.id, year, schedule.schedule_identifier, schedule.schedule_type, windows
            )

    def build_contracts(self) -> None:
        rng = self.rng
        for provider in self.providers:
            for year in YEARS:
                cohort = self.cohorts[year]
                signed = _at(cohort.registration_start_date - 30 * DAY, 10)
                target = rng.randrange(2_000, 9_000, 50)
                contract_id = self.id()
                self.out.add(
                    CallOffContract,
                    {
                        "id": contract_id,
                        "lead_provider_id": provider.id,
                        "cohort_id": cohort.id,
                        "version": "0.0.1",
                        "uplift_target": Decimal("33.00"),
                        "uplift_amount": Decimal("100.00"),
                        "recruitment_target": target,
                        "revised_target": target + rng.randrange(0, 500, 50) if rng.random() < 0.5 else None,
                        "set_up_fee": Decimal(rng.randrange(100_000, 200_000, 1_000)),
                        "monthly_service_fee": None,
                        **self.stamps(signed),
                    },
                )
                price = Decimal(rng.randrange(1_050, 1_450, 5))
                limits = ((0, 2_000), (2_001, 4_000), (4_001, 6_000), (6_001, None))
                for number, (letter, (low, high)) in enumerate(zip("ABCD", limits, strict=True)):
                    self.out.add(
                        ParticipantBand,
                        {
                            "id": self.id(),
                            "call_off_contract_id": contract_id,
                            "band": letter,
                            "min": low,
                            "max": high,
                            "per_participant": price - 40 * number,
                            "output_payment_percentage": 60 if letter != "D" else 100,
                            "service_fee_percentage": 40 if letter != "D" else 0,
                            **self.stamps(signed),
                        },
                    )
                if cohort.mentor_funding:
                    self.out.add(
                        MentorCallOffContract,
                        {
                            "id": self.id(),
                            "lead_provider_id": provider.id,
                            "cohort_id": cohort.id,
                            "version": "0.0.1",
                            "recruitment_target": target // 2,
                            "payment_per_participant": Decimal("1000.00"),
                            **self.stamps(signed),
                        },
                    )

    def build_delivery_partners(self) -> None:
        """A few partners per provider; some work for two providers, some joined in a later cohort."""
        rng = self.rng
        per_provider = 4 + self.n_schools // 1_500
        owned: list[list[uuid.UUID]] = []
        used_names: set[str] = set()
        for _ in self.providers:
            partners = []
            for _ in range(per_provider):
                name = f"{rng.choice(PLACES)} {rng.choice(DP_KINDS)}"
                while name in used_names:
                    name = f"{rng.choice(PLACES)} and {rng.choice(PLACES)} {rng.choice(DP_KINDS)}"
                used_names.add(name)
                partner_id = self.id()
                self.out.add(
                    DeliveryPartner,
                    {
                        "id": partner_id,
                        "name": name,
                        "discarded_at": None,
                        **self.stamps(_at(dt.date(2021, 5, 1))),
                    },
                )
                partners.append(partner_id)
            owned.append(partners)
        for index in range(len(self.providers)):
            shared = owned[(index + 1) % len(self.providers)][-1]
            for year in YEARS:
                related = [dp for number, dp in enumerate(owned[index]) if number != 1 or year >= 2023]
                if year >= 2022:
                    related.append(shared)
                self.dps[(index, year)] = related
                for partner_id in related:
                    self.out.add(
                        ProviderRelationship,
                        {
                            "id": self.id(),
                            "lead_provider_id": self.providers[index].id,
                            "delivery_partner_id": partner_id,
                            "cohort_id": self.cohorts[year].id,
                            "discarded_at": None,
                            **self.stamps(_at(self.cohorts[year].registration_start_date - 20 * DAY, 11)),
                        },
                    )

    # -- schools ---------------------------------------------------------------------------------

    def build_schools(self) -> None:
        rng = self.rng
        for name, body_type in APPROPRIATE_BODIES:
            body_id = self.session.scalar(sa.select(AppropriateBody.id).where(AppropriateBody.name == name))
            if body_id is None:
                body_id = self.id()
                self.out.add(
                    AppropriateBody,
                    {
                        "id": body_id,
                        "name": name,
                        "body_type": body_type,
                        **self.stamps(_at(dt.date(2021, 3, 1))),
                    },
                )
            self.appropriate_bodies.append(body_id)
        n_providers = len(self.providers)
        guaranteed = 3 * n_providers
        showcase = ("cip_only", "closed", "welsh", "excluded", "proposed")
        defaults: list[tuple[uuid.UUID, int]] = []
        tutor: tuple[uuid.UUID, str] | None = None
        for index in range(self.n_schools):
            if index < guaranteed:
                category = "eligible"
            elif index < guaranteed + 2 * len(showcase):
                category = showcase[(index - guaranteed) % len(showcase)]
            else:
                category = rng.choices(("eligible", "section41", *showcase), weights=(78, 2, 8, 3, 3, 4, 2))[
                    0
                ]
            school = self._school_row(index, category)
            accessible = category in ("eligible", "section41", "cip_only")
            if accessible:
                if tutor is None or rng.random() > 0.03:  # a few tutors look after two schools
                    tutor = (self.id(), f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
                    self.out.add(
                        InductionTutor,
                        {
                            "id": tutor[0],
                            "full_name": tutor[1],
                            "email": f"induction.tutor{self.next_serial()}@example.com",
                            **self.stamps(_at(dt.date(2021, 5, 10), 9)),
                        },
                    )
                school["induction_tutor_id"] = tutor[0]
            self.out.add(School, school)
            self.schools.append({"id": school["id"], "category": category, "urn": school["urn"]})
            for year in YEARS:
                self.pupil_premium[(index, year)] = (rng.random() < 0.3, rng.random() < 0.12)
                self.out.add(
                    PupilPremium,
                    {
                        "id": self.id(),
                        "school_id": school["id"],
                        "start_year": year,
                        "pupil_premium_incentive": self.pupil_premium[(index, year)][0],
                        "sparsity_incentive": self.pupil_premium[(index, year)][1],
                        **self.stamps(_at(dt.date(year, 4, 1))),
                    },
                )
            if category in ("eligible", "section41"):
                defaults += self._eligible_school_cohorts(index, index < guaranteed)
            elif category == "cip_only":
                defaults += self._school_led_cohorts(index)
        self.out.flush()
        if defaults:
            self.session.execute(
                sa.update(SchoolCohort),
                [{"id": sc_id, "default_induction_programme_id": programme} for sc_id, programme in defaults],
            )
        self._challenge_one_partnership_each()

    def _school_row(self, index: int, category: str) -> dict[str, Any]:
        rng = self.rng
        kinds = {"cip_only": CIP_ONLY_TYPES, "excluded": EXCLUDED_TYPES}.get(category, ELIGIBLE_TYPES)
        code, type_name, phase, phase_name = rng.choice(kinds)
        section41 = False
        if category == "section41":
            code, type_name, phase, phase_name = CIP_ONLY_TYPES[1]
            section41 = True
        status = {"closed": 2, "proposed": 4}.get(category, 3 if rng.random() < 0.02 else 1)
        la_code, la_name, district, district_name = (
            WELSH_DISTRICT if category == "welsh" else rng.choice(DISTRICTS)
        )
        if code == 37:
            la_code, la_name, district, district_name = ("702", "BFPO Overseas Establishments", None, None)
        place = rng.choice(PLACES)
        suffix = rng.choice(SCHOOL_SUFFIXES.get(phase, ("School",)))
        if "Church" in suffix or "Catholic" in suffix:
            name = f"St {rng.choice(SAINTS)}'s {suffix}, {place}"
        else:
            name = f"{place} {suffix}"
        urn = 100_000 + (index * 7_919 + self.urn_offset) % 900_000
        slug = f"{place.lower()}-{urn}"
        return {
            "id": self.id(),
            "urn": str(urn),
            "name": name,
            "ukprn": f"10{(index * 7_919 + self.urn_offset) % 1_000_000:06d}",
            "school_type_code": code,
            "school_type_name": type_name,
            "school_status_code": status,
            "school_status_name": STATUS_NAMES[status],
            "school_phase_type": phase,
            "school_phase_name": phase_name,
            "administrative_district_code": district,
            "administrative_district_name": district_name,
            "section_41_approved": section41,
            "la_code": la_code,
            "la_name": la_name,
            "address_line1": f"{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(ROADS)}",
            "address_line2": None,
            "address_line3": place,
            "postcode": (
                f"{place[:2].upper()}{rng.randint(1, 29)} {rng.randint(1, 9)}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            ),
            "school_website": f"https://www.{slug}.sch.uk",
            "primary_contact_email": f"office@{slug}.sch.uk",
            "secondary_contact_email": f"head@{slug}.sch.uk" if rng.random() < 0.5 else None,
            "induction_tutor_id": None,
            **self.stamps(_at(dt.date(2021, 1, 4), 6)),
        }

    def _school_cohort(
        self, index: int, year: int, choice: InductionProgrammeChoice
    ) -> tuple[uuid.UUID, dt.datetime]:
        cohort = self.cohorts[year]
        created = self.between(
            _at(cohort.registration_start_date, 9), _at(cohort.registration_start_date + 90 * DAY)
        )
        sc_id = self.id()
        self.out.add(
            SchoolCohort,
            {
                "id": sc_id,
                "school_id": self.schools[index]["id"],
                "cohort_id": cohort.id,
                "induction_programme_choice": choice,
                "default_induction_programme_id": None,
                "appropriate_body_id": self.rng.choice(self.appropriate_bodies),
                "opt_out_of_updates": choice == InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
                **self.stamps(created),
            },
        )
        return sc_id, created

    def _programme(
        self, sc_id: uuid.UUID, kind: TrainingProgramme, partnership: uuid.UUID | None, created: dt.datetime
    ) -> uuid.UUID:
        programme_id = self.id()
        self.out.add(
            InductionProgramme,
            {
                "id": programme_id,
                "school_cohort_id": sc_id,
                "training_programme": kind,
                "partnership_id": partnership,
                **self.stamps(created),
            },
        )
        return programme_id

    def _partnership(
        self,
        index: int,
        year: int,
        provider: int,
        dp_id: uuid.UUID,
        created: dt.datetime,
        *,
        relationship: bool,
    ) -> uuid.UUID:
        cohort = self.cohorts[year]
        deadline = max(_at(cohort.academic_year_start_date + 2 * 30 * DAY), created + 14 * DAY)
        partnership_id = self.id()
        self.out.add(
            Partnership,
            {
                "id": partnership_id,
                "school_id": self.schools[index]["id"],
                "lead_provider_id": self.providers[provider].id,
                "delivery_partner_id": dp_id,
                "cohort_id": cohort.id,
                "challenged_at": None,
                "challenge_reason": None,
                "challenge_deadline": deadline,
                "pending": False,
                "is_relationship": relationship,
                "report_id": None if relationship else self.id(),
                **self.stamps(created),
            },
        )
        return partnership_id

    def _eligible_school_cohorts(self, index: int, guaranteed: bool) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """A school's yearly choices: mostly provider-led with one provider, sometimes switching."""
        rng = self.rng
        n_providers = len(self.providers)
        provider = index % n_providers if guaranteed else rng.randrange(n_providers)
        never_led = not guaranteed and rng.random() < 0.1
        partner: uuid.UUID | None = None
        defaults = []
        for year in YEARS:
            if year == YEARS[0] and not guaranteed and rng.random() < 0.15:
                continue  # not registered that year
            if guaranteed:
                choice = InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
            elif never_led:
                choice = rng.choice(
                    (
                        InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
                        InductionProgrammeChoice.DESIGN_OUR_OWN,
                        InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
                    )
                )
            else:
                choice = rng.choices(
                    (
                        InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
                        InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
                        InductionProgrammeChoice.DESIGN_OUR_OWN,
                        InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
                        InductionProgrammeChoice.NOT_YET_KNOWN,
                    ),
                    weights=(78, 7, 4, 5, 6 if year == ROLLOVER_YEAR else 0),
                )[0]
                if year > YEARS[0] and rng.random() < 0.06:
                    provider = rng.randrange(n_providers)
                    partner = None
            sc_id, created = self._school_cohort(index, year, choice)
            self.school_cohorts[(index, year)] = (sc_id, None)
            if choice == InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME:
                related = self.dps[(provider, year)]
                if partner not in related:
                    partner = rng.choice(related)
                partnership = self._partnership(index, year, provider, partner, created, relationship=False)
                programme = self._programme(
                    sc_id, TrainingProgramme.FULL_INDUCTION_PROGRAMME, partnership, created
                )
                self.school_cohorts[(index, year)] = (sc_id, provider)
                self.slots.setdefault((provider, year), []).append(
                    _Slot(index, year, sc_id, programme, provider, partnership, partner)
                )
                defaults.append((sc_id, programme))
            elif choice in (
                InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
                InductionProgrammeChoice.DESIGN_OUR_OWN,
            ):
                defaults.append((sc_id, self._school_led_programme(index, year, sc_id, choice, created)))
        return defaults

    def _school_led_cohorts(self, index: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
        defaults = []
        for year in YEARS:
            choice = self.rng.choice(
                (
                    InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
                    InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
                    InductionProgrammeChoice.DESIGN_OUR_OWN,
                    InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
                )
            )
            sc_id, created = self._school_cohort(index, year, choice)
            self.school_cohorts[(index, year)] = (sc_id, None)
            if choice != InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS:
                defaults.append((sc_id, self._school_led_programme(index, year, sc_id, choice, created)))
        return defaults

    def _school_led_programme(
        self, index: int, year: int, sc_id: uuid.UUID, choice: InductionProgrammeChoice, created: dt.datetime
    ) -> uuid.UUID:
        kind = TrainingProgramme(choice.value)
        programme = self._programme(sc_id, kind, None, created)
        if kind == TrainingProgramme.CORE_INDUCTION_PROGRAMME:
            self.cip_slots.setdefault(year, []).append(_Slot(index, year, sc_id, programme, None, None, None))
        return programme

    def _challenge_one_partnership_each(self) -> None:
        """Each provider has one 2025 partnership its school challenged; it leaves the placement pool."""
        reasons = (
            ChallengeReason.MISTAKE,
            ChallengeReason.DO_NOT_RECOGNISE,
            ChallengeReason.ANOTHER_PROVIDER,
            ChallengeReason.NOT_CONFIRMED,
        )
        year = 2025
        for provider in range(len(self.providers)):
            pool = self.slots[(provider, year)]
            slot = pool.pop(1)
            self.challenged[provider] = slot
            challenged_at = self.past(
                self.between(_at(self.cohorts[year].academic_year_start_date), _at(dt.date(year, 10, 15)))
            )
            self.session.execute(
                sa.update(Partnership)
                .where(Partnership.id == slot.partnership_id)
                .values(
                    challenged_at=challenged_at,
                    challenge_reason=reasons[provider % len(reasons)],
                    updated_at=challenged_at,
                )
            )

    # -- participants ----------------------------------------------------------------------------

    def build_participants(self) -> None:
        n_providers = len(self.providers)
        per_bucket = (
            DEFAULT_PER_PROVIDER_COHORT
            if self.target is None
            else max(2, round((self.target - 40 * n_providers) / (n_providers * len(YEARS))))
        )
        self.progress.total = per_bucket * n_providers * len(YEARS) + 40 * n_providers
        done = 0
        for year in YEARS:
            for provider in range(n_providers):
                mentors = 1 + sum(self.rng.random() < 0.35 for _ in range(per_bucket - 2))
                for number in range(per_bucket):
                    kind = ProfileType.MENTOR if number < mentors else ProfileType.ECT
                    if 0 < number < per_bucket - 1 and self.rng.random() < 0.03 and self.cip_slots.get(year):
                        self.participant(None, year, kind)  # school-led: no provider ever sees them
                    else:
                        self.participant(provider, year, kind)
                    done += 1
                    if done % 200 == 0:
                        self.progress.show(done=done)
                        self.out.maybe_flush()
        for provider in range(n_providers):
            done += self.cases_for(provider)
            self.progress.show(done=done)
            self.out.maybe_flush()
        self.progress.total = done

    def cases_for(self, p: int) -> int:
        """The cases every provider must be able to see, built explicitly; returns how many people."""
        ect, mentor = ProfileType.ECT, ProfileType.MENTOR
        count = 0

        def year_for(offset: int) -> int:
            return YEARS[(p + offset) % len(YEARS)]

        # Every schedule and variant (ECT: standard/reduced/extended; mentor: replacement and more).
        offset = 0
        for kind, families in (
            (ect, ("standard", "reduced", "extended")),
            (mentor, ("replacement",)),
        ):
            for family in families:
                for month in ("september", "january", "april"):
                    self.participant(p, year_for(offset), kind, schedule=f"ecf-{family}-{month}")
                    offset += 1
                    count += 1
        for family in ("standard", "extended", "reduced"):
            self.participant(p, year_for(offset), mentor, schedule=f"ecf-{family}-september")
            offset += 1
            count += 1

        # Training status and movement cases.
        self.participant(p, 2024, ect, training="deferred", declarations="random")
        self.participant(p, 2023, ect, training="withdrawn")
        self.participant(p, 2024, mentor, training="withdrawn")
        self.participant(p, 2023, ect, training="resumed")
        self.participant(p, 2025, ect, movement="leaving", training="active")
        self.participant(p, 2023, mentor, movement="left", training="active")
        self.participant(p, ROLLOVER_YEAR, ect, movement="joining", training="active")
        count += 7

        # Someone who was an ECT and now mentors (one teacher, two profiles).
        former = self.participant(p, 2022, ect, training="active", movement="none")
        same_school = [s for s in self.slots[(p, 2024)] if s.school == former.slot.school]
        self.participant(
            p,
            2024,
            mentor,
            person=former.person,
            slot=same_school[0] if same_school else None,
            training="active",
        )
        count += 2

        # Two people with one TRN: the second one's declaration is an ineligible duplicate.
        sched = self.schedules[(2024, "ecf-standard-september")]
        first = self.participant(
            p,
            2024,
            ect,
            schedule=sched.identifier,
            training="active",
            movement="none",
            eligibility=EligibilityStatus.ELIGIBLE,
            declarations="first",
        )
        _, dtype, _, plan = first.declarations[0]
        created = self.past(self.between(plan.created + HOUR, plan.created + 5 * DAY))
        self.participant(
            p,
            2024,
            ect,
            schedule=sched.identifier,
            trn=first.person.trn,
            start=first.ts,
            training="active",
            movement="none",
            eligibility=EligibilityStatus.ELIGIBLE,
            declarations=[
                _Decl(
                    dtype,
                    plan.date,
                    created,
                    "ineligible",
                    superseded_by=first.declarations[0][0],
                )
            ],
        )
        count += 2

        # Transfers: to a school with another provider; and keeping this provider at a new school.
        year = 2024
        others = [s for q in range(len(self.providers)) if q != p for s in self.slots[(q, year)]]
        new_slot = self.rng.choice(others)
        sched = self.schedules[(year, "ecf-standard-september")]
        start = self.between(sched.first_start + 80 * DAY, sched.first_start + 100 * DAY)
        moved = self.between(start + 200 * DAY, start + 300 * DAY)
        self.participant(
            p,
            year,
            ect,
            schedule=sched.identifier,
            start=start,
            transfer=(new_slot, moved),
            training="active",
        )
        year = 2025
        old = self.rng.choice(self.slots[(p, year)])
        target_school = next(
            index
            for index in self._shuffled(range(len(self.schools)))
            if index != old.school
            and (index, year) in self.school_cohorts
            and self.school_cohorts[(index, year)][1] != p
            and self.schools[index]["category"] in ("eligible", "section41")
        )
        sc_id, _ = self.school_cohorts[(target_school, year)]
        reported = self.past(self.now - 3 * DAY)
        partnership = self._partnership(target_school, year, p, old.dp_id, reported, relationship=True)
        programme = self._programme(sc_id, TrainingProgramme.FULL_INDUCTION_PROGRAMME, partnership, reported)
        kept = _Slot(target_school, year, sc_id, programme, p, partnership, old.dp_id)
        self.participant(
            p,
            year,
            ect,
            slot=old,
            transfer=(kept, self.between(self.now + 5 * DAY, self.now + 30 * DAY)),
            training="active",
        )
        count += 2

        # An unfunded mentor: mentors this provider's ECT but trains with another provider, or with none.
        if p % 2 == 0 or not self.cip_slots.get(2024):
            other = (p + 1) % len(self.providers)
            unfunded = self.rng.choice(self.mentors_of[other])
        else:
            cip = self.participant(None, 2024, mentor)
            unfunded = (cip.profile_id, cip.person.teacher_id)
            count += 1
        self.participant(p, 2025, ect, mentor=unfunded, training="active", movement="none")
        count += 1

        # A participant id change: a retired id now resolving to the kept one.
        self.participant(p, 2023, ect, id_change=True, training="active", movement="none")
        count += 1

        # The challenged partnership keeps its participants (the provider no longer sees them).
        self.participant(p, 2025, mentor, slot=self.challenged[p], training="active")
        self.participant(p, 2025, ect, slot=self.challenged[p], training="active")
        count += 2

        # One declaration in each state the statements allow today.
        for target in (
            "submitted",
            "eligible",
            "payable",
            "paid",
            "voided",
            "awaiting_clawback",
            "clawed_back",
        ):
            count += self.showcase(p, target)
        return count

    def _shuffled(self, items: Sequence[int] | range) -> list[int]:
        values = list(items)
        self.rng.shuffle(values)
        return values

    def showcase(self, p: int, target: str) -> int:
        """A fundable ECT (not fundable for ``submitted``) with one declaration in ``target`` state."""
        for year in (2024, 2025, 2023, 2022, ROLLOVER_YEAR, 2021):
            plan = self._showcase_plan(p, year, target)
            if plan is None:
                continue
            schedule, start, declaration = plan
            self.participant(
                p,
                year,
                ProfileType.ECT,
                schedule=schedule,
                start=start,
                training="active",
                movement="none",
                eligibility=(
                    EligibilityStatus.MANUAL_CHECK if target == "submitted" else EligibilityStatus.ELIGIBLE
                ),
                declarations=[declaration],
            )
            return 1
        return 0

    def _showcase_plan(self, p: int, year: int, target: str) -> tuple[str, dt.datetime, _Decl] | None:
        statements = self.calendar.statements(p, year)
        wanted = {
            "eligible": StatementStatus.OPEN,
            "voided": StatementStatus.OPEN,
            "payable": StatementStatus.PAYABLE,
        }.get(target, StatementStatus.PAID)
        latest = self.now - HOUR
        for number, statement in enumerate(statements):
            if target == "submitted":
                low, high = latest - 60 * DAY, latest
            else:
                if statement.status != wanted:
                    continue
                low = (
                    _at(statements[number - 1].deadline + DAY)
                    if number
                    else _at(statement.deadline - 60 * DAY)
                )
                high = min(_end_of(statement.deadline), latest)
            if low > high:
                continue
            created = self.between(low, high)
            void_at = None
            if target in ("awaiting_clawback", "clawed_back"):
                void_at = self._clawback_moment(p, year, statement, number, target)
                if void_at is None:
                    continue
            elif target == "voided":
                void_at = self.between(created + HOUR, max(created + HOUR, latest))
            for identifier in ("ecf-standard-september", "ecf-extended-september"):
                schedule = self.schedules.get((year, identifier))
                if schedule is None:
                    continue
                for dtype in EXTENDED_TYPES if identifier.startswith("ecf-extended") else ECT_TYPES:
                    window = schedule.windows.get(dtype)
                    if window is None:
                        continue
                    first = max(window[0], created - 90 * DAY)
                    last = min(window[1] or created, created)
                    if first <= last:
                        kind = "natural" if target in ("submitted", "eligible", "payable", "paid") else target
                        kind = "clawback" if kind in ("awaiting_clawback", "clawed_back") else kind
                        return (
                            identifier,
                            schedule.first_start,
                            _Decl(dtype, self.between(first, last), created, kind, void_at),
                        )
            if target == "submitted":
                return None
        return None

    def _clawback_moment(
        self, p: int, year: int, paid: _Stmt, number: int, target: str
    ) -> dt.datetime | None:
        statements = self.calendar.statements(p, year)
        assert paid.paid_at is not None
        for later_number in range(number + 1, len(statements)):
            later = statements[later_number]
            wanted = StatementStatus.PAID if target == "clawed_back" else StatementStatus.OPEN
            if later.status != wanted:
                continue
            low = max(paid.paid_at + HOUR, _at(statements[later_number - 1].deadline + DAY))
            high = min(_end_of(later.deadline), self.now - HOUR)
            if low <= high:
                return self.between(low, high)
        return None

    # -- one participant ---------------------------------------------------------------------------

    def participant(
        self,
        p: int | None,
        year: int,
        kind: ProfileType,
        *,
        schedule: str | None = None,
        slot: _Slot | None = None,
        person: _Person | None = None,
        trn: str | None = None,
        start: dt.datetime | None = None,
        training: str | None = None,
        movement: str | None = None,
        eligibility: EligibilityStatus | None = None,
        declarations: str | list[_Decl] = "random",
        mentor: tuple[uuid.UUID, uuid.UUID] | None = None,
        transfer: tuple[_Slot, dt.datetime] | None = None,
        id_change: bool = False,
    ) -> _Built:
        """Plan one registration and its whole history, then emit its rows.

        Anything left as ``None`` is drawn at random; the named cases pass what they need.
        """
        rng = self.rng
        if slot is None:
            slot = rng.choice(self.slots[(p, year)] if p is not None else self.cip_slots[year])
        sched = self.schedules[(year, schedule or self._random_schedule(kind))]
        if person is None and kind == ProfileType.MENTOR and p is not None and rng.random() < 0.08:
            person = self._former_ect(p, year)
        person = person or self._new_person(trn)
        if start is None:
            base = max(sched.first_start, _at(self.cohorts[year].academic_year_start_date - 14 * DAY))
            start = self.between(base + 8 * HOUR, base + 30 * DAY)
        registered = self.past(min(start, self.now) - self.delta(3 * DAY, 45 * DAY))
        segments = [_Segment(start, None, slot)]
        reg = _Reg(
            self.id(), self.id(), kind, year, sched, person, start, segments, registered, self.now - HOUR
        )
        led = slot.provider is not None
        if training is None:
            labels = ("active", "deferred", "withdrawn", "resumed", "school_withdrawn")
            training = rng.choices(labels, weights=(84, 5, 8, 2, 1))[0] if led else "active"
        movement = movement or rng.choices(("none", "leaving", "left"), weights=(95, 2, 3))[0]
        if training != "active" or transfer is not None:
            movement = "none"
        self._plan_history(reg, training, movement, transfer)

        if kind == ProfileType.ECT and mentor is None and led:
            # Someone mentoring at the same school with the same provider, if anyone does.
            candidates = [
                m for m in self.mentors_at.get((slot.school, slot.provider), []) if m[1] != person.teacher_id
            ]
            if candidates and rng.random() < 0.9:
                mentor = rng.choice(candidates)
        if kind == ProfileType.ECT and mentor is not None and mentor[1] != person.teacher_id:
            reg.mentor = mentor
        reg.eligibility = self._eligibility(kind, eligibility)
        reg.uplifts = self.pupil_premium[(slot.school, year)]

        if isinstance(declarations, list):
            plans = declarations
        elif declarations == "first" or (
            declarations == "random" and led and rng.random() >= self.undeclared
        ):
            plans = self._random_plans(sched, kind, self.cohorts[year].mentor_funding, reg.start, reg.cap)
            if declarations == "first":  # one plain, live declaration (someone else will duplicate it)
                plans = [_Decl(plans[0].dtype, plans[0].date, plans[0].created)]
        else:
            plans = []
        built = _Built(reg.profile_id, person, reg.segments[-1].slot, reg.start)
        for plan in plans:
            segment = next((s for s in reversed(reg.segments) if s.start <= plan.date), reg.segments[0])
            if segment.slot.provider is None:
                continue
            result = self._declaration(plan, reg, segment)
            if result is not None:
                built.declarations.append((result[0], plan.dtype, result[1], plan))
        self._record_completion(reg, built, training)

        self._emit_person(reg, id_change)
        self._emit_profile(reg)
        if kind == ProfileType.MENTOR and led:
            entry = (reg.profile_id, person.teacher_id)
            self.mentors_at.setdefault((slot.school, slot.provider), []).append(entry)
            self.mentors_of.setdefault(slot.provider, []).append(entry)
        elif kind == ProfileType.ECT and led and p is not None:
            self.ect_pool.setdefault((p, year), []).append(person)
        return built

    def _plan_history(
        self, reg: _Reg, training: str, movement: str, transfer: tuple[_Slot, dt.datetime] | None
    ) -> None:
        """Induction records and training-status changes; ``reg.cap`` bounds declaration dates."""
        now, segments = self.now, reg.segments
        first = segments[0]
        if movement == "joining":
            first.start = reg.start = self.between(now + 3 * DAY, now + 40 * DAY)
            reg.registered = self.past(now - self.delta(DAY, 20 * DAY))
        if reg.start > now:
            return  # joining: nothing has happened yet
        if transfer is not None:
            new_slot, moved = transfer
            first.end, first.induction = moved, InductionStatus.LEAVING
            segments.append(_Segment(moved, None, new_slot, transfer=True))
        elif movement == "leaving":
            first.end, first.induction = self.between(now + 5 * DAY, now + 60 * DAY), InductionStatus.LEAVING
        elif movement == "left" and reg.start + 45 * DAY < now - DAY:
            first.end, first.induction = (
                self.between(reg.start + 45 * DAY, now - DAY),
                InductionStatus.LEAVING,
            )
            reg.cap = first.end
        elif training in ("deferred", "withdrawn", "school_withdrawn") and reg.start + 30 * DAY < now - DAY:
            moment = reg.cap = self.between(reg.start + 30 * DAY, now - DAY)
            if training == "school_withdrawn":
                self._split(segments, moment, induction=InductionStatus.WITHDRAWN)
                return
            status = TrainingStatus(training)
            reason = self.rng.choice(
                list(DeferReason if status == TrainingStatus.DEFERRED else WithdrawReason)
            )
            if reg.kind == ProfileType.ECT and reason == WithdrawReason.MENTOR_NO_LONGER_BEING_MENTOR:
                reason = WithdrawReason.LEFT_TEACHING_PROFESSION
            self._split(segments, moment, training=status)
            reg.changes.append((status, reason.value, moment))
        elif training == "resumed" and reg.start + 90 * DAY < now - 30 * DAY:
            paused = self.between(reg.start + 30 * DAY, now - 60 * DAY)
            resumed = self.between(paused + 20 * DAY, min(paused + 60 * DAY, now - DAY))
            self._split(segments, paused, training=TrainingStatus.DEFERRED)
            self._split(segments, resumed, training=TrainingStatus.ACTIVE)
            reason = self.rng.choice(list(DeferReason))
            reg.changes += [
                (TrainingStatus.DEFERRED, reason.value, paused),
                (TrainingStatus.ACTIVE, None, resumed),
            ]

    def _record_completion(self, reg: _Reg, built: _Built, training: str) -> None:
        """Mentors finish with a live ``completed`` declaration; ECTs when induction ends after it."""
        completed = [
            plan.date
            for _, dtype, state, plan in built.declarations
            if dtype == DeclarationType.COMPLETED and state in BLOCKING_STATES
        ]
        if not completed:
            return
        final = reg.segments[-1]
        if reg.kind == ProfileType.MENTOR:
            reg.mentor_completion = (
                max(completed).date(),
                MentorCompletionReason.COMPLETED_DECLARATION_RECEIVED,
            )
        elif training == "active" and final.end is None and not final.transfer and not reg.changes:
            day = max(completed).date() + dt.timedelta(days=self.rng.randrange(30))
            if day < self.today:
                reg.completion_date = day
                final.induction = InductionStatus.COMPLETED

    def _emit_person(self, reg: _Reg, id_change: bool) -> None:
        """The teacher (once), this registration's identity, and a retired id merged into it if asked."""
        person, registered = reg.person, reg.registered
        first_identity = person.new
        if person.new:
            name = f"{person.first} {person.last}"
            self.out.add(
                Teacher,
                {"id": person.teacher_id, "full_name": name, "trn": person.trn, **self.stamps(registered)},
            )
            person.new = False
        self.out.add(
            ParticipantIdentity,
            {
                "id": reg.identity_id,
                "teacher_id": person.teacher_id,
                "email": self._email(person),
                # The first identity's external id is the person's id; later registrations get their own.
                "external_identifier": person.teacher_id if first_identity else self.id(),
                "origin": "ecf",
                **self.stamps(registered),
            },
        )
        if not id_change:
            return
        retired = self.id()
        merged = self.past(self.between(registered + DAY, max(registered + DAY, self.now - DAY)))
        self.out.add(
            ParticipantIdentity,
            {
                "id": self.id(),
                "teacher_id": person.teacher_id,
                "email": self._email(person),
                "external_identifier": retired,
                "origin": "ecf",
                **self.stamps(registered - 30 * DAY, merged),
            },
        )
        self.out.add(
            ParticipantIdChange,
            {
                "id": self.id(),
                "teacher_id": person.teacher_id,
                "from_participant_id": retired,
                "to_participant_id": person.teacher_id,
                "created_at": merged,
            },
        )

    def _emit_profile(self, reg: _Reg) -> None:
        """The profile with its eligibility, validation data, schedule, states and induction records."""
        rng, now, registered = self.rng, self.now, reg.registered
        person, segments, final = reg.person, reg.segments, reg.segments[-1]
        status, reason = reg.eligibility
        ect = reg.kind == ProfileType.ECT
        mentor_profile = reg.mentor[0] if reg.mentor else None
        last_event = max(
            [registered, *(c[2] for c in reg.changes), *(s.start for s in segments if s.start <= now)]
        )
        self.out.add(
            ParticipantProfile,
            {
                "id": reg.profile_id,
                "teacher_id": person.teacher_id,
                "participant_identity_id": reg.identity_id,
                "profile_type": reg.kind,
                "school_cohort_id": final.slot.school_cohort_id,
                "schedule_id": reg.sched.id,
                "mentor_profile_id": mentor_profile,
                "status": (
                    RecordStatus.WITHDRAWN
                    if final.induction == InductionStatus.WITHDRAWN
                    else RecordStatus.ACTIVE
                ),
                "training_status": final.training,
                "pupil_premium_uplift": reg.uplifts[0],
                "sparsity_uplift": reg.uplifts[1],
                "profile_duplicity": (
                    ProfileDuplicity.SECONDARY
                    if reason == EligibilityReason.DUPLICATE_PROFILE
                    else ProfileDuplicity.SINGLE
                ),
                "induction_start_date": reg.start.date() if ect else None,
                "induction_completion_date": reg.completion_date,
                "mentor_completion_date": reg.mentor_completion[0] if reg.mentor_completion else None,
                "mentor_completion_reason": reg.mentor_completion[1] if reg.mentor_completion else None,
                "cohort_changed_after_payments_frozen": False,
                **self.stamps(registered, last_event),
            },
        )
        self.out.add(
            ParticipantEligibility,
            {
                "id": self.id(),
                "participant_profile_id": reg.profile_id,
                "status": status,
                "reason": reason,
                "manually_validated": status == EligibilityStatus.ELIGIBLE and rng.random() < 0.05,
                "qts": reason != EligibilityReason.NO_QTS if ect else None,
                "active_flags": reason == EligibilityReason.ACTIVE_FLAGS,
                "previous_participation": reason == EligibilityReason.PREVIOUS_PARTICIPATION,
                "previous_induction": reason == EligibilityReason.PREVIOUS_INDUCTION,
                "different_trn": reason == EligibilityReason.DIFFERENT_TRN,
                "exempt_from_induction": reason == EligibilityReason.EXEMPT_FROM_INDUCTION,
                "no_induction": reason == EligibilityReason.NO_INDUCTION,
                **self.stamps(registered + DAY),
            },
        )
        nino = f"Q{rng.choice('ABCEHJKLMNPRSTWXYZ')}{rng.randrange(1_000_000):06d}{rng.choice('ABCD')}"
        self.out.add(
            ParticipantValidationData,
            {
                "id": self.id(),
                "participant_profile_id": reg.profile_id,
                "full_name": f"{person.first} {person.last}",
                "date_of_birth": person.dob,
                "trn": person.trn,
                "nino": nino if rng.random() < 0.6 else None,
                **self.stamps(registered),
            },
        )
        self.out.add(
            ParticipantProfileSchedule,
            {
                "id": self.id(),
                "participant_profile_id": reg.profile_id,
                "schedule_id": reg.sched.id,
                "lead_provider_id": None,
                "created_at": registered,
            },
        )
        provider = segments[0].slot.provider
        states = [(TrainingStatus.ACTIVE, None, registered, None), *((*c, provider) for c in reg.changes)]
        for state, why, moment, by in states:
            self.out.add(
                ParticipantProfileState,
                {
                    "id": self.id(),
                    "participant_profile_id": reg.profile_id,
                    "lead_provider_id": self.providers[by].id if by is not None else None,
                    "state": state,
                    "reason": why,
                    "created_at": moment,
                },
            )
        for segment in segments:
            reported = (
                registered if segment is segments[0] else min(segment.start, now - self.delta(HOUR, 3 * DAY))
            )
            closed = segment.end if segment.end is not None and segment.end < now else None
            self.out.add(
                InductionRecord,
                {
                    "id": self.id(),
                    "participant_profile_id": reg.profile_id,
                    "induction_programme_id": segment.slot.programme_id,
                    "schedule_id": reg.sched.id,
                    "mentor_profile_id": mentor_profile,
                    "preferred_identity_id": reg.identity_id,
                    "appropriate_body_id": None,
                    "training_status": segment.training,
                    "induction_status": segment.induction,
                    "start_date": segment.start,
                    "end_date": segment.end,
                    "school_transfer": segment.transfer,
                    **self.stamps(max(reported, registered), closed),
                },
            )

    @staticmethod
    def _split(
        segments: list[_Segment],
        moment: dt.datetime,
        *,
        training: TrainingStatus | None = None,
        induction: InductionStatus | None = None,
    ) -> None:
        """Close the current induction record (``changed``) and open its successor, as the service does."""
        current = segments[-1]
        current.end, current.induction = moment, InductionStatus.CHANGED
        segments.append(
            _Segment(
                moment, None, current.slot, training or current.training, induction or InductionStatus.ACTIVE
            )
        )

    def _random_schedule(self, kind: ProfileType) -> str:
        rng = self.rng
        if kind == ProfileType.ECT:
            family = rng.choices(("standard", "extended", "reduced"), weights=(80, 10, 10))[0]
        else:
            family = rng.choices(("standard", "replacement", "extended", "reduced"), weights=(75, 15, 5, 5))[
                0
            ]
        month = rng.choices(("september", "january", "april"), weights=(70, 20, 10))[0]
        return f"ecf-{family}-{month}"

    def _former_ect(self, p: int, year: int) -> _Person | None:
        """An ECT of this provider from two or more cohorts back, who now mentors."""
        years = [y for y in YEARS if y <= year - 2 and self.ect_pool.get((p, y))]
        if not years:
            return None
        pool = self.ect_pool[(p, self.rng.choice(years))]
        person = pool[self.rng.randrange(len(pool))]
        if person.teacher_id in self.reused:
            return None
        self.reused.add(person.teacher_id)
        return person

    def _new_person(self, trn: str | None) -> _Person:
        rng = self.rng
        number = self.next_serial()
        return _Person(
            teacher_id=self.id(),
            first=rng.choice(FIRST_NAMES),
            last=rng.choice(LAST_NAMES),
            trn=trn or str(1_000_000 + (number * 7_654_321 + self.trn_offset) % 9_000_000),
            dob=dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(13_000)),
        )

    def _email(self, person: _Person) -> str:
        local = f"{person.first}.{person.last}".lower().replace("'", "")
        return f"{local}.{self.next_serial()}@example.com"

    def _eligibility(
        self, kind: ProfileType, status: EligibilityStatus | None
    ) -> tuple[EligibilityStatus, EligibilityReason]:
        rng = self.rng
        status = status or rng.choices(list(EligibilityStatus), weights=(75, 7, 8, 10))[0]
        ect = kind == ProfileType.ECT
        reason = {
            EligibilityStatus.ELIGIBLE: EligibilityReason.NONE,
            EligibilityStatus.MATCHED: EligibilityReason.NONE,
            EligibilityStatus.MANUAL_CHECK: rng.choice(
                (
                    EligibilityReason.NO_QTS,
                    EligibilityReason.ACTIVE_FLAGS,
                    EligibilityReason.DIFFERENT_TRN,
                    EligibilityReason.NO_INDUCTION,
                )
                if ect
                else (EligibilityReason.ACTIVE_FLAGS, EligibilityReason.DIFFERENT_TRN)
            ),
            EligibilityStatus.INELIGIBLE: rng.choice(
                (EligibilityReason.PREVIOUS_INDUCTION, EligibilityReason.EXEMPT_FROM_INDUCTION)
                if ect
                else (EligibilityReason.PREVIOUS_PARTICIPATION, EligibilityReason.DUPLICATE_PROFILE)
            ),
        }[status]
        return status, reason

    def _random_plans(
        self, sched: _Sched, kind: ProfileType, mentor_funding: bool, start: dt.datetime, cap: dt.datetime
    ) -> list[_Decl]:
        """Declarations in schedule order, each inside its milestone window, until the person stops."""
        rng = self.rng
        if kind == ProfileType.MENTOR and mentor_funding:
            types, spacing = FUNDED_MENTOR_TYPES, 330
        elif kind == ProfileType.ECT and sched.kind == ScheduleType.EXTENDED:
            types, spacing = EXTENDED_TYPES, SPACING[sched.kind]
        else:
            types, spacing = ECT_TYPES, SPACING[sched.kind]
        plans: list[_Decl] = []
        previous = start
        for number, dtype in enumerate(types):
            window = sched.windows.get(dtype)
            if window is None:
                continue
            low = max(window[0], previous + HOUR)
            if window[1] is None:
                date = max(low, start + dt.timedelta(days=spacing * number + rng.randrange(21)))
                if date > cap:
                    break
            else:
                high = min(window[1], cap)
                if low > high:
                    if window[1] < low:
                        continue  # started after this window closed: skip the output
                    break
                date = self.between(low, min(high, low + 45 * DAY))
            created = self.past(self.between(date, date + 10 * DAY))
            if rng.random() < self.resubmitted:
                # Sent, voided (wrong date, wrong person...), then sent again: a common provider pattern.
                void_at = created + self.delta(HOUR, 3 * DAY)
                again = void_at + self.delta(HOUR, 2 * DAY)
                if again < self.now - HOUR:
                    plans.append(_Decl(dtype, date, created, "voided", void_at))
                    created = again
            roll = rng.random()
            target = "voided" if roll < 0.03 else "clawback" if roll < 0.06 else "natural"
            plans.append(_Decl(dtype, date, created, target))
            previous = date
            if rng.random() < self.dropout:
                break
        return plans

    def _declaration(
        self, plan: _Decl, reg: _Reg, segment: _Segment
    ) -> tuple[uuid.UUID, DeclarationState] | None:
        """Emit one declaration with its state history and line items; ``None`` if it could not exist.

        The provider, delivery partner and mentor are those of the induction record in force
        on the declaration date; the statement is the provider's next output-fee statement for
        the cohort at submission time, and its status today decides how far the claim got.
        """
        provider, year = segment.slot.provider, reg.year
        assert provider is not None
        fundable = reg.eligibility[0] == EligibilityStatus.ELIGIBLE
        now = self.now
        statement = self.calendar.next_at(provider, year, plan.created.date())
        history: list[tuple[DeclarationState, dt.datetime, str | None]] = []
        lines: list[tuple[_Stmt, LineItemState, dt.datetime, dt.datetime]] = []
        void_at: dt.datetime | None = None
        if plan.target == "ineligible":
            history.append((DeclarationState.INELIGIBLE, plan.created, "duplicate"))
            if statement is not None:
                lines.append((statement, LineItemState.INELIGIBLE, plan.created, plan.created))
        elif not fundable:
            history.append((DeclarationState.SUBMITTED, plan.created, None))
            if plan.target == "voided":
                void_at = plan.void_at or self.past(
                    self.between(plan.created + HOUR, plan.created + 30 * DAY)
                )
                history.append((DeclarationState.VOIDED, void_at, None))
        else:
            if statement is None:
                return None  # the contract had ended: the service would have refused it
            history.append((DeclarationState.ELIGIBLE, plan.created, None))
            if statement.payable_at is not None:
                history.append((DeclarationState.PAYABLE, statement.payable_at, None))
            if statement.paid_at is not None:
                history.append((DeclarationState.PAID, statement.paid_at, None))
            billable = LineItemState(history[-1][0].value)
            if plan.target == "voided":
                void_at = plan.void_at or self.past(
                    self.between(plan.created + HOUR, plan.created + 20 * DAY)
                )
            elif plan.target == "clawback" and statement.paid_at is not None:
                void_at = plan.void_at or self.past(
                    self.between(statement.paid_at + DAY, statement.paid_at + 200 * DAY)
                )
            if void_at is not None and void_at <= plan.created:
                void_at = None
            if void_at is not None:
                history = [entry for entry in history if entry[1] < void_at]
                if history[-1][0] != DeclarationState.PAID:
                    history.append((DeclarationState.VOIDED, void_at, None))
                    lines.append((statement, LineItemState.VOIDED, plan.created, void_at))
                else:
                    refund_on = self.calendar.next_at(provider, year, void_at.date())
                    if refund_on is None:
                        void_at = None  # cohort closed: a paid declaration can no longer be voided
                    else:
                        lines.append((statement, LineItemState.PAID, plan.created, history[-1][1]))
                        history.append((DeclarationState.AWAITING_CLAWBACK, void_at, None))
                        if refund_on.paid_at is not None:
                            history.append((DeclarationState.CLAWED_BACK, refund_on.paid_at, None))
                            lines.append((refund_on, LineItemState.CLAWED_BACK, void_at, refund_on.paid_at))
                        else:
                            lines.append((refund_on, LineItemState.AWAITING_CLAWBACK, void_at, void_at))
            if void_at is None:
                lines.append((statement, billable, plan.created, history[-1][1]))
        state = history[-1][0]
        declaration_id = self.id()
        self.out.add(
            ParticipantDeclaration,
            {
                "id": declaration_id,
                "teacher_id": reg.person.teacher_id,
                "participant_profile_id": reg.profile_id,
                "lead_provider_id": self.providers[provider].id,
                "cohort_id": self.cohorts[year].id,
                "course_identifier": CourseIdentifier.ECT
                if reg.kind == ProfileType.ECT
                else CourseIdentifier.MENTOR,
                "declaration_type": plan.dtype,
                "declaration_date": plan.date,
                "evidence_held": self._evidence(
                    plan.dtype, reg.kind, self.cohorts[year].detailed_evidence_types
                ),
                "state": state,
                "delivery_partner_id": segment.slot.dp_id,
                "mentor_teacher_id": reg.mentor[1] if reg.mentor else None,
                "superseded_by_id": plan.superseded_by,
                "pupil_premium_uplift": reg.uplifts[0],
                "sparsity_uplift": reg.uplifts[1],
                "voided_at": void_at,
                "voided_by": None,
                "created_at": plan.created,
                "updated_at": min(history[-1][1], now),
            },
        )
        for entry_state, moment, reason in history:
            self.out.add(
                DeclarationStateChange,
                {
                    "id": self.id(),
                    "participant_declaration_id": declaration_id,
                    "state": entry_state,
                    "state_reason": reason,
                    "created_at": moment,
                },
            )
        for statement_row, line_state, created, updated in lines:
            self.out.add(
                StatementLineItem,
                {
                    "id": self.id(),
                    "statement_id": statement_row.id,
                    "participant_declaration_id": declaration_id,
                    "state": line_state,
                    "created_at": created,
                    "updated_at": updated,
                },
            )
        return declaration_id, state

    def _evidence(self, dtype: DeclarationType, kind: ProfileType, detailed: bool) -> EvidenceHeld | None:
        rng = self.rng
        basic = (
            EvidenceHeld.TRAINING_EVENT_ATTENDED,
            EvidenceHeld.SELF_STUDY_MATERIAL_COMPLETED,
            EvidenceHeld.OTHER,
        )
        if not detailed:
            return None if dtype == DeclarationType.STARTED else rng.choice(basic)
        if dtype == DeclarationType.STARTED:
            return (
                None
                if rng.random() < 0.3
                else rng.choice((*basic, EvidenceHeld.MATERIALS_ENGAGED_WITH_OFFLINE))
            )
        if dtype == DeclarationType.RETAINED_2:
            return rng.choice((EvidenceHeld.ENGAGEMENT_MET, EvidenceHeld.ENGAGEMENT_MET_REDUCED_INDUCTION))
        if dtype == DeclarationType.COMPLETED:
            options = [EvidenceHeld.ENGAGEMENT_MET, EvidenceHeld.ENGAGEMENT_MET_REDUCED_INDUCTION]
            if kind == ProfileType.ECT:
                options.append(EvidenceHeld.ONE_TERM_INDUCTION)
            return rng.choice(options)
        return rng.choice((*basic, EvidenceHeld.MATERIALS_ENGAGED_WITH_OFFLINE))
