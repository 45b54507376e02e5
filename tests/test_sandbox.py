"""The sandbox population: deterministic, idempotent, and every case a provider must handle, per provider.

One population is built per module in its own database (other modules empty the shared
one after each test) at a fixed instant, 27 November 2026, a day when no statement's
deadline has just passed: the sandbox must still show payable statements and declarations.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from cpd.sandbox import PROVIDER_NAMES, latest_closed_output_statements, populate, reset, statement_status
from domain import clock, schools, tokens
from storage.db import dispose_all, new_session
from storage.enums import (
    DeclarationState,
    DeferReason,
    EligibilityStatus,
    InductionProgrammeChoice,
    InductionStatus,
    LineItemState,
    ProfileType,
    StatementStatus,
    TrainingProgramme,
    TrainingStatus,
    WithdrawReason,
)
from storage.migrate import upgrade
from storage.models import (
    Base,
    CallOffContract,
    Cohort,
    DeclarationStateChange,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    MentorCallOffContract,
    Milestone,
    ParticipantBand,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdChange,
    ParticipantIdentity,
    ParticipantProfile,
    ParticipantProfileState,
    Partnership,
    ProviderRelationship,
    Schedule,
    School,
    SchoolCohort,
    Statement,
    StatementLineItem,
    Teacher,
)

SECRET = "sandbox-test-secret-key-0123456789abcdef"
MOMENT = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
YEARS = range(2021, 2027)
ALL_STATES = set(DeclarationState)


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A factory of migrated, throwaway databases (SQLite files, or PostgreSQL databases)."""
    configured = os.environ.get("DATABASE_URL", "")
    created: list[sa.URL] = []

    def make() -> str:
        if configured.startswith("postgresql"):
            base = sa.make_url(configured)
            name = f"cpd_sandbox_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = base.set(database=name)
            created.append(url)
            rendered = url.render_as_string(hide_password=False)
        else:
            rendered = f"sqlite:///{tmp_path_factory.mktemp('sandbox') / 'sandbox.sqlite3'}"
        upgrade(rendered)
        return rendered

    yield make
    dispose_all()
    for url in created:
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def seeded(fresh_database) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    url = fresh_database()
    with clock.travel(MOMENT), new_session(url) as session, session.begin():
        provider_tokens = populate(session, secret_key=SECRET)
    return url, provider_tokens


@pytest.fixture
def db(seeded: tuple[str, dict[str, str]]) -> Iterator[Session]:
    """A session on the seeded database, at the seeding instant; anything a test writes is rolled back."""
    session = new_session(seeded[0])
    try:
        with clock.travel(MOMENT):
            yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def providers(db: Session) -> list[LeadProvider]:
    return list(db.scalars(sa.select(LeadProvider).where(LeadProvider.name.in_(PROVIDER_NAMES))))


# ------------------------------------------------------------------------------------------------
# Helpers


def counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def provider_records(session: Session, provider: LeadProvider) -> list[sa.Row]:
    """Every induction record under one of the provider's partnerships, with what the tests look at."""
    return list(
        session.execute(
            sa.select(
                InductionRecord,
                ParticipantProfile,
                Cohort.start_year,
                Schedule.schedule_identifier,
                Partnership,
                SchoolCohort.school_id,
            )
            .join(InductionProgramme, InductionRecord.induction_programme_id == InductionProgramme.id)
            .join(Partnership, InductionProgramme.partnership_id == Partnership.id)
            .join(SchoolCohort, InductionProgramme.school_cohort_id == SchoolCohort.id)
            .join(ParticipantProfile, InductionRecord.participant_profile_id == ParticipantProfile.id)
            .join(Schedule, InductionRecord.schedule_id == Schedule.id)
            .join(Cohort, Schedule.cohort_id == Cohort.id)
            .where(Partnership.lead_provider_id == provider.id)
        )
    )


def latest_per_profile(rows: list[sa.Row]) -> dict[uuid.UUID, sa.Row]:
    """The service's "latest record for this provider": open-ended first, then newest start, then newest."""
    best: dict[uuid.UUID, sa.Row] = {}
    for row in rows:
        record = row[0]
        key = (record.end_date is None, record.start_date, record.created_at)
        current = best.get(record.participant_profile_id)
        if current is None or key > (
            current[0].end_date is None,
            current[0].start_date,
            current[0].created_at,
        ):
            best[record.participant_profile_id] = row
    return best


