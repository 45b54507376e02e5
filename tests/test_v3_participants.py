"""GET /api/v3/participants/ecf and /api/v3/participants/ecf/{id}.

The helpers at the top (a provider's world, extra induction records, provider actions,
id changes, statement counting) are shared by the other v3 participant test modules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock, tokens
from domain.clock import UTC
from storage.db import get_engine
from storage.enums import (
    ChallengeReason,
    EligibilityReason,
    EligibilityStatus,
    InductionStatus,
    MentorCompletionReason,
    ProfileType,
    ScheduleType,
    TokenScope,
    TrainingProgramme,
    TrainingStatus,
)
from storage.models import (
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    ParticipantValidationData,
    Partnership,
    Schedule,
    School,
    SchoolCohort,
    Teacher,
)
from tests import builders as b
from tests.factories import provider_with_token

LIST = "/api/v3/participants/ecf"
#: A statement naming one of these reads participant data (the rest is token and rate-limit work).
PARTICIPANT_TABLES = (
    "participant_profiles",
    "participant_profile_states",
    "participant_id_changes",
    "visible_training_records",
)
ENROLMENT_KEYS = [
    "training_record_id",
    "email",
    "mentor_id",
    "school_urn",
    "participant_type",
    "cohort",
    "training_status",
    "participant_status",
    "teacher_reference_number_validated",
    "eligible_for_funding",
    "pupil_premium_uplift",
    "sparsity_uplift",
    "schedule_identifier",
    "delivery_partner_id",
    "withdrawal",
    "deferral",
    "created_at",
    "induction_end_date",
    "mentor_funding_end_date",
    "cohort_changed_after_payments_frozen",
    "mentor_ineligible_for_funding_reason",
]


# Helpers shared by the v3 participant test modules ---------------------------------


@dataclass
class World:
    """A provider with a token, a delivery partner and one partnered school per year."""

    provider: LeadProvider
    token: str
    partner: DeliveryPartner
    school: School
    partnership: Partnership
    programme: InductionProgramme


def world(session: Session, secret_key: str, name: str = "Ambition Institute", year: int = 2024) -> World:
    provider, token = provider_with_token(session, secret_key, name=name)
    partner = b.delivery_partner(session, provider, years=(2021, 2022, 2023, 2024, 2025))
    school = b.school(session)
    partnership, programme = b.partnership(session, school, provider, partner, year)
    return World(provider, token, partner, school, partnership, programme)


def programme_for(session: Session, w: World, year: int, school: School | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    """Another partnered programme of ``w``'s provider (a new school unless given)."""
    _, programme = b.partnership(
        session, school or b.school(session), w.provider, w.partner, year, **overrides
    )
    return programme


def record(
    session: Session,
    profile: ParticipantProfile,
    programme: InductionProgramme,
    *,
    start: dt.datetime,
    end: dt.datetime | None = None,
    induction_status: InductionStatus = InductionStatus.ACTIVE,
    training_status: TrainingStatus = TrainingStatus.ACTIVE,
    school_transfer: bool = False,
    preferred: ParticipantIdentity | None = None,
    mentor: ParticipantProfile | None = None,
) -> InductionRecord:
    """Add an induction record to an existing training record."""
    row = InductionRecord(
        participant_profile_id=profile.id,
        induction_programme_id=programme.id,
        schedule_id=profile.schedule_id,
        preferred_identity_id=preferred.id if preferred else profile.participant_identity_id,
        mentor_profile_id=mentor.id if mentor else None,
        training_status=training_status,
        induction_status=induction_status,
        start_date=start,
        end_date=end,
        school_transfer=school_transfer,
    )
    session.add(row)
    session.flush()
    return row


def urn_of(session: Session, programme: InductionProgramme) -> str:
    school_cohort = session.get(SchoolCohort, programme.school_cohort_id)
    return session.get(School, school_cohort.school_id).urn


def records_of(session: Session, profile: ParticipantProfile) -> list[InductionRecord]:
    return list(
        session.scalars(
            sa.select(InductionRecord)
            .where(InductionRecord.participant_profile_id == profile.id)
            .order_by(InductionRecord.created_at)
        )
    )


