"""Finding the person behind a participant id, including ids DfE has since retired."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.enums import ProfileType
from storage.models import ParticipantIdChange, ParticipantIdentity, ParticipantProfile, Teacher


def as_uuid(value: object) -> uuid.UUID | None:
    """A UUID from an id as a client sent it; ``None`` when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def find_teacher(
    session: Session, participant_id: object, profile_type: ProfileType | None
) -> Teacher | None:
    """The person behind ``participant_id``: a person with that id and a training record
    of the course's type; else an identity carrying the id (a retired id after a merge);
    else the person with that id; else the person the id was last changed to."""
    wanted = as_uuid(participant_id)
    if wanted is None:
        return None
    if profile_type is not None:
        teacher = session.scalars(
            sa.select(Teacher).where(
                Teacher.id == wanted,
                sa.exists().where(
                    ParticipantProfile.teacher_id == Teacher.id,
                    ParticipantProfile.profile_type == profile_type,
                ),
            )
        ).first()
        if teacher is not None:
            return teacher
    teacher = session.scalars(
        sa.select(Teacher)
        .join(ParticipantIdentity, ParticipantIdentity.teacher_id == Teacher.id)
        .where(ParticipantIdentity.external_identifier == wanted)
    ).first()
    if teacher is not None:
        return teacher
    teacher = session.get(Teacher, wanted)
    if teacher is not None:
        return teacher
    return session.scalars(
        sa.select(Teacher)
        .join(ParticipantIdChange, ParticipantIdChange.teacher_id == Teacher.id)
        .where(ParticipantIdChange.from_participant_id == wanted)
        .order_by(ParticipantIdChange.created_at.desc())
        .limit(1)
    ).first()
