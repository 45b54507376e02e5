"""Merging two records of one person (domain.merges): what moves, the id change the API
shows, the retired id resolving for reads and writes, every refusal, and the audit trail."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from domain import audit, merges
from domain.clock import travel
from domain.errors import RuleBroken
from storage.enums import DeclarationState, ProfileType, RecordStatus
from storage.models import (
    AuditEvent,
    ParticipantDeclaration,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    Teacher,
)
from tests import builders
from tests.test_declarations_api import make_provider, put_declaration

STAFF = audit.Actor(audit.ActorKind.STAFF_USER, "staff-1", "ada@education.gov.uk", audit.Source.PAGE)
REASON = "Same TRN and date of birth: registered twice by two schools (ticket 4411)"


@pytest.fixture
def lp(session, settings):  # type: ignore[no-untyped-def]
    provider = make_provider(session, settings.secret_key, years=(2023, 2024, 2025), partnered=(2023, 2024))
    session.commit()
    return provider


def person(session, lp, *, trn: str | None = None, **options):  # type: ignore[no-untyped-def]
    """A person with one training record on the provider's 2024 programme."""
    programme = options.pop("programme", lp.programmes[2024])
    teacher = Teacher(full_name=options.pop("name", "Sam Duplicate"), trn=trn)
    session.add(teacher)
    session.flush()
    return builders.participant(session, programme, teacher=teacher, **options)


def merge(session, kept, retired, reason: str = REASON) -> ParticipantIdChange:  # type: ignore[no-untyped-def]
    with audit.acting_as(STAFF):
        change = merges.merge_participants(session, str(kept), str(retired), reason)
    session.commit()
    return change


def refusal(session, kept, retired) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleBroken) as raised:
        merges.plan_merge(session, str(kept), str(retired))
    session.rollback()
    return [message for _, message in raised.value.errors]


# --- what moves ---------------------------------------------------------------------------------


def test_everything_the_retired_person_holds_moves_and_the_id_change_is_recorded(session, lp):
    kept = person(session, lp, trn="1234567", profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn=None, name="Sam Duplicat")
    declaration = put_declaration(session, lp, retired, DeclarationState.ELIGIBLE)
    session.commit()
    kept_id, retired_id, profile_id = kept.teacher_id, retired.teacher_id, retired.id

    plan = merges.plan_merge(session, str(kept_id), str(retired_id))
    assert (plan.profiles, plan.identities, plan.declarations, plan.id_changes) == (1, 1, 1, 0)
    change = merge(session, kept_id, retired_id)

    session.expire_all()
    assert session.get(Teacher, retired_id) is None
    assert session.get(ParticipantProfile, profile_id).teacher_id == kept_id  # training record id unchanged
    assert session.get(ParticipantDeclaration, declaration.id).teacher_id == kept_id
    assert set(
        session.scalars(
            sa.select(ParticipantIdentity.teacher_id).where(ParticipantIdentity.teacher_id == kept_id)
        )
    ) == {kept_id}
    assert session.scalar(sa.select(sa.func.count()).where(ParticipantIdentity.teacher_id == kept_id)) == 2
    assert (change.from_participant_id, change.to_participant_id, change.teacher_id) == (
        retired_id,
        kept_id,
        kept_id,
    )
    assert session.get(Teacher, kept_id).trn == "1234567"


def test_the_kept_person_takes_the_retired_trn_when_it_has_none(session, lp):
    kept = person(session, lp, trn=None, profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn="7654321")
    session.commit()
    merge(session, kept.teacher_id, retired.teacher_id)
    session.expire_all()
    assert session.get(Teacher, kept.teacher_id).trn == "7654321"


