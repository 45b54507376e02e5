"""Provider isolation, property-based: with provider A's token, every operation of v1–v3
(read from the specs, so a new one is covered without new code) is sent ids and filter values
that belong to another provider B; nothing of B's is returned, and nothing is changed.

"Belongs to B" is what B's token can see and A's cannot: every id in B's answers to every v3
list (participants, unfunded mentors, transfers, declarations, partnerships, statements,
delivery partners, schools) minus every id in A's. Schools and shared delivery partners are
seen by both, so they are inputs here but never count as a leak. The sandbox seeds all seven
providers with random data (``cpd.sandbox.populate``).

CI runs ``CPD_ISOLATION_EXAMPLES`` (default 60) random cases plus one sweep of every
operation; ``make fuzz`` runs thousands.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cpd.config import Settings
from cpd.sandbox import populate
from storage.db import new_session
from tests.conftest import TEST_SECRET_KEY, _empty_all_tables
from tests.spec_operations import Operation, all_operations

EXAMPLES = int(os.environ.get("CPD_ISOLATION_EXAMPLES", os.environ.get("CPD_FUZZ_EXAMPLES", "60")))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: What an id in a path names, by the path's resource segment.
PATH_KINDS = {
    "participants": "participant",
    "unfunded-mentors": "participant",
    "participant-declarations": "declaration",
    "partnerships": "partnership",
    "statements": "statement",
    "delivery-partners": "delivery_partner",
    "schools": "school",
}
#: What a filter or body attribute holding an id names.
FIELD_KINDS = {
    "participant_id": "participant",
    "from_participant_id": "participant",
    "delivery_partner_id": "delivery_partner",
    "school_id": "school",
}
#: The rows a write could touch; a refused write leaves every count as it was.
WRITTEN_TABLES = (
    "participant_declarations",
    "declaration_states",
    "statement_line_items",
    "participant_profile_states",
    "participant_profile_schedules",
    "induction_records",
    "partnerships",
)
OPERATIONS = all_operations()


@dataclass
class World:
    client: object
    tokens: dict[str, str]
    #: provider -> every id its token can see
    visible: dict[str, set[str]]
    #: provider -> kind -> ids of that kind that only it (of the pair) can see, or schools it works with
    owned: dict[str, dict[str, list[str]]]
    database_url: str

    def exclusive(self, owner: str, caller: str) -> set[str]:
        return self.visible[owner] - self.visible[caller]


def _list_all(client, token: str, path: str, query: dict[str, str] | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    rows, page = [], 1
    while True:
        response = client.get(
            path,
            params={**(query or {}), "page[page]": str(page), "page[per_page]": "3000"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, (path, response.text)
        data = response.json()["data"]
        rows += data
        if len(data) < 3000:
            return rows
        page += 1


def _survey(client, token: str) -> tuple[set[str], dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Every id the token sees, and its own ids by kind."""
    seen: set[str] = set()
    kinds: dict[str, set[str]] = {k: set() for k in set(PATH_KINDS.values())}
    for path, kind in [
        ("/api/v3/participants/ecf", "participant"),
        ("/api/v3/participant-declarations", "declaration"),
        ("/api/v3/partnerships/ecf", "partnership"),
        ("/api/v3/statements", "statement"),
        ("/api/v3/delivery-partners", "delivery_partner"),
        ("/api/v3/unfunded-mentors/ecf", None),
        ("/api/v3/participants/ecf/transfers", None),
    ]:
        for row in _list_all(client, token, path):
            seen |= set(UUID.findall(repr(row)))
            if kind:
                kinds[kind].add(row["id"])
            if kind == "partnership":
                kinds["school"].add(row["attributes"]["school_id"])
    for year in range(2021, 2027):
        for row in _list_all(client, token, "/api/v3/schools/ecf", {"filter[cohort]": str(year)}):
            seen |= set(UUID.findall(repr(row)))
    return seen, {kind: sorted(ids) for kind, ids in kinds.items()}


def _counts(database_url: str) -> dict[str, int]:
    session = new_session(database_url)
    try:
        return {t: session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in WRITTEN_TABLES}
    finally:
        session.close()


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    from cpd.app import create_app

    settings = Settings(
        database_url=database_url,
        redis_url=None,
        secret_key=TEST_SECRET_KEY,
        environment="test",
        debug=False,
        rate_limit=1_000_000,
    )
    session = new_session(database_url)
    tokens = populate(session, secret_key=TEST_SECRET_KEY)
    session.commit()
    session.close()
    with create_app(settings).test_client() as client:
        surveys = {name: _survey(client, token) for name, token in tokens.items()}
        yield World(
            client=client,
            tokens=tokens,
            visible={name: seen for name, (seen, _) in surveys.items()},
            owned={name: kinds for name, (_, kinds) in surveys.items()},
            database_url=database_url,
        )
    _empty_all_tables(database_url)


