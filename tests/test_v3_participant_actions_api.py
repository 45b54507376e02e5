"""PUT /api/v3/participants/ecf/{id}/defer|resume|withdraw|change-schedule through the
real app: success bodies (validated against openapi/v3.yaml by the app), each 422 with its
exact body, the 400 envelope rule, and isolation between providers."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from storage.models import InductionRecord, ParticipantProfileSchedule, ParticipantProfileState
from tests import builders
from tests.factories import provider_with_token

NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. "
    "Check participant details and try again."
)
COURSE_NOT_RECOGNISED = "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again."
COURSE_MISSING = "Enter a '#/course_identifier' value for this participant."
DATA_REQUIRED = "correct json data structure required. See API docs for reference"
SERVER_DATE = "2025-02-10T09:30:00Z"
ACTIONS = ("defer", "resume", "withdraw", "change-schedule")


@pytest.fixture
def world(session, settings) -> dict[str, Any]:
    provider, token = provider_with_token(session, settings.secret_key)
    other, other_token = provider_with_token(session, settings.secret_key, name="Other Provider")
    other_partner = builders.delivery_partner(session, other)
    school = builders.school(session)
    partner = builders.delivery_partner(session, provider)
    _, programme = builders.partnership(session, school, provider, partner, 2024)
    ect = builders.participant(session, programme)
    session.commit()
    return {
        "ect": ect,
        "other_partner": other_partner,
        "other": other,
        "participant_id": str(ect.teacher_id),
        "headers": {"Authorization": f"Bearer {token}", "X-With-Server-Date": SERVER_DATE},
        "other_headers": {"Authorization": f"Bearer {other_token}", "X-With-Server-Date": SERVER_DATE},
    }


def put(client, headers: dict[str, str], participant_id: str, action: str, attributes: Any):  # type: ignore[no-untyped-def]
    body = {"data": {"type": f"participant-{action}", "attributes": attributes}}
    return client.put(f"/api/v3/participants/ecf/{participant_id}/{action}", json=body, headers=headers)


def enrolment(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    (only,) = response.json()["data"]["attributes"]["ecf_enrolments"]
    return only


def unprocessable(*errors: tuple[str, str]) -> dict[str, Any]:
    return {"errors": [{"title": title, "detail": detail} for title, detail in errors]}


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


# --- success ----------------------------------------------------------------------------


def test_withdraw_answers_with_the_participant_as_it_now_stands(client, world):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "withdraw",
        {"reason": "switched-to-school-led", "course_identifier": "ecf-induction"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["type"]) == (world["participant_id"], "participant")
    shown = enrolment(response)
    assert shown["training_record_id"] == str(world["ect"].id)
    assert shown["training_status"] == "withdrawn"
    assert shown["withdrawal"] == {"reason": "switched-to-school-led", "date": SERVER_DATE}
    assert shown["deferral"] is None
    # The same participant the read side shows.
    again = client.get(f"/api/v3/participants/ecf/{world['participant_id']}", headers=world["headers"])
    assert again.json() == response.json()


def test_defer_then_resume(client, world):
    deferred = put(
        client,
        world["headers"],
        world["participant_id"],
        "defer",
        {"reason": "career-break", "course_identifier": "ecf-induction"},
    )
    assert deferred.status_code == 200
    assert enrolment(deferred)["training_status"] == "deferred"
    assert enrolment(deferred)["deferral"] == {"reason": "career-break", "date": SERVER_DATE}

    resumed = put(
        client, world["headers"], world["participant_id"], "resume", {"course_identifier": "ecf-induction"}
    )
    assert resumed.status_code == 200
    assert enrolment(resumed)["training_status"] == "active"
    assert enrolment(resumed)["deferral"] is None


def test_change_schedule(client, world, session):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "change-schedule",
        {
            "schedule_identifier": "ecf-extended-september",
            "course_identifier": "ecf-induction",
            "cohort": "2024",
        },
    )
    assert response.status_code == 200
    assert enrolment(response)["schedule_identifier"] == "ecf-extended-september"
    assert enrolment(response)["cohort"] == "2024"
    assert count(session, ParticipantProfileSchedule) == 1


def test_the_body_may_use_the_json_api_media_type(client, world):
    response = client.put(
        f"/api/v3/participants/ecf/{world['participant_id']}/defer",
        content=b'{"data":{"type":"participant-defer","attributes":{"reason":"other","course_identifier":"ecf-induction"}}}',
        headers={**world["headers"], "Content-Type": "application/vnd.api+json"},
    )
    assert response.status_code == 200


# --- 422 --------------------------------------------------------------------------------


@pytest.mark.parametrize("participant_id", ["7a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "not-a-uuid"])
def test_an_unknown_participant_is_a_422_not_a_404(client, world, participant_id):
    response = put(
        client,
        world["headers"],
        participant_id,
        "withdraw",
        {"reason": "other", "course_identifier": "ecf-induction"},
    )
    assert response.status_code == 422
    assert response.json() == unprocessable(
        ("participant_id", NOT_RECOGNISED), ("course_identifier", COURSE_NOT_RECOGNISED)
    )


def test_a_missing_reason(client, world, session):
    response = put(
        client, world["headers"], world["participant_id"], "withdraw", {"course_identifier": "ecf-induction"}
    )
    assert response.status_code == 422
    assert response.json() == unprocessable(
        ("reason", "The property '#/reason' must be present, The property '#/reason' must be a valid reason")
    )
    assert count(session, ParticipantProfileState) == 0


def test_an_invalid_defer_reason(client, world):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "defer",
        {"reason": "moved-school", "course_identifier": "ecf-induction"},
    )
    assert response.json() == unprocessable(("reason", "The property '#/reason' must be a valid reason"))


def test_already_withdrawn(client, world, session):
    attributes = {"reason": "other", "course_identifier": "ecf-induction"}
    assert put(client, world["headers"], world["participant_id"], "withdraw", attributes).status_code == 200
    response = put(client, world["headers"], world["participant_id"], "withdraw", attributes)
    assert response.status_code == 422
    assert response.json() == unprocessable(("participant_profile", "The participant is already withdrawn"))
    assert count(session, ParticipantProfileState) == 1


def test_already_active(client, world):
    response = put(
        client, world["headers"], world["participant_id"], "resume", {"course_identifier": "ecf-induction"}
    )
    assert response.json() == unprocessable(("participant_profile", "The participant is already active"))


@pytest.mark.parametrize("attributes", [{}, None, "ecf-induction", ["course_identifier"]])
def test_missing_or_malformed_attributes_count_as_empty(client, world, attributes):
    response = put(client, world["headers"], world["participant_id"], "resume", attributes)
    assert response.status_code == 422
    assert response.json() == unprocessable(
        ("course_identifier", f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}")
    )


def test_data_without_attributes(client, world):
    response = client.put(
        f"/api/v3/participants/ecf/{world['participant_id']}/resume",
        json={"data": {"type": "participant-resume"}},
        headers=world["headers"],
    )
    assert response.json() == unprocessable(
        ("course_identifier", f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}")
    )


def test_the_wrong_course(client, world):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "defer",
        {"reason": "other", "course_identifier": "ecf-mentor"},
    )
    assert response.json() == unprocessable(("course_identifier", COURSE_NOT_RECOGNISED))


@pytest.mark.parametrize("schedule_identifier", [None, "ecf-standard-june"])
def test_an_unknown_schedule_is_a_clear_422(client, world, session, schedule_identifier):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "change-schedule",
        {"schedule_identifier": schedule_identifier, "course_identifier": "ecf-induction"},
    )
    assert response.status_code == 422
    assert response.json() == unprocessable(
        (
            "schedule_identifier",
            "The property '#/schedule_identifier' must be present and correspond to a valid schedule",
        )
    )
    assert count(session, ParticipantProfileSchedule) == 0


def test_a_cohort_without_a_partnership(client, world):
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "change-schedule",
        {
            "schedule_identifier": "ecf-standard-september",
            "course_identifier": "ecf-induction",
            "cohort": "2025",
        },
    )
    assert response.json() == unprocessable(
        (
            "cohort",
            "You cannot change a participant to this cohort as you do not have a partnership with the school "
            "for the cohort. Contact the DfE for assistance.",
        )
    )


def test_a_withdrawn_participant_cannot_change_schedule(client, world):
    put(
        client,
        world["headers"],
        world["participant_id"],
        "withdraw",
        {"reason": "other", "course_identifier": "ecf-induction"},
    )
    response = put(
        client,
        world["headers"],
        world["participant_id"],
        "change-schedule",
        {"schedule_identifier": "ecf-standard-january", "course_identifier": "ecf-induction"},
    )
    assert response.json() == unprocessable(
        ("participant_id", "Cannot perform actions on a withdrawn participant")
    )


# --- 400, 401 ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("body", [b"{}", b'{"data": []}', b'{"attributes": {"reason": "other"}}'])
def test_a_body_without_data_is_a_400(client, world, action, body):
    response = client.put(
        f"/api/v3/participants/ecf/{world['participant_id']}/{action}",
        content=body,
        headers={**world["headers"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad request", "detail": DATA_REQUIRED}]}


@pytest.mark.parametrize("action", ACTIONS)
def test_a_token_is_needed(client, world, action):
    response = put(client, {}, world["participant_id"], action, {"course_identifier": "ecf-induction"})
    assert response.status_code == 401
    assert response.json() == {"error": "HTTP Token: Access denied"}


# --- isolation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "attributes"),
    [
        ("withdraw", {"reason": "other", "course_identifier": "ecf-induction"}),
        ("defer", {"reason": "other", "course_identifier": "ecf-induction"}),
        ("resume", {"course_identifier": "ecf-induction"}),
        (
            "change-schedule",
            {"schedule_identifier": "ecf-standard-january", "course_identifier": "ecf-induction"},
        ),
    ],
)
def test_another_providers_participant_cannot_be_changed(client, world, session, action, attributes):
    before = count(session, InductionRecord)
    response = put(client, world["other_headers"], world["participant_id"], action, attributes)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"title": "participant_id", "detail": NOT_RECOGNISED}
    assert count(session, InductionRecord) == before
    own = client.get(f"/api/v3/participants/ecf/{world['participant_id']}", headers=world["headers"])
    assert enrolment(own)["training_status"] == "active"


def test_each_provider_withdraws_only_its_own_record(client, world, session):
    """A participant who moved to a school trained by another provider is seen by both;
    one provider's withdrawal leaves the other's record as it was."""
    ect, other = world["ect"], world["other"]
    new_school = builders.school(session)
    _, other_programme = builders.partnership(session, new_school, other, world["other_partner"], 2024)
    session.add(
        InductionRecord(
            participant_profile_id=ect.id,
            induction_programme_id=other_programme.id,
            schedule_id=ect.schedule_id,
            start_date=builders.at(2025, 1, 6),
            school_transfer=True,
        )
    )
    session.commit()
    response = put(
        client,
        world["other_headers"],
        world["participant_id"],
        "withdraw",
        {"reason": "moved-school", "course_identifier": "ecf-induction"},
    )
    assert response.status_code == 200
    assert enrolment(response)["training_status"] == "withdrawn"
    assert enrolment(response)["school_urn"] == new_school.urn
    own = client.get(f"/api/v3/participants/ecf/{world['participant_id']}", headers=world["headers"])
    assert enrolment(own)["training_status"] == "active"
    assert enrolment(own)["withdrawal"] is None
