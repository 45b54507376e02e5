"""The admin pages for schools, providers, delivery partners, tokens and cohorts in a real
browser (Debian's Chromium through Playwright), without JavaScript: an admin signs in with the
emailed link and an authenticator code, then visits every page and its error state, issues and
revokes a token, adds a delivery partner and a relationship, and opens the next cohort. Every
page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import pyotp
import pytest

from domain import clock
from storage.enums import StaffRole
from tests.web.staff_pages import make_staff
from tests.web.test_admin_schools import ADMIN, admin_world
from tests.web.test_auth_browser import Visit, service_url  # noqa: F401  (a fixture)


@pytest.fixture
def world(session, settings):
    made = admin_world(session, settings)
    make_staff(session, ADMIN, StaffRole.ADMIN)
    return made


def checked_without_csp(visit: Visit, browser: object) -> Visit:
    """axe-core is a script the test injects, which the pages' Content-Security-Policy rightly
    refuses; so the tab that runs it (a copy of each page, never the tab being driven, where
    the policy stays in force) bypasses the policy."""
    if visit.checker is not None:
        visit.checker.context.close()
    visit.checker = browser.new_context(bypass_csp=True).new_page()  # type: ignore[attr-defined]
    return visit


def sign_in(visit: Visit, base: str) -> None:
    page = visit.page
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_role("button", name="Continue").click()
    page.goto(f"{base}/dev/outbox?to={ADMIN}")
    page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
    page.get_by_role("button", name="Sign in").click()
    secret = page.locator(".app-secret-key").text_content()
    assert secret
    code = pyotp.TOTP(secret.strip()).at(clock.now())
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()
    visit.check("Admin")


def test_an_admin_visits_every_school_provider_token_and_cohort_page(service_url, chromium, session, world):  # noqa: F811
    visit = checked_without_csp(Visit(chromium, service_url, java_script_enabled=False), chromium)
    page = visit.page
    sign_in(visit, service_url)
    main = page.locator("main")

    # Schools: search, the school's page, its forms with their errors, the tutor's view.
    page.get_by_role("link", name="Schools").first.click()
    visit.check("Schools")
    page.get_by_label("Search by URN or school name").fill("Birch")
    page.get_by_role("button", name="Search").click()
    visit.check("Schools")
    page.get_by_role("link", name="Birch Primary School").click()
    visit.check("Birch Primary School")
    school_url = page.url
    page.get_by_role("link", name="Change induction tutor").click()
    visit.check("Change the induction tutor")
    page.get_by_role("button", name="Save and email the induction tutor").click()
    visit.check("Change the induction tutor")
    assert "Enter the induction tutor’s full name" in main.inner_text()
    page.goto(school_url)
    page.get_by_role("link", name="Report the partnership").click()
    visit.check("Report this partnership")
    page.get_by_role("button", name="Report this partnership").click()
    visit.check("Report this partnership")
    page.goto(school_url)
    page.get_by_role("button", name="View as induction tutor").click()
    visit.check("Birch Primary School")
    assert "read-only" in page.locator("body").inner_text()

    # Lead providers and a token: made (shown once), listed, revoked.
    page.goto(service_url + "/admin/lead-providers")
    visit.check("Lead providers")
    page.get_by_role("link", name="Ambition Institute").click()
    visit.check("Ambition Institute")
    page.get_by_role("link", name="Add a user").click()
    visit.check("Add a user")
    page.get_by_role("button", name="Add user").click()
    visit.check("Add a user")
    page.get_by_label("Full name").fill("Kim Lee")
    page.get_by_label("Email address").fill("kim.lee@ambition.example.org")
    page.get_by_role("button", name="Add user").click()
    visit.check("Ambition Institute")
    page.get_by_role("button", name="Create an API token").click()
    visit.check("Create an API token")
    page.get_by_role("button", name="Create token").click()
    visit.check("Create an API token")
    page.get_by_label("Description").fill("Browser test token")
    page.get_by_role("button", name="Create token").click()
    visit.check("API token created")
    plaintext = page.locator("#api-token").inner_text()
    page.get_by_role("link", name="Go to Ambition Institute").click()
    visit.check("Ambition Institute")
    assert plaintext not in page.content()
    page.get_by_role("link", name="Revoke token Browser test token").click()
    visit.check("Are you sure you want to revoke this token?")
    page.get_by_role("button", name="Revoke token").click()
    visit.check("Ambition Institute")
    page.get_by_role("button", name="Rotate API tokens").click()
    visit.check("Rotate API tokens")
    page.get_by_label("How many days should the current tokens keep working?").fill("")
    page.get_by_role("button", name="Rotate tokens").click()
    visit.check("Rotate API tokens")
    page.get_by_label("Description").fill("Rotated in the browser")
    page.get_by_label("How many days should the current tokens keep working?").fill("7")
    page.get_by_role("button", name="Rotate tokens").click()
    visit.check("API token created")
    assert "other token keeps working until" in main.inner_text()
    page.goto(service_url + "/admin/tokens")
    visit.check("API tokens")

    # Delivery partners: add one (after its error), give it a provider, try a removal refused.
    page.goto(service_url + "/admin/delivery-partners")
    visit.check("Delivery partners")
    page.get_by_role("button", name="Add a delivery partner").click()
    visit.check("Add a delivery partner")
    page.get_by_role("button", name="Add delivery partner").click()
    visit.check("Add a delivery partner")
    page.get_by_label("Add a delivery partner").fill("North Teaching Hub")
    page.get_by_role("button", name="Add delivery partner").click()
    visit.check("North Teaching Hub")
    page.get_by_role("button", name="Add a lead provider").click()
    visit.check("Add a lead provider")
    page.get_by_role("button", name="Add lead provider").click()
    visit.check("Add a lead provider")
    page.get_by_label("Lead provider").select_option(label="Ambition Institute")
    page.get_by_label("Cohort").select_option("2025")
    page.get_by_role("button", name="Add lead provider").click()
    visit.check("North Teaching Hub")
    page.get_by_role("link", name="Change name").click()
    visit.check("Change the delivery partner’s name")
    page.goto(service_url + "/admin/delivery-partners?q=leeds")
    page.get_by_role("link", name="Leeds Partnership").click()
    visit.check("Leeds Partnership")
    page.get_by_role("link", name="Remove Ambition Institute for 2025").click()
    visit.check("Are you sure you want to remove this lead provider?")
    page.get_by_role("button", name="Remove lead provider").click()
    visit.check("Are you sure you want to remove this lead provider?")
    assert "The provider must change their delivery partner first" in main.inner_text()

    # Cohorts: the list, the confirmation (its error first), the new cohort.
    page.goto(service_url + "/admin/cohorts")
    visit.check("Cohorts")
    page.get_by_role("button", name="Open the 2026 to 2027 cohort").click()
    visit.check("Open the 2026 to 2027 cohort")
    page.get_by_role("button", name="Open the cohort").click()
    visit.check("Open the 2026 to 2027 cohort")
    page.get_by_label("I have checked this is the cohort to open").check()
    page.get_by_role("button", name="Open the cohort").click()
    visit.check("Cohorts")
    assert "Created cohort 2026 with" in main.inner_text()
    visit.close()
