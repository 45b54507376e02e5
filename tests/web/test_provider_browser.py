"""A lead provider confirms its schools in a real browser (Debian's Chromium through
Playwright), without JavaScript: sign in from the emailed link, upload a CSV (first with a
mistake), read the checks, confirm, and see the schools listed. Every page passes axe-core with
no serious or critical violation."""

from __future__ import annotations

import pytest

from tests import builders
from tests.factories import provider_with_token
from tests.web.service_pages import make_provider_user
from tests.web.test_auth_browser import Visit, service_url  # noqa: F401  (a fixture)


@pytest.fixture
def world(session, settings):
    provider, _ = provider_with_token(session, settings.secret_key)
    builders.delivery_partner(session, provider, name="Leeds Partnership")
    builders.school(session, urn="810001", name="Birch Primary School", la_name="Leeds")
    builders.school(session, urn="810002", name="Cedar Academy", induction_tutor=None,
                    primary_contact_email="office@cedar.example.sch.uk")  # fmt: skip
    session.commit()
    user, _ = make_provider_user(session)
    return user


def test_a_provider_uploads_checks_and_confirms_its_schools(service_url, chromium, session, world):  # noqa: F811
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    page.goto(service_url + "/sign-in")
    page.get_by_label("Email address").fill(world.email)
    page.get_by_role("button", name="Continue").click()
    visit.check("Check your email")
    page.goto(f"{service_url}/dev/outbox?to={world.email}")
    page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
    page.get_by_role("button", name="Sign in").click()
    visit.check("Ambition Institute")

    page.get_by_role("link", name="Confirm your schools for the 2025 to 2026 academic year").click()
    visit.check("Confirm your schools")
    page.get_by_role("button", name="Check the schools").click()
    visit.check("Confirm your schools")  # the error state passes too
    assert page.title().startswith("Error: Confirm your schools")
    page.get_by_role("link", name="Select a delivery partner").click()
    page.get_by_label("Cohort").select_option("2025")
    page.get_by_label("Delivery partner").select_option(label="Leeds Partnership (cohorts 2023, 2024, 2025)")
    page.get_by_label("Upload a CSV file").set_input_files(
        {"name": "schools.csv", "mimeType": "text/csv", "buffer": b"URN\r\n810001\r\n810002\r\n999999\r\n"}
    )
    page.get_by_role("button", name="Check the schools").click()
    visit.check("Check the schools in your file")
    main = page.locator("main").inner_text()
    assert "2 schools can be confirmed. 1 row has a problem." in main
    assert "We cannot find a school with this URN" in main

    page.get_by_role("button", name="Confirm partnerships").click()
    visit.check("Partnerships confirmed")
    assert "2 schools confirmed with Leeds Partnership" in page.locator("main").inner_text()

    page.get_by_role("link", name="See your schools for the 2025 to 2026 academic year").click()
    visit.check("Your schools")
    listed = page.locator("main table").inner_text()
    assert "Birch Primary School" in listed and "Cedar Academy" in listed
    visit.close()
