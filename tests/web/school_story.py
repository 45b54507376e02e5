"""Shared set-up for the school pages' tests: reference data, the fake teacher record API
(real HTTP, serving sandox-data/teacher-records.csv) and a signed-in induction tutor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from cpd.config import FAKE_TEACHER_RECORD_API_KEY, Settings
from integrations.fakes.teacher_record_server import running


@pytest.fixture(scope="module")
def records_api() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture
def settings(settings: Settings, records_api: str) -> Settings:  # type: ignore[override]
    """The suite's settings, checking teacher records against the local fake."""
    return replace(
        settings, teacher_record_api_url=records_api, teacher_record_api_key=FAKE_TEACHER_RECORD_API_KEY
    )
