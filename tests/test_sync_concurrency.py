"""Exact incremental sync under concurrent writes, on PostgreSQL (docs/sync.md).

A sandbox is populated; then, for a few seconds, writer threads change participants,
declarations and partnerships in concurrent transactions (real API requests, and direct
transactions that hold on after taking their stamp so that their commits land in the middle
of polls) while pollers follow the documented routine over real HTTP against uvicorn. After
the writers stop and one last poll, every poller's copy equals a full listing: nothing was
missed, and no re-sync was needed.

The mechanism test shows why the stamps are taken from the clock row at commit: a
transaction stamped earlier but committed later is invisible to a poll started from the
newest stamp seen if stamps are plain write times, and is not with the clock.

SQLite admits one writer at a time, so transactions never overlap there and nothing races:
these tests need ``DATABASE_URL=postgresql+psycopg://…``.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd.sandbox import PROVIDER_NAMES, populate
from domain import clock, sync
from storage.db import new_session, transaction
from storage.models import LeadProvider, ParticipantDeclaration, Teacher

pytestmark = pytest.mark.postgres_only

#: How long the writers write.
WRITING_SECONDS = 12.0


@pytest.fixture
def postgres(settings) -> str:  # type: ignore[no-untyped-def]
    if sa.make_url(settings.database_url).get_backend_name() != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…): SQLite admits one writer at a "
            "time, so transactions cannot interleave"
        )
    return settings.database_url


# The provider's side: the documented routine ---------------------------------------------------


@dataclass
class Follower:
    """A provider keeping a copy of one list, as docs/sync.md says to.

    Full sync: every page until an empty one. Then polls with ``filter[updated_since]`` set
    to the newest ``updated_at`` on the *first* page of the previous read (the newest seen,
    whenever the read fitted on one page), every page until an empty one, upserting by id.
    """

    http: httpx.Client
    path: str
    per_page: int
    key: Callable[[dict[str, Any]], Any] = lambda item: item["id"]
    copy: dict[Any, dict[str, Any]] = field(default_factory=dict)
    since: str | None = None
    reads: int = 0
    changes_seen: int = 0

    def _pages(self, query: str) -> list[list[dict[str, Any]]]:
        pages, number = [], 1
        while True:
            response = self.http.get(f"{self.path}?page[per_page]={self.per_page}&page[page]={number}{query}")
            assert response.status_code == 200, response.text
            data = response.json()["data"]
            self.reads += 1
            if not data:
                return pages
            pages.append(data)
            number += 1

    def _take(self, pages: list[list[dict[str, Any]]]) -> None:
        for page in pages:
            for item in page:
                self.copy[self.key(item)] = item
                self.changes_seen += 1
        if pages:
            self.since = max(item["attributes"]["updated_at"] for item in pages[0])

    def full_sync(self) -> None:
        self.copy = {}
        self._take(self._pages(""))

    def poll(self) -> None:
        assert self.since is not None
        self._take(self._pages(f"&filter[updated_since]={self.since}"))

    def full_listing(self) -> dict[Any, dict[str, Any]]:
        return {self.key(item): item for page in self._pages("") for item in page}


def _record_key(item: dict[str, Any]) -> tuple[str, str]:
    """v1 lists one row per training record: a person with two records has two rows."""
    return item["id"], item["attributes"]["training_record_id"]


# The writers ----------------------------------------------------------------------------------


@dataclass
class Tally:
    attempts: int = 0
    changes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, changed: bool) -> None:
        with self.lock:
            self.attempts += 1
            self.changes += int(changed)


def _api_writer(base: str, headers: dict[str, str], stop: threading.Event, tally: Tally, seed: int) -> None:
    """Participant actions, declarations and delivery-partner changes through the API."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        people = http.get("/api/v3/participants/ecf?page[per_page]=3000").json()["data"]
        declarations = [
            item["id"]
            for item in http.get("/api/v3/participant-declarations?page[per_page]=3000").json()["data"]
            if item["attributes"]["lead_provider_name"] == PROVIDER_NAMES[0]
        ]
        partnerships = http.get("/api/v3/partnerships/ecf?page[per_page]=3000").json()["data"]
        partners = http.get("/api/v3/delivery-partners?page[per_page]=3000").json()["data"]
        while not stop.is_set():
            kind = rng.random()
            if kind < 0.55:
                person = rng.choice(people)
                enrolment = rng.choice(person["attributes"]["ecf_enrolments"])
                action, extra = rng.choice(
                    [("defer", {"reason": "career-break"}), ("resume", {}), ("withdraw", {"reason": "other"})]
                )
                attributes = {"course_identifier": f"ecf-{enrolment['participant_type']}", **extra}
                attributes["course_identifier"] = attributes["course_identifier"].replace("ect", "induction")
                response = http.put(
                    f"/api/v3/participants/ecf/{person['id']}/{action}",
                    json={"data": {"attributes": attributes}},
                )
            elif kind < 0.75 and declarations:
                response = http.put(f"/api/v3/participant-declarations/{rng.choice(declarations)}/void")
            elif kind < 0.85:
                person = rng.choice(people)
                enrolment = rng.choice(person["attributes"]["ecf_enrolments"])
                course = "ecf-induction" if enrolment["participant_type"] == "ect" else "ecf-mentor"
                day = dt.date.today() - dt.timedelta(days=rng.randrange(1, 400))
                response = http.post(
                    "/api/v3/participant-declarations",
                    json={
                        "data": {
                            "type": "participant-declaration",
                            "attributes": {
                                "participant_id": person["id"],
                                "course_identifier": course,
                                "declaration_type": rng.choice(["started", "retained-1", "retained-2"]),
                                "declaration_date": f"{day.isoformat()}T10:00:00Z",
                                "evidence_held": "other",
                            },
                        }
                    },
                )
            else:
                partnership = rng.choice(partnerships)
                cohort = partnership["attributes"]["cohort"]
                choices = [
                    partner["id"]
                    for partner in partners
                    if cohort in partner["attributes"]["cohort"]
                    and partner["id"] != partnership["attributes"]["delivery_partner_id"]
                ]
                if not choices:
                    continue
                response = http.put(
                    f"/api/v3/partnerships/ecf/{partnership['id']}",
                    json={
                        "data": {
                            "type": "partnership",
                            "attributes": {"delivery_partner_id": rng.choice(choices)},
                        }
                    },
                )
            assert response.status_code in (200, 422), (response.status_code, response.text)
            tally.count(response.status_code == 200)


