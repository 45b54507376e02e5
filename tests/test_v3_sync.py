"""A provider keeping a copy of its participants the way DfE's guidance describes.

A full sync pages through ``GET /api/v3/participants/ecf`` until an empty page; after
that the provider polls with ``filter[updated_since]`` set to when its previous poll (or
the full sync) started, pages the same way, and overwrites its copy by id. After any
mix of changes the copy must equal a fresh full listing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from domain import clock
from storage.enums import EligibilityStatus, InductionStatus, ProfileType, TrainingStatus
from storage.models import ParticipantEligibility, ParticipantIdentity, Teacher
from tests import builders as b
from tests.test_v3_participants import act, at, get, programme_for, record, records_of, world

LIST = "/api/v3/participants/ecf"


class Poller:
    """The provider's side: a copy keyed by participant id, and when it last looked."""

    def __init__(self, client: Any, token: str, per_page: int = 2) -> None:
        self.client, self.token, self.per_page = client, token, per_page
        self.copy: dict[str, dict[str, Any]] = {}
        self.last_started: dt.datetime | None = None
        self.fetched: list[str] = []

    def _pages(self, query: str, now: dt.datetime) -> list[dict[str, Any]]:
        found, page = [], 1
        while True:
            status, body = get(
                self.client,
                self.token,
                f"{LIST}?page[per_page]={self.per_page}&page[page]={page}{query}",
                **{"X-With-Server-Date": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            assert status == 200
            if not body["data"]:
                return found
            found.extend(body["data"])
            page += 1

    def full_sync(self, now: dt.datetime) -> None:
        self.copy = {item["id"]: item for item in self._pages("", now)}
        self.last_started = now

    def poll(self, now: dt.datetime) -> None:
        assert self.last_started is not None
        since = self.last_started.strftime("%Y-%m-%dT%H:%M:%SZ")
        changed = self._pages(f"&filter[updated_since]={since}", now)
        self.fetched = [item["id"] for item in changed]
        for item in changed:
            self.copy[item["id"]] = item
        self.last_started = now


def _full_listing(client: Any, token: str, now: dt.datetime) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in Poller(client, token, per_page=3000)._pages("", now)}


def test_full_sync_then_polling_keeps_an_exact_copy(client, session, settings):
    with clock.travel(at("2025-01-01T10:00:00")):
        w = world(session, settings.secret_key)
        other = world(session, settings.secret_key, name="Teach First")
        people = [b.participant(session, w.programme, start_date=at("2024-09-01")) for _ in range(5)]
        mover, deferring, checked, mentored, renamed = people
        outsider = b.participant(session, other.programme)
        session.commit()

    poller = Poller(client, w.token)
    poller.full_sync(at("2025-01-02T09:00:00"))
    assert len(poller.copy) == 5

    # The day's changes, each made through the data a school, DfE or the provider touches.
    with clock.travel(at("2025-01-02T12:00:00")):
        old = records_of(session, mover)[0]
        old.induction_status, old.end_date = InductionStatus.CHANGED, at("2025-01-02T12:00:00")
        record(session, mover, programme_for(session, w, 2024), start=at("2025-01-02T12:00:00"))
        act(
            session, deferring, w.provider, TrainingStatus.DEFERRED, "career-break", at("2025-01-02T12:00:00")
        )
        eligibility = session.scalars(
            sa.select(ParticipantEligibility).where(
                ParticipantEligibility.participant_profile_id == checked.id
            )
        ).one()
        eligibility.status = EligibilityStatus.INELIGIBLE
        newcomer = b.participant(session, w.programme, start_date=at("2024-09-01"))
        session.commit()
    poller.poll(at("2025-01-03T09:00:00"))
    assert sorted(poller.fetched) == sorted(str(p.teacher_id) for p in (mover, deferring, checked, newcomer))

    # A change at the very instant the poll started is caught by the next one.
    with clock.travel(at("2025-01-03T09:00:00")):
        mentor = b.participant(
            session, w.programme, profile_type=ProfileType.MENTOR, start_date=at("2024-09-01")
        )
        records_of(session, mentored)[0].mentor_profile_id = mentor.id
        session.commit()
    with clock.travel(at("2025-01-03T15:30:00")):
        session.get(Teacher, renamed.teacher_id).full_name = "Corrected Name"
        email = ParticipantIdentity(teacher_id=renamed.teacher_id, email="corrected@school.example.com")
        session.add(email)
        session.flush()
        records_of(session, renamed)[0].preferred_identity_id = email.id
        # Another provider's participant changing is not this provider's business.
        session.get(Teacher, outsider.teacher_id).full_name = "Someone Else"
        session.commit()
    poller.poll(at("2025-01-04T09:00:00"))
    assert sorted(poller.fetched) == sorted(str(p.teacher_id) for p in (mentored, mentor, renamed))

    poller.poll(at("2025-01-05T09:00:00"))
    assert poller.fetched == []

    full = _full_listing(client, w.token, at("2025-01-05T09:00:00"))
    assert poller.copy == full
    assert len(full) == 7
    assert full[str(renamed.teacher_id)]["attributes"]["full_name"] == "Corrected Name"
    enrolment = full[str(deferring.teacher_id)]["attributes"]["ecf_enrolments"][0]
    assert enrolment["deferral"] == {"reason": "career-break", "date": "2025-01-02T12:00:00Z"}
    assert str(outsider.teacher_id) not in full


def test_polls_overlapping_two_windows_see_the_same_copy(client, session, settings):
    """The guidance suggests overlapping polls; seeing a change twice does no harm."""
    with clock.travel(at("2025-01-01T10:00:00")):
        w = world(session, settings.secret_key)
        first = b.participant(session, w.programme, start_date=at("2024-09-01"))
        session.commit()
    exact = Poller(client, w.token)
    overlapping = Poller(client, w.token)
    exact.full_sync(at("2025-01-02T00:00:00"))
    overlapping.full_sync(at("2025-01-02T00:00:00"))
    windows = [at("2025-01-02T00:00:00")]
    for day in (2, 3, 4):
        with clock.travel(at(f"2025-01-0{day}T12:00:00")):
            b.participant(session, w.programme, start_date=at("2024-09-01"))
            session.get(Teacher, first.teacher_id).full_name = f"Name {day}"
            session.commit()
        now = at(f"2025-01-0{day + 1}T00:00:00")
        exact.poll(now)
        overlapping.last_started = windows[-2] if len(windows) > 1 else windows[-1]
        overlapping.poll(now)
        windows.append(now)
    full = _full_listing(client, w.token, at("2025-01-05T00:00:00"))
    assert exact.copy == overlapping.copy == full
    assert len(full) == 4
