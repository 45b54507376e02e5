"""The Content-Security-Policy in a real browser: pages load their scripts, styles and
fonts, GOV.UK's inline ``js-enabled`` line runs (allowed by its hash), and Chromium
reports no violation. The headers themselves: tests/test_security_headers.py."""

from __future__ import annotations

import pytest

PAGES = ["/", "/sign-in", "/api-reference", "/api-reference/get-started", "/api-reference/v3"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_under_the_policy_without_violations(chromium, site_url, path):
    page = chromium.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    try:
        response = page.goto(site_url + path)
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        classes = page.evaluate("document.body.className").split()
        assert "js-enabled" in classes, "GOV.UK's inline script was blocked"
        assert "govuk-frontend-supported" in classes
        # The stylesheet loaded: headings are in GOV.UK Frontend's font, not the default.
        assert "GDS Transport" in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert violations == [], violations
    finally:
        page.close()
