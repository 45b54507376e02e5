"""POST/GET /api/v{1,2,3}/participant-declarations, GET …/{id} and PUT …/{id}/void.

Every rule of the chain is proven with the exact 422 body the provider receives; every
response that is a 200 has also been validated against its version's spec by the app.
Time is set per request with ``X-With-Server-Date``, as a provider does in the sandbox.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock
from domain import declarations as rules
from domain.clock import UTC
from storage.db import get_engine
from storage.enums import (
    ChallengeReason,
    CourseIdentifier,
    DeclarationState,
    DeclarationType,
    EligibilityStatus,
    InductionStatus,
    LineItemState,
    MentorCompletionReason,
    ProfileType,
    RecordStatus,
    TrainingStatus,
)
from storage.models import (
    Cohort,
    DeclarationStateChange,
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    ParticipantDeclaration,
    ParticipantIdChange,
    ParticipantProfile,
    ParticipantProfileState,
    Partnership,
    Schedule,
    School,
    Statement,
    StatementLineItem,
    Teacher,
)
from tests import builders
from tests.factories import provider_with_token

NOW = "2024-11-15T12:00:00Z"
#: When fixtures set things up: before NOW, as change stamps never go back in time (domain.sync).
SET_UP = dt.datetime(2024, 6, 1, tzinfo=UTC)
ALL_YEARS = (2021, 2022, 2023, 2024, 2025)
V3 = "/api/v3/participant-declarations"


# --- building the world ---------------------------------------------------------------------


@dataclass
class Provider:
    """A lead provider with a token, a delivery partner and a school partnered per year."""

    row: LeadProvider
    token: str
    partner: DeliveryPartner
    school: School
    programmes: dict[int, InductionProgramme]

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    def headers(self, server_date: str | None = NOW) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if server_date:
            headers["X-With-Server-Date"] = server_date
        return headers


def make_provider(
    session: Session,
    secret_key: str,
    name: str = "Ambition Institute",
    years: tuple[int, ...] = ALL_YEARS,
    partnered: tuple[int, ...] = ALL_YEARS,
) -> Provider:
    row, token = provider_with_token(session, secret_key, name=name, years=years)
    partner = builders.delivery_partner(session, row, years=ALL_YEARS)
    school = builders.school(session)
    programmes = {year: builders.partnership(session, school, row, partner, year)[1] for year in partnered}
    return Provider(row, token, partner, school, programmes)


def attributes(profile: ParticipantProfile, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "participant_id": str(profile.teacher_id),
        "declaration_type": "started",
        "declaration_date": "2024-11-01T10:00:00Z",
        "course_identifier": "ecf-induction" if profile.profile_type == ProfileType.ECT else "ecf-mentor",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not ...}


def envelope(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "participant-declaration", "attributes": attrs}}


def post(
    client,
    provider: Provider,
    profile: ParticipantProfile,
    version: str = "v3",
    server_date: str = NOW,
    **overrides: Any,
):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/{version}/participant-declarations",
        json=envelope(attributes(profile, **overrides)),
        headers=provider.headers(server_date),
    )


def errors(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"errors": [{"title": title, "detail": detail} for title, detail in pairs]}


def stored(session: Session, declaration_id: str) -> ParticipantDeclaration:
    session.expire_all()
    row = session.get(ParticipantDeclaration, uuid.UUID(declaration_id))
    assert row is not None
    return row


def history(declaration: ParticipantDeclaration) -> list[tuple[DeclarationState, str | None]]:
    """The states a declaration went through; states entered in one request share a
    timestamp and are told apart by the order of the lifecycle."""
    rank = {state: n for n, state in enumerate(DeclarationState)}
    ordered = sorted(declaration.states, key=lambda s: (s.created_at, rank[s.state]))
    return [(s.state, s.state_reason) for s in ordered]


def statement(session: Session, provider: Provider, year: int, name: str) -> Statement:
    return session.scalars(
        sa.select(Statement)
        .join(Cohort)
        .where(Statement.lead_provider_id == provider.id, Cohort.start_year == year, Statement.name == name)
    ).one()


def put_declaration(
    session: Session,
    provider: Provider,
    profile: ParticipantProfile,
    state: DeclarationState,
    declaration_type: DeclarationType = DeclarationType.STARTED,
    declaration_date: dt.datetime | None = None,
    statement_row: Statement | None = None,
    created_at: dt.datetime | None = None,
) -> ParticipantDeclaration:
    """A declaration as if recorded (and paid…) earlier, with its history and statement line."""
    cohort_id = session.get(Schedule, profile.schedule_id).cohort_id  # type: ignore[union-attr]
    declaration = ParticipantDeclaration(
        id=uuid.uuid4(),
        teacher_id=profile.teacher_id,
        participant_profile_id=profile.id,
        lead_provider_id=provider.id,
        cohort_id=cohort_id,
        course_identifier=CourseIdentifier.ECT if profile.is_ect else CourseIdentifier.MENTOR,
        declaration_type=declaration_type,
        declaration_date=declaration_date or dt.datetime(2024, 10, 1, tzinfo=UTC),
        state=state,
        delivery_partner_id=provider.partner.id,
        voided_at=dt.datetime(2024, 10, 2, tzinfo=UTC) if state == DeclarationState.VOIDED else None,
        pupil_premium_uplift=profile.pupil_premium_uplift,
        sparsity_uplift=profile.sparsity_uplift,
    )
    if created_at is not None:
        declaration.created_at = declaration.updated_at = created_at
    session.add(declaration)
    session.flush()
    session.add(
        DeclarationStateChange(
            participant_declaration_id=declaration.id,
            state=state,
            created_at=created_at or dt.datetime(2024, 10, 1, tzinfo=UTC),
        )
    )
    if statement_row is not None:
        session.add(
            StatementLineItem(
                statement_id=statement_row.id,
                participant_declaration_id=declaration.id,
                state=LineItemState(state.value),
            )
        )
    session.flush()
    return declaration


def add_record(
    session: Session,
    profile: ParticipantProfile,
    programme: InductionProgramme,
    start: dt.datetime,
    **values: Any,
) -> InductionRecord:
    """Close the profile's open records at ``start`` and open a new one there."""
    for record in session.scalars(
        sa.select(InductionRecord).where(
            InductionRecord.participant_profile_id == profile.id, InductionRecord.end_date.is_(None)
        )
    ):
        record.end_date = start
        if record.induction_status == InductionStatus.ACTIVE:
            record.induction_status = InductionStatus.CHANGED
    record = InductionRecord(
        participant_profile_id=profile.id,
        induction_programme_id=programme.id,
        schedule_id=profile.schedule_id,
        start_date=start,
        **values,
    )
    session.add(record)
    session.flush()
    return record


