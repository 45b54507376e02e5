"""What a statement pays: the calculation behind DfE finance's statement page (business rules §8).

* ECT output payments (and mentor ones before the 2025 cohort) are priced by bands A–D.
  For each declaration type the provider's net count on earlier statements of the cohort
  fills the bands from the bottom; this statement's billable declarations carry on from
  there, and its clawbacks come off the top. A declaration's fee is its type's share of
  the band's output payment per participant.
* From the 2025 cohort (``cohort.mentor_funding``) mentors have their own flat contract:
  half at ``started``, half at ``completed``; the banded calculation then sees ECTs only.
* The service fee is the contract's monthly fee, or the banded service payments for the
  recruitment target spread over 29 months. Every statement carries it; only output-fee
  statements carry output payments, uplifts and clawbacks.
* Money is exact ``Decimal`` until the end of each line, which is rounded to pence half-up;
  totals are sums of rounded lines, so the page adds up to the penny.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from domain.errors import RuleBroken
from domain.statement_lifecycle import get_statement
from storage.enums import CourseIdentifier, DeclarationType, LineItemState, StatementStatus
from storage.models import (
    CallOffContract,
    Cohort,
    LeadProvider,
    MentorCallOffContract,
    ParticipantBand,
    ParticipantDeclaration,
    Statement,
    StatementAdjustment,
    StatementLineItem,
    Teacher,
)

D = decimal.Decimal
ZERO = D("0")
PENCE = D("0.01")
VAT_RATE = D("0.20")
#: The service fee is spread evenly over this many monthly statements.
SERVICE_FEE_PAYMENTS = 29

#: Share of a band's output payment per participant earned by each declaration type.
OUTPUT_PROPORTIONS: dict[DeclarationType, D] = {
    DeclarationType.STARTED: D("0.20"),
    DeclarationType.RETAINED_1: D("0.15"),
    DeclarationType.RETAINED_2: D("0.15"),
    DeclarationType.RETAINED_3: D("0.15"),
    DeclarationType.RETAINED_4: D("0.15"),
    DeclarationType.COMPLETED: D("0.20"),
    DeclarationType.EXTENDED_1: D("0.15"),
    DeclarationType.EXTENDED_2: D("0.15"),
    DeclarationType.EXTENDED_3: D("0.15"),
}
#: From the 2025 cohort mentors are paid half on starting and half on completing.
MENTOR_PROPORTIONS: dict[DeclarationType, D] = {
    DeclarationType.STARTED: D("0.50"),
    DeclarationType.COMPLETED: D("0.50"),
}

BILLABLE = frozenset({LineItemState.ELIGIBLE, LineItemState.PAYABLE, LineItemState.PAID})
REFUNDABLE = frozenset({LineItemState.AWAITING_CLAWBACK, LineItemState.CLAWED_BACK})


def money(value: D) -> D:
    """Round a line's amount to pence, halves away from zero (as finance rounds by hand)."""
    return value.quantize(PENCE, rounding=decimal.ROUND_HALF_UP)


# --- the breakdown ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandLine:
    """One band's share of one declaration type on this statement."""

    band: str
    min: int | None
    max: int | None
    previous_count: int
    additions: int
    subtractions: int
    fee_per_declaration: D
    additions_amount: D
    subtractions_amount: D

    @property
    def count(self) -> int:
        """Net declarations this statement puts in the band (negative when clawbacks dig into it)."""
        return self.additions - self.subtractions


@dataclass(frozen=True)
class OutputLine:
    """Banded output payments and clawbacks for one declaration type."""

    declaration_type: DeclarationType
    proportion: D
    previous_count: int
    billable_count: int
    refundable_count: int
    bands: tuple[BandLine, ...]
    #: Billable declarations beyond the last band's maximum: counted, but not paid.
    over_capacity: int
    amount: D
    clawback: D


@dataclass(frozen=True)
class MentorLine:
    """Flat-rate mentor payments (2025 cohort onwards) for one declaration type."""

    declaration_type: DeclarationType
    billable_count: int
    refundable_count: int
    fee_per_declaration: D
    amount: D
    clawback: D


@dataclass(frozen=True)
class ServiceFeeBand:
    band: str
    participants: int
    set_up_cost_per_participant: D
    per_participant: D
    total: D


@dataclass(frozen=True)
class ServiceFee:
    """The monthly service fee; ``bands`` always shows the banded calculation for reference."""

    monthly_service_fee: D | None
    recruitment_target: int
    bands: tuple[ServiceFeeBand, ...]
    payments: int
    amount: D


