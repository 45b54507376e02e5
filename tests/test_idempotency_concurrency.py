"""Idempotency-Key under real concurrency: a CRM that times out and retries while its first
request is still running, many times at once, must get one piece of work done and the same
answer every time.

The real app runs under uvicorn against PostgreSQL and threads release the requests
together (as tests/test_declarations_concurrency.py does). SQLite admits one writer at a
time, so there is no race to prove there and the tests are skipped.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from handlers import idempotency
from tests import builders
from tests.test_declarations_api import NOW, attributes, envelope, make_provider
from tests.test_declarations_concurrency import fire_together, live_declarations
from tests.test_http_conveniences import declarations_of

pytestmark = pytest.mark.postgres_only
REQUESTS = 12


@pytest.fixture
def server(settings, request) -> str:  # type: ignore[no-untyped-def]
    if sa.make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…): SQLite admits one writer at a time"
        )
    return request.getfixturevalue("live_server")


@pytest.fixture
def outcomes(monkeypatch) -> list[object]:  # type: ignore[no-untyped-def]
    """What each attempt to claim a key came to (the server runs in this process)."""
    seen: list[object] = []
    real = idempotency.claim_key

    def recording(database_url: str, claim: idempotency.Claim) -> object:
        outcome = real(database_url, claim)
        seen.append(outcome)
        return outcome

    monkeypatch.setattr(idempotency, "claim_key", recording)
    return seen


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_concurrent_duplicates_do_the_work_once_and_share_its_answer(
    server, session, settings, outcomes, version
):
    provider = make_provider(session, settings.secret_key, partnered=(2024,))
    profile = builders.participant(session, provider.programmes[2024])
    session.commit()
    headers = {**provider.headers(NOW), "Idempotency-Key": str(uuid.uuid4())}
    responses = fire_together(
        f"{server}/api/{version}/participant-declarations", headers, envelope(attributes(profile)), REQUESTS
    )

    done = [r for r in responses if r.status_code == 200 and "idempotent-replayed" not in r.headers]
    replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
    still_running = [r for r in responses if r.status_code == 409]
    assert len(done) == 1, [(r.status_code, r.text) for r in responses]
    assert len(done) + len(replayed) + len(still_running) == REQUESTS
    assert all(r.status_code == 200 and r.content == done[0].content for r in replayed)
    assert all(r.json()["errors"][0]["title"] == "Idempotency-Key" for r in still_running)
    # With 5 seconds' patience every duplicate outlives one declaration's work.
    assert len(replayed) == REQUESTS - 1
    assert live_declarations(session, profile.id) == 1
    assert declarations_of(session, profile) == 1
    # The duplicates really overlapped the first request: some found its claim unanswered.
    assert idempotency.Refusal.IN_PROGRESS in outcomes
    assert sum(isinstance(o, idempotency.Claim) for o in outcomes) == 1


def test_concurrent_requests_with_one_key_and_different_bodies_let_one_through(server, session, settings):
    provider = make_provider(session, settings.secret_key, partnered=(2024,))
    profiles = [builders.participant(session, provider.programmes[2024]) for _ in range(2)]
    session.commit()
    headers = {**provider.headers(NOW), "Idempotency-Key": "one-key"}
    url = f"{server}/api/v3/participant-declarations"
    first = fire_together(url, headers, envelope(attributes(profiles[0])), REQUESTS // 2)
    second = fire_together(url, headers, envelope(attributes(profiles[1])), REQUESTS // 2)
    assert [r.status_code for r in first].count(200) == REQUESTS // 2
    assert {r.status_code for r in second} == {422}
    assert {r.json()["errors"][0]["title"] for r in second} == {"Idempotency-Key"}
    assert declarations_of(session, profiles[0]) == 1 and declarations_of(session, profiles[1]) == 0


def test_the_same_key_from_two_providers_at_once_is_two_requests(server, session, settings):
    one = make_provider(session, settings.secret_key, name="Ambition Institute", partnered=(2024,))
    two = make_provider(session, settings.secret_key, name="Teach First", partnered=(2024,))
    mine, theirs = (builders.participant(session, p.programmes[2024]) for p in (one, two))
    session.commit()
    url = f"{server}/api/v3/participant-declarations"
    key = {"Idempotency-Key": "same-key"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(fire_together, url, {**one.headers(NOW), **key}, envelope(attributes(mine)), 4)
        b = pool.submit(fire_together, url, {**two.headers(NOW), **key}, envelope(attributes(theirs)), 4)
        responses = a.result() + b.result()
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 2
    assert declarations_of(session, mine) == declarations_of(session, theirs) == 1
