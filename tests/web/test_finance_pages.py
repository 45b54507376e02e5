"""The finance pages: who may see and use each one, the breakdown shown exactly as
``domain.payments`` computes it, voided declarations, the assurance CSV, adjustments with
every validation message, and authorising a statement through the same rule as
``cpd statements authorise``, after which the API shows it paid."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from domain import audit, tokens
from domain.payments import statement_breakdown
from domain.statement_lifecycle import add_adjustment
from storage.enums import DeclarationState, DeclarationType, LineItemState, StaffRole, StatementStatus
from storage.models import Statement, StatementAdjustment
from tests.test_cli import assert_one_line_error
from tests.test_payments import Ledger
from tests.test_statement_lifecycle import cli  # noqa: F401  (a fixture)
from tests.web.service_pages import (
    csrf_token,
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_provider_user,
    make_tutor,
    sign_in,
    submit,
)
from tests.web.staff_pages import make_staff, sign_in_staff

FINANCE = "fin.person@education.gov.uk"
STARTED, RETAINED_1 = DeclarationType.STARTED, DeclarationType.RETAINED_1


@pytest.fixture
def ledger(session):
    """One provider's 2023 statements: February (paid), May (payable, with declarations
    paid, clawed back, voided and an adjustment) and August (open)."""
    books = Ledger(session, vat=True, name="Worked Example Provider")
    books.contract()
    feb = books.statement(
        "February 2024", dt.date(2024, 1, 31), dt.date(2024, 2, 25), status=StatementStatus.PAID
    )
    may = books.statement("May 2024", dt.date(2024, 4, 30), dt.date(2024, 5, 25), status=StatementStatus.PAYABLE,
                          reconcile_amount="-3.25")  # fmt: skip
    aug = books.statement("August 2024", dt.date(2099, 7, 31), dt.date(2099, 8, 25))
    paid, payable = LineItemState.PAID, LineItemState.PAYABLE
    books.declaration(STARTED, DeclarationState.AWAITING_CLAWBACK,
                      [(feb, paid), (may, LineItemState.AWAITING_CLAWBACK)], pupil_premium=True)  # fmt: skip
    books.declaration(STARTED, DeclarationState.PAID, [(feb, paid)])
    books.declaration(STARTED, DeclarationState.PAID, [(feb, paid)])
    books.declaration(STARTED, DeclarationState.PAYABLE, [(may, payable)], sparsity=True, name="Pat Sparse")
    books.declaration(STARTED, DeclarationState.PAYABLE, [(may, payable)], name='=HYPERLINK("x")')
    books.declaration(STARTED, DeclarationState.PAYABLE, [(may, payable)], mentor=True, pupil_premium=True)
    books.declaration(RETAINED_1, DeclarationState.PAYABLE, [(may, payable)])
    books.declaration(RETAINED_1, DeclarationState.VOIDED, [(may, LineItemState.VOIDED)], name="Vic Voided")
    books.declaration(STARTED, DeclarationState.VOIDED, [(may, LineItemState.VOIDED)], mentor=True,
                      name="Mo Mentor-Voided")  # fmt: skip
    add_adjustment(session, may.id, "Additional support", D("25.50"))
    session.commit()
    books.feb, books.may, books.aug = feb, may, aug  # type: ignore[attr-defined]
    return books


@pytest.fixture
def finance(client, session):
    make_staff(session, FINANCE, StaffRole.FINANCE, name="Fin Person")
    done = sign_in_staff(client, session, FINANCE)
    assert done.headers["location"] == "/finance/"
    return client


def _pages(ledger) -> list[str]:
    adjustment = ledger.session.scalars(sa.select(StatementAdjustment)).first()
    may = ledger.may.id
    return [
        "/finance/",
        "/finance/statements",
        f"/finance/providers/{ledger.provider.id}/statements",
        f"/finance/statements/{may}",
        f"/finance/statements/{may}/voided",
        f"/finance/statements/{may}/assurance-report.csv",
        f"/finance/statements/{may}/adjustments/new",
        f"/finance/adjustments/{adjustment.id}/remove",
        f"/finance/statements/{may}/authorise",
        "/finance/schedules",
    ]


def _actions(ledger) -> list[tuple[str, dict[str, str]]]:
    adjustment = ledger.session.scalars(sa.select(StatementAdjustment)).first()
    may = ledger.may.id
    return [
        ("/finance/statements", {"lead_provider": str(ledger.provider.id)}),
        (f"/finance/statements/{may}/adjustments/new", {"payment_type": "Sneaky", "amount": "1000"}),
        (f"/finance/adjustments/{adjustment.id}/remove", {}),
        (f"/finance/statements/{may}/authorise", {"checks_done": "y"}),
    ]


def _nothing_changed(session, ledger) -> None:
    session.expire_all()
    assert session.get(Statement, ledger.may.id).status == StatementStatus.PAYABLE
    assert [a.payment_type for a in session.scalars(sa.select(StatementAdjustment))] == ["Additional support"]


# --- who may use the pages -----------------------------------------------------------------------


def test_anyone_not_signed_in_is_sent_to_sign_in_from_every_page_and_action(client, session, ledger):
    for path in _pages(ledger):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"].startswith("/sign-in"), path
    token = csrf_token(client.get("/sign-in").text)
    for path, data in _actions(ledger):
        response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (302, "/sign-in"), path
    _nothing_changed(session, ledger)


@pytest.mark.parametrize("who", ["tutor", "provider", "admin", "super_user"])
def test_everyone_without_the_finance_role_gets_403_on_every_page_and_action(client, session, ledger, who):
    if who == "tutor":
        user, _ = make_tutor(session)
        sign_in(client, session, user.email)
    elif who == "provider":
        user, _ = make_provider_user(session)
        sign_in(client, session, user.email)
    else:
        make_staff(session, "staff@education.gov.uk", StaffRole(who))
        sign_in_staff(client, session, "staff@education.gov.uk")
    for path in _pages(ledger):
        response = client.get(path)
        assert response.status_code == 403, path
        assert h1_of(response.text) == "You cannot see this page"
    for path, data in _actions(ledger):
        assert submit(client, path, data, page=client.get("/finance/").text).status_code == 403, path
    _nothing_changed(session, ledger)


def test_finance_sees_every_page_but_not_the_admin_pages(finance, session, ledger):
    for path in _pages(ledger):
        assert finance.get(path).status_code == 200, path
    assert finance.get("/admin/").status_code == 403
    assert finance.get("/admin/staff/").status_code == 403


def test_an_unknown_statement_provider_or_adjustment_is_a_404_page(finance, ledger):
    for path in [
        "/finance/statements/00000000-0000-0000-0000-000000000000",
        "/finance/statements/not-a-uuid",
        "/finance/providers/00000000-0000-0000-0000-000000000000/statements",
        "/finance/adjustments/00000000-0000-0000-0000-000000000000/remove",
    ]:
        response = finance.get(path)
        assert (response.status_code, h1_of(response.text)) == (404, "Page not found"), path


# --- choosing a statement ------------------------------------------------------------------------


def test_choosing_a_provider_then_a_cohort_and_statement(finance, session, ledger):
    page = finance.get("/finance/statements")
    assert h1_of(page.text) == "Choose a lead provider"
    assert "Worked Example Provider" in main_text(page.text)
    missing = submit(finance, "/finance/statements", {}, page=page.text)
    assert error_summary(missing.text) == ["Select a lead provider"]
    assert inline_errors(missing.text) == ["Select a lead provider"]

    chosen = submit(
        finance, "/finance/statements", {"lead_provider": str(ledger.provider.id)}, page=page.text
    )
    assert chosen.headers["location"] == f"/finance/providers/{ledger.provider.id}/statements"
    # With nothing chosen, the statement to check next: the first not yet paid.
    landed = finance.get(chosen.headers["location"], follow_redirects=False)
    assert landed.headers["location"] == f"/finance/statements/{ledger.may.id}"
    statement_page = finance.get(landed.headers["location"]).text
    assert h1_of(statement_page) == "May 2024 statement"
    assert re.search(rf'<option value="{ledger.aug.id}"\s*>August 2024</option>', statement_page)

    picked = finance.get(
        f"/finance/providers/{ledger.provider.id}/statements?cohort=2023&statement={ledger.feb.id}",
        follow_redirects=False,
    )
    assert picked.headers["location"] == f"/finance/statements/{ledger.feb.id}"
    # A statement of another cohort (or none) gives the chosen cohort's next one.
    other = finance.get(
        f"/finance/providers/{ledger.provider.id}/statements?cohort=1999&statement=x", follow_redirects=False
    )
    assert other.headers["location"] == f"/finance/statements/{ledger.may.id}"


# --- the breakdown ---------------------------------------------------------------------------


def _pounds(value: D) -> str:
    return ("-" if value < 0 else "") + f"£{abs(value):,.2f}"


FIGURES = ("service_fee", "output_payments", "uplift", "clawbacks", "adjustments", "reconcile", "subtotal",
           "vat", "total")  # fmt: skip


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found, name
    return found.group(1)


def test_the_statement_page_shows_exactly_the_engines_figures(finance, session, ledger):
    page = finance.get(f"/finance/statements/{ledger.may.id}").text
    breakdown = statement_breakdown(session, ledger.may.id)
    assert breakdown.total != 0 and breakdown.clawbacks != 0 and breakdown.uplift.amount != 0
    assert {name: _figure(page, name) for name in FIGURES} == {
        "service_fee": _pounds(breakdown.service_fee.amount),
        "output_payments": _pounds(breakdown.output_payments),
        "uplift": _pounds(breakdown.uplift.amount),
        "clawbacks": _pounds(-breakdown.clawbacks),
        "adjustments": _pounds(breakdown.adjustments_total),
        "reconcile": _pounds(breakdown.reconcile_amount),
        "subtotal": _pounds(breakdown.subtotal),
        "vat": _pounds(breakdown.vat),
        "total": _pounds(breakdown.total),
    }
    # Each declaration type's line, and the started declarations band by band.
    for line in breakdown.output_lines:
        row = re.search(rf'data-output="{line.declaration_type.value}">(.*?)</tr>', page, re.S)
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
        assert cells == [str(line.previous_count), str(line.billable_count), str(line.refundable_count),
                         _pounds(line.amount), _pounds(line.clawback)]  # fmt: skip
    for band in breakdown.output_line(STARTED).bands:
        row = re.search(rf'data-band="started {band.band}">(.*?)</tr>', page, re.S)
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
        assert cells[:3] == [str(band.previous_count), str(band.additions), str(band.subtractions)]
        assert cells[4:] == [_pounds(band.additions_amount), _pounds(band.subtractions_amount)]
    text = main_text(page)
    assert "Additional support £25.50" in text
    assert f"Voided declarations ({breakdown.voided_count})" in text and breakdown.voided_count == 2
    assert "Payable" in text and "Authorise for payment" in text


def test_fees_with_fractions_of_a_penny_are_shown_as_the_engine_has_them(finance, ledger):
    page = finance.get(f"/finance/statements/{ledger.may.id}").text
    row = re.search(r'data-band="retained-1 A">(.*?)</tr>', page, re.S)
    assert "£91.125" in row.group(1)  # 15% of £1,012.50 × 60%


def test_a_statement_without_a_contract_says_why_it_cannot_be_calculated(finance, session, ledger):
    other = Ledger(session, name="No Contract Provider")
    statement = other.statement("May 2024", dt.date(2024, 4, 30), dt.date(2024, 5, 25))
    session.commit()
    page = finance.get(f"/finance/statements/{statement.id}")
    assert page.status_code == 200
    assert "This statement cannot be calculated: No Contract Provider has no call-off contract" in main_text(
        page.text
    )


def test_voided_declarations_are_listed_for_ects_and_mentors(finance, ledger):
    page = finance.get(f"/finance/statements/{ledger.may.id}/voided").text
    assert h1_of(page) == "Voided declarations"
    text = main_text(page)
    ects, mentors = text.split("Mentors")
    assert "Early career teachers (1)" in ects and "Vic Voided" in ects and "Retained 1" in ects
    assert "Mo Mentor-Voided" in mentors and "Started" in mentors


def test_the_assurance_report_has_a_row_per_declaration_and_is_formula_safe(finance, session, ledger):
    response = finance.get(f"/finance/statements/{ledger.may.id}/assurance-report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="worked-example-provider-2023-may-2024-assurance-report.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # Billable and refundable declarations: 3 started, 1 retained-1, 1 clawback (voided ones pay nothing).
    assert len(rows) == 5
    assert sorted(row["Line Item State"] for row in rows) == ["awaiting_clawback"] + ["payable"] * 4
    assert '\'=HYPERLINK("x")' in {row["Participant Name"] for row in rows}


# --- adjustments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payment_type", "amount", "errors"),
    [
        ("", "", ["Enter a payment type", "Enter an amount in pounds, like 250.00 or -99.50"]),
        ("Support", "ten pounds", ["Enter an amount in pounds, like 250.00 or -99.50"]),
        ("Support", "10.001", ["Enter an amount in whole pence (at most 2 decimal places)"]),
        ("Support", "0", ["Enter an amount other than zero"]),
        ("Support", "10000000000", ["Enter an amount below £10,000,000,000"]),
        ("x" * 256, "10", ["Payment type must be 255 characters or fewer"]),
    ],
)
def test_every_adjustment_message_is_on_its_field(finance, session, ledger, payment_type, amount, errors):
    path = f"/finance/statements/{ledger.may.id}/adjustments/new"
    response = submit(finance, path, {"payment_type": payment_type, "amount": amount})
    assert response.status_code == 200
    assert error_summary(response.text) == errors
    assert inline_errors(response.text) == errors
    assert response.text.count("<title>Error: Add an adjustment") == 1
    _nothing_changed(session, ledger)


def test_adding_and_removing_an_adjustment_moves_the_total(finance, session, ledger):
    before = statement_breakdown(session, ledger.may.id).total
    path = f"/finance/statements/{ledger.may.id}/adjustments/new"
    added = submit(finance, path, {"payment_type": "Correction to January", "amount": "-1,000.00"})
    assert added.headers["location"] == f"/finance/statements/{ledger.may.id}#adjustments"
    page = finance.get(f"/finance/statements/{ledger.may.id}").text
    assert "Adjustment added: Correction to January, -£1,000.00" in page
    session.expire_all()
    after = statement_breakdown(session, ledger.may.id)
    assert after.total == before - D("1200.00")  # with VAT at 20%
    assert _figure(page, "total") == _pounds(after.total)

    adjustment = session.scalars(
        sa.select(StatementAdjustment).where(StatementAdjustment.payment_type == "Correction to January")
    ).one()
    confirm = finance.get(f"/finance/adjustments/{adjustment.id}/remove").text
    assert h1_of(confirm) == "Remove this adjustment?"
    removed = submit(finance, f"/finance/adjustments/{adjustment.id}/remove", page=confirm)
    assert removed.status_code == 302
    session.expire_all()
    assert statement_breakdown(session, ledger.may.id).total == before


def test_a_paid_statements_adjustments_cannot_change(finance, session, ledger):
    page = finance.get(f"/finance/statements/{ledger.feb.id}").text
    assert "Add an adjustment" not in page
    response = submit(finance, f"/finance/statements/{ledger.feb.id}/adjustments/new",
                      {"payment_type": "Late", "amount": "5"})  # fmt: skip
    message = f"Statement February 2024 ({ledger.feb.id}) has been paid, so its adjustments cannot change"
    assert error_summary(response.text) == [message]
    # One made before it was paid stays too.
    kept = StatementAdjustment(statement_id=ledger.feb.id, payment_type="Early support", amount=D("10"))
    session.add(kept)
    session.commit()
    refused = submit(finance, f"/finance/adjustments/{kept.id}/remove", {})
    assert (refused.status_code, error_summary(refused.text)) == (200, [message])
    session.expire_all()
    assert session.get(StatementAdjustment, kept.id) is not None


# --- authorising payment -------------------------------------------------------------------------


def test_authorising_needs_the_checks_confirmed(finance, session, ledger):
    path = f"/finance/statements/{ledger.may.id}/authorise"
    page = finance.get(path).text
    assert h1_of(page) == "Authorise for payment"
    response = submit(finance, path, {}, page=page)
    assert error_summary(response.text) == [
        "Confirm that you have done the checks before you authorise payment"
    ]
    _nothing_changed(session, ledger)


def test_authorise_refuses_what_the_command_refuses_with_the_same_message(finance, session, ledger, cli):  # noqa: F811
    for statement, expected in [
        (ledger.aug, "is open: only a payable statement"),
        (ledger.feb, "has already been paid"),
    ]:
        response = submit(finance, f"/finance/statements/{statement.id}/authorise", {"checks_done": "y"})
        assert response.status_code == 200
        [message] = error_summary(response.text)
        assert expected in message
        result = cli("statements", "authorise", str(statement.id))
        assert_one_line_error(result, message)


def test_authorising_marks_the_statement_paid_for_the_api_and_the_audit_trail(
    finance, session, settings, ledger, client
):
    path = f"/finance/statements/{ledger.may.id}/authorise"
    done = submit(finance, path, {"checks_done": "y"})
    assert done.headers["location"] == f"/finance/statements/{ledger.may.id}"
    page = finance.get(done.headers["location"]).text
    assert (
        f"Statement May 2024 ({ledger.may.id}) authorised for payment: 4 declarations paid, 1 clawed back."
        in page
    )
    assert "Authorise for payment" not in main_text(page).replace("Authorised for payment", "")
    session.expire_all()
    assert session.get(Statement, ledger.may.id).status == StatementStatus.PAID

    _, token = tokens.issue(session, ledger.provider, settings.secret_key)
    session.commit()
    api = client.get(f"/api/v3/statements/{ledger.may.id}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.json()["data"]["attributes"]["paid"] is True

    history = main_text(page).split("Statement history")[1]
    assert FINANCE in history and "Reason: Finance confirmed the statement's checks are done" in history
    events = audit.history_of(session, Statement, ledger.may.id)
    assert [(e.action, e.actor_label, e.reason, e.changes["status"]) for e in events] == [
        ("authorised", FINANCE, "Finance confirmed the statement's checks are done", ["payable", "paid"])
    ]


# --- payment schedules -----------------------------------------------------------------------


def test_payment_schedules_show_each_cohorts_milestones(finance, session, ledger):
    page = finance.get("/finance/schedules?cohort=2023").text
    assert h1_of(page) == "Payment schedules"
    text = main_text(page)
    assert "ecf-standard-september" in text and "Retained 1" in text
    assert finance.get("/finance/schedules?cohort=nonsense").status_code == 200
