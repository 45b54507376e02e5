"""Read queries for v3 participants: whom a lead provider sees, and what it sees of them.

Visibility: a training record (profile) is visible to a provider through its *latest*
induction record among those whose programme sits under one of the provider's
unchallenged partnerships (relationship partnerships included). "Latest" means
open-ended first, then the newest start date, then the newest creation (then the id, so
ties cannot flip between requests). :func:`latest_records` is that rule; its answer for
every provider is kept in ``visible_training_records`` (``storage.visible_records``), which
the lists read, so a page is found in index order instead of by ranking every induction
record of the provider. A person is listed when at least one of their visible records
matches the enrolment filters, and is then shown with every visible record.

A page costs four statements whatever its size: the page of people (ids, name, TRN and
the change timestamp, with every filter applied in SQL), their enrolments with all they
show, the provider's withdraw/defer log for those records, and their id changes. Nothing
is lazy-loaded; the views hold plain values.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from storage.enums import (
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    MentorCompletionReason,
    ProfileType,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    InductionProgramme,
    InductionRecord,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    ParticipantValidationData,
    Partnership,
    Schedule,
    School,
    SchoolCohort,
    Teacher,
    VisibleTrainingRecord,
)


@dataclass(frozen=True)
class StateView:
    """One withdraw/defer/resume entry of this provider's log for a record."""

    state: TrainingStatus
    reason: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class EnrolmentView:
    """One visible training record with its latest induction record for the provider.

    ``cohort`` (shown) is the year of the school cohort the record's programme belongs
    to, as in the original; ``schedule_cohort`` (filtered on) is the year of the
    record's schedule. They differ only while a cohort change is half-applied.
    """

    training_record_id: uuid.UUID
    profile_type: ProfileType
    email: str
    mentor_id: uuid.UUID | None
    school_urn: str
    cohort: int
    training_status: TrainingStatus
    induction_status: InductionStatus
    start_date: dt.datetime
    end_date: dt.datetime | None
    trn: str | None
    eligibility_status: EligibilityStatus | None
    eligibility_reason: EligibilityReason | None
    pupil_premium_uplift: bool
    sparsity_uplift: bool
    schedule_identifier: str
    schedule_cohort: int
    delivery_partner_id: uuid.UUID
    created_at: dt.datetime
    induction_completion_date: dt.date | None
    mentor_completion_date: dt.date | None
    mentor_completion_reason: MentorCompletionReason | None
    cohort_changed_after_payments_frozen: bool
    #: This provider's log entries for the record, oldest first.
    states: tuple[StateView, ...] = ()


@dataclass(frozen=True)
class IdChangeView:
    from_participant_id: uuid.UUID
    to_participant_id: uuid.UUID
    changed_at: dt.datetime


@dataclass(frozen=True)
class ParticipantView:
    """A person as one provider sees them; ``id`` is the participant id."""

    id: uuid.UUID
    full_name: str
    trn: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    enrolments: tuple[EnrolmentView, ...] = field(default=())
    id_changes: tuple[IdChangeView, ...] = field(default=())


@dataclass(frozen=True)
class ParticipantFilters:
    """What a list request narrows by; ``None`` means "not asked for"."""

    cohort_years: list[int] | None = None
    earliest_default_cohort: int = 2021
    updated_since: dt.datetime | None = None
    training_status: TrainingStatus | None = None
    from_participant_id: uuid.UUID | None = None


# Building blocks, shared with the participant actions and unfunded mentors -----------


