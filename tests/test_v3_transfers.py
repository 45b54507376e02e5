"""GET /api/v3/participants/ecf/transfers and /api/v3/participants/ecf/{id}/transfers."""

from __future__ import annotations

import uuid

import pytest

from domain import clock
from storage.enums import InductionStatus, TrainingProgramme
from storage.models import InductionProgramme, ParticipantIdChange
from tests import builders as b
from tests.test_v3_participants import (
    PARTICIPANT_TABLES,
    at,
    get,
    ids,
    programme_for,
    record,
    records_of,
    stamp,
    statements,
    urn_of,
    world,
)

LIST = "/api/v3/participants/ecf/transfers"
AFTER = {"X-With-Server-Date": "2025-02-01T00:00:00Z"}
BEFORE = {"X-With-Server-Date": "2025-01-03T00:00:00Z"}


def _show(participant_id: object) -> str:
    return f"/api/v3/participants/ecf/{participant_id}/transfers"


def _leave(session, profile, end: str = "2025-01-05"):  # type: ignore[no-untyped-def]
    """The old school reports the leaver: its record becomes ``leaving`` with an end date."""
    leaving = records_of(session, profile)[-1]
    leaving.induction_status = InductionStatus.LEAVING
    leaving.end_date = at(end)
    session.flush()
    return leaving


@pytest.mark.parametrize("path", [LIST, _show(uuid.UUID("8b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e"))])
def test_needs_a_token(client, path):
    response = client.get(path)
    assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})


def test_a_move_to_another_provider_in_full_for_both_sides(client, session, settings):
    old = world(session, settings.secret_key)
    new = world(session, settings.secret_key, name="Teach First")
    bystander = world(session, settings.secret_key, name="Best Practice Network")
    ect = b.participant(session, old.programme)
    leaving = _leave(session, ect)
    joining = record(session, ect, new.programme, start=at("2025-01-06"), school_transfer=True)
    session.commit()

    status, body = get(client, old.token, _show(ect.teacher_id), **AFTER)

    assert status == 200
    assert body == {
        "data": {
            "id": str(ect.teacher_id),
            "type": "participant-transfer",
            "attributes": {
                "updated_at": stamp(max(leaving.updated_at, joining.updated_at)),
                "transfers": [
                    {
                        "training_record_id": str(ect.id),
                        "transfer_type": "new_provider",
                        "status": "complete",
                        "created_at": stamp(leaving.created_at),
                        "leaving": {
                            "school_urn": old.school.urn,
                            "provider": "Ambition Institute",
                            "date": "2025-01-05",
                        },
                        "joining": {
                            "school_urn": new.school.urn,
                            "provider": "Teach First",
                            "date": "2025-01-06",
                        },
                    }
                ],
            },
        }
    }
    assert list(body["data"]["attributes"]) == ["updated_at", "transfers"]
    assert list(body["data"]["attributes"]["transfers"][0]) == [
        "training_record_id",
        "transfer_type",
        "status",
        "created_at",
        "leaving",
        "joining",
    ]
    assert get(client, new.token, _show(ect.teacher_id), **AFTER) == (200, body)
    assert get(client, old.token, LIST, **AFTER) == (200, {"data": [body["data"]]})
    assert get(client, new.token, LIST, **AFTER) == (200, {"data": [body["data"]]})
    assert get(client, bystander.token, LIST) == (200, {"data": []})
    assert get(client, bystander.token, _show(ect.teacher_id)) == (404, {"error": "Resource not Found"})


