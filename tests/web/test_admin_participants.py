"""The admin participant pages: who may open them, search, the participant's page, and each
change, which must reach the same domain rule as the API (refused with the API's message,
and, once made, shown by the API)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from domain import merges
from domain.participant_actions import ALREADY_WITHDRAWN, REASON_INVALID, REASON_MISSING
from storage.enums import DeclarationState, EligibilityStatus, ProfileType, StaffRole
from storage.models import (
    AuditEvent,
    ParticipantDeclaration,
    ParticipantEligibility,
    ParticipantIdentity,
    Teacher,
)
from tests import builders
from tests.test_declarations_api import make_provider, put_declaration, statement
from tests.web.service_pages import (
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_provider_user,
    make_tutor,
    sign_in,
    submit,
)
from tests.web.staff_pages import make_staff, sign_in_staff

ADMIN = "ada.admin@education.gov.uk"
WHY = "Support ticket 1234: the school asked us to"


@pytest.fixture
def world(session, settings) -> dict[str, Any]:
    lp = make_provider(session, settings.secret_key, years=(2023, 2024, 2025), partnered=(2023, 2024))
    ect = builders.participant(session, lp.programmes[2024], trn="1234567")
    ect.teacher.full_name = "Harriet O'Brien"
    mentor = builders.participant(
        session, lp.programmes[2024], profile_type=ProfileType.MENTOR, trn="7654321"
    )
    mentor.teacher.full_name = "Morgan Mentor"
    declaration = put_declaration(
        session,
        lp,
        ect,
        DeclarationState.ELIGIBLE,
        statement_row=statement(session, lp, 2024, "January 2025"),
    )
    session.commit()
    return {
        "lp": lp,
        "ect": ect,
        "mentor": mentor,
        "declaration": declaration,
        "id": str(ect.teacher_id),
        "profile": str(ect.id),
    }


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    make_staff(session, ADMIN, StaffRole.ADMIN)
    sign_in_staff(client, session, ADMIN)
    return client


def api(client, world, path: str) -> Any:  # type: ignore[no-untyped-def]
    response = client.get(path, headers=world["lp"].headers(None))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def enrolment(client, world, participant_id: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = api(client, world, f"/api/v3/participants/ecf/{participant_id or world['id']}")
    (only,) = [e for e in data["attributes"]["ecf_enrolments"] if e["participant_type"] == "ect"]
    return only


# --- who may open the pages ---------------------------------------------------------------------


def pages(world: dict[str, Any]) -> list[str]:
    person, profile = world["id"], world["profile"]
    return [
        "/admin/participants",
        "/admin/participants?q=harriet",
        f"/admin/participants/{person}",
        f"/admin/participants/{person}/merge",
        f"/admin/participants/{person}/records/{profile}/withdraw",
        f"/admin/participants/{person}/records/{profile}/defer",
        f"/admin/participants/{person}/records/{profile}/resume",
        f"/admin/participants/{person}/records/{profile}/schedule",
        f"/admin/participants/{person}/records/{profile}/eligibility",
        f"/admin/participants/{person}/declarations/{world['declaration'].id}/void",
    ]


def is_action(path: str) -> bool:
    """A page whose form changes something (the others are only read)."""
    return path.count("/") > 3


def test_anyone_not_signed_in_is_sent_to_sign_in_from_every_page_and_action(client, world):
    for path in pages(world):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (302, "/sign-in"), path
        if is_action(path):
            posted = client.post(path, data={}, follow_redirects=False)
            assert posted.status_code in (302, 400), path  # no session: no CSRF token either
            assert posted.status_code == 400 or posted.headers["location"] == "/sign-in"


@pytest.mark.parametrize("who", ["tutor", "provider", "finance"])
def test_people_without_the_admin_role_are_refused_every_page_and_action(client, session, world, who):
    if who == "tutor":
        user, _ = make_tutor(session)
        sign_in(client, session, user.email)
    elif who == "provider":
        user, _ = make_provider_user(session)
        sign_in(client, session, user.email)
    else:
        make_staff(session, "fin@education.gov.uk", StaffRole.FINANCE)
        sign_in_staff(client, session, "fin@education.gov.uk")
    home = client.get("/", follow_redirects=True).text
    for path in pages(world):
        assert client.get(path).status_code == 403, path
        if is_action(path):
            response = submit(client, path, {"why": WHY, "confirmed": "yes"}, page=home)
            assert response.status_code == 403, path
    session.expire_all()
    assert session.get(ParticipantDeclaration, world["declaration"].id).state == DeclarationState.ELIGIBLE


def test_an_admin_opens_every_page(admin, world):
    for path in pages(world):
        response = admin.get(path)
        assert response.status_code == 200, (path, response.text)
    assert "Participants" in main_text(admin.get("/admin/").text)


# --- search ---------------------------------------------------------------------------------------


def names_found(client, query: str, **params: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/admin/participants", params={"q": query, **params}).text
    return [row.split(">", 1)[1] for row in _links(page)]


def _links(page: str) -> list[str]:
    import re

    return re.findall(r'<a class="govuk-link" href="/admin/participants/[0-9a-f-]{36}">[^<]*', page)


def test_search_by_name_is_case_insensitive_and_matches_part_of_a_name(admin, world):
    assert names_found(admin, "harriet") == ["Harriet O&#39;Brien"]
    assert names_found(admin, "O'BRIEN") == ["Harriet O&#39;Brien"]
    assert names_found(admin, "%") == []


def test_search_by_ids_trn_and_email(admin, session, world):
    identity = session.get(ParticipantIdentity, world["ect"].participant_identity_id)
    for query in (
        world["id"],
        world["profile"],
        "1234567",
        identity.email.upper(),
        f" {identity.external_identifier} ",
    ):
        assert names_found(admin, query) == ["Harriet O&#39;Brien"], query


def test_the_filter_shows_ects_or_mentors(admin, world):
    assert names_found(admin, "", type="mentor") == ["Morgan Mentor"]
    assert names_found(admin, "", type="ect") == ["Harriet O&#39;Brien"]
    assert sorted(names_found(admin, "")) == ["Harriet O&#39;Brien", "Morgan Mentor"]


def test_results_come_a_page_at_a_time(admin, session, world):
    for n in range(30):
        builders.participant(
            session, world["lp"].programmes[2023], trn=f"{2000000 + n}"
        ).teacher.full_name = f"Paged Person {n:02}"
    session.commit()
    first = admin.get("/admin/participants?q=paged").text
    assert "30 participants found" in main_text(first)
    assert len(_links(first)) == 25
    second = admin.get("/admin/participants?q=paged&page=2").text
    assert [name.split(">")[1] for name in _links(second)] == [f"Paged Person {n}" for n in range(25, 30)]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_nothing_found_says_so(admin, world):
    assert "No participants match ‘nobody here’." in main_text(
        admin.get("/admin/participants?q=nobody+here").text
    )
    assert admin.get(f"/admin/participants/{uuid.uuid4()}").status_code == 404


# --- the participant's page --------------------------------------------------------------------------


def test_the_page_shows_records_history_declarations_and_statements(admin, world):
    page = admin.get(f"/admin/participants/{world['id']}").text
    text = main_text(page)
    assert h1_of(page) == "Harriet O'Brien"
    for expected in (
        "Training record ID " + world["profile"],
        "Induction history",
        world["lp"].school.name,
        "Ambition Institute",
        world["lp"].partner.name,
        "Eligible",
        "January 2025 (eligible)",
        "This participant’s ID has never changed.",
        "Audit trail",
    ):
        assert expected in text, expected


# --- withdraw, defer, resume --------------------------------------------------------------------------


def test_withdraw_needs_a_reason_with_the_apis_messages_and_a_reason_for_the_trail(admin, world):
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/withdraw"
    blank = submit(admin, path, {"lead_provider": str(world["lp"].id)})
    assert error_summary(blank.text) == ["Enter why you are making this change"]
    no_reason = submit(admin, path, {"lead_provider": str(world["lp"].id), "why": WHY})
    assert inline_errors(no_reason.text) == [REASON_MISSING]
    made_up = submit(admin, path, {"lead_provider": str(world["lp"].id), "why": WHY, "reason": "bored"})
    assert inline_errors(made_up.text) == [REASON_INVALID]


def test_a_withdrawal_on_the_page_is_the_providers_withdrawal_and_the_api_shows_it(
    admin, session, world, client
):
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/withdraw"
    done = submit(admin, path, {"lead_provider": str(world["lp"].id), "reason": "moved-school", "why": WHY})
    assert (done.status_code, done.headers["location"]) == (302, f"/admin/participants/{world['id']}")
    shown = enrolment(client, world)
    assert shown["training_status"] == "withdrawn"
    assert shown["withdrawal"]["reason"] == "moved-school"

    # Again: refused as the API refuses it, with its message.
    again = submit(admin, path, {"lead_provider": str(world["lp"].id), "reason": "moved-school", "why": WHY})
    assert again.status_code == 200
    assert ALREADY_WITHDRAWN in error_summary(again.text)
    body = {"data": {"type": "participant-withdraw",
                     "attributes": {"reason": "moved-school", "course_identifier": "ecf-induction"}}}  # fmt: skip
    from_api = client.put(f"/api/v3/participants/ecf/{world['id']}/withdraw", json=body,
                          headers=world["lp"].headers(None))  # fmt: skip
    assert from_api.status_code == 422
    assert from_api.json()["errors"][0]["detail"] == ALREADY_WITHDRAWN

    # The trail names the staff member as the actor of the change.
    session.expire_all()
    actors = set(
        session.scalars(
            sa.select(AuditEvent.actor_label).where(AuditEvent.record_type == "participant_profile_states")
        )
    )
    assert actors == {ADMIN}

    resumed = submit(
        admin,
        f"/admin/participants/{world['id']}/records/{world['profile']}/resume",
        {"lead_provider": str(world["lp"].id), "why": WHY},
    )
    assert resumed.status_code == 302
    assert enrolment(client, world)["training_status"] == "active"


def test_defer_uses_the_apis_defer_reasons(admin, world, client):
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/defer"
    assert (
        submit(
            admin, path, {"lead_provider": str(world["lp"].id), "reason": "parental-leave", "why": WHY}
        ).status_code
        == 302
    )
    assert enrolment(client, world)["deferral"]["reason"] == "parental-leave"


def test_a_provider_with_no_record_for_the_training_record_is_refused_as_the_api_refuses_it(
    admin, session, world
):
    other = make_provider(session, "x" * 40, name="Other Provider")
    session.commit()
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/withdraw"
    refused = submit(admin, path, {"lead_provider": str(other.id), "reason": "moved-school", "why": WHY})
    assert "Your update cannot be made as the '#/participant_id' is not recognised." in main_text(
        refused.text
    )


# --- change schedule or cohort ---------------------------------------------------------------------------


def test_change_schedule_goes_through_the_apis_rules(admin, world, client):
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/schedule"
    same = submit(admin, path, {"lead_provider": str(world["lp"].id), "schedule_identifier": "ecf-standard-september",
                                "cohort": "2024", "why": WHY})  # fmt: skip
    assert error_summary(same.text) == ["Selected schedule is already on the profile"]
    unknown = submit(admin, path, {"lead_provider": str(world["lp"].id), "schedule_identifier": "no-such",
                                   "cohort": "2024", "why": WHY})  # fmt: skip
    assert (
        "The property '#/schedule_identifier' must be present and correspond to a valid schedule"
        in error_summary(unknown.text)
    )
    moved = submit(admin, path, {"lead_provider": str(world["lp"].id), "schedule_identifier": "ecf-extended-september",
                                 "cohort": "2024", "why": WHY})  # fmt: skip
    assert moved.status_code == 302, error_summary(moved.text)
    assert enrolment(client, world)["schedule_identifier"] == "ecf-extended-september"


def test_changing_cohort_with_declarations_is_refused_with_the_apis_message(admin, world):
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/schedule"
    refused = submit(admin, path, {"lead_provider": str(world["lp"].id), "schedule_identifier": "ecf-standard-september",
                                   "cohort": "2023", "why": WHY})  # fmt: skip
    assert "You cannot change the '#/cohort' field" in error_summary(refused.text)


# --- eligibility --------------------------------------------------------------------------------------------


def test_eligibility_after_a_manual_check_has_a_check_step_then_releases_declarations(
    admin, session, world, client
):
    profile = world["ect"]
    session.execute(
        sa.update(ParticipantEligibility)
        .where(ParticipantEligibility.participant_profile_id == profile.id)
        .values(status=EligibilityStatus.MANUAL_CHECK)
    )
    waiting = put_declaration(session, world["lp"], profile, DeclarationState.SUBMITTED,
                              declaration_type=builders_type("retained-1"),
                              declaration_date=builders.at(2025, 1, 10))  # fmt: skip
    session.commit()
    path = f"/admin/participants/{world['id']}/records/{world['profile']}/eligibility"
    assert error_summary(submit(admin, path, {"why": WHY}).text) == ["Select what the manual check found"]
    check = submit(admin, path, {"status": "eligible", "reason": "none", "why": WHY})
    assert h1_of(check.text) == "Check the eligibility before recording it"
    assert "1 submitted declaration will become eligible" in main_text(check.text)
    session.expire_all()
    assert session.get(ParticipantDeclaration, waiting.id).state == DeclarationState.SUBMITTED
    done = submit(
        admin, path, {"status": "eligible", "reason": "none", "why": WHY, "confirmed": "yes"}, page=check.text
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(ParticipantDeclaration, waiting.id).state == DeclarationState.ELIGIBLE
    assert enrolment(client, world)["eligible_for_funding"] is True
    actors = set(
        session.scalars(
            sa.select(AuditEvent.actor_label).where(AuditEvent.record_type == "participant_eligibilities")
        )
    )
    assert actors == {ADMIN}


def builders_type(value: str):  # type: ignore[no-untyped-def]
    from storage.enums import DeclarationType

    return DeclarationType(value)


# --- voiding a declaration ----------------------------------------------------------------------------------


def test_void_has_a_check_step_and_is_the_providers_void(admin, session, world, client):
    declaration = world["declaration"]
    path = f"/admin/participants/{world['id']}/declarations/{declaration.id}/void"
    assert error_summary(submit(admin, path, {}).text) == ["Enter why you are making this change"]
    check = submit(admin, path, {"why": WHY})
    assert h1_of(check.text) == "Check before voiding this declaration"
    session.expire_all()
    assert session.get(ParticipantDeclaration, declaration.id).state == DeclarationState.ELIGIBLE
    done = submit(admin, path, {"why": WHY, "confirmed": "yes"}, page=check.text)
    assert done.status_code == 302
    shown = api(client, world, f"/api/v3/participant-declarations/{declaration.id}")
    assert shown["attributes"]["state"] == "voided"
    session.expire_all()
    assert session.get(ParticipantDeclaration, declaration.id).voided_by == ADMIN
    trail = session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.reason).where(
            AuditEvent.record_type == "participant_declarations", AuditEvent.record_id == str(declaration.id)
        )
    ).all()
    assert ("voided", ADMIN, WHY) in trail  # the provider's void, by the staff member, with their reason
    assert ("updated", ADMIN, WHY) in trail  # who voided it, and why

    again = submit(admin, path, {"why": WHY, "confirmed": "yes"}, page=check.text)
    assert error_summary(again.text) == ["This declaration has already been voided."]
    from_api = client.put(
        f"/api/v3/participant-declarations/{declaration.id}/void", headers=world["lp"].headers(None)
    )
    assert from_api.json()["errors"][0]["detail"] == "This declaration has already been voided."


def test_a_declaration_of_someone_else_is_not_found(admin, session, world):
    other = put_declaration(session, world["lp"], world["mentor"], DeclarationState.SUBMITTED)
    session.commit()
    assert admin.get(f"/admin/participants/{world['id']}/declarations/{other.id}/void").status_code == 404


# --- merging duplicates ----------------------------------------------------------------------------------------


def test_merge_checks_both_people_then_retires_the_duplicate(admin, session, world, client):
    duplicate = builders.participant(session, world["lp"].programmes[2023], trn="1234567")
    duplicate.status = duplicate.status.WITHDRAWN
    duplicate.teacher.full_name = "Harriet OBrien"
    session.commit()
    retired_id = str(duplicate.teacher_id)
    path = f"/admin/participants/{world['id']}/merge"

    assert error_summary(submit(admin, path, {"why": WHY}).text) == [merges.NO_ID]
    assert error_summary(submit(admin, path, {"retired_participant_id": "nope", "why": WHY}).text) == [
        merges.NOT_AN_ID
    ]
    mentor_id = str(world["mentor"].teacher_id)
    different = submit(admin, path, {"retired_participant_id": mentor_id, "why": WHY})
    assert error_summary(different.text) == [
        "These participants have different TRNs (1234567 and 7654321), so they are not the same person"
    ]

    check = submit(admin, path, {"retired_participant_id": retired_id, "why": WHY})
    assert h1_of(check.text) == "Check these are the same person"
    assert "Retired: Harriet OBrien" in main_text(check.text)
    session.expire_all()
    assert session.get(Teacher, uuid.UUID(retired_id)) is not None

    done = submit(
        admin, path, {"retired_participant_id": retired_id, "why": WHY, "confirmed": "yes"}, page=check.text
    )
    assert (done.status_code, done.headers["location"]) == (302, f"/admin/participants/{world['id']}")
    data = api(client, world, f"/api/v3/participants/ecf/{retired_id}")
    assert data["id"] == world["id"]
    assert [c["from_participant_id"] for c in data["attributes"]["participant_id_changes"]] == [retired_id]

    # The retired id now leads to the kept person's page, which lists the change.
    moved = admin.get(f"/admin/participants/{retired_id}", follow_redirects=False)
    assert moved.headers["location"] == f"/admin/participants/{world['id']}"
    page = main_text(admin.get(f"/admin/participants/{world['id']}").text)
    assert retired_id in page
    assert names_found(admin, retired_id) == ["Harriet O&#39;Brien"]
    session.expire_all()
    reasons = set(
        session.scalars(
            sa.select(AuditEvent.reason).where(AuditEvent.action == "merged", AuditEvent.actor_label == ADMIN)
        )
    )
    assert reasons == {WHY}


# --- reads cost a fixed number of queries ------------------------------------------------------------------


def test_search_and_the_participant_page_cost_the_same_queries_whatever_their_size(
    admin, session, settings, world
):
    from tests.test_declarations_api import statements_sent

    def count(path: str) -> int:
        admin.get(path)  # warm-up: the session's own lookups settle
        with statements_sent(settings.database_url) as seen:
            assert admin.get(path).status_code == 200
        return len(seen)

    person = f"/admin/participants/{world['id']}"
    few = (count("/admin/participants?q=e"), count(person))
    lp = world["lp"]
    for n in range(12):
        other = builders.participant(session, lp.programmes[2023], trn=f"{3000000 + n}")
        other.teacher.full_name = f"Person {n}"
        put_declaration(session, lp, other, DeclarationState.SUBMITTED)
    more = builders.participant(session, lp.programmes[2023], teacher=world["ect"].teacher)
    more.status = more.status.WITHDRAWN
    for declaration_type in ("retained-1", "retained-2"):
        put_declaration(session, lp, world["ect"], DeclarationState.SUBMITTED,
                        declaration_type=builders_type(declaration_type))  # fmt: skip
    session.commit()
    assert (count("/admin/participants?q=e"), count(person)) == few


def test_a_school_led_record_has_no_provider_whose_training_status_could_change(admin, session, world):
    from storage.enums import InductionProgrammeChoice, TrainingProgramme
    from storage.models import InductionProgramme

    school = builders.school(session)
    school_cohort = builders.school_cohort(
        session, school, 2024, InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME
    )
    programme = InductionProgramme(
        school_cohort_id=school_cohort.id, training_programme=TrainingProgramme.CORE_INDUCTION_PROGRAMME
    )
    session.add(programme)
    session.flush()
    profile = builders.participant(session, programme)
    session.commit()
    path = f"/admin/participants/{profile.teacher_id}/records/{profile.id}/resume"
    assert admin.get(f"/admin/participants/{profile.teacher_id}").status_code == 200
    refused = submit(admin, path, {"why": WHY})
    assert error_summary(refused.text) == [
        "This training record has no lead provider, so there is no provider's training status to change"
    ]
