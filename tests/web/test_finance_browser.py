"""DfE staff pages in a real browser (Debian's Chromium through Playwright) without
JavaScript. A finance user signs in with the emailed link and an authenticator app, chooses the
provider and statement, reads the breakdown, adds an adjustment, then authorises (first
forgetting the confirmation); a super user adds a staff member, changes their roles and
removes them. Every page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from domain.payments import statement_breakdown
from storage.enums import DeclarationState, DeclarationType, LineItemState, StaffRole, StatementStatus
from storage.models import Statement
from tests.test_payments import Ledger
from tests.web.staff_pages import make_staff
from tests.web.test_auth_browser import Visit, service_url  # noqa: F401  (a fixture)

EMAIL = "fin.person@education.gov.uk"


@pytest.fixture
def books(session):
    ledger = Ledger(session, vat=True, name="Browser Example Provider")
    ledger.contract()
    payable = ledger.statement(
        "May 2024", dt.date(2024, 4, 30), dt.date(2024, 5, 25), status=StatementStatus.PAYABLE
    )
    ledger.statement("August 2024", dt.date(2099, 7, 31), dt.date(2099, 8, 25))
    for _ in range(3):
        ledger.declaration(
            DeclarationType.STARTED, DeclarationState.PAYABLE, [(payable, LineItemState.PAYABLE)]
        )
    ledger.declaration(DeclarationType.STARTED, DeclarationState.VOIDED, [(payable, LineItemState.VOIDED)])
    session.commit()
    make_staff(session, EMAIL, StaffRole.FINANCE, name="Fin Person")
    return payable


def _sign_in(visit: Visit, base_url: str, email: str) -> None:
    """The emailed link, then the authenticator app set up from the key on the page."""
    page = visit.page
    page.goto(base_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Continue").click()
    visit.check("Check your email")
    page.goto(f"{base_url}/dev/outbox?to={email}")
    page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
    page.get_by_role("button", name="Sign in").click()
    visit.check("Set up your authenticator app")
    secret = page.locator(".app-secret-key").text_content() or ""
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()


def test_finance_checks_a_statement_and_authorises_it(service_url, chromium, session, books):  # noqa: F811
    payable = books
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    _sign_in(visit, service_url, EMAIL)
    visit.check("Finance")

    page.get_by_role("link", name="View financial statements").click()
    visit.check("Choose a lead provider")
    page.get_by_role("button", name="Continue").click()
    visit.check("Choose a lead provider")  # the error state passes too
    assert page.title().startswith("Error: ")
    page.get_by_label("Browser Example Provider").check()
    page.get_by_role("button", name="Continue").click()
    visit.check("May 2024 statement")  # the payable one is the next to check

    # The selector moves to another statement and back, without JavaScript.
    page.get_by_label("Statement").select_option(label="August 2024")
    page.get_by_role("button", name="View").click()
    visit.check("August 2024 statement")
    assert (
        "can be authorised for payment once its cut-off date has passed" in page.locator("main").inner_text()
    )
    page.get_by_label("Statement").select_option(label="May 2024")
    page.get_by_role("button", name="View").click()
    visit.check("May 2024 statement")
    breakdown = statement_breakdown(session, payable.id)
    assert page.locator("[data-figure=total]").inner_text() == f"£{breakdown.total:,.2f}"

    page.get_by_role("link", name="Voided declarations (1)").click()
    visit.check("Voided declarations")
    page.go_back()

    page.get_by_role("button", name="Add an adjustment").click()
    visit.check("Add an adjustment")
    page.get_by_label("Amount").fill("12.345")
    page.get_by_role("button", name="Add adjustment").click()
    visit.check("Add an adjustment")
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a payment type" in errors and "Enter an amount in whole pence" in errors
    page.get_by_label("Payment type").fill("Additional support")
    page.get_by_label("Amount").fill("100")
    page.get_by_role("button", name="Add adjustment").click()
    visit.check("May 2024 statement")
    session.expire_all()
    after = statement_breakdown(session, payable.id)
    assert after.total == breakdown.total + 120  # £100 and its VAT
    assert page.locator("[data-figure=total]").inner_text() == f"£{after.total:,.2f}"

    page.get_by_role("button", name="Authorise for payment").click()
    visit.check("Authorise for payment")
    page.get_by_role("button", name="Authorise for payment").click()
    visit.check("Authorise for payment")
    assert "Confirm that you have done the checks" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Yes, I have checked the statement").check()
    page.get_by_role("button", name="Authorise for payment").click()
    visit.check("May 2024 statement")
    main = page.locator("main").inner_text()
    assert "authorised for payment: 3 declarations paid, 0 clawed back" in main
    assert "Paid" in main
    session.expire_all()
    assert session.get(Statement, payable.id).status == StatementStatus.PAID
    visit.close()


def test_a_super_user_adds_a_staff_member_changes_their_roles_and_removes_them(
    service_url,  # noqa: F811
    chromium,
    session,
):
    make_staff(session, "root.user@education.gov.uk", StaffRole.SUPER_USER, name="Root User")
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    _sign_in(visit, service_url, "root.user@education.gov.uk")
    visit.check("Staff accounts")

    page.get_by_role("button", name="Add a staff member").click()
    visit.check("Add a staff member")
    page.get_by_role("button", name="Add staff member").click()
    visit.check("Add a staff member")
    assert page.locator(".govuk-error-summary li").all_inner_texts() == [
        "Enter the person’s full name",
        "Enter their email address",
        "Select at least one role",
    ]
    page.get_by_label("Full name").fill("Fin Person")
    page.get_by_label("Email address").fill("fin.person@education.gov.uk")
    page.get_by_label("Finance").check()
    page.get_by_role("button", name="Add staff member").click()
    visit.check("Fin Person")
    assert (
        "We have emailed fin.person@education.gov.uk a link to sign in" in page.locator("main").inner_text()
    )

    page.get_by_role("link", name="Change roles").click()
    visit.check("Change Fin Person’s roles")
    page.get_by_label("Admin").check()
    page.get_by_role("button", name="Save roles").click()
    visit.check("Fin Person")
    assert "roles are now: admin, finance" in page.locator("main").inner_text()

    page.get_by_role("button", name="Remove staff access").click()
    visit.check("Remove Fin Person’s staff access?")
    page.get_by_role("button", name="Remove staff access").click()
    visit.check("Staff accounts")
    assert "Fin Person no longer has a staff account." in page.locator("main").inner_text()

    page.get_by_role("link", name="Root User").click()
    visit.check("Root User")
    page.get_by_role("button", name="Reset authenticator app").click()
    visit.check("Reset Root User’s authenticator app?")
    visit.close()
