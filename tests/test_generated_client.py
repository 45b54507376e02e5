"""Providers generate Python clients from openapi/v1.yaml, v2.yaml and v3.yaml and use them
against a real server.

openapi-python-client writes deepObject query parameters flat (``page=2`` rather than
``page[page]=2``), which the API ignores; the test shows the documented way round it
(docs/clients.md): send those parameters through the client's own httpx session and
parse the body with the generated models.
"""

from __future__ import annotations

import contextlib
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


def _generate(spec: Path, package: str, out: Path) -> object:
    """Generate a client package from ``spec``, failing on any generator warning."""
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(out / package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    return importlib.import_module(package)


@contextlib.contextmanager
def _importable(out: Path, *packages: str) -> Iterator[None]:
    sys.path.insert(0, str(out))
    try:
        yield
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] in packages]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    out = tmp_path_factory.mktemp("client")
    with _importable(out, "cpd_client"):
        yield _generate(SPEC, "cpd_client", out)


@pytest.fixture(scope="module")
def legacy_clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Clients generated from the v1 and v2 specs."""
    out = tmp_path_factory.mktemp("legacy_clients")
    with _importable(out, "cpd_v1_client", "cpd_v2_client"):
        yield {
            version: _generate(SPEC.with_name(f"{version}.yaml"), f"cpd_{version}_client", out)
            for version in ("v1", "v2")
        }


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


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_legacy_operation_is_generated(legacy_clients, version):
    spec = yaml.safe_load(SPEC.with_name(f"{version}.yaml").read_text())
    for item in spec["paths"].values():
        for operation in item.values():
            importlib.import_module(
                f"cpd_{version}_client.api.{operation['tags'][0]}.{operation['operationId']}"
            )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_provider_syncs_exports_and_defers_with_a_legacy_client(
    legacy_clients, server, session, settings, version
):
    package = f"cpd_{version}_client"
    client_module = importlib.import_module(package)
    models = importlib.import_module(f"{package}.models")
    provider, token = provider_with_token(session, settings.secret_key)
    school = builders.school(session)
    partner = builders.delivery_partner(session, provider)
    _, programme = builders.partnership(session, school, provider, partner, 2025)
    ect = builders.participant(session, programme)
    builders.participant(session, programme, profile_type=ProfileType.MENTOR)
    session.commit()
    client = client_module.AuthenticatedClient(base_url=server, token=token)

    listed = importlib.import_module(f"{package}.api.participants.list_participants").sync(client=client)
    assert isinstance(listed, models.MultipleECFParticipantsResponse)
    assert sorted(item.attributes.participant_type for item in listed.data) == ["ect", "mentor"]

    exported = importlib.import_module(f"{package}.api.participants.export_participants_csv").sync(
        client=client
    )
    assert isinstance(exported, str)
    assert exported.splitlines()[0].startswith("id,email,full_name,mentor_id,")
    assert len(exported.splitlines()) == 3

    defer = importlib.import_module(f"{package}.api.participants.defer_participant")
    deferred = defer.sync(
        id=ect.teacher_id,
        client=client,
        body=models.ECFParticipantDeferRequest(
            data=models.ECFParticipantDefer(
                type_=models.ECFParticipantDeferType.PARTICIPANT_DEFER,
                attributes=models.ECFParticipantDeferAttributes(
                    reason=models.DeferralReason.CAREER_BREAK,
                    course_identifier=models.CourseIdentifier.ECF_INDUCTION,
                ),
            )
        ),
    )
    assert isinstance(deferred, models.ECFParticipantResponse)
    assert deferred.data.attributes.training_status == models.TrainingStatus.DEFERRED
    assert deferred.data.attributes.training_record_id == ect.id