def act(
    session: Session,
    profile: ParticipantProfile,
    provider: LeadProvider,
    state: TrainingStatus,
    reason: str | None,
    at: dt.datetime,
) -> None:
    """What a provider action leaves behind: a log row and the status on its record."""
    session.add(
        ParticipantProfileState(
            participant_profile_id=profile.id,
            lead_provider_id=provider.id,
            state=state,
            reason=reason,
            created_at=at,
        )
    )
    for row in records_of(session, profile):
        row.training_status = state
    session.flush()


def get(client, token: str, path: str, **headers: str):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Authorization": f"Bearer {token}", **headers})
    return response.status_code, response.json()


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["data"]]


@contextlib.contextmanager
def statements(database_url: str) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    seen: list[str] = []
    engine = get_engine(database_url)

    def listener(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def stamp(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, f"{LIST}/5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"])
def test_needs_a_lead_provider_token(client, session, settings, path):
    _, internal = tokens.issue(session, None, settings.secret_key, scope=TokenScope.INTERNAL)
    session.commit()
    response = client.get(path)
    assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})
    response = client.get(path, headers={"Authorization": "Bearer nope"})
    assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})
    response = client.get(path, headers={"Authorization": f"Bearer {internal}"})
    assert (response.status_code, response.content) == (403, b"")


# Shape ------------------------------------------------------------------------------


def test_an_ect_with_a_mentor_in_full_and_in_the_original_order(client, session, settings):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR)
    ect = b.participant(session, w.programme, mentor=mentor, trn="1234567")
    ect.pupil_premium_uplift = True
    ect.induction_completion_date = dt.date(2026, 7, 20)
    session.commit()
    teacher = session.get(Teacher, ect.teacher_id)

    status, body = get(client, w.token, f"{LIST}/{ect.teacher_id}")

    assert status == 200
    assert body == {
        "data": {
            "id": str(teacher.id),
            "type": "participant",
            "attributes": {
                "full_name": teacher.full_name,
                "teacher_reference_number": "1234567",
                "updated_at": body["data"]["attributes"]["updated_at"],
                "ecf_enrolments": [
                    {
                        "training_record_id": str(ect.id),
                        "email": session.get(ParticipantIdentity, ect.participant_identity_id).email,
                        "mentor_id": str(mentor.teacher_id),
                        "school_urn": w.school.urn,
                        "participant_type": "ect",
                        "cohort": "2024",
                        "training_status": "active",
                        "participant_status": "active",
                        "teacher_reference_number_validated": True,
                        "eligible_for_funding": True,
                        "pupil_premium_uplift": True,
                        "sparsity_uplift": False,
                        "schedule_identifier": "ecf-standard-september",
                        "delivery_partner_id": str(w.partner.id),
                        "withdrawal": None,
                        "deferral": None,
                        "created_at": stamp(ect.created_at),
                        "induction_end_date": "2026-07-20",
                        "mentor_funding_end_date": None,
                        "cohort_changed_after_payments_frozen": False,
                        "mentor_ineligible_for_funding_reason": None,
                    }
                ],
                "participant_id_changes": [],
            },
        }
    }
    attributes = body["data"]["attributes"]
    assert list(attributes) == [
        "full_name",
        "teacher_reference_number",
        "updated_at",
        "ecf_enrolments",
        "participant_id_changes",
    ]
    assert list(attributes["ecf_enrolments"][0]) == ENROLMENT_KEYS
    _, listed = get(client, w.token, LIST)
    assert next(item for item in listed["data"] if item["id"] == str(teacher.id)) == body["data"]


