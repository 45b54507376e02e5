"""Schemathesis fuzzes every operation of every spec against the in-process app.

The harness reads the specs, so a new operation is fuzzed without new test code.
CI runs a bounded number of examples; ``make fuzz`` sets CPD_FUZZ_EXAMPLES higher.
Checks: no server error, status code documented, content type and body conforming.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cpd.sandbox import populate

SPEC_DIR = Path(__file__).resolve().parent.parent / "openapi"
EXAMPLES = int(os.environ.get("CPD_FUZZ_EXAMPLES", "25"))


#: The token of the test that is running; the auth provider below reads it for every case.
CURRENT_TOKEN: dict[str, str] = {}


class _BearerToken:
    """Tells schemathesis how this API authenticates, so its negative cases can leave the
    header out (and expect the 401) instead of our adding it back to every request."""

    def get(self, case, context):  # type: ignore[no-untyped-def]
        # Explicit examples are built while collecting, before any token exists.
        return CURRENT_TOKEN.get("value", "no-token-yet")

    def set(self, case, data, context):  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def fuzz_target(app, session, settings):  # type: ignore[no-untyped-def]
    """The app over a populated sandbox (every provider's data), and one provider's token,
    so list responses are checked against the spec on realistic records."""
    tokens = populate(session, secret_key=settings.secret_key)
    session.commit()
    CURRENT_TOKEN["value"] = tokens["Ambition Institute"]
    return app, tokens["Ambition Institute"]


def _planned_operation_ids(spec: Path) -> list[str]:
    """Operations published ahead of their implementation answer 501; they are proven
    by tests/test_api_bodies_and_planned.py and join the fuzzing once implemented."""
    paths = yaml.safe_load(spec.read_text())["paths"]
    return [
        operation["operationId"]
        for item in paths.values()
        for operation in item.values()
        if operation.get("x-cpd-status") == "planned"
    ]


def _make_test(spec: Path):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_path(spec)
    if planned := _planned_operation_ids(spec):
        schema = schema.exclude(operation_id=planned)
    schema.auth(refresh_interval=None)(_BearerToken)

    @pytest.mark.fuzz
    @schema.parametrize()
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def _test(case, fuzz_target):  # type: ignore[no-untyped-def]
        app, _token = fuzz_target
        # Follow-up requests some checks make go through the schema's own transport.
        case.operation.schema.app = app.middleware
        case.call_and_validate(
            base_url="http://localhost",
            app=app.middleware,
            # A request can match the spec and still break a business rule (an unknown
            # participant, a school already partnered): the documented 422 is right there.
            excluded_checks=[positive_data_acceptance],
        )

    return _test


for _spec in sorted(SPEC_DIR.glob("v*.yaml")):
    if yaml.safe_load(_spec.read_text()).get("paths"):
        globals()[f"test_fuzz_{_spec.stem}"] = _make_test(_spec)
