"""A DfE admin finds a participant and merges a duplicate record in a real browser (Debian's
Chromium through Playwright), without JavaScript: sign in with the emailed link and the
authenticator app, search, open the participant, enter the duplicate's id (first with a
mistake), check both records, merge. Every page passes axe-core with no serious or critical
violation."""

from __future__ import annotations

import pyotp
import pytest

from domain import clock
from storage.enums import DeclarationState, RecordStatus, StaffRole
from tests import builders
from tests.test_declarations_api import make_provider, put_declaration
from tests.web.staff_pages import make_staff
from tests.web.test_auth_browser import Visit, service_url  # noqa: F401  (a fixture)

EMAIL = "ada.admin@education.gov.uk"


@pytest.fixture
def world(session, settings):  # type: ignore[no-untyped-def]
    lp = make_provider(session, settings.secret_key, years=(2023, 2024, 2025), partnered=(2023, 2024))
    kept = builders.participant(session, lp.programmes[2024], trn="1234567")
    kept.teacher.full_name = "Harriet O'Brien"
    put_declaration(session, lp, kept, DeclarationState.SUBMITTED)
    duplicate = builders.participant(session, lp.programmes[2023], trn="1234567")
    duplicate.teacher.full_name = "Harriet OBrien"
    duplicate.status = RecordStatus.WITHDRAWN
    session.commit()
    make_staff(session, EMAIL, StaffRole.ADMIN)
    return {"kept": str(kept.teacher_id), "duplicate": str(duplicate.teacher_id)}


def sign_in_as_staff(visit: Visit, base: str) -> None:
    page = visit.page
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Continue").click()
    visit.check("Check your email")
    page.goto(f"{base}/dev/outbox?to={EMAIL}")
    page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
    page.get_by_role("button", name="Sign in").click()
    visit.check("Set up your authenticator app")
    secret = (page.locator(".app-secret-key").text_content() or "").strip()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Continue").click()
    visit.check("Admin")


def test_an_admin_searches_opens_a_participant_and_merges_a_duplicate(service_url, chromium, world):  # noqa: F811
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    sign_in_as_staff(visit, service_url)

    page.get_by_role("link", name="Participants").first.click()
    visit.check("Participants")
    page.get_by_label("Search by participant ID, training record ID, TRN, email address or name").fill(
        "harriet"
    )
    page.get_by_label("ECTs", exact=True).check()
    page.get_by_role("button", name="Search").click()
    visit.check("Participants")
    assert "2 participants found" in page.locator("main").inner_text()
    page.get_by_role("link", name="Harriet O'Brien").click()
    visit.check("Harriet O'Brien")
    assert "Induction history" in page.locator("main").inner_text()

    page.get_by_role("link", name="Withdraw from training").first.click()
    visit.check("Withdraw this participant from training")
    page.get_by_role("link", name="Back").click()
    visit.check("Harriet O'Brien")

    page.get_by_role("button", name="Merge a duplicate into this participant").click()
    visit.check("Merge a duplicate record into this participant")
    page.get_by_label("Participant ID of the duplicate record").fill("not an id")
    page.get_by_role("button", name="Continue").click()
    visit.check("Merge a duplicate record into this participant")  # the error state passes too
    assert page.title().startswith("Error: ")
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a participant ID in the correct format" in errors
    assert "Enter why you are making this change" in errors

    page.get_by_label("Participant ID of the duplicate record").fill(world["duplicate"])
    page.get_by_label("Why are you making this change?").fill("Same TRN: registered twice (ticket 77)")
    page.get_by_role("button", name="Continue").click()
    visit.check("Check these are the same person")
    assert "Retired: Harriet OBrien" in page.locator("main").inner_text()
    page.get_by_role("button", name="Merge these records").click()

    visit.check("Harriet O'Brien")
    main = page.locator("main").inner_text()
    assert f"Participant {world['duplicate']} merged into Harriet O'Brien" in main
    assert world["duplicate"] in page.locator("#id-changes + table").inner_text()
    assert "Same TRN: registered twice (ticket 77)" in page.locator("#audit-trail").inner_text()

    # The retired id now finds the kept person.
    page.goto(f"{service_url}/admin/participants?q={world['duplicate']}")
    visit.check("Participants")
    assert page.get_by_role("link", name="Harriet O'Brien").count() == 1
    visit.close()