@dataclass(frozen=True)
class Uplift:
    previous_count: int
    additions: int
    subtractions: int
    fee_per_declaration: D
    amount: D
    clawback: D


@dataclass(frozen=True)
class AdjustmentLine:
    id: uuid.UUID
    payment_type: str
    amount: D


@dataclass(frozen=True)
class Breakdown:
    """Everything a statement pays, line by line, and how each line was reached."""

    statement_id: uuid.UUID
    statement_name: str
    lead_provider_name: str
    cohort: int
    status: StatementStatus
    output_fee: bool
    contract_version: str
    output_lines: tuple[OutputLine, ...]
    mentor_lines: tuple[MentorLine, ...]
    service_fee: ServiceFee
    uplift: Uplift
    adjustments: tuple[AdjustmentLine, ...]
    voided_count: int
    output_payments: D
    clawbacks: D
    adjustments_total: D
    reconcile_amount: D
    subtotal: D
    vat_rate: D
    vat: D
    total: D

    def output_line(self, declaration_type: DeclarationType | str) -> OutputLine:
        return next(line for line in self.output_lines if line.declaration_type == declaration_type)

    def mentor_line(self, declaration_type: DeclarationType | str) -> MentorLine:
        return next(line for line in self.mentor_lines if line.declaration_type == declaration_type)


# --- band filling (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class BandFill:
    previous_count: int
    additions: int
    subtractions: int


def band_capacity(band_min: int | None, band_max: int | None) -> int | None:
    """How many participants a band holds; ``None`` for an open-ended top band.

    Bands are published as 0–2000, 2001–4000, …: the first band's minimum of 0 (or 1)
    and a later band's minimum of max+1 both mean "starts after the previous band".
    """
    if band_max is None:
        return None
    lower = max((band_min or 0) - 1, 0)
    return max(band_max - lower, 0)


def fill_bands(
    capacities: Sequence[int | None], previous: int, billable: int, refundable: int
) -> tuple[list[BandFill], int]:
    """Spread one declaration type's counts over the bands; returns the fills and the overflow.

    ``previous`` (net of earlier statements) occupies the bands from the bottom, this
    statement's ``billable`` declarations fill on from there, and its ``refundable`` ones
    come off the top: first any overflow beyond the last band (never paid, so never
    refunded), then this statement's additions, then earlier statements' fill.
    """
    remaining = max(previous, 0)
    before: list[int] = []
    for capacity in capacities:
        taken = remaining if capacity is None else min(remaining, capacity)
        before.append(taken)
        remaining -= taken

    remaining = billable
    additions: list[int] = []
    for capacity, taken in zip(capacities, before, strict=True):
        added = remaining if capacity is None else min(remaining, capacity - taken)
        additions.append(added)
        remaining -= added
    overflow = remaining

    refunds = refundable
    absorbed = min(refunds, overflow)
    overflow -= absorbed
    refunds -= absorbed
    subtractions = [0] * len(capacities)
    for pool in (additions, before):
        for index in reversed(range(len(capacities))):
            taken = min(refunds, pool[index])
            subtractions[index] += taken
            refunds -= taken
    return (
        [BandFill(before[i], additions[i], subtractions[i]) for i in range(len(capacities))],
        overflow,
    )


# --- the calculation ----------------------------------------------------------------------------


_Key = tuple[CourseIdentifier, DeclarationType, bool, bool]  # course, type, billable?, uplift flag?
_RawKey = tuple[CourseIdentifier, DeclarationType, LineItemState, bool]


class _Counts:
    """Line-item counts of this and earlier statements, seen through one set of courses."""

    def __init__(self, courses: set[CourseIdentifier], current: Counter[_Key], previous: Counter[_Key]):
        self.courses, self.current, self.previous = courses, current, previous

    def _sum(self, counts: Counter[_Key], dtype: DeclarationType, billable: bool, uplift_only: bool) -> int:
        return sum(
            n
            for (course, kind, is_billable, flagged), n in counts.items()
            if course in self.courses
            and kind == dtype
            and is_billable == billable
            and (flagged or not uplift_only)
        )

    def billable(self, dtype: DeclarationType, *, uplift_only: bool = False) -> int:
        return self._sum(self.current, dtype, True, uplift_only)

    def refundable(self, dtype: DeclarationType, *, uplift_only: bool = False) -> int:
        return self._sum(self.current, dtype, False, uplift_only)

    def previous_net(self, dtype: DeclarationType, *, uplift_only: bool = False) -> int:
        return self._sum(self.previous, dtype, True, uplift_only) - self._sum(
            self.previous, dtype, False, uplift_only
        )


