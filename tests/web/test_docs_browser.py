"""The documentation site in a real browser (Debian's Chromium): every page loads cleanly,
has one h1 and the headings it promises, every same-origin link, asset and #fragment
resolves, no console errors, and no serious accessibility problem (axe-core)."""

from __future__ import annotations

from collections import deque
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest

from tests.web.site_pages import AXE, HEADINGS, PAGES

LINKS = "els => els.map(e => e.href || e.src).filter(Boolean)"
LINKED = "a[href], link[href], script[src], img[src]"


def _is_page(path: str) -> bool:
    return path.startswith("/api-reference") and not path.startswith("/api-reference/static/")


def test_every_page_loads_cleanly_and_every_internal_link_resolves(site_url: str, chromium: Any) -> None:
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    current = {"path": ""}
    page.on(
        "console", lambda m: m.type == "error" and problems.append(f"{current['path']}: console: {m.text}")
    )
    page.on("pageerror", lambda e: problems.append(f"{current['path']}: script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"{current['path']}: request failed: {r.url}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and problems.append(f"{current['path']}: {r.status} for {r.url}"),
    )

    queue, visited = deque(["/api-reference"]), set()
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []  # (page, fragment, linked from)
    others: dict[str, str] = {}  # non-page URL -> linked from
    while queue:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        current["path"] = path
        response = page.goto(site_url + path)
        assert response is not None
        if response.status != 200:
            problems.append(f"{path}: status {response.status}")
            continue
        h1s = [text.strip() for text in page.locator("h1").all_inner_texts()]
        if len(h1s) != 1:
            problems.append(f"{path}: {len(h1s)} h1 elements")
        elif path in PAGES and h1s[0] != PAGES[path]:
            problems.append(f"{path}: h1 is {h1s[0]!r}, not {PAGES[path]!r}")
        headings = {text.strip() for text in page.locator("h2, h3").all_inner_texts()}
        problems += [
            f"{path}: no heading {wanted!r}" for wanted in HEADINGS.get(path, []) if wanted not in headings
        ]
        ids[path] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        for url in page.eval_on_selector_all(LINKED, LINKS):
            address, fragment = urldefrag(url)
            parsed = urlparse(address)
            if f"{parsed.scheme}://{parsed.netloc}" != site_url:
                continue  # other sites and mailto: are not ours to check
            target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if _is_page(parsed.path):
                queue.append(target)
                if fragment:
                    fragments.append((target, fragment, path))
            else:
                others.setdefault(target, path)

    for url, source in sorted(others.items()):
        status = context.request.get(site_url + url).status
        if status != 200:
            problems.append(f"{source}: link to {url} answers {status}")
    problems += [
        f"{source}: link to {target}#{fragment}, which has no such id"
        for target, fragment, source in fragments
        if fragment not in ids.get(target, set())
    ]
    context.close()
    assert set(PAGES) <= visited, f"pages not reachable by links: {set(PAGES) - visited}"
    assert any(url.startswith("/assets/") for url in others), "no GOV.UK Frontend asset was linked"
    assert problems == []


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.rsplit("/", 1)[-1])
def test_accessible_and_fits_a_small_screen(site_url: str, chromium: Any, path: str) -> None:
    """No serious or critical axe-core violation on the desktop layout, and at 320 CSS
    pixels wide (WCAG's reflow width) nothing makes the page scroll sideways."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (`npm ci`, which make test runs)")
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # to inject axe-core
    page.goto(site_url + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes[0].target}`)"
    )
    page.set_viewport_size({"width": 320, "height": 800})
    page_width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert violations == []
    assert page_width <= 320


def test_pages_read_the_same_without_javascript(site_url: str, chromium: Any) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "/api-reference/v3")
    assert page.locator("h1").inner_text() == "API v3 reference"
    assert page.locator("main details").count() > 0  # examples fold away natively
    assert page.locator("nav[aria-label='Documentation pages'] a").count() == len(PAGES)
    context.close()