def latest_records(
    lead_provider_id: uuid.UUID | None,
    teacher_ids: Sequence[uuid.UUID] | None = None,
    *,
    distinct_on: bool = False,
) -> sa.Select:
    """A select of ``(record_id, profile_id, lead_provider_id)``: each profile's latest record
    under the provider's unchallenged partnerships. This is the rule of who sees a training
    record. ``lead_provider_id=None`` gives every provider's latest record for each profile
    (what ``storage.visible_records`` keeps). ``teacher_ids`` narrows the work to some people;
    the window is per profile and provider, so narrowing never changes which record is latest.

    ``distinct_on`` (PostgreSQL only) picks the same rows with
    ``DISTINCT ON``: PostgreSQL then expects one row per profile, where for ``row_number() = 1``
    it expects a handful, plans nested loops over tens of thousands of rows, and a whole
    provider's records take several times longer.
    """
    order = (
        sa.case((InductionRecord.end_date.is_(None), 0), else_=1),
        InductionRecord.start_date.desc(),
        InductionRecord.created_at.desc(),
        # Two versions stamped at the same instant (a frozen sandbox clock): the
        # one closed as "changed" is history, never the latest.
        sa.case((InductionRecord.induction_status == InductionStatus.CHANGED, 1), else_=0),
        InductionRecord.id.desc(),
    )
    partition = (InductionRecord.participant_profile_id, Partnership.lead_provider_id)
    columns = [
        InductionRecord.id.label("record_id"),
        InductionRecord.participant_profile_id.label("profile_id"),
        Partnership.lead_provider_id.label("lead_provider_id"),
    ]
    if not distinct_on:
        columns.append(sa.func.row_number().over(partition_by=partition, order_by=order).label("position"))
    ranked = (
        sa.select(*columns)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(Partnership.challenged_at.is_(None), Partnership.challenge_reason.is_(None))
    )
    if lead_provider_id is not None:
        ranked = ranked.where(Partnership.lead_provider_id == lead_provider_id)
    if teacher_ids is not None:
        ranked = ranked.where(
            InductionRecord.participant_profile_id.in_(
                sa.select(ParticipantProfile.id).where(ParticipantProfile.teacher_id.in_(teacher_ids))
            )
        )
    if distinct_on:
        ranked = ranked.distinct(*partition).order_by(*partition, *order)
    ranked_sq = ranked.subquery("ranked")
    latest = sa.select(ranked_sq.c.record_id, ranked_sq.c.profile_id, ranked_sq.c.lead_provider_id)
    return latest if distinct_on else latest.where(ranked_sq.c.position == 1)


# Reads ------------------------------------------------------------------------------


def list_participants(
    session: Session,
    lead_provider_id: uuid.UUID,
    filters: ParticipantFilters,
    *,
    sort: Sequence[tuple[str, bool]] = (),
    limit: int,
    offset: int,
) -> list[ParticipantView]:
    """One page of the people the provider sees.

    ``sort`` is ``(field, descending)`` pairs over ``created_at`` (the person's
    registration) and ``updated_at`` (their change stamp, see ``domain.sync``); the person's creation
    then id always follow, so pages never overlap. ``filter[cohort]`` (default: cohorts
    from ``earliest_default_cohort``) and ``filter[training_status]`` apply to the
    cohort of a visible record's schedule and to that record's training status.
    """
    return _page(session, lead_provider_id, filters, sort=sort, limit=limit, offset=offset)


def find_participant(
    session: Session, lead_provider_id: uuid.UUID, participant_id: uuid.UUID
) -> ParticipantView | None:
    """The person behind ``participant_id`` if the provider sees them, else ``None``.

    The id may be the person's own, an identity's external identifier, or an id DfE has
    retired in a merge (``participant_id_changes``). The list's visibility applies,
    including the default cohorts.
    """
    candidates = resolve_participant_ids(session, participant_id)
    if not candidates:
        return None
    views = _page(
        session,
        lead_provider_id,
        ParticipantFilters(),
        teacher_ids=candidates,
        limit=len(candidates),
        offset=0,
    )
    by_id = {view.id: view for view in views}
    return next((by_id[teacher_id] for teacher_id in candidates if teacher_id in by_id), None)