def test_a_mentor_enrolment_shows_its_funding_end(client, session, settings):
    w = world(session, settings.secret_key)
    mentor = b.participant(session, w.programme, profile_type=ProfileType.MENTOR)
    mentor.mentor_completion_date = dt.date(2025, 4, 19)
    mentor.mentor_completion_reason = MentorCompletionReason.COMPLETED_DECLARATION_RECEIVED
    session.commit()
    _, body = get(client, w.token, f"{LIST}/{mentor.teacher_id}")
    enrolment = body["data"]["attributes"]["ecf_enrolments"][0]
    assert enrolment["participant_type"] == "mentor"
    assert enrolment["mentor_id"] is None
    assert enrolment["mentor_funding_end_date"] == "2025-04-19"
    assert enrolment["induction_end_date"] is None
    assert enrolment["mentor_ineligible_for_funding_reason"] == "completed_declaration_received"


def test_one_object_per_person_with_an_enrolment_per_visible_record(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    teacher = session.get(Teacher, ect.teacher_id)
    other_school = programme_for(session, w, 2025)
    as_mentor = b.participant(session, other_school, profile_type=ProfileType.MENTOR, teacher=teacher)
    session.commit()
    _, body = get(client, w.token, LIST)
    assert ids(body) == [str(teacher.id)]
    enrolments = body["data"][0]["attributes"]["ecf_enrolments"]
    assert [(e["training_record_id"], e["participant_type"], e["cohort"]) for e in enrolments] == [
        (str(ect.id), "ect", "2024"),
        (str(as_mentor.id), "mentor", "2025"),
    ]
    assert enrolments[0]["email"] != enrolments[1]["email"]


def test_email_is_the_preferred_identity_else_the_records_own(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    work_email = ParticipantIdentity(teacher_id=ect.teacher_id, email="new.address@school.example.com")
    session.add(work_email)
    session.flush()
    records_of(session, ect)[0].preferred_identity_id = work_email.id
    other = b.participant(session, w.programme)
    records_of(session, other)[0].preferred_identity_id = None
    session.commit()
    _, body = get(client, w.token, f"{LIST}/{ect.teacher_id}")
    assert body["data"]["attributes"]["ecf_enrolments"][0]["email"] == "new.address@school.example.com"
    _, body = get(client, w.token, f"{LIST}/{other.teacher_id}")
    own = session.get(ParticipantIdentity, other.participant_identity_id).email
    assert body["data"]["attributes"]["ecf_enrolments"][0]["email"] == own


# Derived fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "induction_status", "expected"),
    [
        ("2024-09-01", None, InductionStatus.ACTIVE, "active"),
        ("2024-09-01", None, InductionStatus.COMPLETED, "active"),
        ("2024-09-01", None, InductionStatus.WITHDRAWN, "withdrawn"),
        ("2024-09-01", None, InductionStatus.CHANGED, "withdrawn"),
        ("2025-03-01", None, InductionStatus.ACTIVE, "joining"),
        ("2024-09-01", "2025-03-01", InductionStatus.LEAVING, "leaving"),
        ("2024-09-01", "2025-01-01", InductionStatus.LEAVING, "left"),
        ("2024-09-01", "2025-01-01", InductionStatus.CHANGED, "left"),
    ],
)
def test_participant_status_follows_the_record_and_the_sandbox_clock(
    client, session, settings, start, end, induction_status, expected
):
    w = world(session, settings.secret_key)
    ect = b.participant(
        session,
        w.programme,
        start_date=at(start),
        end_date=at(end) if end else None,
        induction_status=induction_status,
    )
    session.commit()
    _, body = get(
        client, w.token, f"{LIST}/{ect.teacher_id}", **{"X-With-Server-Date": "2025-02-01T10:00:00Z"}
    )
    assert body["data"]["attributes"]["ecf_enrolments"][0]["participant_status"] == expected


@pytest.mark.parametrize(
    ("eligibility", "reason", "expected"),
    [
        (EligibilityStatus.ELIGIBLE, EligibilityReason.NONE, (True, True)),
        (EligibilityStatus.INELIGIBLE, EligibilityReason.PREVIOUS_INDUCTION, (True, False)),
        (EligibilityStatus.MANUAL_CHECK, EligibilityReason.DIFFERENT_TRN, (False, None)),
        (EligibilityStatus.MATCHED, EligibilityReason.NONE, (True, None)),
        (None, None, (False, None)),
    ],
)
def test_trn_validation_and_funding_eligibility(client, session, settings, eligibility, reason, expected):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme, eligibility=None)
    if eligibility is not None:
        session.add(ParticipantEligibility(participant_profile_id=ect.id, status=eligibility, reason=reason))
    session.commit()
    _, body = get(client, w.token, f"{LIST}/{ect.teacher_id}")
    enrolment = body["data"]["attributes"]["ecf_enrolments"][0]
    assert (enrolment["teacher_reference_number_validated"], enrolment["eligible_for_funding"]) == expected