def test_earlier_id_changes_move_with_the_person_so_a_chain_of_merges_resolves(session, lp, client):
    first = person(session, lp, trn="1111111", profile_type=ProfileType.MENTOR)
    middle = person(session, lp, trn="1111111")
    last = person(session, lp, trn="1111111", programme=lp.programmes[2023])
    last.status = RecordStatus.WITHDRAWN
    session.commit()
    first_id, middle_id, last_id = first.teacher_id, middle.teacher_id, last.teacher_id
    merge(session, middle_id, first_id)
    merge(session, last_id, middle_id)
    changes = session.scalars(
        sa.select(ParticipantIdChange.from_participant_id).where(ParticipantIdChange.teacher_id == last_id)
    ).all()
    assert set(changes) == {first_id, middle_id}
    response = client.get(f"/api/v3/participants/ecf/{first_id}", headers=lp.headers())
    assert response.status_code == 200, response.text
    assert response.json()["data"]["id"] == str(last_id)


def test_the_retired_id_resolves_through_the_api_which_lists_the_change(session, lp, client):
    kept = person(session, lp, trn="2222222", profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn="2222222")
    session.commit()
    kept_id, retired_id = str(kept.teacher_id), str(retired.teacher_id)
    with travel(builders.at(2024, 11, 15)):
        merge(session, kept_id, retired_id)

    shown = client.get(f"/api/v3/participants/ecf/{retired_id}", headers=lp.headers())
    assert shown.status_code == 200, shown.text
    data = shown.json()["data"]
    assert data["id"] == kept_id
    assert data["attributes"]["participant_id_changes"] == [
        {
            "from_participant_id": retired_id,
            "to_participant_id": kept_id,
            "changed_at": "2024-11-15T00:00:00Z",
        }
    ]
    assert {e["participant_type"] for e in data["attributes"]["ecf_enrolments"]} == {"ect", "mentor"}
    listed = client.get(
        f"/api/v3/participants/ecf?filter[from_participant_id]={retired_id}", headers=lp.headers()
    ).json()["data"]
    assert [p["id"] for p in listed] == [kept_id]

    # A provider still holding the retired id can act on the record with it.
    body = {"data": {"type": "participant-withdraw",
                     "attributes": {"reason": "moved-school", "course_identifier": "ecf-induction"}}}  # fmt: skip
    withdrawn = client.put(f"/api/v3/participants/ecf/{retired_id}/withdraw", json=body, headers=lp.headers())
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["data"]["id"] == kept_id


def test_declarations_naming_the_retired_person_as_mentor_name_the_kept_one(session, lp):
    kept = person(session, lp, trn="3333333", profile_type=ProfileType.MENTOR)
    retired_mentor = person(session, lp, trn="3333333", profile_type=ProfileType.MENTOR,
                            programme=lp.programmes[2023])  # fmt: skip
    retired_mentor.status = RecordStatus.WITHDRAWN
    ect = person(session, lp, trn="4444444", name="Ellis ECT")
    declaration = put_declaration(session, lp, ect, DeclarationState.SUBMITTED)
    declaration.mentor_teacher_id = retired_mentor.teacher_id
    session.commit()
    merge(session, kept.teacher_id, retired_mentor.teacher_id)
    session.expire_all()
    assert session.get(ParticipantDeclaration, declaration.id).mentor_teacher_id == kept.teacher_id


# --- refusals -----------------------------------------------------------------------------------


def test_ids_that_name_no_current_person_are_refused(session, lp):
    kept = person(session, lp)
    session.commit()
    assert refusal(session, kept.teacher_id, "") == [merges.NO_ID]
    assert refusal(session, kept.teacher_id, "not-an-id") == [merges.NOT_AN_ID]
    assert refusal(session, kept.teacher_id, uuid.uuid4()) == [merges.NOT_FOUND]
    assert refusal(session, kept.teacher_id, kept.teacher_id) == [merges.SAME_PERSON]


