"""Two providers' CRMs retrying, or one CRM sending twice at once: identical declarations
that arrive together must leave exactly one live declaration, and every loser must get
the duplicate 422, never a 500.

The real app runs under uvicorn on a local port against PostgreSQL, and threads fire
the requests together. On SQLite the test is skipped: SQLite lets one writer at a time
hold the database, so requests never overlap inside the database and there is no race to
prove anything about.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from domain import declarations as rules
from storage.enums import BLOCKING_STATES
from storage.models import ParticipantDeclaration
from tests import builders
from tests.test_declarations_api import NOW, attributes, envelope, make_provider

pytestmark = pytest.mark.postgres_only
REQUESTS = 12
DUPLICATE = {"errors": [{"title": "base", "detail": rules.ALREADY_DECLARED}]}


@pytest.fixture
def server(settings, request) -> str:  # type: ignore[no-untyped-def]
    if sa.make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…): SQLite admits one writer at a "
            "time, so concurrent requests cannot race inside the database"
        )
    return request.getfixturevalue("live_server")


def fire_together(url: str, headers: dict[str, str], body: dict, count: int) -> list[httpx.Response]:
    """``count`` POSTs released at the same instant, each on its own connection."""
    barrier = threading.Barrier(count)

    def send(_: int) -> httpx.Response:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            return http.post(url, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


def live_declarations(session, profile_id) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(ParticipantDeclaration)
        .where(
            ParticipantDeclaration.participant_profile_id == profile_id,
            ParticipantDeclaration.state.in_(BLOCKING_STATES),
        )
    )


def assert_one_winner(responses: list[httpx.Response]) -> None:
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [422] * (len(responses) - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert response.json() == DUPLICATE


def test_identical_concurrent_declarations_create_exactly_one(server, session, settings):
    provider = make_provider(session, settings.secret_key, partnered=(2024,))
    profile = builders.participant(session, provider.programmes[2024])
    session.commit()
    responses = fire_together(
        f"{server}/api/v3/participant-declarations",
        provider.headers(NOW),
        envelope(attributes(profile)),
        REQUESTS,
    )
    assert_one_winner(responses)
    assert live_declarations(session, profile.id) == 1


def test_the_database_alone_stops_the_second_declaration(server, session, settings, monkeypatch):
    """With the application's duplicate check switched off, every request passes the
    rules; only the partial unique index decides, and the losers still get the 422."""
    monkeypatch.setattr(rules._Checks, "_already_declared", lambda self, profile: False)
    provider = make_provider(session, settings.secret_key, partnered=(2024,))
    profile = builders.participant(session, provider.programmes[2024])
    session.commit()
    responses = fire_together(
        f"{server}/api/v1/participant-declarations",
        provider.headers(NOW),
        envelope(attributes(profile)),
        REQUESTS,
    )
    assert_one_winner(responses)
    assert live_declarations(session, profile.id) == 1