def test_trn_validation_is_null_without_any_trn_and_uses_the_schools_trn_as_a_fallback(
    client, session, settings
):
    w = world(session, settings.secret_key)
    no_trn = b.participant(session, w.programme)
    session.get(Teacher, no_trn.teacher_id).trn = None
    schools_trn = b.participant(session, w.programme)
    session.get(Teacher, schools_trn.teacher_id).trn = None
    session.add(
        ParticipantValidationData(participant_profile_id=schools_trn.id, full_name="X", trn="7654321")
    )
    session.commit()
    _, body = get(client, w.token, f"{LIST}/{no_trn.teacher_id}")
    assert body["data"]["attributes"]["teacher_reference_number"] is None
    assert body["data"]["attributes"]["ecf_enrolments"][0]["teacher_reference_number_validated"] is None
    _, body = get(client, w.token, f"{LIST}/{schools_trn.teacher_id}")
    assert body["data"]["attributes"]["teacher_reference_number"] is None
    assert body["data"]["attributes"]["ecf_enrolments"][0]["teacher_reference_number_validated"] is True


def test_withdrawal_and_deferral_come_from_this_providers_latest_action(client, session, settings):
    w = world(session, settings.secret_key)
    other = world(session, settings.secret_key, name="Teach First")
    withdrawn = b.participant(session, w.programme)
    act(session, withdrawn, w.provider, TrainingStatus.DEFERRED, "career-break", at("2025-01-01"))
    act(session, withdrawn, w.provider, TrainingStatus.WITHDRAWN, "moved-school", at("2025-02-01"))
    act(session, withdrawn, w.provider, TrainingStatus.WITHDRAWN, "school-left-fip", at("2025-03-01"))
    act(session, withdrawn, other.provider, TrainingStatus.WITHDRAWN, "other", at("2025-04-01"))
    deferred = b.participant(session, w.programme)
    act(session, deferred, w.provider, TrainingStatus.DEFERRED, "parental-leave", at("2025-01-05T09:30:00"))
    resumed = b.participant(session, w.programme)
    act(session, resumed, w.provider, TrainingStatus.DEFERRED, "bereavement", at("2025-01-01"))
    act(session, resumed, w.provider, TrainingStatus.ACTIVE, None, at("2025-02-01"))
    session.commit()

    def shown(profile):  # type: ignore[no-untyped-def]
        _, body = get(client, w.token, f"{LIST}/{profile.teacher_id}")
        enrolment = body["data"]["attributes"]["ecf_enrolments"][0]
        return enrolment["training_status"], enrolment["withdrawal"], enrolment["deferral"]

    assert shown(withdrawn) == (
        "withdrawn",
        {"reason": "switched-to-school-led", "date": "2025-03-01T00:00:00Z"},
        None,
    )
    assert shown(deferred) == ("deferred", None, {"reason": "parental-leave", "date": "2025-01-05T09:30:00Z"})
    assert shown(resumed) == ("active", None, None)