def change_training_status(
    session: Session, provider: Provider, profile: ParticipantProfile, status: TrainingStatus, at: dt.datetime
) -> None:
    session.add(
        ParticipantProfileState(
            participant_profile_id=profile.id, lead_provider_id=provider.id, state=status, created_at=at
        )
    )
    current = session.scalars(
        sa.select(InductionRecord).where(
            InductionRecord.participant_profile_id == profile.id, InductionRecord.end_date.is_(None)
        )
    ).one()
    add_record(
        session,
        profile,
        session.get(InductionProgramme, current.induction_programme_id),  # type: ignore[arg-type]
        at,
        training_status=status,
        mentor_profile_id=current.mentor_profile_id,
    )


@pytest.fixture
def lp(session, settings) -> Provider:  # type: ignore[no-untyped-def]
    with clock.travel(SET_UP):
        provider = make_provider(session, settings.secret_key)
        session.commit()
    return provider


@pytest.fixture
def ect(session, lp) -> ParticipantProfile:  # type: ignore[no-untyped-def]
    with clock.travel(SET_UP):
        profile = builders.participant(session, lp.programmes[2024])
        session.commit()
    return profile


# --- the validation chain, in business rules §3.4 order -----------------------------------------


def test_npq_courses_are_refused_before_anything_else(client, lp, ect):
    response = post(client, lp, ect, participant_id=str(uuid.uuid4()), course_identifier="npq-headship")
    assert response.status_code == 422
    assert response.json() == errors(("course_identifier", "NPQ Courses are no longer supported"))


def test_an_unknown_participant_is_not_recognised(client, lp, ect):
    response = post(client, lp, ect, participant_id=str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json() == errors(("participant_id", rules.PARTICIPANT_NOT_RECOGNISED))


@pytest.mark.parametrize("value", ["not-a-uuid", 42, None])
def test_a_participant_id_that_is_no_id_is_not_recognised(client, lp, ect, value):
    response = post(client, lp, ect, participant_id=value)
    assert response.status_code == 422
    assert response.json() == errors(("participant_id", rules.PARTICIPANT_NOT_RECOGNISED))


def test_a_retired_participant_id_still_resolves(client, session, lp, ect):
    retired = uuid.uuid4()
    session.add(
        ParticipantIdChange(
            teacher_id=ect.teacher_id,
            from_participant_id=retired,
            to_participant_id=ect.teacher_id,
            created_at=dt.datetime(2024, 10, 1, tzinfo=UTC),
        )
    )
    session.commit()
    response = post(client, lp, ect, participant_id=str(retired))
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["attributes"]["participant_id"] == str(ect.teacher_id)


def test_a_participant_withdrawn_before_the_declaration_date_is_refused(client, session, lp, ect):
    change_training_status(
        session, lp, ect, TrainingStatus.WITHDRAWN, dt.datetime(2024, 10, 20, 9, 30, tzinfo=UTC)
    )
    session.commit()
    response = post(client, lp, ect, declaration_date="2024-11-01T10:00:00Z")
    assert response.status_code == 422
    assert response.json() == errors(
        (
            "participant_id",
            "This participant withdrew from this course on 2024-10-20T09:30:00Z. "
            "Enter a '#/declaration_date' that's on or before the withdrawal date.",
        )
    )
    # Training before the withdrawal can still be declared.
    assert post(client, lp, ect, declaration_date="2024-10-15T10:00:00Z").status_code == 200


def test_a_resumed_participant_may_be_declared_again(client, session, lp, ect):
    change_training_status(session, lp, ect, TrainingStatus.WITHDRAWN, dt.datetime(2024, 10, 1, tzinfo=UTC))
    change_training_status(session, lp, ect, TrainingStatus.ACTIVE, dt.datetime(2024, 10, 10, tzinfo=UTC))
    session.commit()
    assert post(client, lp, ect, declaration_date="2024-11-01T10:00:00Z").status_code == 200


def test_the_declaration_date_is_required(client, lp, ect):
    response = post(client, lp, ect, declaration_date=...)
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", "Enter a '#/declaration_date'."))


def test_the_declaration_type_is_required(client, lp, ect):
    # With no type the schedule has no milestone for it either, as in the original.
    response = post(client, lp, ect, declaration_type="")
    assert response.status_code == 422
    assert response.json() == errors(
        ("declaration_type", "Enter a '#/declaration_type'., " + rules.TYPE_NOT_IN_SCHEDULE)
    )


def test_a_future_declaration_date_is_refused(client, lp, ect):
    response = post(client, lp, ect, declaration_date="2024-11-15T12:00:01Z")
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", rules.DATE_IN_FUTURE))
    # The server's now itself is not the future.
    assert post(client, lp, ect, declaration_date="2024-11-15T12:00:00Z").status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "2024-11-01",
        "01/11/2024",
        "2024-11-01T10:00",
        "2024-11-01 10:00:00Z",
        "2024-13-01T10:00:00Z",
        "soon",
        20241101,
    ],
)
def test_a_declaration_date_that_is_not_rfc3339_is_refused(client, lp, ect, value):
    response = post(client, lp, ect, declaration_date=value)
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", rules.DATE_INVALID))


def test_a_loose_future_date_gets_both_date_messages_in_the_original_order(client, lp, ect):
    response = post(client, lp, ect, declaration_date="2099-01-01")
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", f"{rules.DATE_IN_FUTURE}, {rules.DATE_INVALID}"))


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2024-11-01T10:00:00Z", "2024-11-01T10:00:00Z"),
        ("2024-11-01T10:00:00", "2024-11-01T10:00:00Z"),
        ("2024-11-01T10:00:00.75+01:00", "2024-11-01T09:00:00Z"),
        ("2024-11-01T10:00:00,5+0100", "2024-11-01T09:00:00Z"),
        ("2024-11-01T10:00:00-05", "2024-11-01T15:00:00Z"),
    ],
)
def test_rfc3339_forms_the_original_accepted(client, lp, ect, value, instant):
    response = post(client, lp, ect, declaration_date=value)
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["attributes"]["declaration_date"] == instant


