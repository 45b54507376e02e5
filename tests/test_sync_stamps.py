"""What moves each resource's ``updated_at`` (``domain.sync``), read through the real API.

A change to a field a resource shows moves its ``updated_at`` to the moment of the change;
a change to anything else leaves it alone. Stamps increase in commit order, whatever the
clock says, and every version of the API shows the same stamp for a participant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock, statement_lifecycle, sync
from storage.enums import (
    AppropriateBodyType,
    EligibilityStatus,
    InductionProgrammeChoice,
    InductionStatus,
    ProfileType,
    RecordStatus,
)
from storage.models import (
    AppropriateBody,
    DeliveryPartner,
    InductionTutor,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantValidationData,
    Partnership,
    ProviderRelationship,
    School,
    SchoolCohort,
    Statement,
    Teacher,
)
from tests import builders as b
from tests.test_v3_participants import World, get, record, records_of, world

#: Everything is set up at T0; each case changes one thing at T1.
T0 = "2024-11-15T12:00:00Z"
T1 = "2024-11-20T09:30:00Z"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Scene:
    mine: World
    theirs: World
    ect: ParticipantProfile
    mentor: ParticipantProfile
    mover: ParticipantProfile
    declaration_id: str
    statement: Statement
    other_partner: DeliveryPartner

    def headers(self, moment: str = T1) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mine.token}", "X-With-Server-Date": moment}


@pytest.fixture
def scene(client, session, settings) -> Scene:  # type: ignore[no-untyped-def]
    with clock.travel(at(T0)):
        mine = world(session, settings.secret_key)
        theirs = world(session, settings.secret_key, name="Teach First")
        # A mentor trained by the other provider: one of mine's unfunded mentors.
        mentor = b.participant(session, theirs.programme, profile_type=ProfileType.MENTOR)
        ect = b.participant(session, mine.programme, mentor=mentor)
        session.add(ParticipantValidationData(participant_profile_id=ect.id, full_name="E C T", nino="AB1"))
        # Someone who left my school for theirs.
        mover = b.participant(session, mine.programme)
        leaving = records_of(session, mover)[0]
        leaving.induction_status, leaving.end_date = InductionStatus.LEAVING, at("2024-12-20T00:00:00Z")
        record(session, mover, theirs.programme, start=at("2024-12-21T00:00:00Z"), school_transfer=True)
        other_partner = b.delivery_partner(session, mine.provider, years=(2024,))
        session.commit()
    response = client.post(
        "/api/v3/participant-declarations",
        json={
            "data": {
                "type": "participant-declaration",
                "attributes": {
                    "participant_id": str(ect.teacher_id),
                    "declaration_type": "started",
                    "declaration_date": "2024-11-01T10:00:00Z",
                    "course_identifier": "ecf-induction",
                },
            }
        },
        headers={"Authorization": f"Bearer {mine.token}", "X-With-Server-Date": T0},
    )
    assert response.status_code == 200, response.text
    declaration_id = response.json()["data"]["id"]
    statement = session.get(Statement, uuid.UUID(response.json()["data"]["attributes"]["statement_id"]))
    assert statement is not None
    return Scene(mine, theirs, ect, mentor, mover, declaration_id, statement, other_partner)


# What each resource shows as updated_at, read through the API --------------------------


def _attributes(client, scene: Scene, path: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    status, body = get(client, scene.mine.token, path, **{"X-With-Server-Date": T1})
    assert status == 200, body
    return body["data"]["attributes"]


SHOWN: dict[str, Callable[[Any, Scene], str]] = {
    "participant": lambda client, s: _attributes(client, s, f"/api/v3/participants/ecf/{s.ect.teacher_id}")[
        "updated_at"
    ],
    "transfer": lambda client, s: _attributes(
        client, s, f"/api/v3/participants/ecf/{s.mover.teacher_id}/transfers"
    )["updated_at"],
    "unfunded mentor": lambda client, s: _attributes(
        client, s, f"/api/v3/unfunded-mentors/ecf/{s.mentor.teacher_id}"
    )["updated_at"],
    "declaration": lambda client, s: _attributes(
        client, s, f"/api/v3/participant-declarations/{s.declaration_id}"
    )["updated_at"],
    "partnership": lambda client, s: _attributes(
        client, s, f"/api/v3/partnerships/ecf/{s.mine.partnership.id}"
    )["updated_at"],
    "school": lambda client, s: _attributes(
        client, s, f"/api/v3/schools/ecf/{s.mine.school.id}?filter[cohort]=2024"
    )["updated_at"],
    "delivery partner": lambda client, s: _attributes(
        client, s, f"/api/v3/delivery-partners/{s.mine.partner.id}"
    )["updated_at"],
    "statement": lambda client, s: _attributes(client, s, f"/api/v3/statements/{s.statement.id}")[
        "updated_at"
    ],
}


def _in_session(change: Callable[[Session, Scene], None]) -> Callable[[Any, Session, Scene], None]:
    """A change made in the database (as a school, DfE or a job would), committed at T1."""

    def run(_client: Any, session: Session, scene: Scene) -> None:
        with clock.travel(at(T1)):
            change(session, scene)
            session.commit()

    return run


def _put(path: Callable[[Scene], str], attributes: dict[str, Any] | Callable[[Scene], dict[str, Any]]):  # type: ignore[no-untyped-def]
    """A change a provider makes through the API at T1."""

    def run(client: Any, _session: Session, scene: Scene) -> None:
        body = attributes(scene) if callable(attributes) else attributes
        response = client.put(path(scene), json={"data": {"attributes": body}}, headers=scene.headers())
        assert response.status_code == 200, response.text

    return run


def _ect_record(session: Session, scene: Scene):  # type: ignore[no-untyped-def]
    return records_of(session, scene.ect)[0]


def _declaration(session: Session, scene: Scene) -> ParticipantDeclaration:
    found = session.get(ParticipantDeclaration, uuid.UUID(scene.declaration_id))
    assert found is not None
    return found


def _new_appropriate_body(session: Session, scene: Scene) -> None:
    body = AppropriateBody(name="Some AB", body_type=AppropriateBodyType.NATIONAL)
    session.add(body)
    session.flush()
    _ect_record(session, scene).appropriate_body_id = body.id


def _mark_payable(session: Session, scene: Scene) -> None:
    statement_lifecycle.mark_payable(session, dt.date(2025, 2, 1))


def _authorise(session: Session, scene: Scene) -> None:
    statement_lifecycle.mark_payable(session, dt.date(2025, 2, 1))
    session.flush()
    statement_lifecycle.authorise_for_payment(session, scene.statement.id)


def _drop_a_cohort(session: Session, scene: Scene) -> None:
    relationship = session.scalars(
        sa.select(ProviderRelationship).where(
            ProviderRelationship.lead_provider_id == scene.mine.provider.id,
            ProviderRelationship.delivery_partner_id == scene.mine.partner.id,
            ProviderRelationship.cohort_id == b.cohort(session, 2021).id,
        )
    ).one()
    relationship.discarded_at = clock.now()


def _tutor(session: Session, scene: Scene) -> InductionTutor:
    tutor = session.get(InductionTutor, scene.mine.school.induction_tutor_id)
    assert tutor is not None
    return tutor


def _school_cohort(session: Session, scene: Scene) -> SchoolCohort:
    return session.scalars(
        sa.select(SchoolCohort).where(
            SchoolCohort.school_id == scene.mine.school.id,
            SchoolCohort.cohort_id == b.cohort(session, 2024).id,
        )
    ).one()


def _their_partnership_at_my_school(session: Session, scene: Scene) -> None:
    session.add(
        Partnership(
            school_id=scene.mine.school.id,
            lead_provider_id=scene.theirs.provider.id,
            delivery_partner_id=scene.theirs.partner.id,
            cohort_id=b.cohort(session, 2025).id,
        )
    )


def _participant_path(scene: Scene, action: str) -> str:
    return f"/api/v3/participants/ecf/{scene.ect.teacher_id}/{action}"


#: (case, change, {resource: whether its updated_at moves}).
CASES: list[tuple[str, Callable[[Any, Session, Scene], None], dict[str, bool]]] = [
    # People
    (
        "the participant's name",
        _in_session(lambda s, sc: setattr(s.get(Teacher, sc.ect.teacher_id), "full_name", "New Name")),
        {"participant": True, "declaration": False, "partnership": False},
    ),
    (
        "only the person row's updated_at",
        _in_session(lambda s, sc: setattr(s.get(Teacher, sc.ect.teacher_id), "updated_at", at(T1))),
        {"participant": False},
    ),
    (
        "the email the enrolment shows",
        _in_session(
            lambda s, sc: setattr(
                s.get(ParticipantIdentity, sc.ect.participant_identity_id), "email", "new@example.com"
            )
        ),
        {"participant": True},
    ),
    (
        "the appropriate body on the induction record (not shown)",
        _in_session(_new_appropriate_body),
        {"participant": False, "transfer": False},
    ),
    (
        "a deferral through the API",
        _put(
            lambda sc: _participant_path(sc, "defer"),
            {"course_identifier": "ecf-induction", "reason": "other"},
        ),
        {"participant": True, "declaration": False, "partnership": False},
    ),
    (
        "the eligibility verdict",
        _in_session(
            lambda s, sc: setattr(
                s.scalars(
                    sa.select(ParticipantEligibility).where(
                        ParticipantEligibility.participant_profile_id == sc.ect.id
                    )
                ).one(),
                "status",
                EligibilityStatus.INELIGIBLE,
            )
        ),
        {"participant": True},
    ),
    (
        "the National Insurance number the school entered (not shown)",
        _in_session(
            lambda s, sc: setattr(
                s.scalars(
                    sa.select(ParticipantValidationData).where(
                        ParticipantValidationData.participant_profile_id == sc.ect.id
                    )
                ).one(),
                "nino",
                "CD2",
            )
        ),
        {"participant": False},
    ),
    (
        "an uplift flag on the training record",
        _in_session(
            lambda s, sc: setattr(s.get(ParticipantProfile, sc.ect.id), "pupil_premium_uplift", True)
        ),
        {"participant": True},
    ),
    (
        "the training record's status column (not shown)",
        _in_session(
            lambda s, sc: setattr(s.get(ParticipantProfile, sc.ect.id), "status", RecordStatus.WITHDRAWN)
        ),
        {"participant": False},
    ),
    # Transfers
    (
        "the leaving date of a move",
        _in_session(
            lambda s, sc: setattr(records_of(s, sc.mover)[0], "end_date", at("2024-12-19T00:00:00Z"))
        ),
        {"transfer": True},
    ),
    (
        "a training status on a mover's record (not shown by transfers)",
        _in_session(lambda s, sc: setattr(records_of(s, sc.mover)[0], "training_status", "deferred")),
        {"transfer": False},
    ),
    # Unfunded mentors
    (
        "the mentor's name",
        _in_session(
            lambda s, sc: setattr(s.get(Teacher, sc.mentor.teacher_id), "full_name", "Mentor Renamed")
        ),
        {"unfunded mentor": True, "participant": False},
    ),
    (
        "an uplift on the mentor's record (not shown by unfunded mentors)",
        _in_session(lambda s, sc: setattr(s.get(ParticipantProfile, sc.mentor.id), "sparsity_uplift", True)),
        {"unfunded mentor": False},
    ),
    # Declarations and statements
    (
        "voiding the declaration through the API",
        _put(lambda sc: f"/api/v3/participant-declarations/{sc.declaration_id}/void", {}),
        {"declaration": True, "participant": False, "statement": False},
    ),
    (
        "who voided it (not shown)",
        _in_session(lambda s, sc: setattr(_declaration(s, sc), "voided_by", "someone@example.com")),
        {"declaration": False},
    ),
    (
        "closing the statement (the daily job: payable, not yet paid)",
        _in_session(_mark_payable),
        {"declaration": True, "statement": False},
    ),
    (
        "authorising the statement for payment",
        _in_session(_authorise),
        {"declaration": True, "statement": True},
    ),
    (
        "the statement's reconciliation amount (not shown)",
        _in_session(lambda s, sc: setattr(s.get(Statement, sc.statement.id), "reconcile_amount", 10)),
        {"statement": False},
    ),
    # Partnerships, schools, delivery partners
    (
        "a new delivery partner through the API",
        _put(
            lambda sc: f"/api/v3/partnerships/ecf/{sc.mine.partnership.id}",
            lambda sc: {"delivery_partner_id": str(sc.other_partner.id)},
        ),
        {"partnership": True, "participant": True, "declaration": False, "school": False},
    ),
    (
        "the partnership's pending flag (not shown)",
        _in_session(lambda s, sc: setattr(s.get(Partnership, sc.mine.partnership.id), "pending", True)),
        {"partnership": False, "participant": False},
    ),
    (
        "the induction tutor's email",
        _in_session(lambda s, sc: setattr(_tutor(s, sc), "email", "tutor@new.example.com")),
        {"partnership": True, "school": False},
    ),
    (
        "the school's name",
        _in_session(lambda s, sc: setattr(s.get(School, sc.mine.school.id), "name", "Renamed School")),
        {"school": True, "partnership": False, "participant": False},
    ),
    (
        "the school's local authority (not shown)",
        _in_session(lambda s, sc: setattr(s.get(School, sc.mine.school.id), "la_name", "Somewhere")),
        {"school": False},
    ),
    (
        "the school's programme choice for the cohort",
        _in_session(
            lambda s, sc: setattr(
                _school_cohort(s, sc),
                "induction_programme_choice",
                InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
            )
        ),
        {"school": True, "partnership": False},
    ),
    (
        "a partnership at the school (in_partnership)",
        _in_session(_their_partnership_at_my_school),
        {"school": True},
    ),
    (
        "the delivery partner's name",
        _in_session(lambda s, sc: setattr(s.get(DeliveryPartner, sc.mine.partner.id), "name", "Renamed DP")),
        {"delivery partner": True, "partnership": True, "participant": False},
    ),
    (
        "a cohort the provider no longer works with the delivery partner in",
        _in_session(_drop_a_cohort),
        {"delivery partner": True, "partnership": False},
    ),
]


@pytest.mark.parametrize(("case", "change", "moves"), CASES, ids=[case for case, _, _ in CASES])
def test_only_a_change_to_what_a_resource_shows_moves_its_updated_at(
    client, session, scene, case, change, moves
):
    before = {resource: SHOWN[resource](client, scene) for resource in moves}
    assert set(before.values()) == {T0}, before

    change(client, session, scene)

    after = {resource: SHOWN[resource](client, scene) for resource in moves}
    assert after == {resource: T1 if moved else T0 for resource, moved in moves.items()}, case


def test_every_version_shows_a_participant_with_the_same_stamp(client, session, scene):
    with clock.travel(at(T1)):
        session.get(Teacher, scene.ect.teacher_id).full_name = "New Name"  # type: ignore[union-attr]
        session.commit()
    shown = {
        version: _attributes(client, scene, f"/api/{version}/participants/ecf/{scene.ect.teacher_id}")[
            "updated_at"
        ]
        for version in ("v1", "v2", "v3")
    }
    assert shown == {"v1": T1, "v2": T1, "v3": T1}
    listed = {
        version: {
            item["id"]: item["attributes"]["updated_at"]
            for item in get(
                client, scene.mine.token, f"/api/{version}/participants/ecf?filter[updated_since]={T1}"
            )[1]["data"]
        }
        for version in ("v1", "v2", "v3")
    }
    assert listed["v1"] == listed["v2"] == listed["v3"] == {str(scene.ect.teacher_id): T1}


def test_a_new_row_is_stamped_when_it_is_committed(client, session, scene):
    with clock.travel(at(T1)):
        newcomer = b.participant(session, scene.mine.programme)
        session.commit()
    assert _attributes(client, scene, f"/api/v3/participants/ecf/{newcomer.teacher_id}")["updated_at"] == T1
    stored = session.get(Teacher, newcomer.teacher_id)
    assert stored is not None
    assert stored.api_updated_at == stored.transfers_api_updated_at == stored.unfunded_mentor_api_updated_at


def _stamp_of(session: Session, teacher_id: uuid.UUID) -> dt.datetime:
    session.expire_all()
    return session.scalars(sa.select(Teacher.api_updated_at).where(Teacher.id == teacher_id)).one()


def test_stamps_increase_in_commit_order_even_when_the_clock_goes_back(client, session, scene):
    first, second = scene.ect.teacher_id, scene.mover.teacher_id
    with clock.travel(at("2025-03-01T10:00:00Z")):
        session.get(Teacher, first).full_name = "Later"  # type: ignore[union-attr]
        session.commit()
    # A sandbox request travelling back in time, and two commits at one frozen instant.
    with clock.travel(at("2025-01-01T00:00:00Z")):
        session.get(Teacher, second).full_name = "Earlier?"  # type: ignore[union-attr]
        session.commit()
        back = _stamp_of(session, second)
        session.get(Teacher, first).full_name = "Again"  # type: ignore[union-attr]
        session.commit()
        again = _stamp_of(session, first)
    assert back == at("2025-03-01T10:00:00Z") + dt.timedelta(microseconds=1)
    assert again == back + dt.timedelta(microseconds=1)
    # The poll from the newest stamp seen before the travel still returns both changes.
    _, body = get(
        client, scene.mine.token, "/api/v3/participants/ecf?filter[updated_since]=2025-03-01T10:00:00Z"
    )
    assert {item["id"] for item in body["data"]} == {str(first), str(second)}


def test_a_transaction_that_changes_nothing_shown_takes_no_stamp(session, scene):
    clock_row = sa.select(sa.text("last_stamp")).select_from(sa.table("api_sync_clock"))
    before = session.execute(clock_row).scalar()
    with clock.travel(at(T1)):
        session.get(Partnership, scene.mine.partnership.id).pending = True  # type: ignore[union-attr]
        session.flush()
        assert sync.pending_resources(session) == set()
        session.commit()
    assert session.execute(clock_row).scalar() == before


def test_a_change_rolled_back_or_abandoned_leaves_nothing_to_stamp(session, scene):
    session.get(Teacher, scene.ect.teacher_id).full_name = "Never"  # type: ignore[union-attr]
    session.flush()
    assert sync.pending_resources(session) == {sync.PARTICIPANT, sync.UNFUNDED_MENTOR}
    session.rollback()
    assert sync.pending_resources(session) == set()
    session.get(Teacher, scene.ect.teacher_id).full_name = "Nor this"  # type: ignore[union-attr]
    session.flush()
    session.close()  # ends the transaction too
    assert sync.pending_resources(session) == set()


def test_a_response_read_before_the_commit_shows_the_kept_stamp(client, session, scene):
    """Actions answer with the participant read inside their transaction."""
    response = client.put(
        f"/api/v3/participants/ecf/{scene.ect.teacher_id}/withdraw",
        json={"data": {"attributes": {"course_identifier": "ecf-induction", "reason": "other"}}},
        headers=scene.headers(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["updated_at"] == T1
    assert SHOWN["participant"](client, scene) == T1