def test_participant_id_changes_are_listed_and_retired_ids_resolve(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    retired, older = uuid.uuid4(), uuid.uuid4()
    session.add_all(
        [
            ParticipantIdChange(
                teacher_id=ect.teacher_id,
                from_participant_id=older,
                to_participant_id=retired,
                created_at=at("2024-10-01T08:00:00"),
            ),
            ParticipantIdChange(
                teacher_id=ect.teacher_id,
                from_participant_id=retired,
                to_participant_id=ect.teacher_id,
                created_at=at("2024-11-01T08:00:00"),
            ),
        ]
    )
    identity = session.get(ParticipantIdentity, ect.participant_identity_id)
    external = uuid.uuid4()
    identity.external_identifier = external
    session.commit()
    for asked in (ect.teacher_id, retired, older, external):
        status, body = get(client, w.token, f"{LIST}/{asked}")
        assert status == 200
        assert body["data"]["id"] == str(ect.teacher_id)
    assert body["data"]["attributes"]["participant_id_changes"] == [
        {
            "from_participant_id": str(older),
            "to_participant_id": str(retired),
            "changed_at": "2024-10-01T08:00:00Z",
        },
        {
            "from_participant_id": str(retired),
            "to_participant_id": str(ect.teacher_id),
            "changed_at": "2024-11-01T08:00:00Z",
        },
    ]


# Visibility -------------------------------------------------------------------------


def test_other_providers_participants_are_never_listed_and_404(client, session, settings):
    mine = world(session, settings.secret_key)
    theirs = world(session, settings.secret_key, name="Teach First")
    own = b.participant(session, mine.programme)
    foreign = b.participant(session, theirs.programme)
    session.commit()
    _, body = get(client, mine.token, f"{LIST}?page[per_page]=3000")
    assert ids(body) == [str(own.teacher_id)]
    assert get(client, mine.token, f"{LIST}/{foreign.teacher_id}") == (404, {"error": "Resource not Found"})
    _, body = get(client, theirs.token, LIST)
    assert ids(body) == [str(foreign.teacher_id)]


@pytest.mark.parametrize("unknown", ["6c2f3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "not-a-uuid", "123"])
def test_unknown_ids_are_404(client, session, settings, unknown):
    w = world(session, settings.secret_key)
    session.commit()
    assert get(client, w.token, f"{LIST}/{unknown}") == (404, {"error": "Resource not Found"})


def test_a_challenged_partnership_hides_its_participants(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme)
    session.commit()
    assert get(client, w.token, f"{LIST}/{ect.teacher_id}")[0] == 200
    w.partnership.challenged_at = at("2025-01-01")
    w.partnership.challenge_reason = ChallengeReason.MISTAKE
    session.commit()
    assert get(client, w.token, f"{LIST}/{ect.teacher_id}") == (404, {"error": "Resource not Found"})
    assert get(client, w.token, LIST) == (200, {"data": []})


def test_school_led_programmes_are_invisible(client, session, settings):
    w = world(session, settings.secret_key)
    school_cohort = b.school_cohort(session, b.school(session), 2024)
    cip = InductionProgramme(
        school_cohort_id=school_cohort.id, training_programme=TrainingProgramme.CORE_INDUCTION_PROGRAMME
    )
    session.add(cip)
    session.flush()
    b.participant(session, cip)
    session.commit()
    assert get(client, w.token, LIST) == (200, {"data": []})


def test_a_relationship_partnership_keeps_a_mover_visible_at_the_new_school(client, session, settings):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme, start_date=at("2024-09-01"))
    old = records_of(session, ect)[0]
    old.induction_status, old.end_date = InductionStatus.LEAVING, at("2025-01-05")
    new_school = b.school(session)
    relationship = programme_for(session, w, 2024, school=new_school, is_relationship=True)
    record(session, ect, relationship, start=at("2025-01-06"), school_transfer=True)
    session.commit()
    _, body = get(
        client, w.token, f"{LIST}/{ect.teacher_id}", **{"X-With-Server-Date": "2025-02-01T00:00:00Z"}
    )
    enrolment = body["data"]["attributes"]["ecf_enrolments"][0]
    assert (enrolment["school_urn"], enrolment["participant_status"]) == (new_school.urn, "active")


def test_the_latest_record_is_open_ended_first_then_newest_start_then_newest_created(
    client, session, settings
):
    w = world(session, settings.secret_key)
    ect = b.participant(session, w.programme, start_date=at("2024-09-01"))
    first = records_of(session, ect)[0]
    first.end_date = at("2025-06-01")
    later_start = programme_for(session, w, 2024)
    record(session, ect, later_start, start=at("2025-04-01"), end=at("2025-05-01"))
    session.commit()

    def school_shown():  # type: ignore[no-untyped-def]
        _, body = get(client, w.token, f"{LIST}/{ect.teacher_id}")
        return body["data"]["attributes"]["ecf_enrolments"][0]["school_urn"]

    assert school_shown() == urn_of(session, later_start)  # both closed: the newest start wins
    open_ended = programme_for(session, w, 2024)
    record(session, ect, open_ended, start=at("2024-01-01"))
    session.commit()
    assert school_shown() == urn_of(session, open_ended)  # an open-ended record beats any start date
    newest = programme_for(session, w, 2024)
    record(session, ect, newest, start=at("2024-01-01"))
    session.commit()
    assert school_shown() == urn_of(session, newest)


def test_a_leaver_stays_visible_to_the_provider_left_as_left(client, session, settings):
    mine = world(session, settings.secret_key)
    theirs = world(session, settings.secret_key, name="Teach First")
    ect = b.participant(
        session, mine.programme, end_date=at("2025-01-05"), induction_status=InductionStatus.LEAVING
    )
    record(session, ect, theirs.programme, start=at("2025-01-06"), school_transfer=True)
    session.commit()
    when = {"X-With-Server-Date": "2025-02-01T00:00:00Z"}
    _, body = get(client, mine.token, f"{LIST}/{ect.teacher_id}", **when)
    assert body["data"]["attributes"]["ecf_enrolments"][0]["participant_status"] == "left"
    _, body = get(client, theirs.token, f"{LIST}/{ect.teacher_id}", **when)
    assert body["data"]["attributes"]["ecf_enrolments"][0]["participant_status"] == "active"


# Filters ----------------------------------------------------------------------------


def _schedule_2020(session: Session) -> Schedule:
    cohort_2020 = b.cohort(session, 2020)
    row = Schedule(
        cohort_id=cohort_2020.id,
        schedule_identifier="ecf-standard-september",
        name="ECF Standard September",
        schedule_type=ScheduleType.STANDARD,
    )
    session.add(row)
    session.flush()
    return row


def test_cohort_filter_uses_the_latest_records_schedule_and_defaults_to_2021_on(client, session, settings):
    w = world(session, settings.secret_key)
    in_2023 = b.participant(session, programme_for(session, w, 2023))
    in_2024 = b.participant(session, w.programme)
    in_2020 = b.participant(session, w.programme)
    records_of(session, in_2020)[0].schedule_id = _schedule_2020(session).id
    session.commit()
    _, body = get(client, w.token, LIST)
    assert set(ids(body)) == {str(in_2023.teacher_id), str(in_2024.teacher_id)}
    _, body = get(client, w.token, f"{LIST}?filter[cohort]=2020")
    assert ids(body) == [str(in_2020.teacher_id)]
    _, body = get(client, w.token, f"{LIST}?filter[cohort]=2023,2024")
    assert set(ids(body)) == {str(in_2023.teacher_id), str(in_2024.teacher_id)}
    _, body = get(client, w.token, f"{LIST}?filter[cohort]=2023")
    assert ids(body) == [str(in_2023.teacher_id)]
    assert get(client, w.token, f"{LIST}?filter[cohort]=1999") == (200, {"data": []})
    assert get(client, w.token, f"{LIST}?filter[cohort]=abc") == (200, {"data": []})
    # The default applies to a single participant too.
    assert get(client, w.token, f"{LIST}/{in_2020.teacher_id}")[0] == 404


def test_training_status_filter(client, session, settings):
    w = world(session, settings.secret_key)
    active = b.participant(session, w.programme)
    deferred = b.participant(session, w.programme)
    act(session, deferred, w.provider, TrainingStatus.DEFERRED, "other", at("2025-01-01"))
    withdrawn = b.participant(session, w.programme)
    act(session, withdrawn, w.provider, TrainingStatus.WITHDRAWN, "other", at("2025-01-01"))
    session.commit()
    for status, profile in (("active", active), ("deferred", deferred), ("withdrawn", withdrawn)):
        _, body = get(client, w.token, f"{LIST}?filter[training_status]={status}")
        assert ids(body) == [str(profile.teacher_id)]
    assert get(client, w.token, f"{LIST}?filter[training_status]=paused") == (
        400,
        {
            "errors": [
                {
                    "title": "Bad request",
                    "detail": 'The filter \'#/training_status\' must be ["active", "deferred", "withdrawn"]',
                }
            ]
        },
    )


def test_from_participant_id_filter(client, session, settings):
    w = world(session, settings.secret_key)
    merged = b.participant(session, w.programme)
    b.participant(session, w.programme)
    retired = uuid.uuid4()
    session.add(
        ParticipantIdChange(
            teacher_id=merged.teacher_id,
            from_participant_id=retired,
            to_participant_id=merged.teacher_id,
            created_at=at("2024-10-01"),
        )
    )
    session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[from_participant_id]={retired}")
    assert ids(body) == [str(merged.teacher_id)]
    assert get(client, w.token, f"{LIST}?filter[from_participant_id]={uuid.uuid4()}") == (200, {"data": []})
    assert get(client, w.token, f"{LIST}?filter[from_participant_id]=nonsense") == (200, {"data": []})


def test_updated_since_is_inclusive_and_sees_changes_anywhere_in_the_record(client, session, settings):
    with clock.travel(at("2025-01-01T10:00:00")):
        w = world(session, settings.secret_key)
        quiet = b.participant(session, w.programme)
        touched = b.participant(session, w.programme)
        session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[updated_since]=2025-01-01T10:00:00Z")
    assert set(ids(body)) == {str(quiet.teacher_id), str(touched.teacher_id)}
    assert get(client, w.token, f"{LIST}?filter[updated_since]=2025-01-01T10:00:01Z") == (200, {"data": []})
    with clock.travel(at("2025-03-01T12:00:00")):
        eligibility = session.scalars(
            sa.select(ParticipantEligibility).where(
                ParticipantEligibility.participant_profile_id == touched.id
            )
        ).one()
        eligibility.status = EligibilityStatus.MANUAL_CHECK
        session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[updated_since]=2025-03-01T12:00:00%2B00:00")
    assert ids(body) == [str(touched.teacher_id)]
    assert body["data"][0]["attributes"]["updated_at"] == "2025-03-01T12:00:00Z"
    assert body["data"][0]["attributes"]["ecf_enrolments"][0]["eligible_for_funding"] is None
    assert get(client, w.token, f"{LIST}?filter[updated_since]=yesterday") == (
        400,
        {
            "errors": [
                {
                    "title": "Bad request",
                    "detail": "The filter '#/updated_since' must be a valid RCF3339 date",
                }
            ]
        },
    )


def test_a_new_delivery_partner_on_the_partnership_counts_as_a_change(client, session, settings):
    with clock.travel(at("2025-01-01T10:00:00")):
        w = world(session, settings.secret_key)
        ect = b.participant(session, w.programme)
        session.commit()
    with clock.travel(at("2025-02-01T10:00:00")):
        w.partnership.delivery_partner_id = b.delivery_partner(session, w.provider, years=(2024,)).id
        session.commit()
    _, body = get(client, w.token, f"{LIST}?filter[updated_since]=2025-02-01T10:00:00Z")
    assert ids(body) == [str(ect.teacher_id)]


def test_filter_must_be_a_hash(client, session, settings):
    w = world(session, settings.secret_key)
    session.commit()
    assert get(client, w.token, f"{LIST}?filter=2024") == (
        400,
        {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]},
    )


# Sorting and paging -----------------------------------------------------------------


def _three_people(session: Session, w: World) -> list[str]:
    """Registered in order a, b, c; last changed in order b, c, a."""
    people = []
    for day in (1, 2, 3):
        with clock.travel(at(f"2025-01-0{day}T10:00:00")):
            people.append(b.participant(session, w.programme))
            session.commit()
    for profile, day in ((people[1], 10), (people[2], 11), (people[0], 12)):
        with clock.travel(at(f"2025-01-{day}T10:00:00")):
            session.get(Teacher, profile.teacher_id).full_name = f"Renamed {day}"
            session.commit()
    return [str(profile.teacher_id) for profile in people]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (None, [0, 1, 2]),
        ("created_at", [0, 1, 2]),
        ("-created_at", [2, 1, 0]),
        ("updated_at", [1, 2, 0]),
        ("-updated_at", [0, 2, 1]),
        ("%2Bupdated_at", [1, 2, 0]),
        ("name,-updated_at", [0, 2, 1]),
        ("unknown", [0, 1, 2]),
    ],
)
def test_sort(client, session, settings, sort, order):
    with clock.travel(at("2025-01-01T00:00:00")):
        w = world(session, settings.secret_key)
    people = _three_people(session, w)
    path = LIST if sort is None else f"{LIST}?sort={sort}"
    _, body = get(client, w.token, path)
    assert ids(body) == [people[i] for i in order]


