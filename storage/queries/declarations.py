"""Read queries for declarations: which a lead provider may read, and what it sees of them.

A provider reads its own declarations, whatever their state, and other providers' *live*
ones (submitted, eligible, payable, paid) for training records it now trains: those with
an induction record of its own, under a partnership the school has not challenged, whose
induction status is active or completed. v3 also shows them for a record that is leaving
the provider, when dated on or before the day it leaves (internals §4.2).

A page is one statement whatever its size: the declarations with every filter applied
in SQL, their provider's name, the statements of their billable and refundable lines and
their ineligibility reason as correlated subqueries. Nothing is lazy-loaded; the views
hold plain values.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.enums import (
    BLOCKING_STATES,
    REFUNDABLE_STATES,
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    EvidenceHeld,
    InductionStatus,
    LineItemState,
)
from storage.models import (
    Cohort,
    DeclarationStateChange,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    ParticipantDeclaration,
    Partnership,
    StatementLineItem,
    VisibleTrainingRecord,
)

_BILLABLE_LINES = (LineItemState.ELIGIBLE, LineItemState.PAYABLE, LineItemState.PAID)
_REFUNDABLE_LINES = tuple(LineItemState(state.value) for state in REFUNDABLE_STATES)


class Visibility(enum.Enum):
    """Which other providers' declarations a version shows (internals §4.2)."""

    #: v3: also for records leaving the provider, up to the day they leave.
    V3 = "v3"
    #: v1 and v2: only for records the provider trains now (active or completed).
    LEGACY = "legacy"


@dataclass(frozen=True)
class DeclarationView:
    """One declaration as any version of the API may show it."""

    id: uuid.UUID
    participant_id: uuid.UUID
    lead_provider_id: uuid.UUID
    lead_provider_name: str
    course_identifier: CourseIdentifier
    declaration_type: DeclarationType
    declaration_date: dt.datetime
    state: DeclarationState
    evidence_held: EvidenceHeld | None
    delivery_partner_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    statement_id: uuid.UUID | None
    clawback_statement_id: uuid.UUID | None
    #: The reason recorded when it became ineligible; ``None`` unless it is ineligible now.
    ineligible_reason: str | None
    pupil_premium_uplift: bool
    sparsity_uplift: bool
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class DeclarationFilters:
    """What a list request narrows by; ``None`` means "not asked for" and an empty list
    matches nothing (a filter whose values are none of ours)."""

    cohort_years: list[int] | None = None
    participant_ids: list[uuid.UUID] | None = None
    delivery_partner_ids: list[uuid.UUID] | None = None
    updated_since: dt.datetime | None = None
    #: v1 and v2 compare ``updated_since`` strictly (``>``); v3 includes the instant.
    updated_since_strict: bool = False


def _provider_records(lead_provider_id: uuid.UUID) -> sa.Select:
    return (
        sa.select(InductionRecord.participant_profile_id)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(Partnership.lead_provider_id == lead_provider_id, Partnership.challenge_reason.is_(None))
    )