def _slow_writer(database_url: str, provider_id: Any, stop: threading.Event, tally: Tally, seed: int) -> None:
    """Direct transactions that take their stamp, then hold on before committing, so that
    other writers' commits queue behind them and polls run in between."""
    rng = random.Random(seed)
    with transaction(database_url) as session:
        teachers = list(session.scalars(sa.select(Teacher.id)))
        declarations = list(
            session.scalars(
                sa.select(ParticipantDeclaration.id).where(
                    ParticipantDeclaration.lead_provider_id == provider_id
                )
            )
        )
    serial = 0
    while not stop.is_set():
        serial += 1
        session = new_session(database_url)
        try:
            if rng.random() < 0.6:
                teacher = session.get(Teacher, rng.choice(teachers))
                assert teacher is not None
                teacher.full_name = f"Renamed {seed}-{serial}"
            else:
                declaration = session.get(ParticipantDeclaration, rng.choice(declarations))
                assert declaration is not None
                declaration.sparsity_uplift = not declaration.sparsity_uplift
            assert sync.stamp_now(session) is not None
            time.sleep(rng.uniform(0.05, 0.4))
            session.commit()
            tally.count(True)
        finally:
            session.close()


# The test -------------------------------------------------------------------------------------


def test_polling_keeps_an_exact_copy_while_writers_commit_concurrently(postgres, settings, live_server):
    with transaction(postgres) as session:
        tokens = populate(session, secret_key=settings.secret_key)
        provider_id = session.scalars(
            sa.select(LeadProvider.id).where(LeadProvider.name == PROVIDER_NAMES[0])
        ).one()
    headers = {"Authorization": f"Bearer {tokens[PROVIDER_NAMES[0]]}"}
    http = httpx.Client(base_url=live_server, headers=headers, timeout=60)
    followers = [
        Follower(http, "/api/v3/participants/ecf", per_page=3000),
        Follower(http, "/api/v3/participant-declarations", per_page=3000),
        Follower(http, "/api/v1/participants/ecf", per_page=3000, key=_record_key),
        # Small pages: a poll spans several snapshots, and commits land between its pages.
        Follower(http, "/api/v3/participants/ecf", per_page=25),
        Follower(http, "/api/v3/participant-declarations", per_page=40),
        Follower(http, "/api/v1/participants/ecf", per_page=25, key=_record_key),
    ]
    for follower in followers:
        follower.full_sync()

    stop = threading.Event()
    api, slow = Tally(), Tally()
    polls = 0
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        writers = [pool.submit(_api_writer, live_server, headers, stop, api, seed) for seed in (1, 2, 3)]
        writers += [pool.submit(_slow_writer, postgres, provider_id, stop, slow, seed) for seed in (4, 5)]
        try:
            while time.monotonic() - started < WRITING_SECONDS:
                for follower in followers:
                    follower.poll()
                polls += 1
        finally:
            stop.set()
        for writer in writers:
            writer.result()
    writing = time.monotonic() - started

    for follower in followers:
        follower.poll()  # the last poll, after the writers stopped
    for follower in followers:
        full = follower.full_listing()
        missing = {key for key in full if follower.copy.get(key) != full[key]}
        assert not missing, (follower.path, follower.per_page, sorted(missing)[:5])
        assert follower.copy == full, (follower.path, follower.per_page)
    http.close()

    # The writers really did write while the pollers polled.
    assert api.changes > 10 and slow.changes > 10, (api, slow)
    assert polls >= 3
    print(
        f"\n{writing:.1f}s of writing: {api.changes}/{api.attempts} API writes changed something, "
        f"{slow.changes} held-open transactions; {polls} polls of {len(followers)} lists, "
        f"{sum(f.reads for f in followers)} page reads"
    )


