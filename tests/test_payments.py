"""The statement calculation (business rules §8), checked against totals worked out by hand.

Declarations and line items are built directly with the models: the calculation reads
line items, whatever wrote them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.errors import RuleBroken
from domain.payments import band_capacity, fill_bands, statement_breakdown
from domain.statement_csv import HEADER, iter_statement_declarations_csv, statement_declarations_csv
from domain.statement_lifecycle import StatementNotFound, add_adjustment
from storage.enums import (
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    LineItemState,
    ProfileType,
    StatementStatus,
)
from storage.models import (
    CallOffContract,
    Cohort,
    LeadProvider,
    MentorCallOffContract,
    ParticipantBand,
    ParticipantDeclaration,
    Statement,
    StatementLineItem,
)
from tests import builders
from tests.builders import at

STARTED, RETAINED_1, COMPLETED = (
    DeclarationType.STARTED,
    DeclarationType.RETAINED_1,
    DeclarationType.COMPLETED,
)
_names = itertools.count(1)

#: The bands of every example: A 0–2 £1,012.50, B 3–4 £800, C 5–6 £600 (60% output,
#: 40% service), D 7+ £400 paid wholly as output.
BANDS = (
    ("A", 0, 2, "1012.50", 60),
    ("B", 3, 4, "800", 60),
    ("C", 5, 6, "600", 60),
    ("D", 7, None, "400", 100),
)


class Ledger:
    """One lead provider's statements, contract and declarations for one cohort."""

    def __init__(self, session: Session, year: int = 2023, *, vat: bool = True, name: str | None = None):
        if session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0:
            from domain.reference import load_reference_data

            load_reference_data(session)
        self.session = session
        self.year = year
        self.cohort = builders.cohort(session, year)
        self.provider = LeadProvider(
            name=name or f"Provider {next(_names)}", vat_chargeable=vat, cohorts=[self.cohort]
        )
        session.add(self.provider)
        session.flush()
        self.partner = builders.delivery_partner(session, self.provider, years=(year,), name="Northern DP")
        _, self.programme = builders.partnership(
            session, builders.school(session), self.provider, self.partner, year
        )

    def statement(
        self,
        name: str,
        deadline: dt.date,
        payment: dt.date,
        *,
        output_fee: bool = True,
        status: StatementStatus = StatementStatus.OPEN,
        reconcile_amount: str = "0",
    ) -> Statement:
        row = Statement(
            lead_provider_id=self.provider.id,
            cohort_id=self.cohort.id,
            name=name,
            deadline_date=deadline,
            payment_date=payment,
            output_fee=output_fee,
            status=status,
            reconcile_amount=D(reconcile_amount),
            marked_as_paid_at=at(payment.year, payment.month, payment.day)
            if status == StatementStatus.PAID
            else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def contract(
        self,
        *,
        recruitment_target: int = 5,
        set_up_fee: str = "300",
        uplift_amount: str | None = "100",
        monthly_service_fee: str | None = None,
        bands: Sequence[tuple[str, int, int | None, str, int]] = BANDS,
    ) -> CallOffContract:
        contract = CallOffContract(
            lead_provider_id=self.provider.id,
            cohort_id=self.cohort.id,
            recruitment_target=recruitment_target,
            set_up_fee=D(set_up_fee),
            uplift_amount=D(uplift_amount) if uplift_amount is not None else None,
            monthly_service_fee=D(monthly_service_fee) if monthly_service_fee is not None else None,
            bands=[
                ParticipantBand(
                    band=letter,
                    min=low,
                    max=high,
                    per_participant=D(price),
                    output_payment_percentage=output,
                    service_fee_percentage=100 - output,
                )
                for letter, low, high, price, output in bands
            ],
        )
        self.session.add(contract)
        self.session.flush()
        return contract

    def declaration(
        self,
        declaration_type: DeclarationType,
        state: DeclarationState,
        lines: Sequence[tuple[Statement, LineItemState]],
        *,
        mentor: bool = False,
        pupil_premium: bool = False,
        sparsity: bool = False,
        name: str | None = None,
        trn: str | None = None,
        declared_on: dt.datetime | None = None,
    ) -> ParticipantDeclaration:
        profile = builders.participant(
            self.session,
            self.programme,
            profile_type=ProfileType.MENTOR if mentor else ProfileType.ECT,
            trn=trn,
        )
        if name is not None:
            profile.teacher.full_name = name
        row = ParticipantDeclaration(
            teacher_id=profile.teacher_id,
            participant_profile_id=profile.id,
            lead_provider_id=self.provider.id,
            cohort_id=self.cohort.id,
            course_identifier=CourseIdentifier.MENTOR if mentor else CourseIdentifier.ECT,
            declaration_type=declaration_type,
            declaration_date=declared_on or at(self.year, 10, 1),
            state=state,
            delivery_partner_id=self.partner.id,
            pupil_premium_uplift=pupil_premium,
            sparsity_uplift=sparsity,
            voided_at=at(self.year, 11, 1) if state == DeclarationState.VOIDED else None,
        )
        self.session.add(row)
        self.session.flush()
        for statement, line_state in lines:
            self.session.add(
                StatementLineItem(
                    statement_id=statement.id, participant_declaration_id=row.id, state=line_state
                )
            )
        self.session.flush()
        return row


def money(value: str) -> D:
    return D(value)


# --- band filling ---------------------------------------------------------------------------------


def test_band_capacity_reads_published_ranges():
    assert band_capacity(0, 2000) == 2000
    assert band_capacity(1, 2000) == 2000
    assert band_capacity(2001, 4000) == 2000
    assert band_capacity(None, 10) == 10
    assert band_capacity(6001, None) is None


def test_earlier_statements_fill_the_lower_bands_first():
    fills, overflow = fill_bands([2, 2, 2, None], previous=3, billable=4, refundable=0)
    assert [(f.previous_count, f.additions, f.subtractions) for f in fills] == [
        (2, 0, 0),
        (1, 1, 0),
        (0, 2, 0),
        (0, 1, 0),
    ]
    assert overflow == 0


def test_clawbacks_come_off_the_top_then_dig_into_earlier_fill():
    # Earlier: A2 B2 C1. Now: +1 (into C), −3: C's addition, then C's and B's earlier fill.
    fills, overflow = fill_bands([2, 2, 2, None], previous=5, billable=1, refundable=3)
    assert [(f.previous_count, f.additions, f.subtractions) for f in fills] == [
        (2, 0, 0),
        (2, 0, 1),
        (1, 1, 2),
        (0, 0, 0),
    ]
    assert [f.additions - f.subtractions for f in fills] == [0, -1, -1, 0]
    assert overflow == 0


def test_declarations_beyond_the_last_band_are_not_paid_nor_refunded():
    fills, overflow = fill_bands([2, 2], previous=3, billable=3, refundable=1)
    assert [(f.previous_count, f.additions, f.subtractions) for f in fills] == [(2, 0, 0), (1, 1, 0)]
    assert overflow == 1


# --- the worked example -------------------------------------------------------------------------


@pytest.fixture
def example(session: Session) -> dict[str, object]:
    """Two statements of one 2023 provider; the second carries bands over from the first.

    February 2024 (paid): three ECT `started`, P1 with the pupil-premium flag.
    May 2024 (payable): `started` for ECTs P4 (sparsity) and P5, and for mentor M1 (pupil
    premium; before 2025 mentors share the ECT bands); a clawback of P1; `retained-1` for
    P6; a voided and an ineligible line that pay nothing; two adjustments and a
    reconciliation of −£3.25. August 2024 and another provider must not affect May.
    """
    ledger = Ledger(session, vat=True, name="Worked Example Provider")
    ledger.contract()
    feb = ledger.statement(
        "February 2024", dt.date(2024, 1, 31), dt.date(2024, 2, 25), status=StatementStatus.PAID
    )
    march = ledger.statement("March 2024", dt.date(2024, 2, 29), dt.date(2024, 3, 25), output_fee=False)
    may = ledger.statement(
        "May 2024",
        dt.date(2024, 4, 30),
        dt.date(2024, 5, 25),
        status=StatementStatus.PAYABLE,
        reconcile_amount="-3.25",
    )
    aug = ledger.statement("August 2024", dt.date(2024, 7, 31), dt.date(2024, 8, 25))

    paid, payable = LineItemState.PAID, LineItemState.PAYABLE
    p1 = ledger.declaration(
        STARTED,
        DeclarationState.AWAITING_CLAWBACK,
        [(feb, paid), (may, LineItemState.AWAITING_CLAWBACK)],
        pupil_premium=True,
    )
    ledger.declaration(STARTED, DeclarationState.PAID, [(feb, paid)])
    ledger.declaration(STARTED, DeclarationState.PAID, [(feb, paid)])
    p4 = ledger.declaration(STARTED, DeclarationState.PAYABLE, [(may, payable)], sparsity=True, trn="1234567")
    p5 = ledger.declaration(STARTED, DeclarationState.PAYABLE, [(may, payable)], name='=HYPERLINK("x")')
    m1 = ledger.declaration(
        STARTED, DeclarationState.PAYABLE, [(may, payable)], mentor=True, pupil_premium=True
    )
    p6 = ledger.declaration(RETAINED_1, DeclarationState.PAYABLE, [(may, payable)])
    ledger.declaration(RETAINED_1, DeclarationState.VOIDED, [(may, LineItemState.VOIDED)])
    ledger.declaration(STARTED, DeclarationState.INELIGIBLE, [(may, LineItemState.INELIGIBLE)])
    later = ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(aug, LineItemState.ELIGIBLE)])
    add_adjustment(session, may.id, "Additional support", D("25.50"))
    add_adjustment(session, may.id, "Correction", D("-10.00"))

    other = Ledger(session, vat=True)
    other.contract()
    other_may = other.statement("May 2024", dt.date(2024, 4, 30), dt.date(2024, 5, 25))
    for _ in range(4):
        other.declaration(STARTED, DeclarationState.ELIGIBLE, [(other_may, LineItemState.ELIGIBLE)])
    session.commit()
    return {
        "ledger": ledger,
        "feb": feb,
        "march": march,
        "may": may,
        "aug": aug,
        "p1": p1,
        "p4": p4,
        "p5": p5,
        "m1": m1,
        "p6": p6,
        "later": later,
    }