def test_the_milestone_window_opens_at_midnight_utc_on_its_start_date(client, lp, ect):
    response = post(client, lp, ect, declaration_date="2024-05-31T23:59:59Z")
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", rules.BEFORE_MILESTONE_START))
    # Midnight in UTC, whatever zone the date is written in.
    response = post(client, lp, ect, declaration_date="2024-06-01T00:30:00+01:00")
    assert response.json() == errors(("declaration_date", rules.BEFORE_MILESTONE_START))
    assert post(client, lp, ect, declaration_date="2024-06-01T00:00:00Z").status_code == 200


def test_the_milestone_window_closes_at_the_end_of_its_milestone_date(client, lp, ect):
    later = "2025-01-15T12:00:00Z"
    response = post(client, lp, ect, declaration_date="2025-01-01T00:00:00Z", server_date=later)
    assert response.status_code == 422
    assert response.json() == errors(("declaration_date", rules.AFTER_MILESTONE_END))
    assert (
        post(client, lp, ect, declaration_date="2024-12-31T23:59:59Z", server_date=later).status_code == 200
    )


def test_a_milestone_without_a_date_has_no_end(client, session, lp):
    profile = builders.participant(session, lp.programmes[2025])
    session.commit()
    response = post(
        client, lp, profile, declaration_date="2026-06-01T10:00:00Z", server_date="2026-06-02T10:00:00Z"
    )
    assert response.status_code == 200, response.json()


def test_no_open_output_statement_for_the_cohort(client, session, settings):
    # A provider partnered with a school for 2024 but with no 2024 contract (so no statements).
    provider = make_provider(session, settings.secret_key, years=(2023, 2025), partnered=(2024,))
    fundable = builders.participant(session, provider.programmes[2024])
    waiting = builders.participant(
        session, provider.programmes[2024], eligibility=EligibilityStatus.MANUAL_CHECK
    )
    session.commit()
    response = post(client, provider, fundable)
    assert response.status_code == 422
    assert response.json() == errors(("cohort", rules.COHORT_CLOSED.format(year=2024)))
    # A declaration that would not be paid yet needs no statement.
    response = post(client, provider, waiting)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["state"] == "submitted"


def test_a_cohort_with_payments_frozen_takes_no_billable_declarations(client, session, lp):
    profile = builders.participant(session, lp.programmes[2021])
    session.commit()
    attrs = {
        "declaration_type": "completed",
        "declaration_date": "2023-03-01T10:00:00Z",
        "evidence_held": "other",
    }
    # 2021 was frozen on 3 April 2024, while its published statements ran to July 2024.
    response = post(client, lp, profile, server_date="2024-05-01T10:00:00Z", **attrs)
    assert response.status_code == 422
    assert response.json() == errors(("cohort", rules.COHORT_CLOSED.format(year=2021)))
    response = post(client, lp, profile, server_date="2024-03-01T10:00:00Z", **attrs)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["statement_id"] == str(
        statement(session, lp, 2021, "May 2024").id
    )


@pytest.mark.parametrize("declaration_type", ["extended-1", "retained-9", "STARTED"])
def test_a_declaration_type_not_in_the_schedule(client, lp, ect, declaration_type):
    response = post(client, lp, ect, declaration_type=declaration_type, evidence_held="other")
    assert response.status_code == 422
    assert response.json() == errors(("declaration_type", rules.TYPE_NOT_IN_SCHEDULE))


def test_extended_types_exist_on_extended_schedules(client, session, lp):
    profile = builders.participant(session, lp.programmes[2024], schedule_identifier="ecf-extended-september")
    session.commit()
    response = post(client, lp, profile, declaration_type="extended-1", evidence_held="other")
    assert response.status_code == 200, response.json()


def test_resending_a_declaration_is_refused(client, lp, ect):
    assert post(client, lp, ect).status_code == 200
    response = post(client, lp, ect, declaration_date="2024-11-02T10:00:00Z")
    assert response.status_code == 422
    assert response.json() == errors(("base", rules.ALREADY_DECLARED))


def test_another_providers_live_declaration_blocks_the_same_event(client, session, settings, lp, ect):
    """A participant who moved keeps the declarations of their earlier provider."""
    other = make_provider(session, settings.secret_key, name="Teach First", partnered=(2024,))
    put_declaration(
        session, other, ect, DeclarationState.PAID, declaration_date=dt.datetime(2024, 9, 10, tzinfo=UTC)
    )
    session.commit()
    response = post(client, lp, ect)
    assert response.status_code == 422
    assert response.json() == errors(("base", rules.ALREADY_DECLARED))


@pytest.mark.parametrize(
    "state",
    [
        DeclarationState.VOIDED,
        DeclarationState.INELIGIBLE,
        DeclarationState.AWAITING_CLAWBACK,
        DeclarationState.CLAWED_BACK,
    ],
)
def test_a_declaration_that_no_longer_counts_does_not_block(client, session, lp, ect, state):
    put_declaration(session, lp, ect, state)
    session.commit()
    assert post(client, lp, ect).status_code == 200


def test_mentors_from_2025_may_only_declare_started_and_completed(client, session, lp):
    mentor = builders.participant(session, lp.programmes[2025], profile_type=ProfileType.MENTOR)
    session.commit()
    response = post(
        client,
        lp,
        mentor,
        declaration_type="retained-1",
        declaration_date="2025-11-01T10:00:00Z",
        evidence_held="other",
        server_date="2025-11-15T10:00:00Z",
    )
    assert response.status_code == 422
    assert response.json() == errors(("declaration_type", rules.MENTOR_STARTED_OR_COMPLETED_ONLY))


def test_mentors_before_2025_may_declare_retained(client, session, lp):
    mentor = builders.participant(session, lp.programmes[2024], profile_type=ProfileType.MENTOR)
    session.commit()
    response = post(
        client,
        lp,
        mentor,
        declaration_type="retained-1",
        declaration_date="2025-01-10T10:00:00Z",
        evidence_held="other",
        server_date="2025-01-15T10:00:00Z",
    )
    assert response.status_code == 200, response.json()


def test_a_course_the_participant_does_not_take(client, lp, ect):
    response = post(client, lp, ect, course_identifier="ecf-mentor")
    assert response.status_code == 422
    assert response.json() == errors(("course_identifier", rules.COURSE_NOT_RECOGNISED))


def test_a_record_the_school_removed_is_no_longer_recognised(client, session, lp, ect):
    ect.status = RecordStatus.WITHDRAWN
    session.commit()
    response = post(client, lp, ect)
    assert response.status_code == 422
    assert response.json() == errors(("course_identifier", rules.COURSE_NOT_RECOGNISED))