def resolve_participant_ids(session: Session, participant_id: uuid.UUID) -> list[uuid.UUID]:
    """Person ids an incoming participant id may mean, most direct first: the person's own
    id, an identity's external identifier, then an id retired in a merge."""
    query = sa.union_all(
        sa.select(Teacher.id.label("teacher_id"), sa.literal(0).label("priority")).where(
            Teacher.id == participant_id
        ),
        sa.select(ParticipantIdentity.teacher_id, sa.literal(1)).where(
            ParticipantIdentity.external_identifier == participant_id
        ),
        sa.select(ParticipantIdChange.teacher_id, sa.literal(2)).where(
            ParticipantIdChange.from_participant_id == participant_id
        ),
    ).subquery()
    rows = session.execute(sa.select(query.c.teacher_id, query.c.priority).order_by(query.c.priority)).all()
    seen: list[uuid.UUID] = []
    for teacher_id, _ in rows:
        if teacher_id not in seen:
            seen.append(teacher_id)
    return seen


def _page(
    session: Session,
    lead_provider_id: uuid.UUID,
    filters: ParticipantFilters,
    *,
    teacher_ids: Sequence[uuid.UUID] | None = None,
    sort: Sequence[tuple[str, bool]] = (),
    limit: int,
    offset: int,
) -> list[ParticipantView]:
    visible = VisibleTrainingRecord
    matching = sa.select(visible.teacher_id, visible.teacher_created_at, visible.api_updated_at).where(
        visible.lead_provider_id == lead_provider_id
    )
    if filters.cohort_years is None:
        matching = matching.where(visible.schedule_cohort >= filters.earliest_default_cohort)
    else:
        matching = matching.where(visible.schedule_cohort.in_(filters.cohort_years))
    if filters.training_status is not None:
        matching = matching.where(visible.training_status == filters.training_status)
    if teacher_ids is not None:
        matching = matching.where(visible.teacher_id.in_(teacher_ids))
    if filters.from_participant_id is not None:
        matching = matching.where(
            sa.exists().where(
                ParticipantIdChange.teacher_id == visible.teacher_id,
                ParticipantIdChange.from_participant_id == filters.from_participant_id,
            )
        )
    if filters.updated_since is not None:
        matching = matching.where(visible.api_updated_at >= filters.updated_since)
    # A person's rows share their registration and stamp, so grouping on all three gives one
    # row per person, in the order of the provider's index when the sort is the default.
    columns = {"created_at": visible.teacher_created_at, "updated_at": visible.api_updated_at}
    order = [_direction(columns[name], descending) for name, descending in sort]
    page = (
        matching.group_by(visible.teacher_created_at, visible.teacher_id, visible.api_updated_at)
        .order_by(*order, visible.teacher_created_at, visible.teacher_id)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    query = (
        sa.select(Teacher.id, Teacher.full_name, Teacher.trn, Teacher.created_at, page.c.api_updated_at)
        .join(page, page.c.teacher_id == Teacher.id)
        .order_by(
            *[_direction(page.c[columns[name].key], descending) for name, descending in sort],
            page.c.teacher_created_at,
            page.c.teacher_id,
        )
    )
    people = session.execute(query).all()
    if not people:
        return []

    ids = [row.id for row in people]
    enrolments_by_person = _enrolments(session, lead_provider_id, ids)
    changes_by_person: dict[uuid.UUID, list[IdChangeView]] = defaultdict(list)
    for change in session.execute(
        sa.select(
            ParticipantIdChange.teacher_id,
            ParticipantIdChange.from_participant_id,
            ParticipantIdChange.to_participant_id,
            ParticipantIdChange.created_at,
        )
        .where(ParticipantIdChange.teacher_id.in_(ids))
        .order_by(ParticipantIdChange.created_at, ParticipantIdChange.id)
    ):
        changes_by_person[change.teacher_id].append(
            IdChangeView(change.from_participant_id, change.to_participant_id, change.created_at)
        )
    return [
        ParticipantView(
            id=row.id,
            full_name=row.full_name,
            trn=row.trn,
            created_at=row.created_at,
            updated_at=row.api_updated_at,
            enrolments=tuple(enrolments_by_person.get(row.id, ())),
            id_changes=tuple(changes_by_person.get(row.id, ())),
        )
        for row in people
    ]


def _direction(column: sa.ColumnElement, descending: bool) -> sa.ColumnElement:
    return column.desc() if descending else column.asc()


@functools.cache
def _enrolments_query() -> sa.Select:
    """Every visible record of some people (``:teacher_ids``) for ``:lead_provider_id``, with
    all it shows. Built once: composing a select of fourteen tables costs more than running it."""
    latest = (
        sa.select(
            VisibleTrainingRecord.induction_record_id.label("record_id"),
            VisibleTrainingRecord.participant_profile_id.label("profile_id"),
        )
        .where(
            VisibleTrainingRecord.lead_provider_id == sa.bindparam("lead_provider_id", type_=sa.Uuid()),
            VisibleTrainingRecord.teacher_id.in_(
                sa.bindparam("teacher_ids", expanding=True, type_=sa.Uuid())
            ),
        )
        .subquery("latest")
    )
    preferred = aliased(ParticipantIdentity, name="preferred_identity")
    own = aliased(ParticipantIdentity, name="profile_identity")
    mentor = aliased(ParticipantProfile, name="mentor_profile")
    school_cohort_year = aliased(Cohort, name="school_cohort_year")
    schedule_cohort = aliased(Cohort, name="schedule_cohort")
    query = (
        sa.select(
            ParticipantProfile.teacher_id,
            ParticipantProfile.id.label("profile_id"),
            ParticipantProfile.profile_type,
            ParticipantProfile.created_at,
            ParticipantProfile.pupil_premium_uplift,
            ParticipantProfile.sparsity_uplift,
            ParticipantProfile.induction_completion_date,
            ParticipantProfile.mentor_completion_date,
            ParticipantProfile.mentor_completion_reason,
            ParticipantProfile.cohort_changed_after_payments_frozen,
            InductionRecord.training_status,
            InductionRecord.induction_status,
            InductionRecord.start_date,
            InductionRecord.end_date,
            preferred.email.label("preferred_email"),
            own.email.label("profile_email"),
            mentor.teacher_id.label("mentor_id"),
            School.urn,
            school_cohort_year.start_year.label("cohort"),
            Schedule.schedule_identifier,
            schedule_cohort.start_year.label("schedule_cohort"),
            Partnership.delivery_partner_id,
            ParticipantEligibility.status.label("eligibility_status"),
            ParticipantEligibility.reason.label("eligibility_reason"),
            Teacher.trn.label("teacher_trn"),
            ParticipantValidationData.trn.label("validation_trn"),
        )
        .select_from(latest)
        .join(InductionRecord, InductionRecord.id == latest.c.record_id)
        .join(ParticipantProfile, ParticipantProfile.id == latest.c.profile_id)
        .join(Teacher, Teacher.id == ParticipantProfile.teacher_id)
        .join(own, own.id == ParticipantProfile.participant_identity_id)
        .outerjoin(preferred, preferred.id == InductionRecord.preferred_identity_id)
        .outerjoin(mentor, mentor.id == InductionRecord.mentor_profile_id)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .join(SchoolCohort, SchoolCohort.id == InductionProgramme.school_cohort_id)
        .join(School, School.id == SchoolCohort.school_id)
        .join(school_cohort_year, school_cohort_year.id == SchoolCohort.cohort_id)
        .join(Schedule, Schedule.id == InductionRecord.schedule_id)
        .join(schedule_cohort, schedule_cohort.id == Schedule.cohort_id)
        .outerjoin(
            ParticipantEligibility, ParticipantEligibility.participant_profile_id == ParticipantProfile.id
        )
        .outerjoin(
            ParticipantValidationData,
            ParticipantValidationData.participant_profile_id == ParticipantProfile.id,
        )
        .order_by(ParticipantProfile.created_at, ParticipantProfile.id)
    )
    return query


def _enrolments(
    session: Session, lead_provider_id: uuid.UUID, teacher_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[EnrolmentView]]:
    """Every visible record of these people with all it shows: two statements."""
    query = _enrolments_query()
    # The connection the query runs on (the replica's, when reads go there).
    connection = session.connection(bind_arguments={"clause": query})
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        # The fourteen joins are written in the order they should run (from the page's rows out
        # through primary keys); PostgreSQL spends longer searching for another order (7 ms)
        # than running this one (2 ms of planning with the search off, the same plan).
        connection.exec_driver_sql("SET LOCAL join_collapse_limit = 1")
    rows = session.execute(
        query, {"lead_provider_id": lead_provider_id, "teacher_ids": list(teacher_ids)}
    ).all()
    if postgresql:
        connection.exec_driver_sql("SET LOCAL join_collapse_limit TO DEFAULT")
    states = _states(session, lead_provider_id, [row.profile_id for row in rows])
    found: dict[uuid.UUID, list[EnrolmentView]] = defaultdict(list)
    for row in rows:
        found[row.teacher_id].append(
            EnrolmentView(
                training_record_id=row.profile_id,
                profile_type=ProfileType(row.profile_type),
                email=row.preferred_email or row.profile_email,
                mentor_id=row.mentor_id if row.profile_type == ProfileType.ECT else None,
                school_urn=row.urn,
                cohort=row.cohort,
                training_status=TrainingStatus(row.training_status),
                induction_status=InductionStatus(row.induction_status),
                start_date=row.start_date,
                end_date=row.end_date,
                trn=row.teacher_trn or row.validation_trn,
                eligibility_status=row.eligibility_status,
                eligibility_reason=row.eligibility_reason,
                pupil_premium_uplift=row.pupil_premium_uplift,
                sparsity_uplift=row.sparsity_uplift,
                schedule_identifier=row.schedule_identifier,
                schedule_cohort=row.schedule_cohort,
                delivery_partner_id=row.delivery_partner_id,
                created_at=row.created_at,
                induction_completion_date=row.induction_completion_date,
                mentor_completion_date=row.mentor_completion_date,
                mentor_completion_reason=row.mentor_completion_reason,
                cohort_changed_after_payments_frozen=row.cohort_changed_after_payments_frozen,
                states=tuple(states.get(row.profile_id, ())),
            )
        )
    return found


def _states(
    session: Session, lead_provider_id: uuid.UUID, profile_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[StateView]]:
    """The provider's own action log for these records, oldest first."""
    ids = list(profile_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(
            ParticipantProfileState.participant_profile_id,
            ParticipantProfileState.state,
            ParticipantProfileState.reason,
            ParticipantProfileState.created_at,
        )
        .where(
            ParticipantProfileState.participant_profile_id.in_(ids),
            ParticipantProfileState.lead_provider_id == lead_provider_id,
        )
        .order_by(ParticipantProfileState.created_at, ParticipantProfileState.id)
    )
    found: dict[uuid.UUID, list[StateView]] = defaultdict(list)
    for row in rows:
        found[row.participant_profile_id].append(
            StateView(state=TrainingStatus(row.state), reason=row.reason, created_at=row.created_at)
        )
    return found


# Training records, one row each (API v1 and v2) ---------------------------------------


@dataclass(frozen=True)
class TrainingRecordView:
    """One visible training record with the person it belongs to: a row of the v1/v2 list."""

    participant_id: uuid.UUID
    full_name: str
    updated_at: dt.datetime
    enrolment: EnrolmentView


def list_training_records(
    session: Session,
    lead_provider_id: uuid.UUID,
    filters: ParticipantFilters,
    *,
    limit: int,
    offset: int,
) -> list[TrainingRecordView]:
    """One page of visible training records, a person with two records giving two rows.

    Ordered by the person's registration (then the record's), or by the person's change
    stamp when ``filters.updated_since`` is given, as the original's flat list was.
    ``filter[cohort]`` (default: from ``earliest_default_cohort``) applies to each record's
    schedule cohort.
    """
    query = _record_rows(lead_provider_id, filters)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return _training_records(session, lead_provider_id, rows)


def iter_training_records(
    session: Session, lead_provider_id: uuid.UUID, filters: ParticipantFilters, *, chunk_size: int = 2000
) -> Iterator[TrainingRecordView]:
    """Every row of :func:`list_training_records`, read through one streamed cursor and
    shown ``chunk_size`` at a time, so an export of any size holds one chunk in memory."""
    result = session.execute(
        _record_rows(lead_provider_id, filters),
        execution_options={"yield_per": chunk_size},
    )
    for rows in result.partitions():
        yield from _training_records(session, lead_provider_id, rows)


def find_training_record(
    session: Session, lead_provider_id: uuid.UUID, participant_id: uuid.UUID
) -> TrainingRecordView | None:
    """The record v1/v2 show for ``participant_id``: the person's ECT record when they have
    one you can see, else their mentor record. Ids resolve as for v3 (retired ids too)."""
    for teacher_id in resolve_participant_ids(session, participant_id):
        records = records_of_person(session, lead_provider_id, teacher_id)
        if records:
            return min(records, key=lambda record: record.enrolment.profile_type != ProfileType.ECT)
    return None


def records_of_person(
    session: Session, lead_provider_id: uuid.UUID, teacher_id: uuid.UUID
) -> list[TrainingRecordView]:
    """The person's visible records, in list order, with the list's default cohorts."""
    query = _record_rows(lead_provider_id, ParticipantFilters(), [teacher_id])
    rows = session.execute(query).all()
    return _training_records(session, lead_provider_id, rows)


def _record_rows(
    lead_provider_id: uuid.UUID,
    filters: ParticipantFilters,
    teacher_ids: Sequence[uuid.UUID] | None = None,
) -> sa.Select:
    """``(teacher_id, profile_id, api_updated_at)`` of every matching visible record, in list order."""
    visible = VisibleTrainingRecord
    records = sa.select(
        visible.teacher_id,
        visible.participant_profile_id.label("profile_id"),
        # The stamp shown is the one the filter and order used (the same snapshot).
        visible.api_updated_at,
    ).where(visible.lead_provider_id == lead_provider_id)
    if teacher_ids is not None:
        records = records.where(visible.teacher_id.in_(teacher_ids))
    if filters.cohort_years is None:
        records = records.where(visible.schedule_cohort >= filters.earliest_default_cohort)
    else:
        records = records.where(visible.schedule_cohort.in_(filters.cohort_years))
    registration = (
        visible.teacher_created_at,
        visible.teacher_id,
        visible.profile_created_at,
        visible.participant_profile_id,
    )
    if filters.updated_since is None:
        return records.order_by(*registration)
    return records.where(visible.api_updated_at >= filters.updated_since).order_by(
        visible.api_updated_at, *registration
    )


def _training_records(
    session: Session, lead_provider_id: uuid.UUID, rows: Sequence[sa.Row]
) -> list[TrainingRecordView]:
    """The rows' records with all they show: three statements per page or chunk."""
    if not rows:
        return []
    teacher_ids = list(dict.fromkeys(row.teacher_id for row in rows))
    names = dict(
        session.execute(sa.select(Teacher.id, Teacher.full_name).where(Teacher.id.in_(teacher_ids))).all()
    )
    records = {
        enrolment.training_record_id: enrolment
        for enrolments in _enrolments(session, lead_provider_id, teacher_ids).values()
        for enrolment in enrolments
    }
    return [
        TrainingRecordView(
            participant_id=row.teacher_id,
            full_name=names[row.teacher_id],
            updated_at=row.api_updated_at,
            enrolment=records[row.profile_id],
        )
        # A record that stopped being visible between the two reads is left out.
        for row in rows
        if row.profile_id in records and row.teacher_id in names
    ]
