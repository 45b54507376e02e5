"""API v1 and v2 participants: the flat list (one row per training record), its CSV export,
one participant, the four training actions and v1's older paths.

Every JSON response here has been validated against its version's spec by the app.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from sqlalchemy.orm import Session

from domain import clock
from domain.clock import UTC
from storage.enums import (
    ChallengeReason,
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    ProfileType,
    TrainingStatus,
)
from storage.models import ParticipantEligibility, ParticipantIdentity, ParticipantProfile, Teacher
from storage.queries import participants as queries
from tests import builders as b
from tests.test_v3_participants import World, _schedule_2020, programme_for, records_of, world

VERSIONS = ("v1", "v2")
ATTRIBUTE_KEYS = [
    "email",
    "full_name",
    "mentor_id",
    "school_urn",
    "participant_type",
    "cohort",
    "status",
    "teacher_reference_number",
    "teacher_reference_number_validated",
    "eligible_for_funding",
    "pupil_premium_uplift",
    "sparsity_uplift",
    "training_status",
    "training_record_id",
    "schedule_identifier",
    "updated_at",
]
CSV_COLUMNS = ["id", *ATTRIBUTE_KEYS]


def auth(w: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.token}"}


def get_json(client, w: World, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path, headers=auth(w))
    return response.status_code, response.json()


def rows(body: dict) -> list[tuple[str, str]]:
    """``(participant id, training record id)`` of each row."""
    return [(item["id"], item["attributes"]["training_record_id"]) for item in body["data"]]


def row_of(profile: ParticipantProfile) -> tuple[str, str]:
    return (str(profile.teacher_id), str(profile.id))


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def second_profile(session: Session, person: ParticipantProfile, programme, profile_type: ProfileType):  # type: ignore[no-untyped-def]
    return b.participant(
        session, programme, teacher=session.get(Teacher, person.teacher_id), profile_type=profile_type
    )


# Shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_an_ect_and_their_mentor_in_full_and_in_the_original_order(client, session, settings, version):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR, eligibility=None, trn=None)
    mentor_teacher = session.get(Teacher, mentor.teacher_id)
    mentor_teacher.trn = None
    ect = b.participant(session, w.programme, mentor=mentor, trn="1234567")
    ect.pupil_premium_uplift = True
    session.commit()
    teacher = session.get(Teacher, ect.teacher_id)

    status, body = get_json(client, w, f"/api/{version}/participants/ecf")

    assert status == 200
    by_record = {item["attributes"]["training_record_id"]: item for item in body["data"]}
    ect_row = by_record[str(ect.id)]
    assert list(ect_row["attributes"]) == ATTRIBUTE_KEYS
    assert ect_row == {
        "id": str(teacher.id),
        "type": "participant",
        "attributes": {
            "email": session.get(ParticipantIdentity, ect.participant_identity_id).email,
            "full_name": teacher.full_name,
            "mentor_id": str(mentor.teacher_id),
            "school_urn": w.school.urn,
            "participant_type": "ect",
            "cohort": "2024",
            "status": "active",
            "teacher_reference_number": "1234567",
            "teacher_reference_number_validated": True,
            "eligible_for_funding": True,
            "pupil_premium_uplift": True,
            "sparsity_uplift": False,
            "training_status": "active",
            "training_record_id": str(ect.id),
            "schedule_identifier": "ecf-standard-september",
            "updated_at": ect_row["attributes"]["updated_at"],
        },
    }
    mentor_row = by_record[str(mentor.id)]["attributes"]
    assert mentor_row["participant_type"] == "mentor"
    assert mentor_row["mentor_id"] is None
    assert mentor_row["teacher_reference_number"] is None
    assert mentor_row["teacher_reference_number_validated"] is None
    assert mentor_row["eligible_for_funding"] is None


def test_trn_validation_and_eligibility_follow_the_verdict(client, session, settings):
    w = world(session, settings.secret_key)
    checked = b.participant(session, w.programme, trn="2000001")
    eligibility = session.query(ParticipantEligibility).filter_by(participant_profile_id=checked.id).one()
    eligibility.status = EligibilityStatus.INELIGIBLE
    eligibility.reason = EligibilityReason.DIFFERENT_TRN
    session.commit()

    _, body = get_json(client, w, f"/api/v1/participants/ecf/{checked.teacher_id}")

    attributes = body["data"]["attributes"]
    assert (attributes["teacher_reference_number_validated"], attributes["eligible_for_funding"]) == (
        False,
        False,
    )


@pytest.mark.parametrize(
    ("induction_status", "shown"),
    [
        (InductionStatus.ACTIVE, "active"),
        (InductionStatus.LEAVING, "active"),
        (InductionStatus.COMPLETED, "active"),
        (InductionStatus.WITHDRAWN, "withdrawn"),
    ],
)
def test_status_is_what_the_school_reports(client, session, settings, induction_status, shown):
    w = world(session, settings.secret_key)
    profile = b.participant(session, w.programme, induction_status=induction_status)
    session.commit()

    _, body = get_json(client, w, f"/api/v1/participants/ecf/{profile.teacher_id}")

    assert body["data"]["attributes"]["status"] == shown


@pytest.mark.parametrize("version", VERSIONS)
def test_a_person_with_two_records_is_two_rows_with_one_id(client, session, settings, version):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    mentor = second_profile(session, ect, w.programme, ProfileType.MENTOR)
    session.commit()

    _, body = get_json(client, w, f"/api/{version}/participants/ecf")

    assert rows(body) == [row_of(ect), row_of(mentor)]
    status, single = get_json(client, w, f"/api/{version}/participants/ecf/{ect.teacher_id}")
    assert status == 200
    assert single["data"]["attributes"]["training_record_id"] == str(ect.id)


def test_show_prefers_the_ect_record_even_when_the_mentor_record_came_first(client, session, settings):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR)
    ect = second_profile(session, mentor, w.programme, ProfileType.ECT)
    session.commit()

    _, single = get_json(client, w, f"/api/v1/participants/ecf/{mentor.teacher_id}")

    assert single["data"]["attributes"]["training_record_id"] == str(ect.id)


# Visibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_another_providers_participants_are_not_seen(client, session, settings, version):
    ours = world(session, settings.secret_key)
    theirs = world(session, settings.secret_key, name="Best Practice Network")
    mine = b.participant(session, ours.programme)
    other = b.participant(session, theirs.programme)
    session.commit()

    _, body = get_json(client, ours, f"/api/{version}/participants/ecf")
    assert rows(body) == [row_of(mine)]
    status, error = get_json(client, ours, f"/api/{version}/participants/ecf/{other.teacher_id}")
    assert (status, error) == (404, {"error": "Resource not Found"})
    csv_text = client.get(f"/api/{version}/participants/ecf.csv", headers=auth(ours)).text
    assert [row["id"] for row in parse_csv(csv_text)] == [str(mine.teacher_id)]


def test_a_challenged_partnership_hides_its_participants(client, session, settings):
    w = world(session, settings.secret_key)
    b.participant(session, w.programme)
    w.partnership.challenged_at = dt.datetime(2024, 10, 1, tzinfo=UTC)
    w.partnership.challenge_reason = ChallengeReason.MISTAKE
    session.commit()

    _, body = get_json(client, w, "/api/v1/participants/ecf")

    assert body == {"data": []}


def test_unknown_and_malformed_ids_are_not_found(client, session, settings):
    w = world(session, settings.secret_key)
    session.commit()
    for value in (uuid.uuid4(), "not-an-id"):
        status, body = get_json(client, w, f"/api/v1/participants/ecf/{value}")
        assert (status, body) == (404, {"error": "Resource not Found"})


# Filters, order and paging ------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_cohort_filter_takes_a_list_and_defaults_to_2021_onwards(client, session, settings, version):
    w = world(session, settings.secret_key)
    p2023 = b.participant(session, programme_for(session, w, 2023))
    p2024 = b.participant(session, w.programme)
    old = b.participant(session, w.programme)
    records_of(session, old)[0].schedule_id = _schedule_2020(session).id
    session.commit()
    base = f"/api/{version}/participants/ecf"

    assert rows(get_json(client, w, base)[1]) == [row_of(p2023), row_of(p2024)]
    assert rows(get_json(client, w, f"{base}?filter[cohort]=2024")[1]) == [row_of(p2024)]
    assert rows(get_json(client, w, f"{base}?filter[cohort]=2020,2024")[1]) == [row_of(p2024), row_of(old)]
    # The default applies to a single participant too.
    assert get_json(client, w, f"{base}/{old.teacher_id}")[0] == 404
    assert rows(get_json(client, w, f"{base}?filter[cohort]=1999")[1]) == []
    exported = client.get(f"{base}.csv?filter[cohort]=2020", headers=auth(w)).text
    assert [(row["id"], row["training_record_id"]) for row in parse_csv(exported)] == [row_of(old)]


@pytest.mark.parametrize("version", VERSIONS)
def test_updated_since_is_inclusive_and_orders_by_change(client, session, settings, version):
    w = world(session, settings.secret_key)
    first = b.participant(session, w.programme)
    second = b.participant(session, w.programme)
    session.commit()
    base = f"/api/{version}/participants/ecf"
    _, everyone = get_json(client, w, base)
    stamps = {
        item["attributes"]["training_record_id"]: item["attributes"]["updated_at"]
        for item in everyone["data"]
    }
    # Change the first person later than the second.
    later = dt.datetime.now(UTC) + dt.timedelta(seconds=5)
    with clock.travel(later):
        session.get(Teacher, first.teacher_id).full_name = "Changed Name"
        session.commit()
    since = later.strftime("%Y-%m-%dT%H:%M:%SZ")

    _, changed = get_json(client, w, f"{base}?filter[updated_since]={since}")

    assert rows(changed) == [row_of(first)]
    _, both = get_json(client, w, f"{base}?filter[updated_since]={stamps[str(second.id)]}")
    assert rows(both) == [row_of(second), row_of(first)]


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_filters_and_pages_are_refused_with_the_originals_messages(client, session, settings, version):
    w = world(session, settings.secret_key)
    session.commit()
    base = f"/api/{version}/participants/ecf"
    cases = {
        f"{base}?filter[updated_since]=yesterday": (
            "Bad request",
            "The filter '#/updated_since' must be a valid RCF3339 date",
        ),
        f"{base}?filter=foo": ("Bad parameter", "Filter must be a hash"),
        f"{base}?page[per_page]=0": (
            "Bad request",
            "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid number (equal and more than 1)",
        ),
        f"{base}.csv?filter[updated_since]=yesterday": (
            "Bad request",
            "The filter '#/updated_since' must be a valid RCF3339 date",
        ),
    }
    for path, (title, detail) in cases.items():
        status, body = get_json(client, w, path)
        assert (status, body) == (400, {"errors": [{"title": title, "detail": detail}]}), path


def test_pages_are_countless_and_follow_registration_order(client, session, settings):
    w = world(session, settings.secret_key)
    people = [b.participant(session, w.programme) for _ in range(5)]
    session.commit()
    base = "/api/v1/participants/ecf?page[per_page]=2"

    seen = []
    for number in (1, 2, 3, 4):
        _, body = get_json(client, w, f"{base}&page[page]={number}")
        seen.append(rows(body))
    assert seen == [
        [row_of(people[0]), row_of(people[1])],
        [row_of(people[2]), row_of(people[3])],
        [row_of(people[4])],
        [],
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_old_list_paths_answer_as_the_new_ones(client, session, settings, version):
    w = world(session, settings.secret_key)
    b.participant(session, w.programme)
    session.commit()

    assert (
        get_json(client, w, f"/api/{version}/participants")[1]
        == get_json(client, w, f"/api/{version}/participants/ecf")[1]
    )
    old_csv = client.get(f"/api/{version}/participants.csv", headers=auth(w))
    new_csv = client.get(f"/api/{version}/participants/ecf.csv", headers=auth(w))
    assert (old_csv.status_code, old_csv.text) == (200, new_csv.text)


# CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_csv_has_the_originals_columns_and_values_and_ignores_paging(client, session, settings, version):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR, eligibility=None)
    ect = b.participant(session, w.programme, mentor=mentor)
    session.get(Teacher, ect.teacher_id).full_name = 'Anne "Nan" O\'Neil, Jr'
    session.commit()

    response = client.get(f"/api/{version}/participants/ecf.csv?page[per_page]=1", headers=auth(w))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv"
    lines = response.text.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    _, body = get_json(client, w, f"/api/{version}/participants/ecf")
    parsed = parse_csv(response.text)
    assert len(parsed) == 2
    for row, item in zip(parsed, body["data"], strict=True):
        expected = {"id": item["id"], **item["attributes"]}
        assert row == {
            key: ""
            if value is None
            else ("true" if value is True else "false" if value is False else str(value))
            for key, value in expected.items()
        }
    # A null is an empty quoted cell, as the original wrote it; a comma or quote is quoted.
    mentor_line = next(line for line in lines if str(mentor.id) in line)
    assert ',"",' in mentor_line
    assert '"Anne ""Nan"" O\'Neil, Jr"' in response.text


def test_csv_text_never_runs_as_a_spreadsheet_formula(client, session, settings):
    w = world(session, settings.secret_key)
    profile = b.participant(session, w.programme)
    session.get(Teacher, profile.teacher_id).full_name = '=HYPERLINK("http://evil.example","x")'
    session.commit()

    response = client.get("/api/v1/participants/ecf.csv", headers=auth(w))

    assert parse_csv(response.text)[0]["full_name"] == '\'=HYPERLINK("http://evil.example","x")'
    # The JSON shows the name as it is.
    assert get_json(client, w, "/api/v1/participants/ecf")[1]["data"][0]["attributes"][
        "full_name"
    ].startswith("=")


@pytest.mark.parametrize("version", VERSIONS)
def test_csv_of_nothing_is_an_empty_body(client, session, settings, version):
    w = world(session, settings.secret_key)
    session.commit()

    response = client.get(f"/api/{version}/participants/ecf.csv", headers=auth(w))

    assert (response.status_code, response.headers["content-type"], response.content) == (
        200,
        "text/csv",
        b"",
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_csv_refuses_a_bad_token_in_json(client, version):
    response = client.get(f"/api/{version}/participants/ecf.csv", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/vnd.api+json"
    assert response.json() == {"error": "HTTP Token: Access denied"}


def test_the_export_reads_in_chunks_and_matches_the_pages(session, settings):
    w = world(session, settings.secret_key)
    for _ in range(7):
        ect = b.participant(session, w.programme)
        second_profile(session, ect, w.programme, ProfileType.MENTOR)
    session.commit()
    filters = queries.ParticipantFilters()

    streamed = list(queries.iter_training_records(session, w.provider.id, filters, chunk_size=3))
    paged = queries.list_training_records(session, w.provider.id, filters, limit=100, offset=0)

    assert len(streamed) == 14
    assert streamed == paged


# Actions ------------------------------------------------------------------------------

ACTIONS = {
    "defer": ({"reason": "career-break", "course_identifier": "ecf-induction"}, "deferred"),
    "withdraw": ({"reason": "moved-school", "course_identifier": "ecf-induction"}, "withdrawn"),
}


def put(client, w: World, path: str, attributes: dict):  # type: ignore[no-untyped-def]
    response = client.put(path, headers=auth(w), json={"data": {"type": "x", "attributes": attributes}})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/participants/ecf/{id}/{action}",
        "/api/v1/participants/{id}/{action}",
        "/api/v2/participants/ecf/{id}/{action}",
    ],
)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_answers_with_the_record_it_changed(client, session, settings, path, action):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    second_profile(session, ect, w.programme, ProfileType.MENTOR)
    session.commit()
    attributes, training_status = ACTIONS[action]

    status, body = put(client, w, path.format(id=ect.teacher_id, action=action), attributes)

    assert status == 200
    assert body["data"]["id"] == str(ect.teacher_id)
    assert body["data"]["attributes"]["training_record_id"] == str(ect.id)
    assert body["data"]["attributes"]["training_status"] == training_status
    session.expire_all()
    assert session.get(ParticipantProfile, ect.id).training_status == TrainingStatus(training_status)


@pytest.mark.parametrize(
    "prefix", ["/api/v1/participants/ecf", "/api/v1/participants", "/api/v2/participants/ecf"]
)
def test_resume_and_change_schedule_of_the_mentor_record(client, session, settings, prefix):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    mentor = second_profile(session, ect, w.programme, ProfileType.MENTOR)
    session.commit()
    base = f"{prefix}/{ect.teacher_id}"

    assert put(client, w, f"{base}/defer", {"reason": "other", "course_identifier": "ecf-mentor"})[0] == 200
    status, body = put(client, w, f"{base}/resume", {"course_identifier": "ecf-mentor"})
    assert (status, body["data"]["attributes"]["training_record_id"]) == (200, str(mentor.id))
    assert body["data"]["attributes"]["training_status"] == "active"
    status, body = put(
        client,
        w,
        f"{base}/change-schedule",
        {"course_identifier": "ecf-mentor", "schedule_identifier": "ecf-extended-september"},
    )
    assert (status, body["data"]["attributes"]["schedule_identifier"]) == (200, "ecf-extended-september")


@pytest.mark.parametrize(
    "prefix", ["/api/v1/participants/ecf", "/api/v1/participants", "/api/v2/participants/ecf"]
)
def test_action_errors_use_the_shared_rules_and_messages(client, session, settings, prefix):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    session.commit()
    base = f"{prefix}/{ect.teacher_id}"

    assert put(client, w, f"{base}/defer", {"course_identifier": "ecf-induction"}) == (
        422,
        {
            "errors": [
                {
                    "title": "reason",
                    "detail": "The property '#/reason' must be present, The property '#/reason' must be a valid reason",
                }
            ]
        },
    )
    assert put(client, w, f"{base}/resume", {"course_identifier": "ecf-induction"}) == (
        422,
        {"errors": [{"title": "participant_profile", "detail": "The participant is already active"}]},
    )
    response = client.put(f"{base}/withdraw", headers=auth(w), json={"attributes": {}})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "title": "Bad request",
                    "detail": "correct json data structure required. See API docs for reference",
                }
            ]
        },
    )
    unknown = f"{prefix}/{uuid.uuid4()}/defer"
    assert put(client, w, unknown, {"reason": "other", "course_identifier": "ecf-induction"}) == (
        422,
        {
            "errors": [
                {
                    "title": "participant_id",
                    "detail": "Your update cannot be made as the '#/participant_id' is not recognised. "
                    "Check participant details and try again.",
                },
                {
                    "title": "course_identifier",
                    "detail": "The entered '#/course_identifier' is not recognised for the given participant. "
                    "Check details and try again.",
                },
            ]
        },
    )


def test_v2_has_no_old_action_paths(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    session.commit()

    status, body = put(client, w, f"/api/v2/participants/{ect.teacher_id}/defer", {"reason": "other"})

    assert (status, body) == (404, {"error": "Resource not Found"})
