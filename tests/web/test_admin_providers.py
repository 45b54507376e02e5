"""The admin pages for lead providers and delivery partners: the lists, a provider's page, a
partner's page, adding and renaming a partner, and adding and removing the lead providers it
works with per cohort (``domain.delivery_partners``), which is what lets a provider confirm
schools with that partner through the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain import audit, delivery_partners
from domain.errors import RuleBroken
from storage.models import DeliveryPartner, LeadProvider, ProviderRelationship
from tests import builders
from tests.web.service_pages import (
    error_summary,
    h1_of,
    inline_errors,
    main_text,
    make_provider_user,
    outbox,
    sign_in,
    submit,
)
from tests.web.test_admin_schools import ADMIN, ROLES, World, admin_world, check_access, sign_in_as


@pytest.fixture
def world(session, settings) -> World:
    return admin_world(session, settings)


@pytest.fixture
def admin(client, session, world):
    sign_in_as(client, session, "admin")
    return client


def _relationship(session, world: World, year: int) -> ProviderRelationship:
    return session.scalars(
        sa.select(ProviderRelationship).where(
            ProviderRelationship.delivery_partner_id == world.partner.id,
            ProviderRelationship.cohort_id == builders.cohort(session, year).id,
        )
    ).one()


@pytest.mark.parametrize("who", ROLES)
def test_only_admins_reach_the_provider_and_partner_pages_and_actions(client, session, world, who):
    partner = f"/admin/delivery-partners/{world.partner.id}"
    remove = f"{partner}/relationships/{_relationship(session, world, 2023).id}/remove"
    pages = [
        "/admin/lead-providers",
        f"/admin/lead-providers/{world.provider.id}",
        f"/admin/lead-providers/{world.provider.id}/users/new",
        "/admin/delivery-partners",
        "/admin/delivery-partners/new",
        partner,
        f"{partner}/name",
        f"{partner}/relationships/new",
        remove,
    ]
    actions = [
        f"/admin/lead-providers/{world.provider.id}/users/new",
        "/admin/delivery-partners/new",
        f"{partner}/name",
        f"{partner}/relationships/new",
        remove,
    ]
    check_access(client, session, who, pages, actions if who != "admin" else [])


# --- lead providers ---------------------------------------------------------------------------


def test_the_provider_list_shows_cohorts_and_live_tokens(admin, world):
    text = main_text(admin.get("/admin/lead-providers").text)
    assert "Ambition Institute 2021, 2022, 2023, 2024, 2025 1" in text


def test_the_provider_page_shows_partners_per_cohort_users_and_tokens(admin, session, world):
    make_provider_user(session, email="pat@provider.example.com", name="Pat Provider")
    page = admin.get(f"/admin/lead-providers/{world.provider.id}").text
    assert h1_of(page) == "Ambition Institute"
    text = main_text(page)
    assert "2025 to 2026 Leeds Partnership 1" in text  # one school in partnership
    assert "2023 to 2024 Leeds Partnership 0" in text
    assert "Pat Provider pat@provider.example.com" in text
    assert "Live" in text and "Never used" in text
    assert world.plaintext not in page


def test_adding_a_user_gives_them_the_provider_pages_and_emails_them(admin, app, session, world):
    done = submit(admin, f"/admin/lead-providers/{world.provider.id}/users/new",
                  {"full_name": "Kim Lee", "email": "Kim.Lee@ambition.example.org"})  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (302, f"/admin/lead-providers/{world.provider.id}")
    text = main_text(admin.get(done.headers["location"]).text)
    assert "Kim Lee can now sign in for Ambition Institute" in text
    assert "Kim Lee kim.lee@ambition.example.org" in text
    assert len(outbox(session, to="kim.lee@ambition.example.org")) == 1
    with app.test_client() as kim:
        sign_in(kim, session, "kim.lee@ambition.example.org")
        assert h1_of(kim.get("/providers").text) == "Ambition Institute"


@pytest.mark.parametrize(
    ("full_name", "email", "messages"),
    [
        ("", "", ["Enter the person’s full name", "Enter an email address in the correct format, like name@example.com"]),
        ("x" * 256, "kim@example.org", ["Full name must be 255 characters or fewer"]),
        ("Kim Lee", "kim@", ["Enter an email address in the correct format, like name@example.com"]),
        ("Pat Provider", "pat@provider.example.com", ["pat@provider.example.com already has an account for Ambition Institute"]),
        ("Someone Else", "pat@provider.example.com", ["This email address belongs to someone with a different name. Check the name and email address"]),
    ],
)  # fmt: skip
def test_each_bad_user_entry_gets_the_domains_message(admin, session, world, full_name, email, messages):
    make_provider_user(session, email="pat@provider.example.com", name="Pat Provider")
    page = submit(
        admin,
        f"/admin/lead-providers/{world.provider.id}/users/new",
        {"full_name": full_name, "email": email},
    )
    assert page.status_code == 200
    assert (error_summary(page.text), inline_errors(page.text)) == (messages, messages)


def test_an_unknown_provider_is_a_404(admin):
    assert admin.get("/admin/lead-providers/nope").status_code == 404


# --- delivery partners ------------------------------------------------------------------------


def test_adding_a_partner_then_renaming_it(admin, session, world):
    done = submit(admin, "/admin/delivery-partners/new", {"name": "  North   Teaching Hub "})
    assert done.status_code == 302
    partner = session.scalars(
        sa.select(DeliveryPartner).where(DeliveryPartner.name == "North Teaching Hub")
    ).one()
    assert done.headers["location"] == f"/admin/delivery-partners/{partner.id}"
    assert "North Teaching Hub added" in main_text(admin.get(done.headers["location"]).text)
    renamed = submit(admin, f"/admin/delivery-partners/{partner.id}/name", {"name": "North Hub"})
    assert renamed.status_code == 302
    session.expire_all()
    assert session.get(DeliveryPartner, partner.id).name == "North Hub"
    assert "North Hub" in main_text(admin.get("/admin/delivery-partners?q=north").text)
    assert "Leeds Partnership" not in main_text(admin.get("/admin/delivery-partners?q=north").text)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the delivery partner’s name"),
        ("x" * 256, "Delivery partner name must be 255 characters or fewer"),
        ("leeds partnership", "There is already a delivery partner called Leeds Partnership"),
    ],
)
def test_each_bad_partner_name_gets_its_message(admin, world, name, message):
    for path in ("/admin/delivery-partners/new", f"/admin/delivery-partners/{world.partner.id}/name"):
        if path.endswith("/name") and name == "leeds partnership":
            continue  # renaming to its own name, in another case, is allowed
        page = submit(admin, path, {"name": name})
        assert page.status_code == 200
        assert error_summary(page.text) == [message]
        assert inline_errors(page.text) == [message]


def test_a_partner_may_keep_its_own_name_in_another_case(admin, session, world):
    assert (
        submit(
            admin, f"/admin/delivery-partners/{world.partner.id}/name", {"name": "LEEDS Partnership"}
        ).status_code
        == 302
    )


def test_adding_a_relationship_lets_the_provider_confirm_schools_with_the_partner(
    admin, session, world, client
):
    other, plaintext = _second_provider(session, world)
    partner = f"/admin/delivery-partners/{world.partner.id}"
    done = submit(admin, f"{partner}/relationships/new", {"lead_provider": str(other.id), "cohort": "2025"})
    assert done.status_code == 302
    assert "Best Practice Network can now work with Leeds Partnership in the 2025 cohort" in main_text(
        admin.get(partner).text
    )
    # The API's delivery partner resource now lists the cohort for that provider.
    api = client.get(
        f"/api/v3/delivery-partners/{world.partner.id}", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert api.status_code == 200, api.text
    assert api.json()["data"]["attributes"]["cohort"] == ["2025"]


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({}, ["Select a lead provider", "Select a cohort"]),
        ({"lead_provider": "not-an-id", "cohort": "2025"}, ["Select a lead provider"]),
        ({"cohort": "1999", "lead_provider": "PROVIDER"}, ["Select a cohort"]),
        ({"cohort": "2020", "lead_provider": "PROVIDER"}, ["Ambition Institute is not contracted for the 2020 cohort"]),
        ({"cohort": "2024", "lead_provider": "PROVIDER"}, ["Leeds Partnership already works with Ambition Institute in the 2024 cohort"]),
    ],
)  # fmt: skip
def test_each_bad_relationship_gets_its_message(admin, world, form, messages):
    data = {key: str(world.provider.id) if value == "PROVIDER" else value for key, value in form.items()}
    page = submit(admin, f"/admin/delivery-partners/{world.partner.id}/relationships/new", data)
    assert page.status_code == 200
    assert error_summary(page.text) == messages


def test_removing_a_relationship_with_no_schools_then_adding_it_back_reuses_the_row(admin, session, world):
    relationship = _relationship(session, world, 2023)
    path = f"/admin/delivery-partners/{world.partner.id}/relationships/{relationship.id}/remove"
    assert h1_of(admin.get(path).text) == "Are you sure you want to remove this lead provider?"
    assert submit(admin, path).status_code == 302
    session.expire_all()
    assert session.get(ProviderRelationship, relationship.id).discarded_at is not None
    assert admin.get(path).status_code == 404  # gone from the partner's list
    again = submit(
        admin,
        f"/admin/delivery-partners/{world.partner.id}/relationships/new",
        {"lead_provider": str(world.provider.id), "cohort": "2023"},
    )
    assert again.status_code == 302
    session.expire_all()
    assert session.get(ProviderRelationship, relationship.id).discarded_at is None
    # Both changes are in the partner page's trail, by the admin, newest first.
    events = [
        e
        for e in audit.history_of(session, ProviderRelationship, relationship.id)
        if "discarded_at" in e.changes
    ]
    assert [(e.actor_label, e.source) for e in events] == [(ADMIN, "page"), (ADMIN, "page")]
    assert events[0].changes["discarded_at"][1] is None and events[1].changes["discarded_at"][0] is None
    trail = main_text(admin.get(f"/admin/delivery-partners/{world.partner.id}").text)
    assert "Changes to this delivery partner" in trail and trail.count(ADMIN) >= 2


def test_a_relationship_schools_are_partnered_through_cannot_be_removed(admin, session, world):
    relationship = _relationship(session, world, 2025)
    path = f"/admin/delivery-partners/{world.partner.id}/relationships/{relationship.id}/remove"
    page = submit(admin, path)
    assert page.status_code == 200
    message = (
        "1 school is in partnership with Ambition Institute and Leeds Partnership in the 2025 cohort. "
        "The provider must change their delivery partner first"
    )
    assert error_summary(page.text) == [message]
    assert page.text.count("Error: ") >= 1
    session.expire_all()
    assert session.get(ProviderRelationship, relationship.id).discarded_at is None


def test_the_domain_rule_is_the_same_from_code(session, world):
    """What the page shows is what ``domain.delivery_partners`` raises, word for word."""
    with pytest.raises(RuleBroken) as broken:
        delivery_partners.add_relationship(session, world.partner, world.provider.id, 2024)
    assert broken.value.errors == [
        ("cohort", "Leeds Partnership already works with Ambition Institute in the 2024 cohort")
    ]


def _second_provider(session, world: World) -> tuple[LeadProvider, str]:
    from tests.conftest import TEST_SECRET_KEY
    from tests.factories import provider_with_token

    provider, plaintext = provider_with_token(session, TEST_SECRET_KEY, name="Best Practice Network")
    session.commit()
    return provider, plaintext