def missing_for(providers: list[LeadProvider], check) -> list[str]:  # type: ignore[no-untyped-def]
    return [provider.name for provider in providers if not check(provider)]


def snapshot(session: Session) -> dict[str, set[tuple[object, ...]]]:
    """Ids and key fields of everything the sandbox creates (reference rows have random ids; skip them)."""
    statement = aliased(Statement)
    return {
        "providers": set(session.execute(sa.select(LeadProvider.id, LeadProvider.name))),
        "schools": set(
            session.execute(sa.select(School.id, School.urn, School.name, School.school_type_code))
        ),
        "teachers": set(session.execute(sa.select(Teacher.id, Teacher.trn, Teacher.full_name))),
        "profiles": set(
            session.execute(
                sa.select(
                    ParticipantProfile.id,
                    ParticipantProfile.teacher_id,
                    ParticipantProfile.profile_type,
                    ParticipantProfile.training_status,
                    ParticipantProfile.mentor_profile_id,
                )
            )
        ),
        "records": set(
            session.execute(
                sa.select(
                    InductionRecord.id,
                    InductionRecord.participant_profile_id,
                    InductionRecord.induction_programme_id,
                    InductionRecord.start_date,
                    InductionRecord.end_date,
                    InductionRecord.induction_status,
                    InductionRecord.training_status,
                )
            )
        ),
        "partnerships": set(
            session.execute(sa.select(Partnership.id, Partnership.school_id, Partnership.challenge_reason))
        ),
        "declarations": set(
            session.execute(
                sa.select(
                    ParticipantDeclaration.id,
                    ParticipantDeclaration.participant_profile_id,
                    ParticipantDeclaration.declaration_type,
                    ParticipantDeclaration.declaration_date,
                    ParticipantDeclaration.state,
                )
            )
        ),
        "line_items": set(
            session.execute(
                sa.select(
                    StatementLineItem.id,
                    StatementLineItem.participant_declaration_id,
                    StatementLineItem.state,
                    statement.lead_provider_id,
                    statement.name,
                ).join(statement, StatementLineItem.statement_id == statement.id)
            )
        ),
        "states": set(
            session.execute(
                sa.select(
                    ParticipantProfileState.id, ParticipantProfileState.state, ParticipantProfileState.reason
                )
            )
        ),
    }


# ------------------------------------------------------------------------------------------------
# Determinism, idempotency, tokens


def test_same_seed_same_population_in_another_database(db: Session, fresh_database) -> None:  # type: ignore[no-untyped-def]
    other = fresh_database()
    with clock.travel(MOMENT), new_session(other) as session, session.begin():
        populate(session, secret_key=SECRET)
        again = snapshot(session)
    first = snapshot(db)
    for name, rows in first.items():
        assert rows == again[name], name
        assert rows, name


def test_second_run_adds_nothing_and_returns_the_same_tokens(db: Session, seeded) -> None:  # type: ignore[no-untyped-def]
    before = counts(db)
    assert populate(db, secret_key=SECRET) == seeded[1]
    db.flush()
    assert counts(db) == before


def test_reset_brings_a_changed_sandbox_back_to_the_same_population(
    db: Session, seeded, fresh_database
) -> None:  # type: ignore[no-untyped-def]
    other = fresh_database()
    with clock.travel(MOMENT), new_session(other) as session, session.begin():
        populate(session, secret_key=SECRET)
        session.add(LeadProvider(name="Left behind by a test"))
        session.execute(sa.delete(ParticipantIdChange))
        session.flush()
        reset_tokens = reset(session, secret_key=SECRET)
        session.flush()
        after = snapshot(session)
        assert (
            session.scalar(sa.select(sa.func.count()).where(LeadProvider.name == "Left behind by a test"))
            == 0
        )
    assert reset_tokens == seeded[1]
    for name, rows in snapshot(db).items():
        assert rows == after[name], name


