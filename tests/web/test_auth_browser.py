"""Signing in and naming an induction tutor in a real browser (Debian's Chromium through
Playwright): a tutor asks for a link, reads it in the outbox, signs in, sees their school and
signs out; a school names its tutor, errors included. Every page passes axe-core with no
serious or critical violation, and the forms work without JavaScript."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from cpd.config import Settings
from tests import builders
from tests.web.service_pages import make_tutor
from tests.web.site_pages import AXE

SERIOUS = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
    ".map(v => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes[0].target}`)"
)


@pytest.fixture
def service_url(settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free port, its emails linking back to that port."""
    import uvicorn

    from cpd.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(replace(settings, base_url=url)), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


class Visit:
    """One browser tab that checks every page it lands on: axe-core, one h1, no console errors.

    axe-core needs JavaScript, so where the tab has it off, each page's HTML is checked in a
    second tab that has it, loaded at the same origin (so the same styles apply)."""

    def __init__(self, browser: Any, base_url: str, **context: Any) -> None:
        if not AXE.exists():
            pytest.skip("axe-core is not installed (`npm ci`, which make test runs)")
        self.base_url = base_url
        # axe-core is injected as an inline script, which the pages' Content-Security-Policy
        # rightly forbids: only the test's own tabs set the policy aside.
        self.context = browser.new_context(bypass_csp=True, **context)
        self.page = self.context.new_page()
        self.checker = None
        if context.get("java_script_enabled") is False:
            self.checker = browser.new_context(bypass_csp=True).new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))

    def check(self, h1: str) -> None:
        page = self.page
        page.wait_for_load_state()
        assert page.locator("h1").all_inner_texts() == [h1], page.url
        audited = page
        if self.checker is not None:
            audited = self.checker
            audited.goto(self.base_url + "/service-assets/service.css")
            audited.set_content(page.content(), wait_until="load")
        audited.add_script_tag(path=str(AXE))
        violations = audited.evaluate(SERIOUS)
        assert violations == [], f"{page.url}: {violations}"

    def close(self) -> None:
        if self.checker is not None:
            self.checker.context.close()
        self.context.close()
        assert self.problems == []


def test_a_tutor_signs_in_from_the_emailed_link_and_signs_out(service_url, chromium, session):
    user, school = make_tutor(session)
    visit = Visit(chromium, service_url)
    page = visit.page
    page.goto(service_url + "/")
    visit.check("Manage training for early career teachers")
    page.get_by_role("button", name="Sign in").click()
    visit.check("Sign in")
    page.get_by_role("button", name="Continue").click()
    visit.check("Sign in")  # the error state passes too
    assert page.locator(".govuk-error-summary").inner_text().count("Enter your email address") == 1
    assert page.title().startswith("Error: Sign in")
    page.get_by_label("Email address").fill(user.email.upper())
    page.get_by_role("button", name="Continue").click()
    visit.check("Check your email")

    page.goto(f"{service_url}/dev/outbox?to={user.email}")
    visit.check("Email outbox")
    page.locator("main a[href*='/sign-in/confirm?token=']").first.click()
    visit.check("Sign in to Manage teacher CPD")
    page.get_by_role("button", name="Sign in").click()
    visit.check(school.name)
    assert page.url.endswith(f"/schools/{school.urn}-ash-tree-primary-school")
    assert "Jo Bloggs (you)" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    visit.check("You have signed out")
    page.goto(service_url + "/schools")
    assert page.url.endswith("/sign-in")
    visit.close()


def test_a_school_names_its_tutor_without_javascript(service_url, chromium, session):
    school = builders.school(
        session, induction_tutor=None, name="Oak Primary", primary_contact_email="office@oak.example.sch.uk"
    )
    session.commit()
    visit = Visit(chromium, service_url, java_script_enabled=False)
    page = visit.page
    page.goto(service_url + "/request-access")
    visit.check("Request access for your school")
    page.get_by_role("button", name="Continue").click()
    visit.check("Request access for your school")
    page.get_by_label(re.compile("URN")).fill(school.urn)
    page.get_by_role("button", name="Continue").click()
    visit.check("Send a link to Oak Primary")
    page.get_by_role("button", name="Send the link").click()
    visit.check("We have sent a link to your school")

    page.goto(f"{service_url}/dev/outbox?to=office@oak.example.sch.uk")
    page.locator("main a[href*='/nominations/start?token=']").first.click()
    visit.check("What is the induction tutor’s full name?")
    page.get_by_label("What is the induction tutor’s full name?").fill("Ada Lovelace")
    page.get_by_role("button", name="Continue").click()
    visit.check("What is Ada Lovelace’s email address?")
    page.get_by_label("What is Ada Lovelace’s email address?").fill("not an email")
    page.get_by_role("button", name="Continue").click()
    visit.check("What is Ada Lovelace’s email address?")
    page.get_by_role(
        "link", name="Enter an email address in the correct format, like name@example.com"
    ).click()
    page.get_by_label("What is Ada Lovelace’s email address?").fill("ada@oak.example.sch.uk")
    page.get_by_role("button", name="Continue").click()
    visit.check("Check the induction tutor’s details")
    page.get_by_role("button", name="Confirm and send").click()
    visit.check("Induction tutor named")
    visit.close()
