"""Read queries for v3 participant transfers: people moving between schools.

A person is listed when one of their training records has a ``leaving`` induction
record and the same training record has a leaving or transfer-in induction record under
one of the provider's partnerships (as in the original, a school's challenge does not
hide a move). Their moves are then paired from every induction record of theirs (see
``domain.participant_status.pair_transfers``), so a listed person may show no move the
provider is party to, as the original did.

A page costs two statements: the page of people, then every induction record of theirs
with its school and provider.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from domain.participant_status import pair_transfers
from storage.enums import InductionStatus
from storage.models import (
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    ParticipantProfile,
    Partnership,
    School,
    SchoolCohort,
    Teacher,
)
from storage.queries.participants import resolve_participant_ids


@dataclass(frozen=True)
class TransferSide:
    """One induction record of a move, with the school and provider it sits under."""

    record_id: uuid.UUID
    profile_id: uuid.UUID
    created_at: dt.datetime
    induction_status: InductionStatus
    school_transfer: bool
    start_date: dt.datetime
    end_date: dt.datetime | None
    school_id: uuid.UUID
    school_urn: str
    lead_provider_id: uuid.UUID | None
    provider_name: str | None


@dataclass(frozen=True)
class TransferView:
    """A move as paired for the provider; ``joining`` is None until the new school reports."""

    training_record_id: uuid.UUID
    leaving: TransferSide
    joining: TransferSide | None


@dataclass(frozen=True)
class ParticipantTransfersView:
    id: uuid.UUID
    updated_at: dt.datetime
    transfers: tuple[TransferView, ...]


def _candidates(lead_provider_id: uuid.UUID) -> sa.Select:
    """Ids of people with a leaving record on a training record the provider is part of."""
    leaving = aliased(InductionRecord, name="leaving_record")
    return (
        sa.select(ParticipantProfile.teacher_id)
        .join(InductionRecord, InductionRecord.participant_profile_id == ParticipantProfile.id)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .where(
            Partnership.lead_provider_id == lead_provider_id,
            sa.or_(
                InductionRecord.induction_status == InductionStatus.LEAVING,
                InductionRecord.school_transfer.is_(True),
            ),
            sa.exists().where(
                leaving.participant_profile_id == ParticipantProfile.id,
                leaving.induction_status == InductionStatus.LEAVING,
            ),
        )
        .distinct()
    )


def list_transfers(
    session: Session,
    lead_provider_id: uuid.UUID,
    *,
    updated_since: dt.datetime | None,
    limit: int,
    offset: int,
) -> list[ParticipantTransfersView]:
    """One page, by the person's registration; by change time when ``updated_since`` is given
    (the original's orders), then id so pages never overlap."""
    return _page(session, lead_provider_id, updated_since=updated_since, limit=limit, offset=offset)


def find_transfers(
    session: Session, lead_provider_id: uuid.UUID, participant_id: uuid.UUID
) -> ParticipantTransfersView | None:
    """The person's moves, if the list would include them (retired ids resolve too)."""
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
    limit: int,
    offset: int,
) -> list[ParticipantTransfersView]:
    candidates = _candidates(lead_provider_id)
    if teacher_ids is not None:
        candidates = candidates.where(ParticipantProfile.teacher_id.in_(teacher_ids))
    matching = candidates.cte("transfer_people")
    stamp = Teacher.transfers_api_updated_at
    query = sa.select(Teacher.id, stamp.label("updated_at")).join(
        matching, matching.c.teacher_id == Teacher.id
    )
    if updated_since is not None:
        query = query.where(stamp >= updated_since).order_by(stamp, Teacher.created_at, Teacher.id)
    else:
        query = query.order_by(Teacher.created_at, Teacher.id)
    people = session.execute(query.limit(limit).offset(offset)).all()
    if not people:
        return []
    sides = _records(session, [row.id for row in people])
    views = []
    for row in people:
        transfers: list[TransferView] = []
        for profile_id, records in sides.get(row.id, {}).items():
            for leaving, joining in pair_transfers(records, lead_provider_id):
                transfers.append(
                    TransferView(training_record_id=profile_id, leaving=leaving, joining=joining)
                )
        views.append(
            ParticipantTransfersView(id=row.id, updated_at=row.updated_at, transfers=tuple(transfers))
        )
    return views


def _records(
    session: Session, teacher_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, list[TransferSide]]]:
    """Every induction record of these people, by person then training record (in the
    order the records were created)."""
    rows = session.execute(
        sa.select(
            ParticipantProfile.teacher_id,
            InductionRecord.id,
            InductionRecord.participant_profile_id,
            InductionRecord.created_at,
            InductionRecord.induction_status,
            InductionRecord.school_transfer,
            InductionRecord.start_date,
            InductionRecord.end_date,
            School.id.label("school_id"),
            School.urn,
            Partnership.lead_provider_id,
            LeadProvider.name.label("provider_name"),
        )
        .join(InductionRecord, InductionRecord.participant_profile_id == ParticipantProfile.id)
        .join(InductionProgramme, InductionProgramme.id == InductionRecord.induction_programme_id)
        .join(SchoolCohort, SchoolCohort.id == InductionProgramme.school_cohort_id)
        .join(School, School.id == SchoolCohort.school_id)
        .outerjoin(Partnership, Partnership.id == InductionProgramme.partnership_id)
        .outerjoin(LeadProvider, LeadProvider.id == Partnership.lead_provider_id)
        .where(ParticipantProfile.teacher_id.in_(teacher_ids))
        .order_by(
            ParticipantProfile.created_at,
            ParticipantProfile.id,
            InductionRecord.created_at,
            InductionRecord.id,
        )
    ).all()
    found: dict[uuid.UUID, dict[uuid.UUID, list[TransferSide]]] = defaultdict(dict)
    for row in rows:
        found[row.teacher_id].setdefault(row.participant_profile_id, []).append(
            TransferSide(
                record_id=row.id,
                profile_id=row.participant_profile_id,
                created_at=row.created_at,
                induction_status=InductionStatus(row.induction_status),
                school_transfer=row.school_transfer,
                start_date=row.start_date,
                end_date=row.end_date,
                school_id=row.school_id,
                school_urn=row.urn,
                lead_provider_id=row.lead_provider_id,
                provider_name=row.provider_name,
            )
        )
    return found
