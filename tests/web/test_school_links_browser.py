"""The pages a school reaches from its emails, in Chromium without JavaScript, each passing
axe-core: the nomination's "Will any ECTs start…?" question answered "No", and reporting a
partnership from the emailed link without signing in."""

from __future__ import annotations

import datetime as dt

from domain import accounts, clock
from domain.partnerships import challenge_token
from domain.reference import load_reference_data
from domain.school_cohorts import active_registration_cohort
from integrations.email import OutboxSender
from tests import builders
from tests.factories import provider_with_token
from tests.web.test_auth_browser import Visit, service_url  # noqa: F401  (fixture)
from web.auth.links import PageLinks


def test_a_school_expecting_no_ects_says_so_instead_of_naming_a_tutor(
    service_url,  # noqa: F811
    chromium,
    session,
    settings,
):
    load_reference_data(session)
    school = builders.school(
        session, induction_tutor=None, name="Oak Primary", primary_contact_email="office@oak.example.sch.uk"
    )
    accounts.send_nomination_link(
        session,
        school,
        secret_key=settings.secret_key,
        sender=OutboxSender(session),
        links=PageLinks(service_url, "help@example.test"),
    )
    session.commit()
    cohort = active_registration_cohort(session)
    assert cohort is not None
    question = (
        "Will any early career teachers (ECTs) start their induction at Oak Primary in the "
        f"{cohort.start_year} to {cohort.start_year + 1} academic year?"
    )
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    page.goto(f"{service_url}/dev/outbox?to=office@oak.example.sch.uk")
    page.locator("main a[href*='/nominations/start?token=']").first.click()
    visit.check(question)
    page.get_by_role("button", name="Continue").click()
    visit.check(question)
    page.get_by_role("link", name="Select whether any ECTs will start their induction at your school").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    visit.check("Your answer has been saved")
    visit.close()


def test_a_school_reports_a_partnership_from_its_email_without_signing_in(
    service_url,  # noqa: F811
    chromium,
    session,
    settings,
):
    provider, _ = provider_with_token(session, settings.secret_key)
    partner = builders.delivery_partner(session, provider, name="Leeds Partnership")
    partnership, _ = builders.partnership(
        session,
        builders.school(session, name="Birch Primary"),
        provider,
        partner,
        2025,
        challenge_deadline=clock.now() + dt.timedelta(days=14),
    )
    session.commit()
    link = f"{service_url}/schools/report-incorrect-partnership?token={challenge_token(partnership, settings.secret_key)}"
    question = f"Why is the partnership with {provider.name} and Leeds Partnership not right?"
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    page.goto(link)
    visit.check(question)
    page.get_by_role("button", name="Report this partnership").click()
    visit.check(question)
    page.get_by_label("This looks like a mistake").check()
    page.get_by_role("button", name="Report this partnership").click()
    visit.check("Partnership reported")
    page.goto(link)
    visit.check("This partnership has already been reported")
    visit.close()