def _kind_of_path(op: Operation) -> str:
    segments = [s for s in op.path.split("/") if s and not s.startswith("{")]
    return next(PATH_KINDS[s] for s in reversed(segments) if s in PATH_KINDS)


def _request(world: World, op: Operation, caller: str, victim: str, pick) -> tuple[object, set[str]]:  # type: ignore[no-untyped-def]
    """Send ``op`` as ``caller`` with ``victim``'s ids wherever the operation takes one."""
    owned = world.owned[victim]
    sent: set[str] = set()

    def id_of(kind: str) -> str:
        ids = owned.get(kind) or [str(uuid.uuid4())]
        chosen = pick(ids)
        sent.add(chosen)
        return chosen

    url = op.url(id=id_of(_kind_of_path(op))) if op.path_params else op.path
    query: dict[str, str] = {"filter[cohort]": "2025"} if "filter" in op.required_query else {}
    for key in op.filter_keys:
        if key in FIELD_KINDS:
            query[f"filter[{key}]"] = id_of(FIELD_KINDS[key])
    body = None
    if op.body_attributes is not None:
        attributes: dict[str, object] = {"course_identifier": "ecf-induction", "reason": "other"}
        for name in op.body_attributes:
            if name in FIELD_KINDS:
                attributes[name] = id_of(FIELD_KINDS[name])
        attributes.update(
            {"declaration_type": "started", "declaration_date": "2025-10-01T00:00:00Z", "cohort": "2025"}
            if "declaration_type" in op.body_attributes
            else {}
        )
        body = {"data": {"type": "x", "attributes": attributes}}
    response = world.client.request(  # type: ignore[attr-defined]
        op.method.upper(),
        url,
        params=query,
        json=body,
        headers={"Authorization": f"Bearer {world.tokens[caller]}"},
    )
    return response, sent


def _check(world: World, op: Operation, caller: str, victim: str, response, sent: set[str]) -> None:  # type: ignore[no-untyped-def]
    what = f"{op} as {caller} with {victim}'s ids {sorted(sent)}"
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    leaked = set(UUID.findall(response.text)) & world.exclusive(victim, caller)
    assert not leaked, f"{what}: {victim}'s records {sorted(leaked)[:5]} returned"
    if (
        op.path_params
        and _kind_of_path(op) not in ("school", "delivery_partner")
        and sent & world.exclusive(victim, caller)
    ):
        # Something of B's named in the path: as if it did not exist (422 for actions, as the original).
        assert response.status_code in (404, 422), f"{what}: {response.status_code}"
    if (
        op.method != "get"
        and sent & world.exclusive(victim, caller)
        and op.operation_id != "create_partnership"
    ):
        assert response.status_code >= 400, f"{what}: {response.status_code} {response.text[:300]}"


def _pairs(world_names: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for a in world_names for b in world_names if a != b]


def test_every_operation_refuses_every_other_providers_ids(world):
    """One deterministic sweep: each operation, each caller, the next provider's first ids."""
    names = sorted(world.tokens)
    before = _counts(world.database_url)
    for op in OPERATIONS:
        for index, caller in enumerate(names):
            victim = names[(index + 1) % len(names)]
            response, sent = _request(world, op, caller, victim, lambda ids: ids[0])
            _check(world, op, caller, victim, response, sent)
    after = _counts(world.database_url)
    changed = {t for t in WRITTEN_TABLES if before[t] != after[t]} - {"partnerships"}
    assert not changed, {t: (before[t], after[t]) for t in changed}


def test_the_survey_found_data_of_every_provider_that_others_cannot_see(world):
    """Guards the property test itself: it would prove nothing over empty sets."""
    names = sorted(world.tokens)
    for a, b in _pairs(names):
        assert world.exclusive(b, a), f"nothing of {b}'s is hidden from {a}"
    for name in names:
        for kind in ("participant", "declaration", "partnership", "statement"):
            assert world.owned[name][kind], f"{name} has no {kind}"


@pytest.mark.fuzz
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
@given(data=st.data())
def test_no_provider_ever_sees_or_changes_another_providers_records(world, data):
    names = sorted(world.tokens)
    caller, victim = data.draw(st.sampled_from(_pairs(names)), label="caller, victim")
    op = data.draw(st.sampled_from(OPERATIONS), label="operation")
    before = _counts(world.database_url) if op.method != "get" else None
    response, sent = _request(world, op, caller, victim, lambda ids: data.draw(st.sampled_from(ids)))
    _check(world, op, caller, victim, response, sent)
    if before is not None and op.operation_id != "create_partnership" and response.status_code >= 400:
        assert _counts(world.database_url) == before, f"{op}: a refused write changed rows"


def test_the_sweep_covers_every_operation_of_every_version():
    assert {op.version for op in OPERATIONS} == {"v1", "v2", "v3"}
    for op in OPERATIONS:
        if op.path_params:
            assert _kind_of_path(op) in set(PATH_KINDS.values()), op
