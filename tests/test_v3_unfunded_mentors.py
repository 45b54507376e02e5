"""GET /api/v3/unfunded-mentors/ecf and /api/v3/unfunded-mentors/ecf/{id}."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from domain import clock
from storage.enums import ChallengeReason, ProfileType
from storage.models import ParticipantIdentity, ParticipantValidationData, Teacher
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
    world,
)

LIST = "/api/v3/unfunded-mentors/ecf"


@pytest.mark.parametrize("path", [LIST, f"{LIST}/9c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e8f"])
def test_needs_a_token(client, path):
    response = client.get(path)
    assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})


def test_a_mentor_training_elsewhere_in_full(client, session, settings):
    mine = world(session, settings.secret_key)
    theirs = world(session, settings.secret_key, name="Teach First")
    mentor = b.participant(session, theirs.programme, profile_type=ProfileType.MENTOR, trn="7654321")
    ect = b.participant(session, mine.programme, mentor=mentor)
    session.commit()
    teacher = session.get(Teacher, mentor.teacher_id)
    email = session.get(ParticipantIdentity, mentor.participant_identity_id).email

    status, body = get(client, mine.token, f"{LIST}/{mentor.teacher_id}")

    assert status == 200
    assert body == {
        "data": {
            "id": str(teacher.id),
            "type": "unfunded-mentor",
            "attributes": {
                "full_name": teacher.full_name,
                "email": email,
                "teacher_reference_number": "7654321",
                "created_at": stamp(teacher.created_at),
                "updated_at": body["data"]["attributes"]["updated_at"],
            },
        }
    }
    assert list(body["data"]["attributes"]) == [
        "full_name",
        "email",
        "teacher_reference_number",
        "created_at",
        "updated_at",
    ]
    assert get(client, mine.token, LIST) == (200, {"data": [body["data"]]})
    # The id is the mentor_id on the ECT's enrolment.
    _, participant = get(client, mine.token, f"/api/v3/participants/ecf/{ect.teacher_id}")
    assert participant["data"]["attributes"]["ecf_enrolments"][0]["mentor_id"] == body["data"]["id"]
    # The provider who trains the mentor does not see them here.
    assert get(client, theirs.token, LIST) == (200, {"data": []})
    assert get(client, theirs.token, f"{LIST}/{mentor.teacher_id}") == (404, {"error": "Resource not Found"})


def test_mentors_the_provider_trains_are_not_unfunded(client, session, settings):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR)
    b.participant(session, w.programme, mentor=mentor)
    session.commit()
    assert get(client, w.token, LIST) == (200, {"data": []})
    assert get(client, w.token, f"{LIST}/{mentor.teacher_id}") == (404, {"error": "Resource not Found"})


def test_only_mentors_on_the_latest_visible_records_count(client, session, settings):
    w = world(session, settings.secret_key)
    other = world(session, settings.secret_key, name="Teach First")
    former = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    current = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    ect = b.participant(session, w.programme, mentor=former, start_date=at("2024-09-01"))
    records_of(session, ect)[0].end_date = at("2025-01-01")
    record(session, ect, w.programme, start=at("2025-01-01"), mentor=current)
    challenged = world(session, settings.secret_key, name="Best Practice Network")
    hidden = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    b.participant(session, challenged.programme, mentor=hidden)
    challenged.partnership.challenged_at = at("2025-01-01")
    challenged.partnership.challenge_reason = ChallengeReason.MISTAKE
    session.commit()
    _, body = get(client, w.token, LIST)
    assert ids(body) == [str(current.teacher_id)]
    assert get(client, challenged.token, LIST) == (200, {"data": []})


def test_email_prefers_the_mentors_own_latest_preferred_identity_and_trn_falls_back(
    client, session, settings
):
    w = world(session, settings.secret_key)
    other = world(session, settings.secret_key, name="Teach First")
    mentor = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    session.get(Teacher, mentor.teacher_id).trn = None
    session.add(ParticipantValidationData(participant_profile_id=mentor.id, full_name="M", trn="1112223"))
    preferred = ParticipantIdentity(teacher_id=mentor.teacher_id, email="mentor.work@school.example.com")
    session.add(preferred)
    session.flush()
    records_of(session, mentor)[0].preferred_identity_id = preferred.id
    no_record = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    for row in records_of(session, no_record):
        session.delete(row)
    b.participant(session, w.programme, mentor=mentor)
    b.participant(session, w.programme, mentor=no_record)
    session.commit()
    _, body = get(client, w.token, LIST)
    shown = {item["id"]: item["attributes"] for item in body["data"]}
    assert shown[str(mentor.teacher_id)]["email"] == "mentor.work@school.example.com"
    assert shown[str(mentor.teacher_id)]["teacher_reference_number"] == "1112223"
    own_email = session.get(ParticipantIdentity, no_record.participant_identity_id).email
    assert shown[str(no_record.teacher_id)]["email"] == own_email


def test_one_object_per_mentor_however_many_ects(client, session, settings):
    w = world(session, settings.secret_key)
    other = world(session, settings.secret_key, name="Teach First")
    mentor = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
    for _ in range(3):
        b.participant(session, programme_for(session, w, 2024), mentor=mentor)
    session.commit()
    _, body = get(client, w.token, LIST)
    assert ids(body) == [str(mentor.teacher_id)]


def test_being_linked_to_another_ect_counts_as_a_change(client, session, settings):
    with clock.travel(at("2025-01-01T10:00:00")):
        w = world(session, settings.secret_key)
        other = world(session, settings.secret_key, name="Teach First")
        mentor = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
        quiet = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
        b.participant(session, w.programme, mentor=mentor)
        b.participant(session, w.programme, mentor=quiet)
        session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[updated_since]=2025-01-01T10:00:00Z")
    assert set(ids(body)) == {str(mentor.teacher_id), str(quiet.teacher_id)}
    with clock.travel(at("2025-02-01T10:00:00")):
        b.participant(session, w.programme, mentor=mentor)
        session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[updated_since]=2025-02-01T10:00:00Z")
    assert ids(body) == [str(mentor.teacher_id)]
    assert body["data"][0]["attributes"]["updated_at"] == "2025-02-01T10:00:00Z"
    assert get(client, w.token, f"{LIST}?filter[updated_since]=2025-02-30") == (
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


@pytest.mark.parametrize(
    ("sort", "order"),
    [(None, [0, 1, 2]), ("updated_at", [1, 2, 0]), ("-updated_at", [0, 2, 1]), ("-created_at", [2, 1, 0])],
)
def test_sort(client, session, settings, sort, order):
    with clock.travel(at("2025-01-01T00:00:00")):
        w = world(session, settings.secret_key)
        other = world(session, settings.secret_key, name="Teach First")
        session.commit()
    mentors = []
    for day in (1, 2, 3):
        with clock.travel(at(f"2025-01-0{day}T10:00:00")):
            mentor = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
            b.participant(session, w.programme, mentor=mentor)
            session.commit()
            mentors.append(str(mentor.teacher_id))
    for index, day in ((1, 10), (2, 11), (0, 12)):
        with clock.travel(at(f"2025-01-{day}T10:00:00")):
            session.get(Teacher, uuid.UUID(mentors[index])).full_name = f"Renamed {day}"
            session.commit()
    _, body = get(client, w.token, LIST if sort is None else f"{LIST}?sort={sort}")
    assert ids(body) == [mentors[i] for i in order]


def test_unknown_ids_are_404(client, session, settings):
    w = world(session, settings.secret_key)
    session.commit()
    for unknown in (uuid.uuid4(), "mentor"):
        assert get(client, w.token, f"{LIST}/{unknown}") == (404, {"error": "Resource not Found"})


def test_pages_and_a_fixed_statement_count(client, session, settings):
    w = world(session, settings.secret_key)
    other = world(session, settings.secret_key, name="Teach First")
    for _ in range(12):
        mentor = b.participant(session, other.programme, profile_type=ProfileType.MENTOR)
        b.participant(session, w.programme, mentor=mentor)
    session.commit()
    _, everyone = get(client, w.token, LIST)
    assert len(everyone["data"]) == 12
    seen, page = [], 1
    while body := get(client, w.token, f"{LIST}?page[per_page]=5&page[page]={page}")[1]["data"]:
        seen.extend(item["id"] for item in body)
        page += 1
    assert seen == ids(everyone)
    assert get(client, w.token, f"{LIST}?page[per_page]=0")[0] == 400

    counts = {}
    for size in (1, 12):
        with statements(settings.database_url) as sent:
            _, body = get(client, w.token, f"{LIST}?page[per_page]={size}")
        assert len(body["data"]) == size
        counts[size] = (len(sent), sum(any(t in s for t in PARTICIPANT_TABLES) for s in sent))
    assert counts[1] == counts[12]
    # The unfunded records (from visible_training_records), whose they are, and their emails.
    assert counts[12][1] == 3
    print(f"unfunded mentor statements per page (all, participant reads): {counts}")
    assert session.scalar(sa.select(sa.func.count()).select_from(Teacher)) == 24