def test_status_is_incomplete_until_the_later_date_has_come(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    _leave(session, ect, end="2025-01-05")
    record(session, ect, programme_for(session, w, 2024), start=at("2025-01-20"), school_transfer=True)
    session.commit()

    def status(when: str) -> str:
        _, body = get(client, w.token, _show(ect.teacher_id), **{"X-With-Server-Date": when})
        return body["data"]["attributes"]["transfers"][0]["status"]

    assert status("2025-01-10T12:00:00Z") == "incomplete"
    assert status("2025-01-19T23:59:59Z") == "incomplete"
    assert status("2025-01-20T08:00:00Z") == "complete"


def test_same_provider_new_school_and_a_leaver_without_a_joiner(client, session, settings):
    w = world(session, settings.secret_key)
    mover = b.participant(session, w.programme)
    _leave(session, mover)
    other_school = programme_for(session, w, 2024)
    record(session, mover, other_school, start=at("2025-01-06"), school_transfer=True)
    leaver = b.participant(session, w.programme)
    _leave(session, leaver)
    session.commit()
    _, body = get(client, w.token, LIST, **BEFORE)
    assert ids(body) == [str(mover.teacher_id), str(leaver.teacher_id)]
    moved, left = (item["attributes"]["transfers"][0] for item in body["data"])
    assert (moved["transfer_type"], moved["status"], moved["joining"]["school_urn"]) == (
        "new_school",
        "incomplete",
        urn_of(session, other_school),
    )
    assert (left["transfer_type"], left["status"], left["joining"]) == ("unknown", "incomplete", None)


def test_a_leaver_waiting_for_a_joiner_is_shown_only_to_the_provider_left(client, session, settings):
    old = world(session, settings.secret_key)
    new = world(session, settings.secret_key, name="Teach First")
    ect = b.participant(session, old.programme)
    _leave(session, ect)
    # A record at the new school that the school did not register as a transfer is no joiner.
    record(session, ect, new.programme, start=at("2025-01-06"), school_transfer=False)
    session.commit()
    _, body = get(client, old.token, _show(ect.teacher_id))
    assert body["data"]["attributes"]["transfers"][0]["transfer_type"] == "unknown"
    assert get(client, new.token, LIST) == (200, {"data": []})


def test_a_joiner_from_a_school_led_programme_is_new_school(client, session, settings):
    w = world(session, settings.secret_key)
    school_cohort = b.school_cohort(session, b.school(session), 2024)
    cip = InductionProgramme(
        school_cohort_id=school_cohort.id, training_programme=TrainingProgramme.CORE_INDUCTION_PROGRAMME
    )
    session.add(cip)
    session.flush()
    ect = b.participant(session, cip)
    _leave(session, ect)
    record(session, ect, w.programme, start=at("2025-01-06"), school_transfer=True)
    session.commit()
    _, body = get(client, w.token, _show(ect.teacher_id), **AFTER)
    move = body["data"]["attributes"]["transfers"][0]
    assert move["transfer_type"] == "new_school"
    assert move["leaving"]["provider"] is None
    assert move["joining"]["provider"] == "Ambition Institute"


def test_people_without_a_leaving_record_are_not_listed(client, session, settings):
    w = world(session, settings.secret_key)
    staying = b.participant(session, w.programme)
    session.commit()
    assert get(client, w.token, LIST) == (200, {"data": []})
    assert get(client, w.token, _show(staying.teacher_id)) == (404, {"error": "Resource not Found"})
    assert get(client, w.token, _show("not-an-id")) == (404, {"error": "Resource not Found"})


def test_retired_ids_resolve(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    _leave(session, ect)
    retired = uuid.uuid4()
    session.add(
        ParticipantIdChange(
            teacher_id=ect.teacher_id,
            from_participant_id=retired,
            to_participant_id=ect.teacher_id,
            created_at=at("2024-12-01"),
        )
    )
    session.commit()
    status, body = get(client, w.token, _show(retired))
    assert (status, body["data"]["id"]) == (200, str(ect.teacher_id))


def test_updated_since_sees_the_joiner_arrive(client, session, settings):
    with clock.travel(at("2025-01-01T10:00:00")):
        old = world(session, settings.secret_key)
        new = world(session, settings.secret_key, name="Teach First")
        ect = b.participant(session, old.programme)
        _leave(session, ect)
        quiet = b.participant(session, old.programme)
        _leave(session, quiet)
        session.commit()
    _, body = get(client, old.token, f"{LIST}?filter[updated_since]=2025-01-01T10:00:00Z")
    assert set(ids(body)) == {str(ect.teacher_id), str(quiet.teacher_id)}
    with clock.travel(at("2025-01-06T09:00:00")):
        record(session, ect, new.programme, start=at("2025-01-06"), school_transfer=True)
        session.commit()
    _, body = get(client, old.token, f"{LIST}?filter[updated_since]=2025-01-06T09:00:00Z")
    assert ids(body) == [str(ect.teacher_id)]
    assert body["data"][0]["attributes"]["updated_at"] == "2025-01-06T09:00:00Z"
    assert body["data"][0]["attributes"]["transfers"][0]["transfer_type"] == "new_provider"
    assert get(client, old.token, f"{LIST}?filter[updated_since]=soon") == (
        400,
        {
            "errors": [
                {
                    "title": "Bad request",
                    "detail": "The filter '#/updated_since' must be a valid RCF3339 date",
                }
            ]
        },
    )


def test_pages_and_a_fixed_statement_count(client, session, settings):
    w = world(session, settings.secret_key)
    for _ in range(12):
        ect = b.participant(session, w.programme)
        _leave(session, ect)
        record(session, ect, programme_for(session, w, 2024), start=at("2025-01-06"), school_transfer=True)
    session.commit()
    _, everyone = get(client, w.token, LIST)
    assert len(everyone["data"]) == 12
    seen, page = [], 1
    while body := get(client, w.token, f"{LIST}?page[per_page]=5&page[page]={page}")[1]["data"]:
        seen.extend(item["id"] for item in body)
        page += 1
    assert seen == ids(everyone)

    counts = {}
    for size in (1, 12):
        with statements(settings.database_url) as sent:
            _, body = get(client, w.token, f"{LIST}?page[per_page]={size}")
        assert len(body["data"]) == size
        counts[size] = (len(sent), sum(any(t in s for t in PARTICIPANT_TABLES) for s in sent))
    assert counts[1] == counts[12]
    assert counts[12][1] == 2
    print(f"transfers statements per page (all, participant reads): {counts}")