def test_another_providers_participant_is_not_recognised(client, session, settings, lp):
    other = make_provider(session, settings.secret_key, name="Teach First", partnered=(2024,))
    theirs = builders.participant(session, other.programmes[2024])
    session.commit()
    response = post(client, lp, theirs)
    assert response.status_code == 422
    assert response.json() == errors(("participant_id", rules.PARTICIPANT_NOT_RECOGNISED))


def test_a_participant_under_a_challenged_partnership_is_not_recognised(client, session, lp, ect):
    partnership = session.get(Partnership, lp.programmes[2024].partnership_id)
    partnership.challenge_reason = ChallengeReason.MISTAKE
    partnership.challenged_at = dt.datetime(2024, 10, 1, tzinfo=UTC)
    session.commit()
    response = post(client, lp, ect)
    assert response.status_code == 422
    assert response.json() == errors(("participant_id", rules.PARTICIPANT_NOT_RECOGNISED))


def test_a_record_on_another_schedule_than_the_providers_is_not_recognised(client, session, lp, ect):
    ect.schedule_id = builders.schedule(session, 2024, "ecf-standard-january").id
    session.commit()
    response = post(
        client, lp, ect, declaration_date="2025-01-10T10:00:00Z", server_date="2025-01-15T10:00:00Z"
    )
    assert response.status_code == 422
    assert response.json() == errors(("participant_id", rules.PARTICIPANT_NOT_RECOGNISED))


@pytest.mark.parametrize(
    ("evidence", "detail"),
    [
        (..., rules.EVIDENCE_MISSING),
        ("", rules.EVIDENCE_MISSING),
        ("materials-engaged-with-offline", rules.EVIDENCE_INVALID),
    ],
)
def test_evidence_before_2025(client, lp, ect, evidence, detail):
    response = post(
        client,
        lp,
        ect,
        declaration_type="retained-1",
        declaration_date="2025-01-10T10:00:00Z",
        evidence_held=evidence,
        server_date="2025-01-15T10:00:00Z",
    )
    assert response.status_code == 422
    assert response.json() == errors(("evidence_held", detail))


def test_evidence_for_a_start_before_2025_is_discarded(client, lp, ect):
    response = post(client, lp, ect, evidence_held="anything at all")
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["evidence_held"] is None


def test_evidence_from_2025_depends_on_the_type(client, session, lp):
    profile = builders.participant(session, lp.programmes[2025])
    session.commit()
    common = {"declaration_date": "2025-11-01T10:00:00Z", "server_date": "2025-11-15T10:00:00Z"}
    response = post(client, lp, profile, declaration_type="retained-2", evidence_held="other", **common)
    assert response.json() == errors(("evidence_held", rules.EVIDENCE_INVALID))
    response = post(
        client, lp, profile, declaration_type="started", evidence_held="75-percent-engagement-met", **common
    )
    assert response.json() == errors(("evidence_held", rules.EVIDENCE_INVALID))
    response = post(
        client,
        lp,
        profile,
        declaration_type="started",
        evidence_held="materials-engaged-with-offline",
        **common,
    )
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["evidence_held"] == "materials-engaged-with-offline"
    response = post(
        client,
        lp,
        profile,
        declaration_type="retained-2",
        evidence_held="75-percent-engagement-met",
        **common,
    )
    assert response.status_code == 200


def test_rules_that_fail_together_are_reported_together_in_order(client, session, lp, ect):
    change_training_status(session, lp, ect, TrainingStatus.WITHDRAWN, dt.datetime(2024, 10, 1, tzinfo=UTC))
    put_declaration(session, lp, ect, DeclarationState.SUBMITTED, declaration_type=DeclarationType.RETAINED_1)
    session.commit()
    response = post(client, lp, ect, declaration_type="retained-1", declaration_date="2024-11-01T10:00:00Z")
    assert response.status_code == 422
    assert response.json() == errors(
        (
            "participant_id",
            "This participant withdrew from this course on 2024-10-01T00:00:00Z. "
            "Enter a '#/declaration_date' that's on or before the withdrawal date.",
        ),
        ("declaration_date", rules.BEFORE_MILESTONE_START),
        ("base", rules.ALREADY_DECLARED),
    )


@pytest.mark.parametrize("body", [{"data": {}}, {"data": {"attributes": "x"}}, {"data": {"attributes": []}}])
def test_a_body_without_attributes_reports_each_missing_attribute(client, lp, body):
    response = client.post(V3, json=body, headers=lp.headers())
    assert response.status_code == 422
    assert response.json() == errors(
        ("participant_id", rules.PARTICIPANT_NOT_RECOGNISED),
        ("declaration_date", "Enter a '#/declaration_date'."),
        ("declaration_type", "Enter a '#/declaration_type'."),
    )


def test_a_body_without_data_is_a_400(client, lp):
    response = client.post(V3, json={"attributes": {}}, headers=lp.headers())
    assert response.status_code == 400
    assert response.json() == errors(
        ("Bad request", "correct json data structure required. See API docs for reference")
    )


# --- what a successful POST does ------------------------------------------------------------------


def test_an_eligible_declaration_lands_on_the_earliest_open_statement(client, session, lp, ect):
    response = post(client, lp, ect)
    assert response.status_code == 200
    data = response.json()["data"]
    january = statement(session, lp, 2024, "January 2025")  # cut-off 31 December 2024
    assert data["attributes"]["state"] == "eligible"
    assert data["attributes"]["statement_id"] == str(january.id)
    row = stored(session, data["id"])
    assert history(row) == [
        (DeclarationState.SUBMITTED, None),
        (DeclarationState.ELIGIBLE, None),
    ]
    items = session.scalars(
        sa.select(StatementLineItem).where(StatementLineItem.participant_declaration_id == row.id)
    )
    assert [(i.statement_id, i.state) for i in items] == [(january.id, LineItemState.ELIGIBLE)]


@pytest.mark.parametrize(
    ("server_date", "name"),
    [("2024-12-31T23:59:00Z", "January 2025"), ("2025-01-01T00:00:00Z", "April 2025")],
)
def test_the_statement_is_chosen_by_the_servers_date_with_the_cut_off_day_included(
    client, session, lp, ect, server_date, name
):
    response = post(client, lp, ect, declaration_date="2024-12-01T10:00:00Z", server_date=server_date)
    assert response.json()["data"]["attributes"]["statement_id"] == str(statement(session, lp, 2024, name).id)


