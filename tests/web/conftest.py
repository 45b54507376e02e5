"""Fixtures for the documentation site's tests: one server and one Chromium per module (per
xdist worker), so every page can be visited in a real browser within a few seconds.

Chromium is Debian's (``make browser`` and ``.ci/run`` install it; ``make test`` does not), driven
by Playwright through ``executable_path``: Playwright's own browser downloads are never used.
Without it (``/usr/bin/chromium``, or ``CPD_CHROMIUM``) the browser tests are skipped, and the
terminal summary says so in one line, so a green run without them is never mistaken for a full one.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpd.config import Settings

CHROMIUM = Path(os.environ.get("CPD_CHROMIUM", "/usr/bin/chromium"))
#: The skip reason; tests/conftest.py's terminal summary counts the tests skipped with it.
NO_CHROMIUM = f"no Chromium at {CHROMIUM}: browser tests skipped (`make browser` installs Debian's chromium)"


@pytest.fixture(scope="module")
def docs_settings(database_url: str) -> Settings:
    """The sandbox's settings, as providers' developers see the site; the pages read no data."""
    return Settings(
        database_url=database_url,
        redis_url=None,
        secret_key="docs-site-test-secret-key-0123456789abcdef",
        environment="sandbox",
        debug=False,
        support_email="help-desk@example.test",
    )


@pytest.fixture(scope="module")
def docs_client(docs_settings: Settings) -> Iterator[Any]:
    """One in-process app for a module's requests: building the app is the slow part."""
    from cpd.app import create_app

    with create_app(docs_settings).test_client() as client:
        yield client


@pytest.fixture(scope="module")
def site_url(docs_settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free port (real HTTP, as a browser needs)."""
    import uvicorn

    from cpd.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(docs_settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()
