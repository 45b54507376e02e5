"""Read queries for v3 unfunded mentors: mentors of the provider's ECTs it does not train.

A mentor training record is "unfunded" for a provider when it is the assigned mentor on
the latest induction record of one of the provider's visible training records (see
``storage.queries.participants``) but has no visible record of its own with the provider.
The resource is the mentor as a person (``id`` = their participant id, the ``mentor_id``
shown on the ECT's enrolment), one object per person.

A page costs four statements: the provider's unfunded mentor records (an anti-join within
``visible_training_records``), whose they are, the page of those people, then their mentor
records' emails and validation-data TRNs (plus one to resolve the id on a show).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from storage.models import (
    InductionRecord,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantValidationData,
    Teacher,
    VisibleTrainingRecord,
)
from storage.queries.participants import resolve_participant_ids


@dataclass(frozen=True)
class UnfundedMentorView:
    id: uuid.UUID
    full_name: str
    email: str
    trn: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _unfunded_profiles(lead_provider_id: uuid.UUID) -> sa.Select:
    """The id of each mentor record assigned on one of the provider's latest records and
    without a latest record of its own."""
    named = VisibleTrainingRecord
    own = aliased(VisibleTrainingRecord, name="own_visible_record")
    # The anti-join runs over the provider's rows alone (index probes on its primary key);
    # only the few mentors it leaves are looked up in participant_profiles.
    unfunded = sa.select(named.mentor_profile_id).where(
        named.lead_provider_id == lead_provider_id,
        named.mentor_profile_id.is_not(None),
        ~sa.exists().where(
            own.lead_provider_id == lead_provider_id, own.participant_profile_id == named.mentor_profile_id
        ),
    )
    return unfunded.distinct()


def list_unfunded_mentors(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    updated_since: dt.datetime | None,
    sort: Sequence[tuple[str, bool]] = (),
    limit: int,
    offset: int,
) -> list[UnfundedMentorView]:
    """One page. ``sort`` is ``(field, descending)`` pairs over ``created_at`` and
    ``updated_at``; the person's registration then id always follow."""
    return _page(
        session, lead_provider_id, updated_since=updated_since, sort=sort, limit=limit, offset=offset
    )


def find_unfunded_mentor(
    session: Session, lead_provider_id: uuid.UUID, participant_id: uuid.UUID
) -> UnfundedMentorView | None:
    """The mentor with this participant id (retired ids resolve too), if the list would
    include them."""
    candidates = resolve_participant_ids(session, participant_id)
    if not candidates:
        return None
    views = _page(session, lead_provider_id, teacher_ids=candidates, limit=len(candidates), offset=0)
    by_id = {view.id: view for view in views}
    return next((by_id[teacher_id] for teacher_id in candidates if teacher_id in by_id), None)


def _page(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    teacher_ids: Sequence[uuid.UUID] | None = None,
    updated_since: dt.datetime | None = None,
    sort: Sequence[tuple[str, bool]] = (),
    limit: int,
    offset: int,
) -> list[UnfundedMentorView]:
    # Read on its own, then by primary key: the planner cannot tell how few mentors the
    # anti-join leaves, and given it as a subquery it reads every training record to join them.
    profile_ids = session.scalars(_unfunded_profiles(lead_provider_id)).all()
    unfunded = [
        row
        for chunk in _chunks(profile_ids)
        for row in session.execute(
            sa.select(ParticipantProfile.id.label("profile_id"), ParticipantProfile.teacher_id).where(
                ParticipantProfile.id.in_(chunk)
            )
        )
        if teacher_ids is None or row.teacher_id in teacher_ids
    ]
    if not unfunded:
        return []
    stamp = Teacher.unfunded_mentor_api_updated_at
    query = sa.select(
        Teacher.id, Teacher.full_name, Teacher.trn, Teacher.created_at, stamp.label("updated_at")
    ).where(Teacher.id.in_(sorted({row.teacher_id for row in unfunded})))
    if updated_since is not None:
        query = query.where(stamp >= updated_since)
    columns = {"created_at": Teacher.created_at, "updated_at": stamp}
    order = [columns[name].desc() if descending else columns[name].asc() for name, descending in sort]
    people = session.execute(
        query.order_by(*order, Teacher.created_at, Teacher.id).limit(limit).offset(offset)
    ).all()
    if not people:
        return []
    shown = {row.id for row in people}
    details = _details(
        session, [row.profile_id for row in unfunded if row.teacher_id in shown], sorted(shown)
    )
    views = []
    for row in people:
        email, validation_trn = details[row.id]
        views.append(
            UnfundedMentorView(
                id=row.id,
                full_name=row.full_name,
                email=email,
                trn=row.trn or validation_trn,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return views


def _chunks(ids: Sequence[uuid.UUID], size: int = 5000) -> list[Sequence[uuid.UUID]]:
    """Ids in groups well under every database's limit on bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _details(
    session: Session, unfunded_profile_ids: Sequence[uuid.UUID], teacher_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Per person, from their newest unfunded mentor record: the email (the preferred
    identity on that record's own latest induction record, else the record's identity)
    and the TRN the school entered."""
    own = aliased(InductionRecord, name="own_record")
    preferred = aliased(ParticipantIdentity, name="preferred_identity")
    preferred_email = (
        sa.select(preferred.email)
        .select_from(own)
        .join(preferred, preferred.id == own.preferred_identity_id)
        .where(own.participant_profile_id == ParticipantProfile.id)
        .order_by(
            sa.case((own.end_date.is_(None), 0), else_=1),
            own.start_date.desc(),
            own.created_at.desc(),
            own.id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            ParticipantProfile.teacher_id,
            preferred_email.label("preferred_email"),
            ParticipantIdentity.email.label("profile_email"),
            ParticipantValidationData.trn.label("validation_trn"),
        )
        .join(ParticipantIdentity, ParticipantIdentity.id == ParticipantProfile.participant_identity_id)
        .outerjoin(
            ParticipantValidationData,
            ParticipantValidationData.participant_profile_id == ParticipantProfile.id,
        )
        .where(
            ParticipantProfile.id.in_(unfunded_profile_ids),
            ParticipantProfile.teacher_id.in_(teacher_ids),
        )
        .order_by(ParticipantProfile.created_at.desc(), ParticipantProfile.id.desc())
    ).all()
    found: dict[uuid.UUID, tuple[str, str | None]] = {}
    for row in rows:
        found.setdefault(row.teacher_id, (row.preferred_email or row.profile_email, row.validation_trn))
    return found