def test_worked_example_every_line_and_the_total(session, example):
    breakdown = statement_breakdown(session, example["may"].id)

    # Fee per declaration = type share × per participant × output % / 100:
    #   started    A 0.20 × 1012.50 × 0.6 = 121.50  B 0.20 × 800 × 0.6 = 96  C 72  D 0.20 × 400 × 1.0 = 80
    #   retained-1 A 0.15 × 1012.50 × 0.6 = 91.125 B 72  C 54  D 60
    started = breakdown.output_line(STARTED)
    # Earlier net `started`: February's 3 (P1's paid line still counts there) → A 2, B 1.
    # May: 3 billable (P4, P5, M1) → B +1 (its last place), C +2; P1's clawback → C −1.
    assert started.previous_count == 3
    assert (started.billable_count, started.refundable_count) == (3, 1)
    assert [(b.band, b.previous_count, b.additions, b.subtractions, b.count) for b in started.bands] == [
        ("A", 2, 0, 0, 0),
        ("B", 1, 1, 0, 1),
        ("C", 0, 2, 1, 1),
        ("D", 0, 0, 0, 0),
    ]
    assert [b.fee_per_declaration for b in started.bands] == [D("121.5"), D("96"), D("72"), D("80")]
    assert [b.additions_amount for b in started.bands] == [
        money("0"),
        money("96.00"),
        money("144.00"),
        money("0"),
    ]
    assert started.amount == money("240.00")  # 1 × 96 + 2 × 72
    assert started.clawback == money("72.00")  # 1 × 72, off band C (the highest filled)

    retained = breakdown.output_line(RETAINED_1)
    # Nothing earlier; P6 lands in band A at 91.125, rounded half-up at the end of the line.
    assert [(b.band, b.additions) for b in retained.bands if b.additions] == [("A", 1)]
    assert retained.bands[0].fee_per_declaration == D("91.125")
    assert retained.amount == money("91.13")
    assert retained.clawback == 0
    for line in breakdown.output_lines:
        if line.declaration_type not in (STARTED, RETAINED_1):
            assert (line.billable_count, line.refundable_count, line.amount, line.clawback) == (0, 0, 0, 0)
    assert breakdown.mentor_lines == ()  # 2023: mentors are in the bands above

    # Uplift £100 per billable `started` with a flag: P4 (sparsity) and M1 (pupil premium);
    # P1's clawback takes its uplift back. February paid P1's, so 1 earlier.
    uplift = breakdown.uplift
    assert (uplift.previous_count, uplift.additions, uplift.subtractions) == (1, 2, 1)
    assert (uplift.amount, uplift.clawback) == (money("200.00"), money("100.00"))

    # Service fee (target 5): A 2 × (1012.50 × 0.4 − 300/2) = 2 × 255 = 510;
    # B 2 × 800 × 0.4 = 640; C 1 × 600 × 0.4 = 240; D none (and 0%) → 1390 / 29 = 47.931… → 47.93.
    fee = breakdown.service_fee
    assert fee.monthly_service_fee is None
    assert [(b.band, b.participants, b.per_participant, b.total) for b in fee.bands] == [
        ("A", 2, D("255"), D("510")),
        ("B", 2, D("320"), D("640")),
        ("C", 1, D("240"), D("240")),
        ("D", 0, D("0"), D("0")),
    ]
    assert fee.bands[0].set_up_cost_per_participant == D("150")
    assert fee.amount == money("47.93")

    assert [(a.payment_type, a.amount) for a in breakdown.adjustments] == [
        ("Additional support", money("25.50")),
        ("Correction", money("-10.00")),
    ]
    assert breakdown.voided_count == 1

    # 47.93 + (240.00 + 91.13) + 200.00 − (72.00 + 100.00) + 15.50 − 3.25 = 419.31
    assert breakdown.output_payments == money("331.13")
    assert breakdown.clawbacks == money("172.00")
    assert breakdown.adjustments_total == money("15.50")
    assert breakdown.reconcile_amount == money("-3.25")
    assert breakdown.subtotal == money("419.31")
    # VAT 20%: 83.862 → 83.86; total 503.17.
    assert breakdown.vat_rate == D("0.20")
    assert breakdown.vat == money("83.86")
    assert breakdown.total == money("503.17")
    assert (breakdown.statement_name, breakdown.cohort, breakdown.lead_provider_name) == (
        "May 2024",
        2023,
        "Worked Example Provider",
    )