def statement_breakdown(session: Session, statement_id: uuid.UUID | str) -> Breakdown:
    """The full payment breakdown of one statement, in a fixed handful of queries."""
    statement = get_statement(session, statement_id)
    cohort = session.get(Cohort, statement.cohort_id)
    provider = session.get(LeadProvider, statement.lead_provider_id)
    assert cohort is not None and provider is not None
    contract = _contract(session, statement, provider, cohort)
    bands = sorted(contract.bands, key=lambda b: (b.max is None, b.max or 0, b.min or 0))

    current, voided = _current_counts(session, statement) if statement.output_fee else (Counter(), 0)
    previous = _previous_counts(session, statement)
    banded = _Counts(
        {CourseIdentifier.ECT} if cohort.mentor_funding else {CourseIdentifier.ECT, CourseIdentifier.MENTOR},
        current,
        previous,
    )
    output_lines = tuple(
        _output_line(
            dtype,
            bands,
            previous=banded.previous_net(dtype),
            billable=banded.billable(dtype),
            refundable=banded.refundable(dtype),
        )
        for dtype in OUTPUT_PROPORTIONS
    )

    mentor_lines: tuple[MentorLine, ...] = ()
    if cohort.mentor_funding:
        mentors = _Counts({CourseIdentifier.MENTOR}, current, previous)
        needed = any(mentors.billable(dtype) or mentors.refundable(dtype) for dtype in MENTOR_PROPORTIONS)
        per_participant = _mentor_payment_per_participant(session, statement, provider, cohort, needed=needed)
        mentor_lines = tuple(
            _mentor_line(dtype, per_participant, mentors.billable(dtype), mentors.refundable(dtype))
            for dtype in MENTOR_PROPORTIONS
        )

    started = DeclarationType.STARTED
    uplift_fee = contract.uplift_amount or ZERO
    uplift_additions = banded.billable(started, uplift_only=True)
    uplift_subtractions = banded.refundable(started, uplift_only=True)
    uplift = Uplift(
        previous_count=banded.previous_net(started, uplift_only=True),
        additions=uplift_additions,
        subtractions=uplift_subtractions,
        fee_per_declaration=uplift_fee,
        amount=money(uplift_additions * uplift_fee),
        clawback=money(uplift_subtractions * uplift_fee),
    )

    adjustments = tuple(
        AdjustmentLine(row.id, row.payment_type, money(row.amount))
        for row in session.scalars(
            sa.select(StatementAdjustment)
            .where(StatementAdjustment.statement_id == statement.id)
            .order_by(StatementAdjustment.created_at, StatementAdjustment.id)
        )
    )
    service_fee = _service_fee(contract, bands)

    output_payments = sum((line.amount for line in (*output_lines, *mentor_lines)), ZERO)
    clawbacks = sum((line.clawback for line in (*output_lines, *mentor_lines)), ZERO) + uplift.clawback
    adjustments_total = sum((line.amount for line in adjustments), ZERO)
    reconcile_amount = money(statement.reconcile_amount or ZERO)
    subtotal = (
        service_fee.amount
        + output_payments
        + uplift.amount
        - clawbacks
        + adjustments_total
        + reconcile_amount
    )
    vat_rate = VAT_RATE if provider.vat_chargeable else ZERO
    vat = money(subtotal * vat_rate)
    return Breakdown(
        statement_id=statement.id,
        statement_name=statement.name,
        lead_provider_name=provider.name,
        cohort=cohort.start_year,
        status=statement.status,
        output_fee=statement.output_fee,
        contract_version=statement.contract_version,
        output_lines=output_lines,
        mentor_lines=mentor_lines,
        service_fee=service_fee,
        uplift=uplift,
        adjustments=adjustments,
        voided_count=voided,
        output_payments=output_payments,
        clawbacks=clawbacks,
        adjustments_total=adjustments_total,
        reconcile_amount=reconcile_amount,
        subtotal=subtotal,
        vat_rate=vat_rate,
        vat=vat,
        total=subtotal + vat,
    )


