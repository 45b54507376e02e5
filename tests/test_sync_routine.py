"""Why the documented routine starts the next poll from the newest ``updated_at`` on the
*first page* of a read, not from the newest seen on any page (docs/sync.md).

Each page is its own request, so a read of several pages sees the data at several moments.
A change committed after the first page was read has a stamp above everything that page
could show, so starting from the first page's newest catches it; a later page may show a
newer change still, and starting from that would skip the first. These are the two ways it
happens, one for each order a filtered list can have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain import clock
from storage.models import Teacher
from tests import builders as b
from tests.test_v3_participants import get, world


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def rename(session, profile, moment: str) -> None:  # type: ignore[no-untyped-def]
    """A change to something the participant shows, committed at ``moment``."""
    with clock.travel(at(moment)):
        teacher = session.get(Teacher, profile.teacher_id)
        teacher.full_name = f"{teacher.full_name}'"
        session.commit()


def page(client, token: str, path: str, since: str, number: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    status, body = get(
        client, token, f"{path}?page[per_page]=1&page[page]={number}&filter[updated_since]={since}"
    )
    assert status == 200
    return body["data"]


def watermarks(pages: list[list[dict[str, Any]]]) -> dict[str, str]:
    """The two candidate starting points for the next poll."""
    return {
        "first page": max(item["attributes"]["updated_at"] for item in pages[0]),
        "any page": max(item["attributes"]["updated_at"] for current in pages for item in current),
    }


@pytest.fixture
def people(session, settings):  # type: ignore[no-untyped-def]
    with clock.travel(at("2025-01-01T00:00:00Z")):
        w = world(session, settings.secret_key)
        first = b.participant(session, w.programme)
        session.commit()
    with clock.travel(at("2025-01-01T00:00:01Z")):
        second = b.participant(session, w.programme)
        session.commit()
    with clock.travel(at("2025-01-01T00:00:02Z")):
        third = b.participant(session, w.programme)
        session.commit()
    return w, first, second, third


def test_in_registration_order_a_change_behind_the_read_is_caught(client, session, people):
    """v3 lists in registration order: a change to someone already read lands behind the
    read, and a later change further on is read on a later page."""
    w, first, second, _ = people
    path = "/api/v3/participants/ecf"
    since = "2025-01-01T00:00:00Z"
    pages = [page(client, w.token, path, since, 1)]
    assert [item["id"] for item in pages[0]] == [str(first.teacher_id)]
    rename(session, first, "2025-02-01T00:00:00Z")  # behind the read
    rename(session, second, "2025-02-02T00:00:00Z")  # ahead of it
    pages.append(page(client, w.token, path, since, 2))
    assert [item["id"] for item in pages[1]] == [str(second.teacher_id)]
    marks = watermarks(pages)

    def next_poll(mark: str) -> set[str]:
        found, number = set(), 1
        while data := page(client, w.token, path, mark, number):
            found |= {item["id"] for item in data}
            number += 1
        return found

    assert str(first.teacher_id) not in next_poll(marks["any page"])  # the first rename is lost
    assert str(first.teacher_id) in next_poll(marks["first page"])


def test_in_change_order_a_row_that_slips_back_a_page_is_caught(client, session, people):
    """v1/v2 list by change time when filtered: a row changed during the read moves to the
    end, and the row after it slips onto the page already read."""
    w, first, second, third = people
    path = "/api/v1/participants/ecf"
    since = "2025-01-01T00:00:00Z"
    pages = [page(client, w.token, path, since, 1)]
    assert [item["id"] for item in pages[0]] == [str(first.teacher_id)]
    rename(session, first, "2025-02-01T00:00:00Z")  # moves to the end: second slips to page 1
    pages.append(page(client, w.token, path, since, 2))
    pages.append(page(client, w.token, path, since, 3))
    assert [item["id"] for current in pages for item in current] == [
        str(first.teacher_id),
        str(third.teacher_id),
        str(first.teacher_id),
    ]
    marks = watermarks(pages)

    def next_poll(mark: str) -> set[str]:
        found, number = set(), 1
        while data := page(client, w.token, path, mark, number):
            found |= {item["id"] for item in data}
            number += 1
        return found

    assert str(second.teacher_id) not in next_poll(marks["any page"])  # never read: lost
    assert str(second.teacher_id) in next_poll(marks["first page"])