def test_worked_example_first_statement(session, example):
    breakdown = statement_breakdown(session, example["feb"].id)
    started = breakdown.output_line(STARTED)
    # 3 started from empty bands: A 2 × 121.50 = 243.00, B 1 × 96 = 96.00.
    assert [(b.band, b.additions) for b in started.bands] == [("A", 2), ("B", 1), ("C", 0), ("D", 0)]
    assert started.amount == money("339.00")
    assert (breakdown.uplift.additions, breakdown.uplift.amount) == (1, money("100.00"))
    # 47.93 + 339.00 + 100.00 = 486.93; VAT 97.386 → 97.39; total 584.32.
    assert breakdown.subtotal == money("486.93")
    assert (breakdown.vat, breakdown.total) == (money("97.39"), money("584.32"))


def test_bands_carry_over_every_earlier_statement(session, example):
    # August's earlier fill: February 3 + May (3 − 1) = 5 → A 2, B 2, C 1; the next goes into C.
    breakdown = statement_breakdown(session, example["aug"].id)
    started = breakdown.output_line(STARTED)
    assert started.previous_count == 5
    assert [(b.band, b.previous_count, b.additions) for b in started.bands] == [
        ("A", 2, 0),
        ("B", 2, 0),
        ("C", 1, 1),
        ("D", 0, 0),
    ]
    assert started.amount == money("72.00")
    assert breakdown.output_line(RETAINED_1).previous_count == 1


