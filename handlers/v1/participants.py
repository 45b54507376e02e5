"""Participants in API v1 (v2 reuses these): the flat list, its CSV export, one
participant, and the four training actions under ``/participants/ecf/{id}/…`` plus v1's
older paths for the same operations.

The rules are the ones v3 uses (``domain.participant_actions``); v1 and v2 differ only in
showing one row per training record, and in answering an action with the record changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Response
from sqlalchemy.orm import Session

from domain import participant_actions, sync
from handlers import params
from handlers.context import caller, db
from handlers.csv_export import csv_response
from handlers.errors import NotFound
from handlers.responses import jsonapi
from handlers.v1.serializers import participants as serializers
from storage.models import ParticipantProfile
from storage.queries import participants as queries


def list_participants(
    token_info: dict[str, Any], filter_: dict[str, Any] | None = None, page: dict[str, Any] | None = None
) -> Response:
    """GET /participants/ecf: filters ``cohort`` (comma list) and ``updated_since`` (inclusive)."""
    window = params.page_window(page)
    if window.beyond_any_data:
        return jsonapi({"data": []})
    records = queries.list_training_records(
        db(), caller(token_info), _filters(filter_), limit=window.limit, offset=window.offset
    )
    return jsonapi({"data": [serializers.participant(record) for record in records]})


def export_participants_csv(token_info: dict[str, Any], filter_: dict[str, Any] | None = None) -> Response:
    """GET /participants/ecf.csv: the list's rows, unpaged."""
    provider, filters = caller(token_info), _filters(filter_)
    return csv_response(
        lambda session: (
            serializers.participant(record)
            for record in queries.iter_training_records(session, provider, filters)
        )
    )


def get_participant(token_info: dict[str, Any], id_: str) -> Response:
    """GET /participants/ecf/{id}: the ECT record when the person has both."""
    record = queries.find_training_record(db(), caller(token_info), params.resource_id(id_))
    if record is None:
        raise NotFound()
    return jsonapi({"data": serializers.participant(record)})


def defer_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    attributes = params.body_attributes(body)
    return _act(
        token_info,
        lambda session, provider: participant_actions.defer(
            session, provider, id_, attributes.get("course_identifier"), attributes.get("reason")
        ),
    )


def resume_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    attributes = params.body_attributes(body)
    return _act(
        token_info,
        lambda session, provider: participant_actions.resume(
            session, provider, id_, attributes.get("course_identifier")
        ),
    )


def withdraw_participant(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    attributes = params.body_attributes(body)
    return _act(
        token_info,
        lambda session, provider: participant_actions.withdraw(
            session, provider, id_, attributes.get("course_identifier"), attributes.get("reason")
        ),
    )


def change_participant_schedule(token_info: dict[str, Any], id_: str, body: Any) -> Response:
    attributes = params.body_attributes(body)
    return _act(
        token_info,
        lambda session, provider: participant_actions.change_schedule(
            session,
            provider,
            id_,
            attributes.get("course_identifier"),
            attributes.get("schedule_identifier"),
            attributes.get("cohort"),
        ),
    )


# v1's first paths for the same operations.
list_participants_by_old_path = list_participants
export_participants_csv_by_old_path = export_participants_csv
defer_participant_by_old_path = defer_participant
resume_participant_by_old_path = resume_participant
withdraw_participant_by_old_path = withdraw_participant
change_participant_schedule_by_old_path = change_participant_schedule


def _filters(filter_: dict[str, Any] | None) -> queries.ParticipantFilters:
    filters = filter_ or {}
    return queries.ParticipantFilters(
        cohort_years=params.cohort_years(filters),
        earliest_default_cohort=params.EARLIEST_DEFAULT_COHORT,
        updated_since=params.updated_since(filters),
    )


Action = Callable[[Session, uuid.UUID], ParticipantProfile]


def _act(token_info: dict[str, Any], action: Action) -> Response:
    """Run a training action and answer with the record it changed, read before the one
    commit so that a change is never kept without the provider being shown it."""
    session, provider = db(), caller(token_info)
    profile = action(session, provider)
    sync.stamp_now(session)  # so the record shows the updated_at the commit keeps
    record = next(
        (
            record
            for record in queries.records_of_person(session, provider, profile.teacher_id)
            if record.enrolment.training_record_id == profile.id
        ),
        None,
    )
    if record is None:
        session.rollback()
        raise NotFound()
    response = jsonapi({"data": serializers.participant(record)})
    session.commit()
    return response
