"""The audit trail of API writes, through the real app: who (the provider's token), what
changed (before and after), why, and the request kept beside it with its status."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from domain import audit, clock
from storage.db import get_engine
from storage.models import ApiRequest, AuditEvent, ParticipantDeclaration, Partnership
from tests import builders
from tests.test_declarations_api import SET_UP, make_provider, post


@pytest.fixture
def lp(session, settings):  # type: ignore[no-untyped-def]
    with clock.travel(SET_UP):
        provider = make_provider(session, settings.secret_key)
        session.commit()
    return provider


@pytest.fixture
def ect(session, lp):  # type: ignore[no-untyped-def]
    with clock.travel(SET_UP):
        profile = builders.participant(session, lp.programmes[2024])
        session.commit()
    return profile


def requests(session) -> list[ApiRequest]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(ApiRequest).order_by(ApiRequest.received_at)))


def events(session, **where) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    session.expire_all()
    query = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_a_declaration_posted_is_recorded_with_the_provider_the_body_and_the_status(client, session, lp, ect):
    response = post(client, lp, ect)
    assert response.status_code == 200, response.json()
    declaration_id = response.json()["data"]["id"]

    (request,) = requests(session)
    assert (request.method, request.path, request.response_status) == (
        "POST",
        "/api/v3/participant-declarations",
        200,
    )
    assert request.lead_provider_id == lp.id
    assert request.request_body["data"]["attributes"]["participant_id"] == str(ect.teacher_id)
    assert request.response_body is None  # only error answers are kept

    created, eligible = events(session, record_type="participant_declarations", record_id=declaration_id)
    assert created.action == "created"
    assert eligible.changes == {"state": ["submitted", "eligible"]}
    assert (created.actor_kind, created.actor_id, created.source) == ("api_token", str(lp.id), "api")
    assert created.actor_label.startswith("Ambition Institute (API token ")
    assert created.changes["declaration_type"] == [None, "started"]
    assert created.changes["teacher_id"] == [None, str(ect.teacher_id)]
    assert created.api_request_id == request.id
    assert created.request_id == response.headers["X-Request-Id"]

    trail = audit.history_of(session, ParticipantDeclaration, declaration_id)
    assert [e.action for e in trail] == ["updated", "created"]  # newest first
    assert trail[0].api_request is not None and trail[0].api_request.response_status == 200
    # The declaration's first state is part of the participant's history too.
    tables = {e.record_type for e in audit.history_of_participant(session, ect.teacher_id)}
    assert {"participant_declarations", "declaration_states"} <= tables


def test_a_refused_declaration_keeps_the_request_and_its_answer_but_changes_nothing(client, session, lp, ect):
    response = post(client, lp, ect, participant_id=str(uuid.uuid4()))
    assert response.status_code == 422

    (request,) = requests(session)
    assert request.response_status == 422
    assert request.response_body == response.json()
    assert request.lead_provider_id == lp.id
    assert events(session) == []


def test_a_request_without_a_valid_token_is_kept_with_no_provider(client, session, ect):
    response = client.post(
        "/api/v3/participant-declarations",
        json={"data": {"type": "participant-declaration", "attributes": {}}},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    (request,) = requests(session)
    assert (request.response_status, request.lead_provider_id, request.api_token_id) == (401, None, None)
    # Refused before its body was read, the body is still kept.
    assert request.request_body == {"data": {"type": "participant-declaration", "attributes": {}}}
    assert request.response_body == {"error": "HTTP Token: Access denied"}
    assert events(session) == []


def test_a_large_body_is_kept_cut_short_and_secrets_in_it_are_not(client, session, lp, ect):
    attributes = {"participant_id": str(ect.teacher_id), "api_token": "s3cret", "notes": "x" * 20_000}
    response = client.post(
        "/api/v3/participant-declarations",
        json={"data": {"type": "participant-declaration", "attributes": attributes}},
        headers=lp.headers(),
    )
    assert response.status_code == 422
    (request,) = requests(session)
    assert request.request_body["truncated"] is True
    assert request.request_body["bytes"] > len(request.request_body["text"])
    small = client.post(
        "/api/v3/participant-declarations",
        json={"data": {"type": "participant-declaration", "attributes": {"api_token": "s3cret"}}},
        headers=lp.headers(),
    )
    assert small.status_code == 422
    kept = requests(session)[-1].request_body
    assert kept["data"]["attributes"] == {"api_token": audit.REDACTED}


def test_reads_are_not_kept(client, session, lp, ect):
    response = client.get("/api/v3/participant-declarations", headers=lp.headers())
    assert response.status_code == 200
    assert requests(session) == []


def test_a_withdrawal_records_the_training_status_before_and_after_and_the_reason(client, session, lp, ect):
    response = client.put(
        f"/api/v3/participants/ecf/{ect.teacher_id}/withdraw",
        json={
            "data": {
                "type": "participant-withdraw",
                "attributes": {"reason": "moved-school", "course_identifier": "ecf-induction"},
            }
        },
        headers=lp.headers(),
    )
    assert response.status_code == 200, response.json()
    (request,) = requests(session)
    assert request.request_body["data"]["attributes"]["reason"] == "moved-school"

    profile_events = events(session, record_type="participant_profiles", record_id=str(ect.id))
    assert profile_events, "the profile's training status changed"
    (change,) = profile_events
    assert change.changes["training_status"] == ["active", "withdrawn"]
    assert change.reason == "moved-school"
    assert change.action == "withdrawn"
    assert change.api_request_id == request.id
    (state,) = events(session, record_type="participant_profile_states")
    assert state.changes["state"] == [None, "withdrawn"]
    assert (state.action, state.reason) == ("created", "moved-school")
    assert {e.record_type for e in audit.history_of_participant(session, ect.teacher_id)} >= {
        "participant_profiles",
        "participant_profile_states",
        "induction_records",
    }


def test_a_delivery_partner_change_records_the_partnership_before_and_after(client, session, lp, ect):
    with clock.travel(SET_UP):
        other = builders.delivery_partner(session, lp.row, years=(2021, 2022, 2023, 2024, 2025))
        session.commit()
    partnership = session.scalars(
        sa.select(Partnership).where(
            Partnership.school_id == lp.school.id, Partnership.lead_provider_id == lp.id
        )
    ).first()
    assert partnership is not None
    response = client.put(
        f"/api/v3/partnerships/ecf/{partnership.id}",
        json={
            "data": {"type": "ecf-partnership-update", "attributes": {"delivery_partner_id": str(other.id)}}
        },
        headers=lp.headers(),
    )
    assert response.status_code == 200, response.json()
    trail = audit.history_of(session, Partnership, partnership.id)
    assert trail[0].changes["delivery_partner_id"] == [str(lp.partner.id), str(other.id)]
    assert trail[0].actor_id == str(lp.id)
    assert trail[0].api_request is not None
    assert trail[0].api_request.method == "PUT"
    assert trail[0].api_request.response_status == 200


def test_the_trail_partial_shows_who_what_and_the_request(app, client, session, lp, ect):
    assert post(client, lp, ect).status_code == 200
    trail = audit.history_of_participant(session, ect.teacher_id)
    with app.app.test_request_context():
        html = app.app.jinja_env.get_template("audit/_trail.html").render(events=trail)
    assert "Ambition Institute (API token" in html
    assert "through the API" in html
    assert "Created participant declaration" in html
    assert "POST /api/v3/participant-declarations (200)" in html
    assert "Submitted → eligible" not in html and "submitted → eligible" in html
    with app.app.test_request_context():
        empty = app.app.jinja_env.get_template("audit/_trail.html").render(events=[])
    assert "No changes have been recorded." in empty


def test_a_declaration_costs_a_bulk_insert_per_flush_and_no_queries(client, session, settings, lp, ect):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine(settings.database_url)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert post(client, lp, ect).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    touching = [s for s in statements if "audit_events" in s]
    assert touching and all(s.lstrip().upper().startswith("INSERT") for s in touching)
    written = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert len(touching) < written  # a bulk insert per flush, never a statement per row
    assert sum("api_requests" in s for s in statements) == 1