@pytest.mark.parametrize(
    "eligibility",
    [EligibilityStatus.MANUAL_CHECK, EligibilityStatus.MATCHED, EligibilityStatus.INELIGIBLE, None],
)
def test_a_participant_not_yet_fundable_gets_a_submitted_declaration(client, session, lp, eligibility):
    profile = builders.participant(session, lp.programmes[2024], eligibility=eligibility)
    session.commit()
    response = post(client, lp, profile)
    assert response.status_code == 200
    attrs = response.json()["data"]["attributes"]
    assert (attrs["state"], attrs["statement_id"]) == ("submitted", None)
    row = stored(session, response.json()["data"]["id"])
    assert history(row) == [(DeclarationState.SUBMITTED, None)]
    assert session.scalar(sa.select(sa.func.count()).select_from(StatementLineItem)) == 0


def test_a_second_registration_of_the_same_teacher_is_ineligible_as_a_duplicate(
    client, session, settings, lp, ect
):
    other = make_provider(session, settings.secret_key, name="Teach First", partnered=(2024,))
    teacher = session.get(Teacher, ect.teacher_id)
    twin = builders.participant(session, lp.programmes[2024], trn=teacher.trn)
    original = put_declaration(session, other, ect, DeclarationState.ELIGIBLE)
    session.commit()
    response = post(client, lp, twin)
    assert response.status_code == 200
    attrs = response.json()["data"]["attributes"]
    assert attrs["state"] == "ineligible"
    assert attrs["ineligible_for_funding_reason"] == "duplicate_declaration"
    assert attrs["statement_id"] is None
    row = stored(session, response.json()["data"]["id"])
    assert row.superseded_by_id == original.id
    assert history(row) == [
        (DeclarationState.SUBMITTED, None),
        (DeclarationState.INELIGIBLE, "duplicate"),
    ]
    items = list(
        session.scalars(
            sa.select(StatementLineItem).where(StatementLineItem.participant_declaration_id == row.id)
        )
    )
    assert [i.state for i in items] == [LineItemState.INELIGIBLE]


def test_delivery_partner_and_mentor_come_from_the_record_in_force_on_the_date(client, session, settings, lp):
    mentor_a = builders.participant(session, lp.programmes[2024], profile_type=ProfileType.MENTOR)
    mentor_b = builders.participant(session, lp.programmes[2024], profile_type=ProfileType.MENTOR)
    profile = builders.participant(session, lp.programmes[2024], mentor=mentor_a)
    # From 10 November the ECT trains at another school of the same provider, with a new
    # delivery partner and mentor.
    partner_b = builders.delivery_partner(session, lp.row, years=(2024,))
    _, programme_b = builders.partnership(session, builders.school(session), lp.row, partner_b, 2024)
    add_record(
        session, profile, programme_b, dt.datetime(2024, 11, 10, tzinfo=UTC), mentor_profile_id=mentor_b.id
    )
    session.commit()
    before = post(client, lp, profile, declaration_date="2024-11-01T10:00:00Z").json()["data"]["attributes"]
    assert (before["delivery_partner_id"], before["mentor_id"]) == (
        str(lp.partner.id),
        str(mentor_a.teacher_id),
    )
    client.put(f"{V3}/{stored_id(session, profile)}/void", headers=lp.headers())
    after = post(client, lp, profile, declaration_date="2024-11-12T10:00:00Z").json()["data"]["attributes"]
    assert (after["delivery_partner_id"], after["mentor_id"]) == (str(partner_b.id), str(mentor_b.teacher_id))


def stored_id(session: Session, profile: ParticipantProfile) -> uuid.UUID:
    session.expire_all()
    return session.scalars(
        sa.select(ParticipantDeclaration.id)
        .where(ParticipantDeclaration.participant_profile_id == profile.id)
        .order_by(ParticipantDeclaration.created_at.desc())
    ).first()


def test_uplift_flags_are_copied_and_the_uplift_shows_once_paid(client, session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    profile.pupil_premium_uplift = True
    session.commit()
    response = post(client, lp, profile)
    row = stored(session, response.json()["data"]["id"])
    assert (row.pupil_premium_uplift, row.sparsity_uplift) == (True, False)
    assert response.json()["data"]["attributes"]["uplift_paid"] is False
    row.state = DeclarationState.PAID
    session.commit()
    shown = client.get(f"{V3}/{row.id}", headers=lp.headers()).json()["data"]["attributes"]
    assert shown["uplift_paid"] is True


def test_a_mentors_completed_declaration_ends_their_funding_and_voiding_it_reopens(client, session, lp):
    mentor = builders.participant(session, lp.programmes[2025], profile_type=ProfileType.MENTOR)
    session.commit()
    response = post(
        client,
        lp,
        mentor,
        declaration_type="completed",
        declaration_date="2025-11-01T10:00:00Z",
        evidence_held="75-percent-engagement-met",
        server_date="2025-11-15T10:00:00Z",
    )
    assert response.status_code == 200, response.json()
    session.expire_all()
    assert (mentor.mentor_completion_date, mentor.mentor_completion_reason) == (
        dt.date(2025, 11, 1),
        MentorCompletionReason.COMPLETED_DECLARATION_RECEIVED,
    )
    client.put(f"{V3}/{response.json()['data']['id']}/void", headers=lp.headers("2025-11-16T10:00:00Z"))
    session.expire_all()
    assert (mentor.mentor_completion_date, mentor.mentor_completion_reason) == (None, None)


# --- voiding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "line"),
    [
        (DeclarationState.SUBMITTED, None),
        (DeclarationState.ELIGIBLE, LineItemState.ELIGIBLE),
        (DeclarationState.PAYABLE, LineItemState.PAYABLE),
        (DeclarationState.INELIGIBLE, LineItemState.INELIGIBLE),
    ],
)
def test_voiding_an_unpaid_declaration(client, session, lp, ect, state, line):
    on = statement(session, lp, 2024, "January 2025") if line else None
    declaration = put_declaration(session, lp, ect, state, statement_row=on)
    session.commit()
    response = client.put(f"{V3}/{declaration.id}/void", headers=lp.headers())
    assert response.status_code == 200
    attrs = response.json()["data"]["attributes"]
    assert (attrs["state"], attrs["statement_id"], attrs["clawback_statement_id"]) == ("voided", None, None)
    row = stored(session, str(declaration.id))
    assert row.voided_at == dt.datetime(2024, 11, 15, 12, tzinfo=UTC)
    assert history(row) == [(state, None), (DeclarationState.VOIDED, None)]
    items = session.scalars(
        sa.select(StatementLineItem.state).where(StatementLineItem.participant_declaration_id == row.id)
    )
    assert list(items) == ([LineItemState.VOIDED] if line else [])