def _contract(
    session: Session, statement: Statement, provider: LeadProvider, cohort: Cohort
) -> CallOffContract:
    contract = session.scalars(
        sa.select(CallOffContract)
        .where(
            CallOffContract.lead_provider_id == statement.lead_provider_id,
            CallOffContract.cohort_id == statement.cohort_id,
            CallOffContract.version == statement.contract_version,
        )
        .options(selectinload(CallOffContract.bands))
    ).one_or_none()
    if contract is None:
        raise RuleBroken.on(
            "contract",
            f"{provider.name} has no call-off contract version {statement.contract_version} "
            f"for the {cohort.start_year} cohort, so statement {statement.name} cannot be calculated",
        )
    if not contract.bands:
        raise RuleBroken.on(
            "contract",
            f"{provider.name}'s {cohort.start_year} call-off contract has no participant bands",
        )
    return contract


def _mentor_payment_per_participant(
    session: Session, statement: Statement, provider: LeadProvider, cohort: Cohort, *, needed: bool
) -> D:
    contract = session.scalars(
        sa.select(MentorCallOffContract).where(
            MentorCallOffContract.lead_provider_id == statement.lead_provider_id,
            MentorCallOffContract.cohort_id == statement.cohort_id,
            MentorCallOffContract.version == statement.mentor_contract_version,
        )
    ).one_or_none()
    if contract is not None:
        return contract.payment_per_participant
    if needed:
        raise RuleBroken.on(
            "mentor_contract",
            f"{provider.name} has no mentor call-off contract version {statement.mentor_contract_version} "
            f"for the {cohort.start_year} cohort, so statement {statement.name} cannot be calculated",
        )
    return ZERO


def _grouped_counts(session: Session, where: Sequence[sa.ColumnElement[bool]]) -> Counter[_RawKey]:
    flagged = sa.or_(ParticipantDeclaration.pupil_premium_uplift, ParticipantDeclaration.sparsity_uplift)
    rows = session.execute(
        sa.select(
            ParticipantDeclaration.course_identifier,
            ParticipantDeclaration.declaration_type,
            StatementLineItem.state,
            flagged.label("flagged"),
            sa.func.count(),
        )
        .select_from(StatementLineItem)
        .join(
            ParticipantDeclaration, ParticipantDeclaration.id == StatementLineItem.participant_declaration_id
        )
        .where(*where)
        .group_by(
            ParticipantDeclaration.course_identifier,
            ParticipantDeclaration.declaration_type,
            StatementLineItem.state,
            flagged,
        )
    ).all()
    return Counter({(course, dtype, state, bool(flag)): n for course, dtype, state, flag, n in rows})


def _by_billable(raw: Counter[_RawKey]) -> Counter[_Key]:
    counts: Counter[_Key] = Counter()
    for (course, dtype, state, flagged), n in raw.items():
        if state in BILLABLE or state in REFUNDABLE:
            counts[(course, dtype, state in BILLABLE, flagged)] += n
    return counts


def _current_counts(session: Session, statement: Statement) -> tuple[Counter[_Key], int]:
    raw = _grouped_counts(
        session,
        [
            StatementLineItem.statement_id == statement.id,
            StatementLineItem.state.in_([*BILLABLE, *REFUNDABLE, LineItemState.VOIDED]),
        ],
    )
    voided = sum(n for (_, _, state, _), n in raw.items() if state == LineItemState.VOIDED)
    return _by_billable(raw), voided


def _previous_counts(session: Session, statement: Statement) -> Counter[_Key]:
    """Net counts on the provider's earlier output statements of the cohort, by payment date."""
    earlier = sa.select(Statement.id).where(
        Statement.lead_provider_id == statement.lead_provider_id,
        Statement.cohort_id == statement.cohort_id,
        Statement.output_fee.is_(True),
        Statement.payment_date < statement.payment_date,
    )
    return _by_billable(
        _grouped_counts(
            session,
            [
                StatementLineItem.statement_id.in_(earlier),
                StatementLineItem.state.in_([*BILLABLE, *REFUNDABLE]),
            ],
        )
    )


def _output_payment_per_participant(band: ParticipantBand) -> D:
    return band.per_participant * band.output_payment_percentage / 100


def _output_line(
    dtype: DeclarationType, bands: Sequence[ParticipantBand], *, previous: int, billable: int, refundable: int
) -> OutputLine:
    proportion = OUTPUT_PROPORTIONS[dtype]
    fills, overflow = fill_bands([band_capacity(b.min, b.max) for b in bands], previous, billable, refundable)
    lines = []
    for band, fill in zip(bands, fills, strict=True):
        fee = proportion * _output_payment_per_participant(band)
        lines.append(
            BandLine(
                band=band.band,
                min=band.min,
                max=band.max,
                previous_count=fill.previous_count,
                additions=fill.additions,
                subtractions=fill.subtractions,
                fee_per_declaration=fee,
                additions_amount=money(fill.additions * fee),
                subtractions_amount=money(fill.subtractions * fee),
            )
        )
    return OutputLine(
        declaration_type=dtype,
        proportion=proportion,
        previous_count=previous,
        billable_count=billable,
        refundable_count=refundable,
        bands=tuple(lines),
        over_capacity=overflow,
        amount=sum((line.additions_amount for line in lines), ZERO),
        clawback=sum((line.subtractions_amount for line in lines), ZERO),
    )


