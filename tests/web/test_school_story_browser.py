"""The whole school story in a real browser (Debian's Chromium through Playwright), axe-core
on every page: a tutor signs in from the emailed link, sets up the cohort (provider-led) and
adds a mentor and an ECT checked against the fake teacher record API; the lead provider signs
in from its emailed link and uploads a CSV with the school's URN; the ECT then appears in
``GET /api/v3/participants/ecf`` for that provider (real HTTP, its token) and not for
another; the school reports the partnership; the ECT disappears from the provider's list."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests import builders
from tests.conftest import TEST_SECRET_KEY
from tests.factories import provider_with_token
from tests.web.school_story import records_api, settings  # noqa: F401  (fixtures)
from tests.web.service_pages import make_provider_user, make_tutor
from tests.web.site_pages import AXE
from tests.web.test_auth_browser import SERIOUS, Visit, service_url  # noqa: F401  (service_url is a fixture)


class Story(Visit):
    """A tab that audits every page it reaches: one h1, axe-core with no serious or critical
    violation (the h1's text is checked where the story cares)."""

    def audit(self, h1: str | re.Pattern[str] | None = None) -> str:
        page = self.page
        page.wait_for_load_state()
        headings = page.locator("h1").all_inner_texts()
        assert len(headings) == 1, (page.url, headings)
        if isinstance(h1, str):
            assert headings[0].strip() == h1, (page.url, headings)
        elif h1 is not None:
            assert h1.search(headings[0]), (page.url, headings)
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(SERIOUS) == [], page.url
        return headings[0]

    def press(self, name: str, h1: Any = None) -> str:
        self.page.get_by_role("button", name=name).click()
        return self.audit(h1)

    def sign_in(self, base: str, email: str) -> None:
        page = self.page
        page.goto(base + "/sign-in")
        self.audit("Sign in")
        page.get_by_label("Email address").fill(email)
        self.press("Continue", "Check your email")
        page.goto(f"{base}/dev/outbox?to={email}")
        self.audit("Email outbox")
        page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
        self.audit()
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()


def _participants(base: str, token: str) -> list[str]:
    response = httpx.get(f"{base}/api/v3/participants/ecf", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return [item["attributes"]["full_name"] for item in response.json()["data"]]


def _add(story: Story, kind: str, name: str, trn: str, born: tuple[str, str, str], email: str,
         mentor: str | None = None) -> None:  # fmt: skip
    page = story.page
    page.get_by_role("link", name=re.compile("^Add (an|another) ECT or mentor$")).first.click()
    story.audit("Who do you want to add?")
    page.get_by_label("A mentor" if kind == "mentor" else "An early career teacher (ECT)").check()
    story.press("Continue", f"What is the {'mentor' if kind == 'mentor' else 'ECT'}’s full name?")
    page.get_by_label(re.compile("full name")).fill(name)
    story.press("Continue", f"What is {name}’s teacher reference number (TRN)?")
    page.get_by_label(re.compile("TRN")).fill(trn)
    story.press("Continue", f"What is {name}’s date of birth?")
    for box, value in zip(("Day", "Month", "Year"), born, strict=True):
        page.get_by_label(box, exact=True).fill(value)
    story.press("Continue", f"What is {name}’s email address?")
    page.get_by_label(re.compile("email address")).fill(email)
    if kind == "mentor":
        story.press("Continue", "Check the mentor’s details")
    else:
        story.press("Continue", f"When does {name} start their induction at your school?")
        for box, value in zip(("Day", "Month", "Year"), ("1", "9", "2025"), strict=True):
            page.get_by_label(box, exact=True).fill(value)
        story.press("Continue", f"Who will mentor {name}?")
        page.get_by_label(mentor or "Add or assign a mentor later").check()
        story.press("Continue", "Check the ECT’s details")
    story.press("Confirm and add", f"{name} has been added as {'a mentor' if kind == 'mentor' else 'an ECT'}")


def test_a_school_registers_an_ect_a_provider_partners_and_the_school_challenges(
    service_url,  # noqa: F811  (the fixture imported above)
    chromium,
    session,
):
    provider, token = provider_with_token(session, TEST_SECRET_KEY, name="Ambition Institute")
    _other, other_token = provider_with_token(session, TEST_SECRET_KEY, name="Best Practice Network")
    partner = builders.delivery_partner(session, provider, years=(2025,), name="North Partners")
    session.commit()
    tutor, school = make_tutor(session)
    provider_user, _ = make_provider_user(session)

    # The tutor signs in and is sent to set up the 2025 cohort first.
    school_tab = Story(chromium, service_url)
    page = school_tab.page
    school_tab.sign_in(service_url, tutor.email)
    school_tab.audit("Tell us how your school will train its ECTs in 2025 to 2026")
    page.get_by_role("link", name="Start setting up").click()
    school_tab.audit(re.compile("Do you expect any new early career teachers"))
    school_tab.press("Continue")  # the error state is audited too
    assert (
        "Select yes if you expect any new ECTs this year" in page.locator(".govuk-error-summary").inner_text()
    )
    page.get_by_label("Yes").check()
    school_tab.press("Continue", "How will you run training for your ECTs?")
    page.get_by_label("Provider-led: use a training provider funded by DfE").check()
    school_tab.press("Continue", "Which appropriate body have you appointed?")
    page.get_by_label("We have not appointed one yet").check()
    school_tab.press("Continue", "Check your answers")
    school_tab.press("Confirm", re.compile("Training set up"))

    # A mentor, then an ECT with that mentor (both in sandbox-data/teacher-records.csv).
    _add(school_tab, "mentor", "Marcus Lindqvist", "1000116", ("2", "2", "1985"), "marcus@example.com")
    _add(
        school_tab,
        "ect",
        "Rhys Llewellyn",
        "1000104",
        ("9", "1", "1995"),
        "rhys@example.com",
        "Marcus Lindqvist",
    )
    page.get_by_role("link", name="See your ECTs and mentors").click()
    school_tab.audit("Your ECTs and mentors")
    assert "Rhys Llewellyn" in page.locator("main").inner_text()
    assert _participants(service_url, token) == []  # not partnered yet

    # The provider confirms the school by uploading a CSV of URNs.
    provider_tab = Story(chromium, service_url)
    provider_tab.sign_in(service_url, provider_user.email)
    provider_tab.audit()
    ppage = provider_tab.page
    ppage.goto(service_url + "/providers/partnerships/upload")
    provider_tab.audit()
    ppage.get_by_label("Cohort").select_option("2025")
    ppage.get_by_label("Delivery partner").select_option(value=str(partner.id))
    ppage.locator("input[name=csv_file]").set_input_files(
        files=[{"name": "schools.csv", "mimeType": "text/csv", "buffer": f"urn\n{school.urn}\n".encode()}]
    )
    ppage.get_by_role("button", name="Check the schools").click()
    provider_tab.audit()
    assert ppage.get_by_role("button", name="Confirm partnerships").count() == 1, ppage.locator(
        "main"
    ).inner_text()
    provider_tab.press("Confirm partnerships", re.compile("Partnerships confirmed"))

    assert "Rhys Llewellyn" in _participants(service_url, token)
    assert "Rhys Llewellyn" not in _participants(service_url, other_token)

    # The school reports the partnership; the provider stops seeing its ECT.
    page.goto(service_url + "/schools")
    school_tab.audit(school.name)
    assert "Ambition Institute" in page.locator("main").inner_text()
    page.get_by_role("link", name="report this partnership").click()
    school_tab.audit(re.compile("Why is the partnership with Ambition Institute"))
    page.get_by_label("This looks like a mistake").check()
    school_tab.press("Report this partnership", "Partnership reported")
    assert "Rhys Llewellyn" not in _participants(service_url, token)
    provider_tab.close()
    school_tab.close()