def test_voiding_a_paid_declaration_claws_it_back_on_the_next_statement(client, session, lp):
    profile = builders.participant(session, lp.programmes[2024])
    profile.sparsity_uplift = True
    paid_on = statement(session, lp, 2024, "January 2025")
    declaration = put_declaration(session, lp, profile, DeclarationState.PAID, statement_row=paid_on)
    session.commit()
    response = client.put(f"{V3}/{declaration.id}/void", headers=lp.headers("2025-02-10T10:00:00Z"))
    assert response.status_code == 200
    attrs = response.json()["data"]["attributes"]
    april = statement(session, lp, 2024, "April 2025")  # cut-off 31 March 2025
    assert attrs["state"] == "awaiting-clawback"
    assert (attrs["statement_id"], attrs["clawback_statement_id"]) == (str(paid_on.id), str(april.id))
    assert attrs["uplift_paid"] is True
    row = stored(session, str(declaration.id))
    assert history(row) == [(DeclarationState.PAID, None), (DeclarationState.AWAITING_CLAWBACK, None)]
    lines = session.execute(
        sa.select(StatementLineItem.statement_id, StatementLineItem.state).where(
            StatementLineItem.participant_declaration_id == row.id
        )
    ).all()
    assert {tuple(line) for line in lines} == {
        (paid_on.id, LineItemState.PAID),
        (april.id, LineItemState.AWAITING_CLAWBACK),
    }


def test_voiding_twice(client, session, lp, ect):
    declaration = put_declaration(session, lp, ect, DeclarationState.SUBMITTED)
    session.commit()
    assert client.put(f"{V3}/{declaration.id}/void", headers=lp.headers()).status_code == 200
    response = client.put(f"{V3}/{declaration.id}/void", headers=lp.headers())
    assert response.status_code == 422
    assert response.json() == errors(("Invalid action", "This declaration has already been voided."))


@pytest.mark.parametrize("state", [DeclarationState.AWAITING_CLAWBACK, DeclarationState.CLAWED_BACK])
def test_a_clawed_back_declaration_can_only_be_viewed(client, session, lp, ect, state):
    declaration = put_declaration(session, lp, ect, state)
    session.commit()
    response = client.put(f"{V3}/{declaration.id}/void", headers=lp.headers())
    assert response.status_code == 422
    assert response.json() == errors(
        ("Invalid action", "This declaration has been clawed-back, so you can only view it.")
    )


def test_a_frozen_cohort_takes_no_clawbacks(client, session, lp):
    profile = builders.participant(session, lp.programmes[2021])
    declaration = put_declaration(
        session,
        lp,
        profile,
        DeclarationState.PAID,
        statement_row=statement(session, lp, 2021, "February 2024"),
    )
    session.commit()
    response = client.put(f"{V3}/{declaration.id}/void", headers=lp.headers("2024-05-01T10:00:00Z"))
    assert response.status_code == 422
    assert response.json() == errors(
        ("Invalid action", "Participant declaration " + rules.COHORT_CLOSED.format(year=2021))
    )
    # Unpaid declarations of a closed cohort can still be voided.
    unpaid = put_declaration(
        session, lp, profile, DeclarationState.SUBMITTED, declaration_type=DeclarationType.RETAINED_1
    )
    session.commit()
    assert client.put(f"{V3}/{unpaid.id}/void", headers=lp.headers("2024-05-01T10:00:00Z")).status_code == 200


def test_another_providers_declaration_cannot_be_voided_even_when_visible(client, session, settings, lp, ect):
    other = make_provider(session, settings.secret_key, name="Teach First", partnered=(2024,))
    theirs = put_declaration(session, other, ect, DeclarationState.ELIGIBLE)
    session.commit()
    assert client.get(f"{V3}/{theirs.id}", headers=lp.headers()).status_code == 200
    for version in ("v1", "v2", "v3"):
        response = client.put(
            f"/api/{version}/participant-declarations/{theirs.id}/void", headers=lp.headers()
        )
        assert response.status_code == 404
        assert response.json() == {"error": "Resource not Found"}
    assert stored(session, str(theirs.id)).state == DeclarationState.ELIGIBLE


def test_voiding_an_unknown_declaration_is_a_404(client, lp):
    response = client.put(f"{V3}/{uuid.uuid4()}/void", headers=lp.headers())
    assert response.status_code == 404


# --- reading ----------------------------------------------------------------------------------------


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["data"]]


@dataclass
class Scene:
    """Declarations of two providers around one participant who moved between them."""

    mine: list[ParticipantDeclaration]
    theirs_live: ParticipantDeclaration
    theirs_voided: ParticipantDeclaration
    theirs_after_leaving: ParticipantDeclaration
    stranger: ParticipantDeclaration
    other: Provider


@pytest.fixture
def scene(session, settings, lp) -> Scene:  # type: ignore[no-untyped-def]
    with clock.travel(SET_UP):
        other = make_provider(session, settings.secret_key, name="Teach First", partnered=(2023, 2024))
        moved = builders.participant(
            session, other.programmes[2024], start_date=dt.datetime(2024, 9, 1, tzinfo=UTC)
        )
        # The participant left the other provider on 1 November 2024 and joined us.
        leaving = session.scalars(
            sa.select(InductionRecord).where(InductionRecord.participant_profile_id == moved.id)
        ).one()
        leaving.induction_status = InductionStatus.LEAVING
        leaving.end_date = dt.datetime(2024, 11, 1, tzinfo=UTC)
        session.add(
            InductionRecord(
                participant_profile_id=moved.id,
                induction_programme_id=lp.programmes[2024].id,
                schedule_id=moved.schedule_id,
                start_date=dt.datetime(2024, 11, 1, tzinfo=UTC),
            )
        )
        stamp = iter(dt.datetime(2024, 10, 1, tzinfo=UTC) + dt.timedelta(hours=n) for n in range(100))
        theirs_live = put_declaration(session, other, moved, DeclarationState.PAID, created_at=next(stamp))
        theirs_voided = put_declaration(
            session, other, moved, DeclarationState.VOIDED, DeclarationType.RETAINED_1, created_at=next(stamp)
        )
        mine = [
            put_declaration(
                session,
                lp,
                moved,
                DeclarationState.VOIDED,
                DeclarationType.RETAINED_2,
                created_at=next(stamp),
            ),
        ]
        ect = builders.participant(session, lp.programmes[2023])
        mine.append(put_declaration(session, lp, ect, DeclarationState.ELIGIBLE, created_at=next(stamp)))
        stranger_profile = builders.participant(session, other.programmes[2024])
        stranger = put_declaration(
            session, other, stranger_profile, DeclarationState.ELIGIBLE, created_at=next(stamp)
        )
        # The earlier provider's own declaration, dated after the participant left them.
        theirs_after_leaving = put_declaration(
            session,
            other,
            moved,
            DeclarationState.SUBMITTED,
            DeclarationType.RETAINED_3,
            declaration_date=dt.datetime(2024, 11, 5, tzinfo=UTC),
            created_at=next(stamp),
        )
        session.commit()
    return Scene(mine, theirs_live, theirs_voided, theirs_after_leaving, stranger, other)