def test_pages_walk_through_everyone_once(client, session, settings):
    w = world(session, settings.secret_key)
    for _ in range(7):
        b.participant(session, w.programme)
    session.commit()
    _, everyone = get(client, w.token, LIST)
    seen, page = [], 1
    while True:
        status, body = get(client, w.token, f"{LIST}?page[per_page]=3&page[page]={page}")
        assert status == 200
        if not body["data"]:
            break
        assert len(body["data"]) <= 3
        seen.extend(ids(body))
        page += 1
    assert page == 4
    assert seen == ids(everyone) and len(seen) == 7
    assert get(client, w.token, f"{LIST}?page[page]=99") == (200, {"data": []})
    assert len(get(client, w.token, f"{LIST}?page[per_page]=99999")[1]["data"]) == 7


@pytest.mark.parametrize("page", ["page[page]=0", "page[per_page]=0", "page[page]=x", "page[per_page]=-1"])
def test_bad_paging_is_400(client, session, settings, page):
    w = world(session, settings.secret_key)
    session.commit()
    assert get(client, w.token, f"{LIST}?{page}") == (
        400,
        {
            "errors": [
                {
                    "title": "Bad request",
                    "detail": "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid number (equal and more than 1)",
                }
            ]
        },
    )


def test_default_page_size_is_100(client, session, settings):
    w = world(session, settings.secret_key)
    for _ in range(101):
        b.participant(session, w.programme)
    session.commit()
    assert len(get(client, w.token, LIST)[1]["data"]) == 100
    assert len(get(client, w.token, f"{LIST}?page[page]=2")[1]["data"]) == 1