def test_a_non_output_statement_carries_only_the_service_fee(session, example):
    breakdown = statement_breakdown(session, example["march"].id)
    assert breakdown.output_payments == breakdown.clawbacks == breakdown.uplift.amount == 0
    # 47.93 + VAT 9.586 → 9.59 = 57.52
    assert (breakdown.subtotal, breakdown.vat, breakdown.total) == (
        money("47.93"),
        money("9.59"),
        money("57.52"),
    )


def test_no_vat_for_a_provider_that_is_not_vat_chargeable(session):
    ledger = Ledger(session, vat=False)
    ledger.contract(monthly_service_fee="1000.00")
    statement = ledger.statement("January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25))
    ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(statement, LineItemState.ELIGIBLE)])
    breakdown = statement_breakdown(session, statement.id)
    # 1000.00 + 121.50 = 1121.50, no VAT.
    assert (breakdown.vat_rate, breakdown.vat) == (0, 0)
    assert breakdown.total == breakdown.subtotal == money("1121.50")


def test_service_fee_is_the_contracts_monthly_fee_when_set_even_zero(session):
    ledger = Ledger(session)
    ledger.contract(monthly_service_fee="0")
    statement = ledger.statement("January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25))
    fee = statement_breakdown(session, statement.id).service_fee
    assert (fee.monthly_service_fee, fee.amount) == (D("0"), money("0"))
    assert sum(b.total for b in fee.bands) == D("1390")  # the calculation is still shown


def test_service_fee_for_a_target_reaching_the_open_top_band(session):
    ledger = Ledger(session)
    # Target 9: A 2 × 255 = 510, B 2 × 320 = 640, C 2 × 240 = 480, D 3 × (400 × 0%) = 0
    # → 1630 / 29 = 56.206… → 56.21.
    ledger.contract(recruitment_target=9)
    statement = ledger.statement("January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25))
    fee = statement_breakdown(session, statement.id).service_fee
    assert [b.participants for b in fee.bands] == [2, 2, 2, 3]
    assert fee.amount == money("56.21")


def test_mentor_funding_from_2025(session):
    """2025: mentors are paid from their own contract; the bands, uplift and fee see ECTs only."""
    ledger = Ledger(session, year=2025)
    ledger.contract(monthly_service_fee="1234.56")
    session.add(
        MentorCallOffContract(
            lead_provider_id=ledger.provider.id,
            cohort_id=ledger.cohort.id,
            recruitment_target=10,
            payment_per_participant=D("1000"),
        )
    )
    october = ledger.statement(
        "October 2025", dt.date(2025, 9, 30), dt.date(2025, 10, 25), status=StatementStatus.PAID
    )
    january = ledger.statement("January 2026", dt.date(2025, 12, 31), dt.date(2026, 1, 25))
    eligible = [(january, LineItemState.ELIGIBLE)]
    # Earlier: one ECT started (fills one of band A's two places) and a mentor started,
    # which must not take a band place.
    ledger.declaration(STARTED, DeclarationState.PAID, [(october, LineItemState.PAID)])
    ledger.declaration(
        STARTED,
        DeclarationState.AWAITING_CLAWBACK,
        [(october, LineItemState.PAID), (january, LineItemState.AWAITING_CLAWBACK)],
        mentor=True,
    )
    ledger.declaration(STARTED, DeclarationState.ELIGIBLE, eligible, mentor=True, pupil_premium=True)
    ledger.declaration(STARTED, DeclarationState.ELIGIBLE, eligible, mentor=True)
    ledger.declaration(COMPLETED, DeclarationState.ELIGIBLE, eligible, mentor=True)
    ledger.declaration(STARTED, DeclarationState.ELIGIBLE, eligible, sparsity=True)
    session.commit()

    breakdown = statement_breakdown(session, january.id)
    started = breakdown.output_line(STARTED)
    # ECT only: 1 earlier in A, the new one takes A's second place at 121.50.
    assert (started.previous_count, started.billable_count, started.refundable_count) == (1, 1, 0)
    assert [(b.band, b.additions) for b in started.bands if b.additions] == [("A", 1)]
    assert started.amount == money("121.50")
    # Mentors: started 2 × 500 = 1000.00, clawback 1 × 500 = 500.00; completed 1 × 500 = 500.00.
    mentor_started, mentor_completed = breakdown.mentor_line(STARTED), breakdown.mentor_line(COMPLETED)
    assert (mentor_started.billable_count, mentor_started.refundable_count) == (2, 1)
    assert mentor_started.fee_per_declaration == D("500")
    assert (mentor_started.amount, mentor_started.clawback) == (money("1000.00"), money("500.00"))
    assert (mentor_completed.billable_count, mentor_completed.amount) == (1, money("500.00"))
    # Uplift for the ECT only (the mentor's pupil-premium flag pays nothing).
    assert (breakdown.uplift.additions, breakdown.uplift.amount) == (1, money("100.00"))
    assert breakdown.service_fee.amount == money("1234.56")
    # 1234.56 + (121.50 + 1000.00 + 500.00) + 100.00 − 500.00 = 2456.06; VAT 491.212 → 491.21.
    assert breakdown.output_payments == money("1621.50")
    assert breakdown.clawbacks == money("500.00")
    assert breakdown.subtotal == money("2456.06")
    assert (breakdown.vat, breakdown.total) == (money("491.21"), money("2947.27"))


def test_a_missing_contract_is_a_clear_error(session):
    ledger = Ledger(session, name="No Contract Ltd")
    statement = ledger.statement("January 2024", dt.date(2023, 12, 31), dt.date(2024, 1, 25))
    with pytest.raises(
        RuleBroken, match=re.escape("No Contract Ltd has no call-off contract version 0.0.1 for the 2023")
    ):
        statement_breakdown(session, statement.id)


def test_2025_mentor_declarations_without_a_mentor_contract_are_a_clear_error(session):
    ledger = Ledger(session, year=2025)
    ledger.contract()
    statement = ledger.statement("January 2026", dt.date(2025, 12, 31), dt.date(2026, 1, 25))
    ledger.declaration(STARTED, DeclarationState.ELIGIBLE, [(statement, LineItemState.ELIGIBLE)], mentor=True)
    with pytest.raises(RuleBroken, match="no mentor call-off contract"):
        statement_breakdown(session, statement.id)
    # Without mentor declarations the statement calculates (mentor lines at £0).
    other = Ledger(session, year=2025)
    other.contract()
    empty = other.statement("January 2026", dt.date(2025, 12, 31), dt.date(2026, 1, 25))
    assert statement_breakdown(session, empty.id).mentor_line(STARTED).amount == 0


def test_unknown_statement(session):
    for bad in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(StatementNotFound, match="no statement with id"):
            statement_breakdown(session, bad)


@pytest.fixture
def statements_counter(session: Session) -> Iterator[list[str]]:
    executed: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        executed.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    yield executed
    sa.event.remove(engine, "before_cursor_execute", count)


def test_query_count_does_not_grow_with_the_statement(session, example, statements_counter):
    session.expire_all()
    statement_breakdown(session, example["may"].id)
    small = len(statements_counter)
    ledger: Ledger = example["ledger"]  # type: ignore[assignment]
    for _ in range(8):
        ledger.declaration(RETAINED_1, DeclarationState.PAYABLE, [(example["may"], LineItemState.PAYABLE)])
    session.commit()
    session.expire_all()
    statements_counter.clear()
    statement_breakdown(session, example["may"].id)
    assert len(statements_counter) == small <= 10


# --- the assurance CSV ------------------------------------------------------------------------------


def test_csv_lists_every_billable_and_refundable_line(session, example):
    text = statement_declarations_csv(session, example["may"].id)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADER
    by_id = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    expected = {str(example[key].id) for key in ("p1", "p4", "p5", "m1", "p6")}
    assert set(by_id) == expected and len(rows) == 6  # not the voided, ineligible or August ones

    p4: ParticipantDeclaration = example["p4"]  # type: ignore[assignment]
    ledger: Ledger = example["ledger"]  # type: ignore[assignment]
    assert by_id[str(p4.id)] == {
        "Declaration ID": str(p4.id),
        "Participant ID": str(p4.teacher_id),
        "Participant Name": p4.participant_profile.teacher.full_name,
        "TRN": "1234567",
        "Course Identifier": "ecf-induction",
        "Declaration Type": "started",
        "Declaration Date": "2023-10-01T00:00:00Z",
        "Declaration State": "payable",
        "Line Item State": "payable",
        "Delivery Partner ID": str(ledger.partner.id),
        "Delivery Partner Name": "Northern DP",
        "Pupil Premium Uplift": "false",
        "Sparsity Uplift": "true",
        "Statement Name": "May 2024",
        "Statement ID": str(example["may"].id),
    }
    p1 = by_id[str(example["p1"].id)]
    assert (p1["Declaration State"], p1["Line Item State"], p1["Pupil Premium Uplift"]) == (
        "awaiting_clawback",
        "awaiting_clawback",
        "true",
    )
    assert by_id[str(example["m1"].id)]["Course Identifier"] == "ecf-mentor"
    # A name a spreadsheet would run as a formula is neutralised.
    assert by_id[str(example["p5"].id)]["Participant Name"] == '\'=HYPERLINK("x")'


def test_csv_streams_in_chunks(session, example):
    chunks = list(iter_statement_declarations_csv(session, example["may"].id, batch_size=2))
    assert chunks[0] == ",".join(HEADER) + "\r\n"
    assert len(chunks) == 4  # header, 2 rows, 2 rows, 1 row
    assert "".join(chunks) == statement_declarations_csv(session, example["may"].id)


def test_csv_of_an_empty_statement_is_just_the_header(session, example):
    assert statement_declarations_csv(session, example["march"].id) == ",".join(HEADER) + "\r\n"