def test_a_provider_reads_its_own_and_others_live_declarations_of_its_participants(client, lp, scene):
    expected = [
        str(scene.theirs_live.id),
        *(str(d.id) for d in scene.mine),
        str(scene.theirs_after_leaving.id),
    ]
    for version in ("v1", "v2", "v3"):
        assert ids(client.get(f"/api/{version}/participant-declarations", headers=lp.headers())) == expected


def test_the_provider_left_sees_others_declarations_only_up_to_the_leaving_date_in_v3(
    client, session, lp, scene
):
    other = scene.other
    # The earlier provider sees its own, and nothing of ours: the record with them is leaving,
    # and our declarations on it are dated after they left (or not live).
    expected_v3 = [
        str(scene.theirs_live.id),
        str(scene.theirs_voided.id),
        str(scene.stranger.id),
        str(scene.theirs_after_leaving.id),
    ]
    assert ids(client.get(V3, headers=other.headers())) == expected_v3
    assert ids(client.get("/api/v1/participant-declarations", headers=other.headers())) == expected_v3
    # A live declaration of ours dated before they lost the participant shows in v3, not in v1/v2.
    moved = session.get(ParticipantProfile, scene.theirs_live.participant_profile_id)
    ours = put_declaration(
        session,
        lp,
        moved,
        DeclarationState.SUBMITTED,
        DeclarationType.RETAINED_4,
        declaration_date=dt.datetime(2024, 10, 31, tzinfo=UTC),
        created_at=dt.datetime(2024, 12, 1, tzinfo=UTC),
    )
    session.commit()
    assert ids(client.get(V3, headers=other.headers()))[-1] == str(ours.id)
    assert str(ours.id) not in ids(client.get("/api/v2/participant-declarations", headers=other.headers()))


def test_others_declarations_are_hidden_when_the_partnership_is_challenged(client, session, lp, scene):
    partnership = session.get(Partnership, lp.programmes[2024].partnership_id)
    partnership.challenge_reason = ChallengeReason.MISTAKE
    partnership.challenged_at = dt.datetime(2024, 11, 2, tzinfo=UTC)
    session.commit()
    assert ids(client.get(V3, headers=lp.headers())) == [str(d.id) for d in scene.mine]


def test_get_one_follows_the_same_visibility(client, lp, scene):
    for version in ("v1", "v2", "v3"):
        url = f"/api/{version}/participant-declarations"
        assert client.get(f"{url}/{scene.theirs_live.id}", headers=lp.headers()).status_code == 200
        for hidden in (scene.theirs_voided, scene.stranger):
            response = client.get(f"{url}/{hidden.id}", headers=lp.headers())
            assert response.status_code == 404
            assert response.json() == {"error": "Resource not Found"}
        assert client.get(f"{url}/{uuid.uuid4()}", headers=lp.headers()).status_code == 404


def test_v3_filters(client, session, lp, scene):
    mine_2023 = scene.mine[1]
    moved = scene.theirs_live
    get = lambda query: ids(client.get(f"{V3}?{query}", headers=lp.headers()))  # noqa: E731
    assert get("filter[cohort]=2023") == [str(mine_2023.id)]
    assert get("filter[cohort]=2023,2024") == ids(client.get(V3, headers=lp.headers()))
    assert get("filter[cohort]=20x3") == []
    assert get(f"filter[participant_id]={mine_2023.teacher_id}") == [str(mine_2023.id)]
    both = f"{mine_2023.teacher_id},{moved.teacher_id}"
    assert get(f"filter[participant_id]={both}") == ids(client.get(V3, headers=lp.headers()))
    assert get("filter[participant_id]=nobody") == []
    assert get(f"filter[delivery_partner_id]={scene.other.partner.id}") == [
        str(scene.theirs_live.id),
        str(scene.theirs_after_leaving.id),
    ]
    assert get(f"filter[delivery_partner_id]={uuid.uuid4()},{lp.partner.id}") == [
        str(d.id) for d in scene.mine
    ]
    # updated_since includes the instant itself.
    mine_2023_row = stored(session, str(mine_2023.id))
    mine_2023_row.api_updated_at = dt.datetime(2025, 3, 1, 12, tzinfo=UTC)
    session.commit()
    assert get("filter[updated_since]=2025-03-01T12:00:00Z") == [str(mine_2023.id)]
    assert get("filter[updated_since]=2025-03-01T12:00:01Z") == []


def test_v1_and_v2_filters(client, session, lp, scene):
    mine_2023 = stored(session, str(scene.mine[1].id))
    mine_2023.api_updated_at = dt.datetime(2025, 3, 1, 12, tzinfo=UTC)
    session.commit()
    for version in ("v1", "v2"):
        url = f"/api/{version}/participant-declarations"
        get = lambda query, url=url: ids(client.get(f"{url}?{query}", headers=lp.headers()))  # noqa: E731
        assert get(f"filter[participant_id]={mine_2023.teacher_id}") == [str(mine_2023.id)]
        assert get(f"filter[participant_id]={mine_2023.teacher_id},{scene.theirs_live.teacher_id}") == []
        # updated_since is strictly after.
        assert get("filter[updated_since]=2025-03-01T11:59:59Z") == [str(mine_2023.id)]
        assert get("filter[updated_since]=2025-03-01T12:00:00Z") == []


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_bad_filters_and_pages_get_the_original_messages(client, lp, version):
    url = f"/api/{version}/participant-declarations"
    response = client.get(f"{url}?filter[updated_since]=yesterday", headers=lp.headers())
    assert response.status_code == 400
    assert response.json() == errors(
        ("Bad request", "The filter '#/updated_since' must be a valid RCF3339 date")
    )
    response = client.get(f"{url}?page[per_page]=0", headers=lp.headers())
    assert response.status_code == 400
    response = client.get(f"{url}?filter=all", headers=lp.headers())
    assert response.json() == errors(("Bad parameter", "Filter must be a hash"))