# Cost -------------------------------------------------------------------------------


def test_a_page_costs_the_same_few_statements_whatever_its_size(client, session, settings):
    w = world(session, settings.secret_key)
    mentors = [b.participant(session, w.programme, profile_type=ProfileType.MENTOR) for _ in range(5)]
    for n in range(100):
        ect = b.participant(session, programme_for(session, w, 2023 + n % 3), mentor=mentors[n % 5])
        act(session, ect, w.provider, TrainingStatus.DEFERRED, "other", at("2025-01-01"))
        session.add(
            ParticipantIdChange(
                teacher_id=ect.teacher_id,
                from_participant_id=uuid.uuid4(),
                to_participant_id=ect.teacher_id,
                created_at=at("2024-10-01"),
            )
        )
    session.commit()
    get(client, w.token, LIST)  # warm up: the token's first use is recorded once

    counts = {}
    for query in ("", "&filter[updated_since]=2000-01-01T00:00:00Z&sort=-updated_at"):
        for size in (1, 100):
            with statements(settings.database_url) as seen:
                status, body = get(client, w.token, f"{LIST}?page[per_page]={size}{query}")
            assert status == 200 and len(body["data"]) == size
            # The planner hint around the enrolments statement (PostgreSQL) is not a read.
            sent = [s for s in seen if not s.startswith("SET LOCAL")]
            counts[query, size] = (len(sent), sum(any(t in s for t in PARTICIPANT_TABLES) for s in sent))
    assert len(set(counts.values())) == 1
    total, participant_reads = counts["", 100]
    assert participant_reads == 4
    assert total <= participant_reads + 4  # the token lookup and rate-limit bookkeeping
    print(f"statements per page (all, participant reads): {counts}")
