"""A provider generates a Python client from openapi/v3.yaml and uses it against a real server.

openapi-python-client writes deepObject query parameters flat (``page=2`` rather than
``page[page]=2``), which the API ignores; the test shows the documented way round it
(docs/clients.md): send those parameters through the client's own httpx session and
parse the body with the generated models.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from storage.enums import ProfileType
from tests import builders
from tests.factories import provider_with_token

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "v3.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Generate the client once per module; fail on any generator warning."""
    out = tmp_path_factory.mktemp("client")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--output-path",
            str(out / "cpd_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("cpd_client")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "cpd_client" or n.startswith("cpd_client.")]:
            del sys.modules[name]


@pytest.fixture
def server(live_server: str) -> str:
    """The real app on a real socket."""
    return live_server


def test_every_operation_is_generated(generated):
    spec = yaml.safe_load(SPEC.read_text())
    for item in spec["paths"].values():
        for operation in item.values():
            tag = operation["tags"][0].replace(" ", "_")
            importlib.import_module(f"cpd_client.api.{tag}.{operation['operationId']}")


def test_a_provider_reads_participants_and_withdraws_one_with_the_generated_client(
    generated, server, session, settings
):
    from cpd_client import AuthenticatedClient
    from cpd_client.api.participants import get_participant, list_participants, withdraw_participant
    from cpd_client.models import (
        ECFParticipantWithdraw,
        ECFParticipantWithdrawAttributes,
        ECFParticipantWithdrawRequest,
        ECFParticipantWithdrawType,
        MultipleECFParticipantsResponse,
        WithdrawalReason,
    )
    from cpd_client.models.course_identifier import CourseIdentifier

    provider, token = provider_with_token(session, settings.secret_key)
    school = builders.school(session)
    partner = builders.delivery_partner(session, provider)
    _, programme = builders.partnership(session, school, provider, partner, 2025)
    profiles = [builders.participant(session, programme) for _ in range(3)]
    builders.participant(session, programme, profile_type=ProfileType.MENTOR)
    session.commit()
    client = AuthenticatedClient(base_url=server, token=token)

    listed = list_participants.sync(client=client)
    assert isinstance(listed, MultipleECFParticipantsResponse)
    assert len(listed.data) == 4

    # Paging and filtering: deepObject parameters go through the client's httpx session.
    pages, page = [], 1
    while True:
        response = client.get_httpx_client().get(
            "/api/v3/participants/ecf",
            params={"page[page]": page, "page[per_page]": 3, "filter[cohort]": "2025"},
        )
        body = MultipleECFParticipantsResponse.from_dict(response.json())
        if not body.data:
            break
        pages.append([item.id for item in body.data])
        page += 1
    assert [len(p) for p in pages] == [3, 1]

    ect = profiles[0]
    withdrawn = withdraw_participant.sync(
        id=ect.teacher_id,
        client=client,
        body=ECFParticipantWithdrawRequest(
            data=ECFParticipantWithdraw(
                type_=ECFParticipantWithdrawType.PARTICIPANT_WITHDRAW,
                attributes=ECFParticipantWithdrawAttributes(
                    reason=WithdrawalReason.MOVED_SCHOOL,
                    course_identifier=CourseIdentifier.ECF_INDUCTION,
                ),
            )
        ),
    )
    enrolment = withdrawn.data.attributes.ecf_enrolments[0]
    assert enrolment.training_status == "withdrawn"
    assert enrolment.withdrawal.reason == "moved-school"

    again = get_participant.sync(id=ect.teacher_id, client=client)
    assert again.data.attributes.ecf_enrolments[0].training_status == "withdrawn"
