"""The admin schools pages: search by URN or name (paginated), the school's page, changing the
induction tutor (the nomination's own rules), reporting a partnership on the school's behalf
(the school's own rule), and the read-only view as the induction tutor. Every page and action
is for admins only.

The helpers at the top (the data, signing in as each kind of person, the permission check)
are shared by the other ``test_admin_*`` modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from domain import audit, clock
from domain.partnerships import CHALLENGE_ALREADY
from storage.enums import ChallengeReason, StaffRole
from storage.models import (
    DeliveryPartner,
    InductionTutor,
    LeadProvider,
    ParticipantProfile,
    Partnership,
    School,
    User,
)
from tests import builders
from tests.factories import provider_with_token
from tests.web.service_pages import (
    csrf_token,
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_provider_user,
    make_tutor,
    outbox,
    sign_in,
    submit,
    title_of,
)
from tests.web.staff_pages import make_staff, sign_in_staff

ADMIN = "ada.admin@education.gov.uk"
FINANCE = "fin.finance@education.gov.uk"
TUTOR = "jo.bloggs@ash-tree.example.com"
PROVIDER_USER = "pat@provider.example.com"


@dataclass
class World:
    provider: LeadProvider
    plaintext: str
    partner: DeliveryPartner
    school: School
    partnership: Partnership
    ect: ParticipantProfile


def admin_world(session: Any, settings: Any) -> World:
    """A provider (with a token) and a delivery partner working together from 2023; a school in
    partnership with them in 2025 with one ECT; committed."""
    provider, plaintext = provider_with_token(session, settings.secret_key)
    partner = builders.delivery_partner(session, provider, name="Leeds Partnership")
    school = builders.school(session, urn="810001", name="Birch Primary School", la_name="Leeds")
    partnership, programme = builders.partnership(session, school, provider, partner, 2025)
    ect = builders.participant(session, programme)
    session.commit()
    return World(provider, plaintext, partner, school, partnership, ect)


def sign_in_as(client: Any, session: Any, who: str) -> None:
    """Sign ``client`` in as an admin, a finance-only user, an induction tutor or a provider user."""
    if who == "admin":
        make_staff(session, ADMIN, StaffRole.ADMIN)
        sign_in_staff(client, session, ADMIN)
    elif who == "finance":
        make_staff(session, FINANCE, StaffRole.FINANCE)
        sign_in_staff(client, session, FINANCE)
    elif who == "tutor":
        make_tutor(session, email=TUTOR)
        sign_in(client, session, TUTOR)
    elif who == "provider":
        make_provider_user(session, email=PROVIDER_USER)
        sign_in(client, session, PROVIDER_USER)
    else:
        assert who == "anonymous"


def check_access(client: Any, session: Any, who: str, pages: list[str], actions: list[str]) -> None:
    """Every page and action answers as ``who`` should see it: anonymous → sign in; a tutor, a
    provider user or finance-only staff → 403; an admin → the page (its forms are tried in
    the tests of each action)."""
    sign_in_as(client, session, who)
    token = csrf_token(client.get("/sign-in").text)
    for path in pages:
        response = client.get(path, follow_redirects=False)
        if who == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["location"].startswith("/sign-in"), path
        elif who == "admin":
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == "no-store", path
        else:
            assert response.status_code == 403, path
    for path in actions:
        response = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        if who == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["location"].startswith("/sign-in"), path
        else:
            assert who != "admin", "admins' actions are tried in their own tests"
            assert response.status_code == 403, path


ROLES = ["anonymous", "tutor", "provider", "finance", "admin"]


@pytest.fixture
def world(session, settings) -> World:
    return admin_world(session, settings)


@pytest.fixture
def admin(client, session, world):
    sign_in_as(client, session, "admin")
    return client


def school_pages(world: World) -> tuple[list[str], list[str]]:
    base = f"/admin/schools/{world.school.id}"
    pages = ["/admin/schools", "/admin/schools?q=birch", base, f"{base}/induction-tutor",
             f"{base}/partnerships/{world.partnership.id}/report", f"{base}/as-induction-tutor"]  # fmt: skip
    actions = [f"{base}/induction-tutor", f"{base}/partnerships/{world.partnership.id}/report"]
    return pages, actions


@pytest.mark.parametrize("who", ROLES)
def test_only_admins_reach_the_school_pages_and_actions(client, session, world, who):
    pages, actions = school_pages(world)
    check_access(client, session, who, pages, actions if who != "admin" else [])


def test_the_admin_home_lists_the_school_provider_partner_token_and_cohort_areas(admin):
    text = main_text(admin.get("/admin/").text)
    for area in ("Schools", "Lead providers", "Delivery partners", "API tokens", "Cohorts"):
        assert area in text


# --- search -----------------------------------------------------------------------------------


def test_search_finds_a_school_by_urn_prefix_or_by_part_of_its_name(admin, session, world):
    builders.school(session, urn="820002", name="Cedar Academy")
    session.commit()
    by_urn = main_text(admin.get("/admin/schools?q=8100").text)
    assert "Birch Primary School" in by_urn and "Cedar Academy" not in by_urn
    assert "1 school found" in by_urn
    by_name = main_text(admin.get("/admin/schools?q=cedar").text)
    assert "Cedar Academy" in by_name and "Birch Primary School" not in by_name
    nothing = main_text(admin.get("/admin/schools?q=zzz%25").text)
    assert "No schools match ‘zzz%’." in nothing


def test_search_results_are_paginated_25_a_page(admin, session, world):
    for n in range(30):
        builders.school(session, urn=f"9{n:05d}", name=f"Oak School {n:02d}")
    session.commit()
    first = admin.get("/admin/schools?q=oak").text
    assert "30 schools found" in main_text(first)
    assert first.count('href="/admin/schools/') == 25
    assert 'href="/admin/schools?q=oak&amp;page=2"' in first
    second = admin.get("/admin/schools?q=oak&page=2").text
    assert second.count('href="/admin/schools/') == 5
    assert "Oak School 29" in main_text(second)
    # Out-of-range and nonsense page numbers land on a real page.
    assert admin.get("/admin/schools?q=oak&page=99").text.count('href="/admin/schools/') == 5
    assert admin.get("/admin/schools?q=oak&page=x").text.count('href="/admin/schools/') == 25


def test_search_reads_a_page_in_a_fixed_number_of_queries(admin, session, world, settings):
    from storage.db import get_engine

    for n in range(40):
        builders.school(session, urn=f"7{n:05d}", name=f"Elm School {n:02d}")
    session.commit()
    engine = get_engine(settings.database_url)

    def queries(path: str) -> int:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert admin.get(path).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    # A full page of 25 (with their tutors) costs what a page of one does.
    assert queries("/admin/schools?q=elm") == queries("/admin/schools?q=elm+school+07")


# --- the school's page -----------------------------------------------------------------------


def test_the_school_page_shows_gias_details_tutor_cohorts_partnerships_and_participants(admin, world):
    page = admin.get(f"/admin/schools/{world.school.id}").text
    assert h1_of(page) == "Birch Primary School"
    text = main_text(page)
    assert (
        "https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/810001" in page
    )
    assert "Leeds" in text
    assert world.school.induction_tutor.full_name in text
    assert "2025 to 2026 Provider-led: a training provider funded by DfE" in text
    assert "2025 to 2026 Ambition Institute Leeds Partnership Confirmed" in text
    assert world.ect.teacher.full_name in text
    assert f'href="/admin/participants/{world.ect.teacher_id}"' in page
    assert f'href="/admin/schools/{world.school.id}/as-induction-tutor"' in page


def test_an_unknown_school_is_a_404_page(admin):
    assert admin.get("/admin/schools/not-a-uuid").status_code == 404
    assert admin.get("/admin/schools/00000000-0000-0000-0000-000000000000").status_code == 404


# --- induction tutor -------------------------------------------------------------------------


def test_changing_the_tutor_uses_the_nomination_rules_and_emails_the_new_tutor(admin, session, world):
    path = f"/admin/schools/{world.school.id}/induction-tutor"
    done = submit(admin, path, {"full_name": "Robin Reed", "email": "Robin.Reed@birch.example.sch.uk"})
    assert (done.status_code, done.headers["location"]) == (302, f"/admin/schools/{world.school.id}")
    page = admin.get(done.headers["location"]).text
    assert "Robin Reed is now the induction tutor for Birch Primary School" in main_text(page)
    session.expire_all()
    school = session.get(School, world.school.id)
    assert school.induction_tutor.email == "robin.reed@birch.example.sch.uk"
    assert school.induction_tutor.user is not None
    assert len(outbox(session, to="robin.reed@birch.example.sch.uk")) == 1
    # The trail records the change to the school, by the admin, from a page.
    change = next(
        e for e in audit.history_of(session, School, school.id) if "induction_tutor_id" in e.changes
    )
    assert (change.actor_label, change.source) == (ADMIN, "page")
    assert change.changes["induction_tutor_id"][1] == str(school.induction_tutor_id)
    trail = main_text(admin.get(f"/admin/schools/{school.id}").text)
    assert "Changes to this school" in trail and ADMIN in trail


@pytest.mark.parametrize(
    ("full_name", "email", "messages"),
    [
        ("", "", ["Enter the induction tutor’s full name", "Enter the induction tutor’s email address"]),
        (
            "Robin Reed",
            "not-an-email",
            ["Enter an email address in the correct format, like name@example.com"],
        ),
        ("x" * 300, "robin@example.com", ["Full name must be 255 characters or fewer"]),
    ],
)
def test_each_bad_tutor_entry_gets_its_message_on_the_field(admin, world, full_name, email, messages):
    path = f"/admin/schools/{world.school.id}/induction-tutor"
    page = submit(admin, path, {"full_name": full_name, "email": email})
    assert page.status_code == 200
    assert error_summary(page.text) == messages
    assert inline_errors(page.text) == messages
    assert title_of(page.text).startswith("Error: ")


def test_naming_the_current_tutor_again_is_the_nominations_own_message(admin, session, world):
    tutor = world.school.induction_tutor
    page = submit(admin, f"/admin/schools/{world.school.id}/induction-tutor",
                  {"full_name": tutor.full_name, "email": tutor.email})  # fmt: skip
    assert error_summary(page.text) == [
        f"{tutor.full_name} is already the induction tutor for Birch Primary School"
    ]


def test_an_address_belonging_to_someone_else_by_another_name_is_refused(admin, session, world):
    session.add(User(email="sam@example.com", full_name="Sam Smith"))
    session.commit()
    page = submit(admin, f"/admin/schools/{world.school.id}/induction-tutor",
                  {"full_name": "Robin Reed", "email": "sam@example.com"})  # fmt: skip
    assert error_summary(page.text) == [
        "This email address belongs to someone with a different name. Check the name and email address"
    ]
    assert (
        session.scalars(sa.select(InductionTutor).where(InductionTutor.email == "sam@example.com")).first()
        is None
    )
    assert outbox(session, to="sam@example.com") == []


# --- reporting a partnership ---------------------------------------------------------------------


def test_reporting_a_partnership_is_the_schools_own_rule_and_hides_the_school_from_the_provider(
    admin, client, session, world
):
    path = f"/admin/schools/{world.school.id}/partnerships/{world.partnership.id}/report"
    assert error_summary(submit(admin, path, {}).text) == ["Select why you are reporting this partnership"]
    done = submit(admin, path, {"reason": "mistake"})
    assert done.status_code == 302
    session.expire_all()
    partnership = session.get(Partnership, world.partnership.id)
    assert partnership.challenge_reason == ChallengeReason.MISTAKE
    page = main_text(admin.get(f"/admin/schools/{world.school.id}").text)
    assert "Reported: This looks like a mistake" in page
    # The API no longer shows the provider this school's participant.
    api = client.get("/api/v3/participants/ecf", headers={"Authorization": f"Bearer {world.plaintext}"})
    assert api.status_code == 200
    assert api.json()["data"] == []
    # Reporting it again is the school page's message.
    again = submit(admin, path, {"reason": "mistake"})
    assert error_summary(again.text) == [CHALLENGE_ALREADY]


def test_a_partnership_past_its_deadline_is_not_offered_and_is_refused(admin, session, world):
    world.partnership.challenge_deadline = clock.now() - dt.timedelta(days=1)
    session.commit()
    assert "/report" not in admin.get(f"/admin/schools/{world.school.id}").text
    path = f"/admin/schools/{world.school.id}/partnerships/{world.partnership.id}/report"
    page = submit(admin, path, {"reason": "mistake"})
    assert error_summary(page.text) == [
        "The deadline for reporting this partnership has passed. Contact us for help"
    ]


def test_another_schools_partnership_is_a_404(admin, session, world):
    other = builders.school(session, name="Other School")
    session.commit()
    assert (
        admin.get(f"/admin/schools/{other.id}/partnerships/{world.partnership.id}/report").status_code == 404
    )


# --- viewing as the induction tutor ----------------------------------------------------------------


def test_the_view_as_the_tutor_shows_the_tutors_dashboard_and_list_read_only(admin, world):
    page = admin.get(f"/admin/schools/{world.school.id}/as-induction-tutor").text
    text = main_text(page) + " " + page
    assert "You are viewing Birch Primary School as its induction tutor sees it" in text
    assert "read-only" in text
    assert world.ect.teacher.full_name in main_text(page)
    assert "Ambition Institute" in main_text(page)
    # No form but the layout's sign-out button; no link into the tutor's own pages.
    forms = page.count("<form")
    assert forms == 1 and 'action="/sign-out"' in page
    assert 'href="/schools/' not in page


def test_the_view_as_the_tutor_cannot_be_posted_to(admin, world):
    path = f"/admin/schools/{world.school.id}/as-induction-tutor"
    token = csrf_token(admin.get(path).text)
    response = admin.post(path, data={"csrf_token": token})
    # A page route with no POST: the service's "Page not found" for an unknown method.
    assert response.status_code == 404
    assert h1_of(response.text) == "Page not found"