def test_another_seed_on_a_seeded_database_only_adds_its_tokens(db: Session) -> None:
    before = counts(db)
    other_tokens = populate(db, secret_key=SECRET, seed=7)
    db.flush()
    after = counts(db)
    assert after["api_tokens"] == before["api_tokens"] + len(PROVIDER_NAMES)
    assert {k: v for k, v in after.items() if k != "api_tokens"} == {
        k: v for k, v in before.items() if k != "api_tokens"
    }
    token = tokens.authenticate(db, other_tokens["Capita"], SECRET)
    assert token is not None and token.lead_provider.name == "Capita"


def test_five_to_seven_real_providers_with_working_tokens(db: Session, seeded, providers) -> None:  # type: ignore[no-untyped-def]
    provider_tokens = seeded[1]
    assert 5 <= len(providers) <= 7
    assert set(provider_tokens) == {p.name for p in providers} <= set(PROVIDER_NAMES)
    for provider in providers:
        token = tokens.authenticate(db, provider_tokens[provider.name], SECRET)
        assert token is not None and token.lead_provider_id == provider.id
        assert provider_tokens[provider.name] == tokens.derived_plaintext(SECRET, f"{provider.name}:0")
    assert tokens.authenticate(db, "not-a-token", SECRET) is None


# ------------------------------------------------------------------------------------------------
# Providers, finance


def test_providers_are_contracted_for_2021_to_2026_with_contracts_and_statements(
    db: Session, providers
) -> None:  # type: ignore[no-untyped-def]
    for provider in providers:
        assert [c.start_year for c in provider.cohorts] == list(YEARS)
        for year in YEARS:
            statements = db.scalar(
                sa.select(sa.func.count())
                .select_from(Statement)
                .join(Cohort)
                .where(Statement.lead_provider_id == provider.id, Cohort.start_year == year)
            )
            assert statements, (provider.name, year)
    assert db.scalar(sa.select(sa.func.count()).select_from(CallOffContract)) == len(providers) * len(YEARS)
    bands: dict[uuid.UUID, set[str]] = defaultdict(set)
    for contract_id, band in db.execute(
        sa.select(ParticipantBand.call_off_contract_id, ParticipantBand.band)
    ):
        bands[contract_id].add(band)
    assert len(bands) == len(providers) * len(YEARS)
    assert all(letters == {"A", "B", "C", "D"} for letters in bands.values())
    assert db.scalar(sa.select(sa.func.count()).select_from(MentorCallOffContract)) == len(providers) * 2


