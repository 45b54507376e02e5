"""Where no Chromium exists, ``make test`` neither installs it nor passes silently: the browser
tests are skipped and the summary says so in one line (``.ci/run`` installs it instead)."""

from __future__ import annotations

import os
import subprocess
import sys

from cpd.config import PROJECT_ROOT


def test_make_test_does_not_install_chromium():
    dry_run = subprocess.run(
        ["make", "-n", "test", "CHROMIUM=/nonexistent/chromium"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "pytest" in dry_run.stdout
    assert "apt-get" not in dry_run.stdout and "chromium" not in dry_run.stdout


def test_ci_installs_chromium_when_it_is_missing():
    dry_run = subprocess.run(
        ["make", "-n", "browser", "CHROMIUM=/nonexistent/chromium"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "apt-get install" in dry_run.stdout and "chromium" in dry_run.stdout
    assert "make browser" in (PROJECT_ROOT / ".ci" / "run").read_text()


def test_without_chromium_the_browser_tests_are_skipped_with_a_notice(tmp_path):
    test = "tests/web/test_docs_browser.py::test_pages_read_the_same_without_javascript"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", test],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CPD_CHROMIUM": str(tmp_path / "no-chromium")},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    notices = [line for line in run.stdout.splitlines() if "NOTICE" in line]
    assert len(notices) == 1, run.stdout
    assert f"NOTICE: 1 tests skipped: no Chromium at {tmp_path / 'no-chromium'}" in notices[0]
    assert "1 skipped" in run.stdout
