"""Participants operations of API v3: GET /api/v3/participants/ecf and /{id}, plus the
participant actions (defer, resume, withdraw, change-schedule)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from sqlalchemy.orm import Session

from domain import participant_actions, sync
from handlers import params
from handlers.context import caller, db
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v3.serializers import participants as serializers
from storage.enums import TrainingStatus
from storage.models import ParticipantProfile
from storage.queries import participants as queries

SORTABLE = ("created_at", "updated_at")


def list_participants(
    token_info: dict[str, Any],
    filter_: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    sort: str | None = None,
) -> Response:
    """GET /api/v3/participants/ecf"""
    window = params.page_window(page)
    filters = filter_ or {}
    from_participant_id = None
    if filters.get("from_participant_id") not in (None, ""):
        try:
            from_participant_id = uuid.UUID(str(filters["from_participant_id"]))
        except ValueError:
            # Not an id anyone could have had: nothing matches, as in the original.
            return jsonapi({"data": []})
    if window.beyond_any_data:
        return jsonapi({"data": []})
    training_status = filters.get("training_status")
    views = queries.list_participants(
        db(),
        caller(token_info),
        queries.ParticipantFilters(
            cohort_years=params.cohort_years(filters),
            earliest_default_cohort=params.EARLIEST_DEFAULT_COHORT,
            updated_since=params.updated_since(filters),
            training_status=TrainingStatus(training_status) if training_status else None,
            from_participant_id=from_participant_id,
        ),
        sort=params.sort_fields(sort, SORTABLE),
        limit=window.limit,
        offset=window.offset,
    )
    return jsonapi({"data": [serializers.participant(view) for view in views]})


def get_participant(token_info: dict[str, Any], id_: str) -> Response:
    """GET /api/v3/participants/ecf/{id}"""
    participant_id = params.resource_id(id_)
    view = queries.find_participant(db(), caller(token_info), participant_id)
    if view is None:
        raise NotFound()
    return jsonapi({"data": serializers.participant(view)})


def defer_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    """PUT /api/v3/participants/ecf/{id}/defer"""
    attributes = params.body_attributes(body)
    session, provider = db(), caller(token_info)
    profile = participant_actions.defer(
        session, provider, id_, attributes.get("course_identifier"), attributes.get("reason")
    )
    return _changed(session, provider, profile)


def resume_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    """PUT /api/v3/participants/ecf/{id}/resume"""
    attributes = params.body_attributes(body)
    session, provider = db(), caller(token_info)
    profile = participant_actions.resume(session, provider, id_, attributes.get("course_identifier"))
    return _changed(session, provider, profile)


def withdraw_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    """PUT /api/v3/participants/ecf/{id}/withdraw"""
    attributes = params.body_attributes(body)
    session, provider = db(), caller(token_info)
    profile = participant_actions.withdraw(
        session, provider, id_, attributes.get("course_identifier"), attributes.get("reason")
    )
    return _changed(session, provider, profile)


def change_participant_schedule(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    """PUT /api/v3/participants/ecf/{id}/change-schedule"""
    attributes = params.body_attributes(body)
    session, provider = db(), caller(token_info)
    profile = participant_actions.change_schedule(
        session,
        provider,
        id_,
        attributes.get("course_identifier"),
        attributes.get("schedule_identifier"),
        attributes.get("cohort"),
    )
    return _changed(session, provider, profile)


def _changed(session: Session, provider: uuid.UUID, profile: ParticipantProfile) -> Response:
    """The participant as it now stands, read before the one commit so that a change is
    never kept without the provider being shown it (stamped first, so it shows the
    ``updated_at`` the commit keeps)."""
    sync.stamp_now(session)
    view = queries.find_participant(session, provider, profile.teacher_id)
    if view is None:
        session.rollback()
        raise NotFound()
    response = jsonapi({"data": serializers.participant(view)})
    session.commit()
    return response