def test_statement_statuses_follow_today(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    statements = list(
        db.scalars(sa.select(Statement).where(Statement.lead_provider_id.in_([p.id for p in providers])))
    )
    awaiting = latest_closed_output_statements(statements, today)
    assert awaiting
    for statement in statements:
        expected = (
            StatementStatus.PAYABLE
            if statement.id in awaiting
            else statement_status(statement.deadline_date, statement.payment_date, today)
        )
        assert statement.status == expected
        assert (statement.marked_as_paid_at is not None) == (statement.status == StatementStatus.PAID)
    assert {s.status for s in statements} == set(StatementStatus)
    for provider in providers:
        assert any(
            s.status == StatementStatus.PAYABLE and s.lead_provider_id == provider.id for s in statements
        )


# ------------------------------------------------------------------------------------------------
# Schools, partnerships


def test_schools_eligible_ineligible_and_cip_only_with_gias_fields(db: Session) -> None:
    all_schools = list(db.scalars(sa.select(School)))
    assert 250 <= len(all_schools) <= 400
    eligible = [s for s in all_schools if schools.is_eligible(s)]
    cip_only = [s for s in all_schools if schools.is_cip_only(s)]
    ineligible = [s for s in all_schools if not schools.can_access_service(s)]
    assert eligible and cip_only and ineligible
    assert any(s.school_status_code == 2 for s in ineligible), "a closed school"
    assert any((s.administrative_district_code or "").startswith("W") for s in ineligible), "a Welsh school"
    assert any(
        s.school_status_code == 1
        and (s.administrative_district_code or "").startswith("E")
        and s.school_type_code not in schools.ELIGIBLE_TYPE_CODES | schools.CIP_ONLY_TYPE_CODES
        for s in ineligible
    ), "an open English school of an excluded type"
    for school in all_schools:
        assert re.fullmatch(r"\d{6}", school.urn) and school.name and school.school_type_name
        assert school.school_status_name and school.postcode
        assert (school.induction_tutor_id is not None) == schools.can_access_service(school)
    partnered = set(db.scalars(sa.select(Partnership.school_id)))
    assert not {s.id for s in ineligible} & partnered
    assert not {s.id for s in cip_only} & partnered


def test_school_cohorts_make_every_programme_choice(db: Session) -> None:
    choices = set(db.scalars(sa.select(SchoolCohort.induction_programme_choice)))
    assert {
        InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
        InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
        InductionProgrammeChoice.DESIGN_OUR_OWN,
        InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
        InductionProgrammeChoice.NOT_YET_KNOWN,
    } <= choices
    # Programme-led choices have their default programme; the others have none.
    for choice, default_id in db.execute(
        sa.select(SchoolCohort.induction_programme_choice, SchoolCohort.default_induction_programme_id)
    ):
        needs_programme = choice not in (
            InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
            InductionProgrammeChoice.NOT_YET_KNOWN,
        )
        assert (default_id is not None) == needs_programme, choice


def test_schools_partnered_with_this_provider_another_and_none(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    by_school: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for school_id, provider_id in db.execute(
        sa.select(Partnership.school_id, Partnership.lead_provider_id).where(
            Partnership.is_relationship.is_(False)
        )
    ):
        by_school[school_id].add(provider_id)
    eligible_unpartnered = [
        s for s in db.scalars(sa.select(School)) if schools.is_eligible(s) and s.id not in by_school
    ]
    assert eligible_unpartnered, "an eligible school partnered with nobody"
    for provider in providers:
        assert any(provider.id in ps for ps in by_school.values()), provider.name
        assert any(provider.id not in ps for ps in by_school.values()), provider.name


def test_each_provider_has_a_challenged_partnership_with_participants(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        return any(
            row[4].challenged_at is not None and row[4].challenge_reason is not None
            for row in provider_records(db, provider)
        )

    assert missing_for(providers, check) == []


def test_delivery_partners_are_related_to_providers_in_each_cohort(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    for provider in providers:
        years = set(
            db.scalars(
                sa.select(Cohort.start_year)
                .join(ProviderRelationship, ProviderRelationship.cohort_id == Cohort.id)
                .where(ProviderRelationship.lead_provider_id == provider.id)
            )
        )
        assert years == set(YEARS), provider.name


# ------------------------------------------------------------------------------------------------
# Participants, per provider


def test_ects_and_mentors_in_every_cohort_for_every_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    wanted = {(year, kind) for year in YEARS for kind in ProfileType}
    for provider in providers:
        seen = {(row[2], row[1].profile_type) for row in provider_records(db, provider)}
        assert wanted <= seen, (provider.name, wanted - seen)


def test_every_schedule_and_variant_for_every_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    months = ("september", "january", "april")
    ect = {f"ecf-{family}-{m}" for family in ("standard", "reduced", "extended") for m in months}
    mentor = {f"ecf-replacement-{m}" for m in months} | {"ecf-standard-september"}
    for provider in providers:
        rows = provider_records(db, provider)
        seen_ect = {row[3] for row in rows if row[1].profile_type == ProfileType.ECT}
        seen_mentor = {row[3] for row in rows if row[1].profile_type == ProfileType.MENTOR}
        assert ect <= seen_ect, (provider.name, ect - seen_ect)
        assert mentor <= seen_mentor, (provider.name, mentor - seen_mentor)
        assert not any(s.startswith("ecf-replacement") for s in seen_ect), "replacement is for mentors only"


def test_people_who_are_both_ect_and_mentor(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        kinds: dict[uuid.UUID, set[ProfileType]] = defaultdict(set)
        for row in provider_records(db, provider):
            kinds[row[1].teacher_id].add(row[1].profile_type)
        return any(k == set(ProfileType) for k in kinds.values())

    assert missing_for(providers, check) == []


def _status_change_check(
    db: Session, provider: LeadProvider, status: TrainingStatus, reasons: set[str]
) -> bool:
    for row in latest_per_profile(provider_records(db, provider)).values():
        record, profile = row[0], row[1]
        if record.training_status != status or profile.training_status != status:
            continue
        state = db.scalars(
            sa.select(ParticipantProfileState)
            .where(
                ParticipantProfileState.participant_profile_id == profile.id,
                ParticipantProfileState.lead_provider_id == provider.id,
            )
            .order_by(ParticipantProfileState.created_at.desc())
        ).first()
        if (
            state is not None
            and state.state == status
            and state.reason in reasons
            and state.created_at <= clock.now()
        ):
            return True
    return False


def test_deferred_participants_with_reason_and_date(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    reasons = {r.value for r in DeferReason}
    assert (
        missing_for(providers, lambda p: _status_change_check(db, p, TrainingStatus.DEFERRED, reasons)) == []
    )


def test_withdrawn_participants_with_reason_and_date(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    reasons = {r.value for r in WithdrawReason}
    assert (
        missing_for(providers, lambda p: _status_change_check(db, p, TrainingStatus.WITHDRAWN, reasons)) == []
    )


def test_training_status_agrees_between_profile_records_and_states(db: Session) -> None:
    latest_record: dict[uuid.UUID, InductionRecord] = {}
    for record in db.scalars(sa.select(InductionRecord)):
        current = latest_record.get(record.participant_profile_id)
        key = (record.end_date is None, record.start_date)
        if current is None or key > (current.end_date is None, current.start_date):
            latest_record[record.participant_profile_id] = record
    last_state: dict[uuid.UUID, ParticipantProfileState] = {}
    for state in db.scalars(sa.select(ParticipantProfileState).order_by(ParticipantProfileState.created_at)):
        last_state[state.participant_profile_id] = state
    for profile in db.scalars(sa.select(ParticipantProfile)):
        assert latest_record[profile.id].training_status == profile.training_status
        assert last_state[profile.id].state == profile.training_status


def test_leaving_left_and_joining_participants(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    for provider in providers:
        latest = [row[0] for row in latest_per_profile(provider_records(db, provider)).values()]
        leaving = [
            r
            for r in latest
            if r.end_date and r.end_date > now and r.induction_status == InductionStatus.LEAVING
        ]
        left = [
            r
            for r in latest
            if r.end_date and r.end_date <= now and r.induction_status == InductionStatus.LEAVING
        ]
        joining = [r for r in latest if r.end_date is None and r.start_date > now]
        assert leaving and left and joining, provider.name


def test_eligibility_statuses_and_uplifts(db: Session) -> None:
    assert set(db.scalars(sa.select(ParticipantEligibility.status))) == set(EligibilityStatus)
    assert db.scalar(sa.select(sa.func.count()).where(ParticipantProfile.pupil_premium_uplift.is_(True)))
    assert db.scalar(sa.select(sa.func.count()).where(ParticipantProfile.sparsity_uplift.is_(True)))


def test_transfer_to_another_school_and_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        for row in provider_records(db, provider):
            leaving = row[0]
            if leaving.induction_status != InductionStatus.LEAVING or leaving.end_date is None:
                continue
            for other in provider_records_for_profile(db, leaving.participant_profile_id):
                record, partnership, school_id = other
                if (
                    record.school_transfer
                    and record.start_date >= leaving.end_date
                    and school_id != row[5]
                    and partnership is not None
                    and partnership.lead_provider_id != provider.id
                ):
                    return True
        return False

    assert missing_for(providers, check) == []


def test_transferee_keeping_their_provider_through_a_relationship_partnership(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        rows = provider_records(db, provider)
        schools_by_profile = defaultdict(set)
        for row in rows:
            schools_by_profile[row[1].id].add(row[5])
        return any(
            row[0].school_transfer and row[4].is_relationship and len(schools_by_profile[row[1].id]) == 2
            for row in rows
        )

    assert missing_for(providers, check) == []


def provider_records_for_profile(
    db: Session, profile_id: uuid.UUID
) -> list[tuple[InductionRecord, Partnership | None, uuid.UUID]]:
    return [
        (row[0], row[1], row[2])
        for row in db.execute(
            sa.select(InductionRecord, Partnership, SchoolCohort.school_id)
            .join(InductionProgramme, InductionRecord.induction_programme_id == InductionProgramme.id)
            .join(SchoolCohort, InductionProgramme.school_cohort_id == SchoolCohort.id)
            .outerjoin(Partnership, InductionProgramme.partnership_id == Partnership.id)
            .where(InductionRecord.participant_profile_id == profile_id)
        )
    ]


def test_unfunded_mentor_for_every_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        latest = latest_per_profile(provider_records(db, provider))
        own_profiles = {row[1].id for row in provider_records(db, provider)}
        return any(
            row[0].mentor_profile_id is not None and row[0].mentor_profile_id not in own_profiles
            for row in latest.values()
            if not row[4].challenged
        )

    assert missing_for(providers, check) == []


def test_participant_id_change_for_every_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    def check(provider: LeadProvider) -> bool:
        teachers = {row[1].teacher_id for row in provider_records(db, provider)}
        for change in db.scalars(
            sa.select(ParticipantIdChange).where(ParticipantIdChange.teacher_id.in_(teachers))
        ):
            identity = db.scalar(
                sa.select(ParticipantIdentity).where(
                    ParticipantIdentity.external_identifier == change.from_participant_id
                )
            )
            if (
                change.to_participant_id == change.teacher_id
                and identity is not None
                and identity.teacher_id == change.teacher_id
                and db.get(Teacher, change.from_participant_id) is None
            ):
                return True
        return False

    assert missing_for(providers, check) == []


# ------------------------------------------------------------------------------------------------
# Declarations


def test_every_declaration_state_for_every_provider(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    for provider in providers:
        states = set(
            db.scalars(
                sa.select(ParticipantDeclaration.state).where(
                    ParticipantDeclaration.lead_provider_id == provider.id
                )
            )
        )
        assert states == ALL_STATES, (provider.name, ALL_STATES - states)


def test_line_items_match_declaration_states(db: Session) -> None:
    lines: dict[uuid.UUID, list[tuple[LineItemState, StatementStatus]]] = defaultdict(list)
    for declaration_id, state, status in db.execute(
        sa.select(
            StatementLineItem.participant_declaration_id, StatementLineItem.state, Statement.status
        ).join(Statement, StatementLineItem.statement_id == Statement.id)
    ):
        lines[declaration_id].append((state, status))
    open_ish = {StatementStatus.OPEN, StatementStatus.PAYABLE}
    for declaration in db.scalars(sa.select(ParticipantDeclaration)):
        items = sorted(lines[declaration.id])
        state = declaration.state
        if state == DeclarationState.SUBMITTED:
            assert items == []
        elif state == DeclarationState.ELIGIBLE:
            assert items == [(LineItemState.ELIGIBLE, StatementStatus.OPEN)]
        elif state == DeclarationState.PAYABLE:
            assert items == [(LineItemState.PAYABLE, StatementStatus.PAYABLE)]
        elif state == DeclarationState.PAID:
            assert items == [(LineItemState.PAID, StatementStatus.PAID)]
        elif state == DeclarationState.AWAITING_CLAWBACK:
            assert len(items) == 2 and (LineItemState.PAID, StatementStatus.PAID) in items
            assert any(s == LineItemState.AWAITING_CLAWBACK and status in open_ish for s, status in items)
        elif state == DeclarationState.CLAWED_BACK:
            assert sorted(items) == sorted(
                [
                    (LineItemState.PAID, StatementStatus.PAID),
                    (LineItemState.CLAWED_BACK, StatementStatus.PAID),
                ]
            )
        elif state == DeclarationState.VOIDED:
            # Voided before it was billable (no line), or its billable line was voided.
            assert declaration.voided_at is not None
            assert items == [] or [s for s, _ in items] == [LineItemState.VOIDED]
        elif state == DeclarationState.INELIGIBLE:
            assert all(s == LineItemState.INELIGIBLE for s, _ in items)


def test_awaiting_clawback_is_refunded_on_an_open_statement(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    for provider in providers:
        found = db.scalar(
            sa.select(sa.func.count())
            .select_from(StatementLineItem)
            .join(Statement, StatementLineItem.statement_id == Statement.id)
            .join(
                ParticipantDeclaration,
                StatementLineItem.participant_declaration_id == ParticipantDeclaration.id,
            )
            .where(
                ParticipantDeclaration.lead_provider_id == provider.id,
                StatementLineItem.state == LineItemState.AWAITING_CLAWBACK,
                Statement.status == StatementStatus.OPEN,
            )
        )
        assert found, provider.name


def test_state_history_is_coherent(db: Session) -> None:
    history: dict[uuid.UUID, list[DeclarationStateChange]] = defaultdict(list)
    for change in db.scalars(sa.select(DeclarationStateChange).order_by(DeclarationStateChange.created_at)):
        history[change.participant_declaration_id].append(change)
    allowed_after = {
        None: {DeclarationState.SUBMITTED, DeclarationState.ELIGIBLE, DeclarationState.INELIGIBLE},
        DeclarationState.SUBMITTED: {DeclarationState.ELIGIBLE, DeclarationState.VOIDED},
        DeclarationState.ELIGIBLE: {DeclarationState.PAYABLE, DeclarationState.VOIDED},
        DeclarationState.PAYABLE: {DeclarationState.PAID, DeclarationState.VOIDED},
        DeclarationState.PAID: {DeclarationState.AWAITING_CLAWBACK},
        DeclarationState.AWAITING_CLAWBACK: {DeclarationState.CLAWED_BACK},
        DeclarationState.INELIGIBLE: {DeclarationState.VOIDED},
    }
    now = clock.now()
    for declaration in db.scalars(sa.select(ParticipantDeclaration)):
        changes = history[declaration.id]
        assert changes and changes[-1].state == declaration.state
        assert changes[0].created_at == declaration.created_at
        previous = None
        for change in changes:
            assert change.state in allowed_after[previous], (previous, change.state)
            assert change.created_at <= now
            previous = change.state


def test_duplicate_declarations_are_ineligible_and_superseded(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    original = aliased(ParticipantDeclaration)
    first_teacher, second_teacher = aliased(Teacher), aliased(Teacher)
    for provider in providers:
        rows = db.execute(
            sa.select(ParticipantDeclaration, original, DeclarationStateChange.state_reason)
            .join(original, ParticipantDeclaration.superseded_by_id == original.id)
            .join(second_teacher, ParticipantDeclaration.teacher_id == second_teacher.id)
            .join(first_teacher, original.teacher_id == first_teacher.id)
            .join(
                DeclarationStateChange,
                DeclarationStateChange.participant_declaration_id == ParticipantDeclaration.id,
            )
            .where(
                ParticipantDeclaration.lead_provider_id == provider.id,
                ParticipantDeclaration.state == DeclarationState.INELIGIBLE,
                first_teacher.trn == second_teacher.trn,
                first_teacher.id != second_teacher.id,
                DeclarationStateChange.state == DeclarationState.INELIGIBLE,
            )
        ).all()
        assert rows, provider.name
        for duplicate, kept, reason in rows:
            assert reason == "duplicate"
            assert kept.state in (
                DeclarationState.SUBMITTED,
                DeclarationState.ELIGIBLE,
                DeclarationState.PAYABLE,
                DeclarationState.PAID,
            )
            assert (duplicate.declaration_type, duplicate.course_identifier) == (
                kept.declaration_type,
                kept.course_identifier,
            )
            assert kept.created_at < duplicate.created_at


def test_many_participants_have_no_declarations(db: Session, providers) -> None:  # type: ignore[no-untyped-def]
    declared = set(db.scalars(sa.select(ParticipantDeclaration.participant_profile_id)))
    for provider in providers:
        profiles = {row[1].id for row in provider_records(db, provider)}
        without = profiles - declared
        assert len(without) >= 10 and len(without) >= len(profiles) // 10, provider.name


def test_declarations_sit_inside_milestone_windows_and_in_the_past(db: Session) -> None:
    windows = {
        (schedule_id, dtype): (start, end)
        for schedule_id, dtype, start, end in db.execute(
            sa.select(
                Milestone.schedule_id,
                Milestone.declaration_type,
                Milestone.start_date,
                Milestone.milestone_date,
            )
        )
    }
    now = clock.now()
    for declaration, schedule_id, cohort_id in db.execute(
        sa.select(ParticipantDeclaration, ParticipantProfile.schedule_id, Schedule.cohort_id)
        .join(ParticipantProfile, ParticipantDeclaration.participant_profile_id == ParticipantProfile.id)
        .join(Schedule, ParticipantProfile.schedule_id == Schedule.id)
    ):
        start, end = windows[(schedule_id, declaration.declaration_type)]
        day = declaration.declaration_date.date()
        assert day >= start and (end is None or day <= end), (declaration.declaration_type, day, start, end)
        assert declaration.declaration_date <= declaration.created_at <= now
        assert declaration.cohort_id == cohort_id


def test_declarations_copy_delivery_partner_and_mentor_from_the_record_in_force(db: Session) -> None:
    records: dict[uuid.UUID, list[tuple[dt.datetime, uuid.UUID, uuid.UUID | None, uuid.UUID | None]]] = (
        defaultdict(list)
    )
    mentor_profile = aliased(ParticipantProfile)
    for record, partnership, mentor_teacher in db.execute(
        sa.select(InductionRecord, Partnership, mentor_profile.teacher_id)
        .join(InductionProgramme, InductionRecord.induction_programme_id == InductionProgramme.id)
        .join(Partnership, InductionProgramme.partnership_id == Partnership.id)
        .outerjoin(mentor_profile, InductionRecord.mentor_profile_id == mentor_profile.id)
    ):
        records[record.participant_profile_id].append(
            (record.start_date, partnership.lead_provider_id, partnership.delivery_partner_id, mentor_teacher)
        )
    for declaration in db.scalars(sa.select(ParticipantDeclaration)):
        in_force = max(
            (r for r in records[declaration.participant_profile_id] if r[0] <= declaration.declaration_date),
            key=lambda r: r[0],
        )
        assert in_force[1] == declaration.lead_provider_id
        assert in_force[2] == declaration.delivery_partner_id
        if declaration.course_identifier == "ecf-induction":
            assert declaration.mentor_teacher_id == in_force[3]
        else:
            assert declaration.mentor_teacher_id is None


def test_line_items_sit_on_the_declarations_provider_and_cohort_output_statements(db: Session) -> None:
    mismatched = db.scalar(
        sa.select(sa.func.count())
        .select_from(StatementLineItem)
        .join(Statement, StatementLineItem.statement_id == Statement.id)
        .join(
            ParticipantDeclaration, StatementLineItem.participant_declaration_id == ParticipantDeclaration.id
        )
        .where(
            sa.or_(
                Statement.lead_provider_id != ParticipantDeclaration.lead_provider_id,
                Statement.cohort_id != ParticipantDeclaration.cohort_id,
                Statement.output_fee.is_(False),
            )
        )
    )
    assert mismatched == 0


# ------------------------------------------------------------------------------------------------
# Structural integrity


def test_records_programmes_partnerships_and_relationships_line_up(db: Session) -> None:
    for record, schedule_cohort, sc_cohort, programme, partnership in db.execute(
        sa.select(
            InductionRecord, Schedule.cohort_id, SchoolCohort.cohort_id, InductionProgramme, Partnership
        )
        .join(Schedule, InductionRecord.schedule_id == Schedule.id)
        .join(InductionProgramme, InductionRecord.induction_programme_id == InductionProgramme.id)
        .join(SchoolCohort, InductionProgramme.school_cohort_id == SchoolCohort.id)
        .outerjoin(Partnership, InductionProgramme.partnership_id == Partnership.id)
    ):
        assert schedule_cohort == sc_cohort
        if programme.training_programme == TrainingProgramme.FULL_INDUCTION_PROGRAMME:
            assert partnership is not None and partnership.cohort_id == sc_cohort
        if record.end_date is not None:
            assert record.end_date >= record.start_date
    unrelated = db.scalar(
        sa.select(sa.func.count())
        .select_from(Partnership)
        .outerjoin(
            ProviderRelationship,
            sa.and_(
                ProviderRelationship.lead_provider_id == Partnership.lead_provider_id,
                ProviderRelationship.delivery_partner_id == Partnership.delivery_partner_id,
                ProviderRelationship.cohort_id == Partnership.cohort_id,
            ),
        )
        .where(ProviderRelationship.id.is_(None))
    )
    assert unrelated == 0


def test_people_have_unique_emails_and_seven_digit_trns(db: Session) -> None:
    emails = list(db.scalars(sa.select(ParticipantIdentity.email)))
    assert len(emails) == len(set(emails))
    assert all(re.fullmatch(r"\d{7}", trn or "") for trn in db.scalars(sa.select(Teacher.trn)))
    # Only the deliberate duplicate pairs share a TRN.
    trns = list(db.scalars(sa.select(Teacher.trn)))
    assert len(trns) - len(set(trns)) == len(PROVIDER_NAMES)