def test_pages_in_creation_order(client, lp, scene):
    every = ids(client.get(V3, headers=lp.headers()))
    pages = [
        ids(client.get(f"{V3}?page[per_page]=2&page[page]={n}", headers=lp.headers())) for n in (1, 2, 3)
    ]
    assert pages[0] + pages[1] == every and pages[2] == []


@contextlib.contextmanager
def statements_sent(database_url: str) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = get_engine(database_url)

    def listener(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_a_page_costs_one_query_whatever_its_size(client, session, settings, lp, version):
    url = f"/api/{version}/participant-declarations?page[per_page]=3000"

    def reading() -> list[str]:
        client.get(url, headers=lp.headers())  # warm-up: token lookups, rate-limit row
        total = len(session.scalars(sa.select(ParticipantDeclaration.id)).all())
        with statements_sent(settings.database_url) as seen:
            assert len(ids(client.get(url, headers=lp.headers()))) == total
        return [s for s in seen if "participant_declarations" in s]

    for _ in range(2):
        put_declaration(
            session, lp, builders.participant(session, lp.programmes[2024]), DeclarationState.PAID
        )
    session.commit()
    few = reading()
    for _ in range(25):
        profile = builders.participant(session, lp.programmes[2024], mentor=None)
        put_declaration(
            session,
            lp,
            profile,
            DeclarationState.PAID,
            statement_row=statement(session, lp, 2024, "January 2025"),
        )
        put_declaration(session, lp, profile, DeclarationState.INELIGIBLE, DeclarationType.RETAINED_1)
    session.commit()
    many = reading()
    assert len(few) == len(many) == 1


# --- shapes -------------------------------------------------------------------------------------------


def test_v3_shape(client, session, lp):
    with clock.travel(SET_UP):
        mentor = builders.participant(session, lp.programmes[2024], profile_type=ProfileType.MENTOR)
        profile = builders.participant(session, lp.programmes[2024], mentor=mentor)
        session.commit()
    response = post(client, lp, profile)
    data = response.json()["data"]
    assert data["type"] == "participant-declaration"
    assert data["attributes"] == {
        "participant_id": str(profile.teacher_id),
        "declaration_type": "started",
        "course_identifier": "ecf-induction",
        "declaration_date": "2024-11-01T10:00:00Z",
        "mentor_id": str(mentor.teacher_id),
        "state": "eligible",
        "updated_at": "2024-11-15T12:00:00Z",
        "created_at": "2024-11-15T12:00:00Z",
        "delivery_partner_id": str(lp.partner.id),
        "statement_id": str(statement(session, lp, 2024, "January 2025").id),
        "clawback_statement_id": None,
        "ineligible_for_funding_reason": None,
        "uplift_paid": False,
        "evidence_held": None,
        "has_passed": None,
        "lead_provider_name": "Ambition Institute",
    }
    assert list(data["attributes"]) == [
        "participant_id",
        "declaration_type",
        "course_identifier",
        "declaration_date",
        "mentor_id",
        "state",
        "updated_at",
        "created_at",
        "delivery_partner_id",
        "statement_id",
        "clawback_statement_id",
        "ineligible_for_funding_reason",
        "uplift_paid",
        "evidence_held",
        "has_passed",
        "lead_provider_name",
    ]


@pytest.mark.parametrize(
    ("state", "eligible_for_payment", "voided", "wire"),
    [
        (DeclarationState.SUBMITTED, False, False, "submitted"),
        (DeclarationState.ELIGIBLE, True, False, "eligible"),
        (DeclarationState.PAYABLE, True, False, "payable"),
        (DeclarationState.PAID, False, False, "paid"),
        (DeclarationState.VOIDED, False, True, "voided"),
        (DeclarationState.INELIGIBLE, False, False, "ineligible"),
        (DeclarationState.AWAITING_CLAWBACK, False, False, "awaiting-clawback"),
        (DeclarationState.CLAWED_BACK, False, False, "clawed-back"),
    ],
)
def test_v1_and_v2_shapes(client, session, lp, ect, state, eligible_for_payment, voided, wire):
    declaration = put_declaration(
        session, lp, ect, state, declaration_date=dt.datetime(2024, 10, 1, 8, 30, tzinfo=UTC)
    )
    session.commit()
    v1 = client.get(f"/api/v1/participant-declarations/{declaration.id}", headers=lp.headers()).json()["data"]
    assert v1 == {
        "id": str(declaration.id),
        "type": "participant-declaration",
        "attributes": {
            "participant_id": str(ect.teacher_id),
            "declaration_type": "started",
            "course_identifier": "ecf-induction",
            "eligible_for_payment": eligible_for_payment,
            "declaration_date": "2024-10-01T08:30:00Z",
            "updated_at": declaration.api_updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "voided": voided,
            "state": wire,
            "has_passed": None,
        },
    }
    assert list(v1["attributes"]) == [
        "participant_id",
        "declaration_type",
        "course_identifier",
        "eligible_for_payment",
        "declaration_date",
        "updated_at",
        "voided",
        "state",
        "has_passed",
    ]
    v2 = client.get(f"/api/v2/participant-declarations/{declaration.id}", headers=lp.headers()).json()["data"]
    assert list(v2["attributes"].items()) == [
        ("participant_id", str(ect.teacher_id)),
        ("declaration_type", "started"),
        ("course_identifier", "ecf-induction"),
        ("declaration_date", "2024-10-01T08:30:00Z"),
        ("updated_at", declaration.api_updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("state", wire),
        ("has_passed", None),
    ]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_v1_and_v2_record_and_void_with_the_same_rules(client, session, lp, ect, version):
    response = post(client, lp, ect, version=version)
    assert response.status_code == 200
    declaration_id = response.json()["data"]["id"]
    assert post(client, lp, ect, version=version).json() == errors(("base", rules.ALREADY_DECLARED))
    response = client.put(
        f"/api/{version}/participant-declarations/{declaration_id}/void", headers=lp.headers()
    )
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["state"] == "voided"
    response = client.put(
        f"/api/{version}/participant-declarations/{declaration_id}/void", headers=lp.headers()
    )
    assert response.json() == errors(("Invalid action", rules.ALREADY_VOIDED))


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_a_declaration_may_be_sent_as_json_api(client, lp, ect, version):
    response = client.post(
        f"/api/{version}/participant-declarations",
        content=json.dumps(envelope(attributes(ect))).encode(),
        headers={**lp.headers(), "Content-Type": "application/vnd.api+json"},
    )
    assert response.status_code == 200, response.text