def _declared_by_others(lead_provider_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The declaration is on one of the provider's visible records that another provider has a
    live declaration on. Every declaration of someone else's the provider may read meets it (a
    record the provider trains has a visible row), so it only narrows the search: to the few
    records that changed provider, from every live declaration in the country."""
    return ParticipantDeclaration.participant_profile_id.in_(
        sa.select(VisibleTrainingRecord.participant_profile_id).where(
            VisibleTrainingRecord.lead_provider_id == lead_provider_id,
            VisibleTrainingRecord.others_live_declarations,
        )
    )


def visible_to(lead_provider_id: uuid.UUID, visibility: Visibility) -> sa.ColumnElement[bool]:
    """The condition a declaration meets when the provider may read it."""
    declaration = ParticipantDeclaration
    trained_now = _provider_records(lead_provider_id).where(
        InductionRecord.induction_status.in_((InductionStatus.ACTIVE, InductionStatus.COMPLETED))
    )
    reasons = [declaration.participant_profile_id.in_(trained_now)]
    if visibility is Visibility.V3:
        leaving = (
            _provider_records(lead_provider_id)
            .where(
                InductionRecord.participant_profile_id == declaration.participant_profile_id,
                InductionRecord.induction_status == InductionStatus.LEAVING,
                sa.or_(
                    InductionRecord.end_date.is_(None),
                    declaration.declaration_date <= InductionRecord.end_date,
                ),
            )
            .exists()
        )
        reasons.append(leaving)
    return sa.or_(
        declaration.lead_provider_id == lead_provider_id,
        sa.and_(
            declaration.state.in_(BLOCKING_STATES), _declared_by_others(lead_provider_id), sa.or_(*reasons)
        ),
    )


def _line_statement(states: tuple[LineItemState, ...]) -> sa.ScalarSelect:
    return (
        sa.select(StatementLineItem.statement_id)
        .where(
            StatementLineItem.participant_declaration_id == ParticipantDeclaration.id,
            StatementLineItem.state.in_(states),
        )
        .order_by(StatementLineItem.created_at.desc(), StatementLineItem.id)
        .limit(1)
        .scalar_subquery()
    )


def _ineligible_reason() -> sa.ScalarSelect:
    return (
        sa.select(DeclarationStateChange.state_reason)
        .where(
            DeclarationStateChange.participant_declaration_id == ParticipantDeclaration.id,
            DeclarationStateChange.state == DeclarationState.INELIGIBLE,
        )
        .order_by(DeclarationStateChange.created_at.desc(), DeclarationStateChange.id)
        .limit(1)
        .scalar_subquery()
    )


def _views_query(
    lead_provider_id: uuid.UUID, visibility: Visibility | None, *, shown_by: Visibility
) -> sa.Select:
    """Every column a view shows; ``visibility=None`` leaves out the visibility condition (the
    caller has already chosen the declarations, see :func:`_visible_ids`). v1 and v2
    (``shown_by=LEGACY``) show no statements and no ineligibility reason, so their reads skip
    the three lookups per row those take (the view holds ``None``)."""
    declaration = ParticipantDeclaration
    detailed = shown_by is Visibility.V3
    nothing = sa.null().cast(sa.Uuid())
    query = sa.select(
        declaration.id,
        declaration.teacher_id,
        declaration.lead_provider_id,
        LeadProvider.name,
        declaration.course_identifier,
        declaration.declaration_type,
        declaration.declaration_date,
        declaration.state,
        declaration.evidence_held,
        declaration.delivery_partner_id,
        declaration.mentor_teacher_id,
        (_line_statement(_BILLABLE_LINES) if detailed else nothing).label("statement_id"),
        (_line_statement(_REFUNDABLE_LINES) if detailed else nothing).label("clawback_statement_id"),
        (_ineligible_reason() if detailed else sa.null().cast(sa.String())).label("ineligible_reason"),
        declaration.pupil_premium_uplift,
        declaration.sparsity_uplift,
        declaration.created_at,
        declaration.api_updated_at,
    ).join(LeadProvider, LeadProvider.id == declaration.lead_provider_id)
    return query if visibility is None else query.where(visible_to(lead_provider_id, visibility))


def _view(row: sa.Row) -> DeclarationView:
    state = row.state
    return DeclarationView(
        id=row.id,
        participant_id=row.teacher_id,
        lead_provider_id=row.lead_provider_id,
        lead_provider_name=row.name,
        course_identifier=row.course_identifier,
        declaration_type=row.declaration_type,
        declaration_date=row.declaration_date,
        state=state,
        evidence_held=row.evidence_held,
        delivery_partner_id=row.delivery_partner_id,
        mentor_id=row.mentor_teacher_id,
        statement_id=row.statement_id,
        clawback_statement_id=row.clawback_statement_id,
        ineligible_reason=row.ineligible_reason if state == DeclarationState.INELIGIBLE else None,
        pupil_premium_uplift=row.pupil_premium_uplift,
        sparsity_uplift=row.sparsity_uplift,
        created_at=row.created_at,
        updated_at=row.api_updated_at,
    )


def list_declarations(
    session: Session,
    lead_provider_id: uuid.UUID,
    visibility: Visibility,
    filters: DeclarationFilters,
    *,
    limit: int,
    offset: int,
) -> list[DeclarationView]:
    """One page of the declarations the provider may read, oldest first."""
    query = _page(lead_provider_id, visibility, filters, limit, offset)
    return [_view(row) for row in session.execute(query)]


def iter_declarations(
    session: Session,
    lead_provider_id: uuid.UUID,
    visibility: Visibility,
    filters: DeclarationFilters,
    *,
    chunk_size: int = 2000,
) -> Iterator[DeclarationView]:
    """Every declaration :func:`list_declarations` would page through, in the same order,
    read through one streamed cursor so that an export holds one chunk in memory."""
    result = session.execute(
        _everything(lead_provider_id, visibility, filters), execution_options={"yield_per": chunk_size}
    )
    for rows in result.partitions():
        yield from (_view(row) for row in rows)


def _everything(
    lead_provider_id: uuid.UUID, visibility: Visibility, filters: DeclarationFilters
) -> sa.Select:
    """Every matching view in one pass, oldest first, for an export: read whole, one ``OR``
    over the visibility reasons streams at about twice the rate of :func:`_filtered`, whose
    split pays off only when a page is cut."""
    query = _narrowed(_views_query(lead_provider_id, visibility, shown_by=visibility), filters)
    return query.order_by(ParticipantDeclaration.created_at, ParticipantDeclaration.id)


def _page(
    lead_provider_id: uuid.UUID, visibility: Visibility, filters: DeclarationFilters, limit: int, offset: int
) -> sa.Select:
    """One page: the page's ids are cut before anything else is looked up."""
    ids = _visible_ids(lead_provider_id, visibility, filters, limit=limit, offset=offset)
    return (
        _views_query(lead_provider_id, None, shown_by=visibility)
        .join(ids, ids.c.id == ParticipantDeclaration.id)
        .order_by(ids.c.created_at, ids.c.id)
    )