def test_a_stamp_taken_before_a_later_commit_is_not_missed(postgres):
    """Two transactions: A changes a declaration first and commits last; B changes another in
    between and commits first. A poll between the commits sees B; the next poll starts from
    B's stamp. With write-time stamps A's change is older than that and is lost; with the
    clock, B cannot commit until A has, and is stamped after A."""
    with transaction(postgres) as setup:
        populate(setup, secret_key="k" * 40)
    with transaction(postgres) as reading:
        first, second = reading.scalars(sa.select(ParticipantDeclaration.id).limit(2)).all()
        newest = reading.scalar(sa.select(sa.func.max(ParticipantDeclaration.api_updated_at)))
    assert newest is not None
    watermark = newest + dt.timedelta(seconds=1)  # a poll from here sees nothing yet

    def changed_since(moment: dt.datetime) -> set[Any]:
        with transaction(postgres) as poll:
            return set(
                poll.scalars(
                    sa.select(ParticipantDeclaration.id).where(
                        ParticipantDeclaration.api_updated_at >= moment
                    )
                )
            )

    # Write-time stamps (what the clock prevents): A stamps at t1 and commits after B (t2).
    t1, t2 = watermark + dt.timedelta(seconds=10), watermark + dt.timedelta(seconds=20)
    a, b = new_session(postgres), new_session(postgres)
    try:
        a.execute(
            sa.update(ParticipantDeclaration.__table__)
            .where(ParticipantDeclaration.id == first)
            .values(api_updated_at=t1)
        )
        b.execute(
            sa.update(ParticipantDeclaration.__table__)
            .where(ParticipantDeclaration.id == second)
            .values(api_updated_at=t2)
        )
        b.commit()
        seen = changed_since(watermark)
        assert seen == {second}
        newest = t2
        a.commit()
        assert first not in changed_since(newest)  # lost: stamped before, committed after
    finally:
        a.close()
        b.close()

    # The clock: A takes its stamp and holds on; B's commit waits for A's.
    watermark = t2 + dt.timedelta(seconds=1)
    a, b = new_session(postgres), new_session(postgres)
    try:
        with clock.travel(watermark + dt.timedelta(seconds=10)):
            _toggle(a, first)
            stamp_a = sync.stamp_now(a)
        with clock.travel(watermark + dt.timedelta(seconds=20)):
            _toggle(b, second)
            committing = threading.Thread(target=b.commit)
            committing.start()
            committing.join(0.5)
            assert committing.is_alive()  # waiting for A's stamp to be committed
        assert changed_since(watermark) == set()  # a poll now sees neither
        a.commit()
        committing.join(10)
        assert not committing.is_alive()
        assert changed_since(watermark) == {first, second}  # the next poll sees both
        stamps = _stamps(postgres, {first, second})
        assert stamp_a is not None and min(stamps) == stamp_a < max(stamps)
    finally:
        a.close()
        b.close()


def _toggle(session: Session, declaration_id: Any) -> None:
    """Change something a declaration shows."""
    declaration = session.get(ParticipantDeclaration, declaration_id)
    assert declaration is not None
    declaration.sparsity_uplift = not declaration.sparsity_uplift


def _stamps(database_url: str, ids: set[Any]) -> list[dt.datetime]:
    if not ids:
        return []
    with transaction(database_url) as session:
        return list(
            session.scalars(
                sa.select(ParticipantDeclaration.api_updated_at).where(ParticipantDeclaration.id.in_(ids))
            )
        )