def test_an_id_already_retired_is_refused_with_where_it_went(session, lp):
    kept = person(session, lp, trn="5555555", profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn="5555555")
    other = person(session, lp, trn=None, programme=lp.programmes[2023])
    other.status = RecordStatus.WITHDRAWN
    session.commit()
    retired_id = retired.teacher_id
    with travel(builders.at(2024, 11, 15)):
        merge(session, kept.teacher_id, retired_id)
    assert refusal(session, other.teacher_id, retired_id) == [
        f"This participant ID was retired on 15 November 2024; it now belongs to participant {kept.teacher_id}"
    ]


def test_people_with_different_trns_are_not_the_same_person(session, lp):
    kept = person(session, lp, trn="1234567", profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn="7654321")
    session.commit()
    assert refusal(session, kept.teacher_id, retired.teacher_id) == [
        "These participants have different TRNs (1234567 and 7654321), so they are not the same person"
    ]


def test_two_active_ect_records_are_refused_and_so_are_two_records_in_one_school_cohort(session, lp):
    kept = person(session, lp)
    retired = person(session, lp)
    session.commit()
    assert refusal(session, kept.teacher_id, retired.teacher_id) == [
        "Both participants have an active ECT training record. Ask the school to remove one of them before merging",
        f"Both participants have ECT training records at {lp.school.name} in the 2024 cohort",
    ]
    retired.status = RecordStatus.WITHDRAWN
    session.commit()
    assert refusal(session, kept.teacher_id, retired.teacher_id) == [
        f"Both participants have ECT training records at {lp.school.name} in the 2024 cohort",
    ]


def test_a_person_cannot_be_merged_with_their_own_mentor(session, lp):
    mentor = person(session, lp, profile_type=ProfileType.MENTOR)
    ect = person(session, lp, mentor=mentor)
    session.commit()
    assert refusal(session, mentor.teacher_id, ect.teacher_id) == [merges.OWN_MENTOR]


def test_two_live_declarations_for_one_event_are_refused(session, lp):
    kept = person(session, lp)
    retired = person(session, lp, programme=lp.programmes[2023])
    retired.status = RecordStatus.WITHDRAWN
    put_declaration(session, lp, kept, DeclarationState.PAID)
    put_declaration(session, lp, retired, DeclarationState.ELIGIBLE)
    session.commit()
    assert refusal(session, kept.teacher_id, retired.teacher_id) == [
        "Both participants have a started declaration for ecf-induction that will be, or has been, paid. "
        "Void one of them before merging"
    ]


def test_a_merge_needs_a_reason(session, lp):
    kept = person(session, lp, profile_type=ProfileType.MENTOR)
    retired = person(session, lp)
    session.commit()
    with pytest.raises(RuleBroken) as raised:
        merges.merge_participants(session, str(kept.teacher_id), str(retired.teacher_id), "  ")
    assert raised.value.errors == [("reason", merges.NO_REASON)]


# --- the audit trail ----------------------------------------------------------------------------


def test_the_merge_is_in_the_kept_persons_audit_trail_with_its_reason(session, lp):
    kept = person(session, lp, trn="6666666", profile_type=ProfileType.MENTOR)
    retired = person(session, lp, trn="6666666")
    session.commit()
    retired_id = retired.teacher_id
    merge(session, kept.teacher_id, retired_id)

    trail = audit.history_of_participant(session, kept.teacher_id)
    moved = [e for e in trail if e.record_type == "participant_profiles" and e.action == "merged"]
    assert [e.changes["teacher_id"] for e in moved] == [[str(retired_id), str(kept.teacher_id)]]
    assert {e.reason for e in moved} == {REASON}
    assert moved[0].actor_label == "ada@education.gov.uk"
    created = [e for e in trail if e.record_type == "participant_id_changes"]
    assert [e.changes["from_participant_id"][1] for e in created] == [str(retired_id)]
    deleted = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.record_type == "teachers", AuditEvent.record_id == str(retired_id)
        )
    ).all()
    assert [(e.action, e.reason) for e in deleted] == [("deleted", REASON)]