def _mentor_line(dtype: DeclarationType, per_participant: D, billable: int, refundable: int) -> MentorLine:
    fee = MENTOR_PROPORTIONS[dtype] * per_participant
    return MentorLine(
        declaration_type=dtype,
        billable_count=billable,
        refundable_count=refundable,
        fee_per_declaration=fee,
        amount=money(billable * fee),
        clawback=money(refundable * fee),
    )


def _participants_in_band(band: ParticipantBand, target: int) -> int:
    lower = max((band.min or 0) - 1, 0)
    if target <= lower:
        return 0
    return target - lower if band.max is None else min(target, band.max) - lower


def _service_fee(contract: CallOffContract, bands: Sequence[ParticipantBand]) -> ServiceFee:
    """The contract's monthly fee, or its banded service payments over 29 months.

    The set-up fee is recovered from the first band only: spread over that band's
    participants, it comes off each one's service payment.
    """
    target = contract.recruitment_target
    lines = []
    for band in bands:
        first = max((band.min or 0) - 1, 0) == 0
        set_up = contract.set_up_fee / band.max if first and band.max else ZERO
        per_participant = band.per_participant * band.service_fee_percentage / 100 - set_up
        participants = _participants_in_band(band, target)
        lines.append(
            ServiceFeeBand(
                band=band.band,
                participants=participants,
                set_up_cost_per_participant=set_up,
                per_participant=per_participant,
                total=participants * per_participant,
            )
        )
    calculated = money(sum((line.total for line in lines), ZERO) / SERVICE_FEE_PAYMENTS)
    fixed = contract.monthly_service_fee
    return ServiceFee(
        monthly_service_fee=fixed,
        recruitment_target=target,
        bands=tuple(lines),
        payments=SERVICE_FEE_PAYMENTS,
        amount=money(fixed) if fixed is not None else calculated,
    )


# --- what the finance pages list beside the breakdown ------------------------------------------


def provider_statements(session: Session, lead_provider_id: uuid.UUID) -> list[Statement]:
    """Every statement of a provider, each with its cohort loaded, by cohort then payment
    date: the finance pages' cohort and statement selector, in one query."""
    return list(
        session.scalars(
            sa.select(Statement)
            .join(Statement.cohort)
            .where(Statement.lead_provider_id == lead_provider_id)
            .order_by(Cohort.start_year, Statement.payment_date, Statement.name)
            .options(contains_eager(Statement.cohort))
        )
    )


@dataclass(frozen=True)
class VoidedDeclaration:
    """A declaration voided while on a statement: it pays nothing, and finance lists it."""

    declaration_id: uuid.UUID
    participant_id: uuid.UUID
    participant_name: str
    course_identifier: CourseIdentifier
    declaration_type: DeclarationType
    declaration_date: dt.datetime
    voided_at: dt.datetime | None


def voided_declarations(session: Session, statement_id: uuid.UUID | str) -> list[VoidedDeclaration]:
    """The statement's voided line items (``Breakdown.voided_count`` of them), by date."""
    statement = get_statement(session, statement_id)
    rows = session.execute(
        sa.select(
            ParticipantDeclaration.id,
            ParticipantDeclaration.teacher_id,
            Teacher.full_name,
            ParticipantDeclaration.course_identifier,
            ParticipantDeclaration.declaration_type,
            ParticipantDeclaration.declaration_date,
            ParticipantDeclaration.voided_at,
        )
        .select_from(StatementLineItem)
        .join(
            ParticipantDeclaration, ParticipantDeclaration.id == StatementLineItem.participant_declaration_id
        )
        .join(Teacher, Teacher.id == ParticipantDeclaration.teacher_id)
        .where(
            StatementLineItem.statement_id == statement.id, StatementLineItem.state == LineItemState.VOIDED
        )
        .order_by(ParticipantDeclaration.declaration_date, ParticipantDeclaration.id)
    ).all()
    return [VoidedDeclaration(*row) for row in rows]