def _visible_ids(
    lead_provider_id: uuid.UUID,
    visibility: Visibility,
    filters: DeclarationFilters,
    *,
    limit: int | None = None,
    offset: int | None = None,
) -> sa.Subquery:
    """``(id, created_at)`` of the matching declarations the provider may read, in list order.

    The same set as :func:`visible_to`, written as two disjoint parts the database can each
    answer from an index: the provider's own declarations (by provider and creation), and
    other providers' live ones on records the provider trains (from its induction records).
    One ``OR`` over both made PostgreSQL test every live declaration in the country.
    """
    declaration = ParticipantDeclaration
    statuses = [InductionStatus.ACTIVE, InductionStatus.COMPLETED]
    record_shown = InductionRecord.induction_status.in_(statuses)
    if visibility is Visibility.V3:
        record_shown = sa.or_(
            record_shown,
            sa.and_(
                InductionRecord.induction_status == InductionStatus.LEAVING,
                sa.or_(
                    InductionRecord.end_date.is_(None),
                    declaration.declaration_date <= InductionRecord.end_date,
                ),
            ),
        )
    trained = (
        _provider_records(lead_provider_id)
        .where(InductionRecord.participant_profile_id == declaration.participant_profile_id, record_shown)
        .exists()
    )
    own = sa.select(declaration.id, declaration.created_at).where(
        declaration.lead_provider_id == lead_provider_id
    )
    others = sa.select(declaration.id, declaration.created_at).where(
        declaration.lead_provider_id != lead_provider_id,
        declaration.state.in_(BLOCKING_STATES),
        _declared_by_others(lead_provider_id),
        trained,
    )
    parts = [_narrowed(part, filters) for part in (own, others)]
    if limit is not None:
        # Each part needs at most the page's end: the own part then reads its index in order
        # and stops there instead of sorting all the provider's declarations.
        parts = [
            part.order_by(declaration.created_at, declaration.id).limit(limit + (offset or 0))
            for part in parts
        ]
    union = sa.union_all(*(part.subquery().select() for part in parts)).subquery("visible")
    query = sa.select(union.c.id, union.c.created_at).order_by(union.c.created_at, union.c.id)
    if limit is not None:
        query = query.limit(limit).offset(offset or 0)
    return query.subquery("ids")


def _narrowed(query: sa.Select, filters: DeclarationFilters) -> sa.Select:
    declaration = ParticipantDeclaration
    if filters.cohort_years is not None:
        query = query.where(
            declaration.cohort_id.in_(sa.select(Cohort.id).where(Cohort.start_year.in_(filters.cohort_years)))
        )
    if filters.participant_ids is not None:
        query = query.where(declaration.teacher_id.in_(filters.participant_ids))
    if filters.delivery_partner_ids is not None:
        query = query.where(declaration.delivery_partner_id.in_(filters.delivery_partner_ids))
    if filters.updated_since is not None:
        query = query.where(
            declaration.api_updated_at > filters.updated_since
            if filters.updated_since_strict
            else declaration.api_updated_at >= filters.updated_since
        )
    return query


def find_declaration(
    session: Session, lead_provider_id: uuid.UUID, declaration_id: uuid.UUID, visibility: Visibility
) -> DeclarationView | None:
    """One declaration the provider may read."""
    query = _views_query(lead_provider_id, visibility, shown_by=visibility).where(
        ParticipantDeclaration.id == declaration_id
    )
    row = session.execute(query).first()
    return _view(row) if row is not None else None


def find_own_declaration(
    session: Session, lead_provider_id: uuid.UUID, declaration_id: uuid.UUID
) -> ParticipantDeclaration | None:
    """One of the provider's own declarations, locked for a change (voiding)."""
    return session.scalars(
        sa.select(ParticipantDeclaration)
        .where(
            ParticipantDeclaration.id == declaration_id,
            ParticipantDeclaration.lead_provider_id == lead_provider_id,
        )
        .with_for_update()
    ).first()
