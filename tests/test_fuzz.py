"""Schemathesis fuzzes every operation of every spec against the in-process app.

The harness reads the specs, so a new operation is fuzzed without new test code.
CI runs a bounded number of examples; ``make fuzz`` sets CPD_FUZZ_EXAMPLES higher.
Checks: no server error, status code documented, content type and body conforming.

Three harnesses per version (v1, v2, v3):

- per operation, from our spec (``test_fuzz_vN``);
- stateful, from our spec (``test_fuzz_stateful_vN``): sequences of calls that feed one
  answer's ids into the next request (links schemathesis infers from the schemas, e.g. a
  listed declaration's id into ``void``), so the fuzzer reaches real records, not only 404s;
- from DfE's reference specs (``test_fuzz_reference_vN``; their structure, without DfE's wording,
  is shipped in tests/reference-specs/, made by its make.py from DfE's published files): what a
  client generated from the original's documentation would send; every answer must still be
  free of 5xx and conform to OUR spec.
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
#: DfE's published specs, structure only (tests/reference-specs/make.py says how they are made).
REFERENCE_DIR = Path(
    os.environ.get("CPD_REFERENCE_SPECS", Path(__file__).resolve().parent / "reference-specs")
)
EXAMPLES = int(os.environ.get("CPD_FUZZ_EXAMPLES", "25"))
#: Stateful scenarios are several calls each; a few are enough in CI.
STATEFUL_EXAMPLES = max(3, EXAMPLES // 5)


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


def _make_stateful_test(spec: Path):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_path(spec)
    if planned := _planned_operation_ids(spec):
        schema = schema.exclude(operation_id=planned)
    schema.auth(refresh_interval=None)(_BearerToken)
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[valid-type,misc]
        app = None

        def call(self, case, **kwargs):  # type: ignore[no-untyped-def]
            case.operation.schema.app = Workflow.app
            return case.call(base_url="http://localhost", app=Workflow.app)

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                transport_kwargs={"app": Workflow.app, "base_url": "http://localhost"},
            )

    @pytest.mark.fuzz
    def _test(fuzz_target):  # type: ignore[no-untyped-def]
        app, _token = fuzz_target
        Workflow.app = app.middleware
        Workflow.run(
            settings=hypothesis_settings(
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
        )

    return _test


def _make_reference_test(reference: Path, ours: Path):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_path(reference)
    schema.auth(refresh_interval=None)(_BearerToken)
    our_schema = schemathesis.openapi.from_path(ours)
    planned = set(_planned_operation_ids(ours))

    @pytest.mark.fuzz
    @schema.parametrize()
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def _test(case, fuzz_target):  # type: ignore[no-untyped-def]
        app, _token = fuzz_target
        case.operation.schema.app = app.middleware
        response = case.call(base_url="http://localhost", app=app.middleware)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        ours_op = our_schema.find_operation_by_path(case.method, case.operation.path)
        if ours_op is None or ours_op.definition.raw.get("operationId") in planned:
            # Not in our spec (or not built yet): the answer is a JSON 404/405/501.
            assert response.status_code in (404, 405, 501), response.status_code
            return
        # The reference's request, our contract: the answer must be what OUR spec documents.
        ours_case = ours_op.Case(
            method=case.method,
            path_parameters=case.path_parameters,
            headers=case.headers,
            query=case.query,
            body=case.body,
            media_type=case.media_type,
        )
        ours_op.schema.app = app.middleware
        ours_case.validate_response(
            response,
            excluded_checks=[positive_data_acceptance],
            transport_kwargs={"app": app.middleware, "base_url": "http://localhost"},
        )

    return _test


for _spec in sorted(SPEC_DIR.glob("v*.yaml")):
    if yaml.safe_load(_spec.read_text()).get("paths"):
        globals()[f"test_fuzz_stateful_{_spec.stem}"] = _make_stateful_test(_spec)
        # Shipped with the tests, so a missing copy is an error at collection, never a silent skip.
        _reference = REFERENCE_DIR / _spec.stem / "api_spec.json"
        globals()[f"test_fuzz_reference_{_spec.stem}"] = _make_reference_test(_reference, _spec)
