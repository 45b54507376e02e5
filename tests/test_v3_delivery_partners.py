"""GET /api/v3/delivery-partners and /api/v3/delivery-partners/{id}, through the app."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from domain import clock
from storage.models import DeliveryPartner, ProviderRelationship
from tests import builders
from tests.builders import at
from tests.factories import provider_with_token
from tests.test_v3_partnerships import get, ids, statements_run

URL = "/api/v3/delivery-partners"
NOT_FOUND = {"error": "Resource not Found"}


@pytest.fixture
def scene(session, settings):
    # Set up before the tests' dates: change stamps never go back in time (domain.sync), so
    # statements committed at the real now would put every later stamp after it.
    with clock.travel(at(2021, 1, 1)):
        provider, token = provider_with_token(session, settings.secret_key)
        rival, rival_token = provider_with_token(session, settings.secret_key, name="Teach First")
        session.commit()
    return {"provider": provider, "token": token, "rival": rival, "rival_token": rival_token}


def partner_on(session, day, provider, years, name=None) -> DeliveryPartner:  # type: ignore[no-untyped-def]
    """A partner created (and committed: change stamps are taken at commit) on ``day``."""
    with clock.travel(day):
        partner = builders.delivery_partner(session, provider, years=years, name=name)
        session.commit()
        return partner


def test_needs_a_providers_token(client, scene):
    for url in (URL, f"{URL}/{uuid.uuid4()}"):
        response = client.get(url)
        assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})


def test_delivery_partner_shape(client, session, scene):
    partner = partner_on(session, at(2024, 3, 4), scene["provider"], (2025, 2023, 2021), name="Northern DP")
    # The rival's relationships with the same partner are not this provider's cohorts.
    with clock.travel(at(2024, 3, 4)):
        session.add(
            ProviderRelationship(
                lead_provider_id=scene["rival"].id,
                delivery_partner_id=partner.id,
                cohort_id=builders.cohort(session, 2024).id,
            )
        )
        session.commit()
    status, body = get(client, scene["token"], f"{URL}/{partner.id}")
    assert status == 200
    assert body == {
        "data": {
            "id": str(partner.id),
            "type": "delivery-partner",
            "attributes": {
                "name": "Northern DP",
                "created_at": "2024-03-04T00:00:00Z",
                "updated_at": "2024-03-04T00:00:00Z",
                "cohort": ["2021", "2023", "2025"],
            },
        }
    }
    assert list(body["data"]["attributes"]) == ["name", "created_at", "updated_at", "cohort"]
    _, body = get(client, scene["rival_token"], f"{URL}/{partner.id}")
    assert body["data"]["attributes"]["cohort"] == ["2024"]


def test_only_partners_the_provider_works_with(client, session, scene):
    mine = partner_on(session, at(2024, 1, 1), scene["provider"], (2024,))
    only_2020 = partner_on(session, at(2024, 1, 2), scene["provider"], (2020,))
    rivals = partner_on(session, at(2024, 1, 3), scene["rival"], (2024,))
    discarded_relationship = partner_on(session, at(2024, 1, 4), scene["provider"], (2025,))
    for relationship in session.scalars(
        sa.select(ProviderRelationship).where(
            ProviderRelationship.delivery_partner_id == discarded_relationship.id
        )
    ):
        relationship.discarded_at = at(2025, 1, 1)
    discarded_partner = partner_on(session, at(2024, 1, 5), scene["provider"], (2025,))
    discarded_partner.discarded_at = at(2025, 1, 1)
    session.commit()
    token = scene["token"]
    assert ids(get(client, token, URL)[1]) == [str(mine.id)]
    assert ids(get(client, scene["rival_token"], URL)[1]) == [str(rivals.id)]
    for hidden in (rivals, discarded_relationship, discarded_partner):
        assert get(client, token, f"{URL}/{hidden.id}") == (404, NOT_FOUND)
    # By id, a relationship in any cohort will do.
    assert get(client, token, f"{URL}/{only_2020.id}")[1]["data"]["attributes"]["cohort"] == ["2020"]
    for bad in ("nope", str(uuid.uuid4())):
        assert get(client, token, f"{URL}/{bad}") == (404, NOT_FOUND)


def test_cohort_filter(client, session, scene):
    a = partner_on(session, at(2024, 1, 1), scene["provider"], (2020, 2023))
    b = partner_on(session, at(2024, 1, 2), scene["provider"], (2024, 2025))
    session.commit()
    token = scene["token"]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2020")[1]) == [str(a.id)]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2023,2025")[1]) == [str(a.id), str(b.id)]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2021")[1]) == []
    assert ids(get(client, token, f"{URL}?filter[cohort]=twenty")[1]) == []
    # The cohort list always shows every year the provider works with the partner.
    _, body = get(client, token, f"{URL}?filter[cohort]=2020")
    assert body["data"][0]["attributes"]["cohort"] == ["2020", "2023"]
    assert get(client, token, f"{URL}?filter=2020") == (
        400,
        {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]},
    )


def test_sorting_and_paging(client, session, scene):
    a = partner_on(session, at(2024, 1, 1), scene["provider"], (2024,))
    b = partner_on(session, at(2024, 1, 2), scene["provider"], (2024,))
    c = partner_on(session, at(2024, 1, 3), scene["provider"], (2024,))
    with clock.travel(at(2024, 5, 1)):
        a.name = "Renamed"
        session.commit()
    token = scene["token"]
    first, second, third = str(a.id), str(b.id), str(c.id)
    assert ids(get(client, token, URL)[1]) == [first, second, third]
    assert ids(get(client, token, f"{URL}?sort=-created_at")[1]) == [third, second, first]
    assert ids(get(client, token, f"{URL}?sort=updated_at")[1]) == [second, third, first]
    assert ids(get(client, token, f"{URL}?sort=-updated_at,-created_at")[1]) == [first, third, second]
    assert ids(get(client, token, f"{URL}?sort=-name")[1]) == [first, second, third]
    assert ids(get(client, token, f"{URL}?page[per_page]=2&page[page]=2")[1]) == [third]
    assert get(client, token, f"{URL}?page[per_page]=2&page[page]=3")[1] == {"data": []}
    assert get(client, token, f"{URL}?page[page]=99999999999999999")[1] == {"data": []}
    assert get(client, token, f"{URL}?page[per_page]=0")[0] == 400


@pytest.mark.parametrize("per_page", [1, 100])
def test_a_page_is_two_queries_whatever_its_size(client, session, settings, scene, per_page):
    for n in range(4):
        builders.delivery_partner(session, scene["provider"], years=(2021, 2023, 2024, 2025)[: n + 1])
    session.commit()
    with statements_run(settings) as seen:
        status, body = get(client, scene["token"], f"{URL}?page[per_page]={per_page}")
    assert status == 200 and len(body["data"]) == min(per_page, 4)
    assert len(seen) == 2, seen
    with statements_run(settings) as seen:
        status, _ = get(client, scene["token"], f"{URL}/{body['data'][0]['id']}")
    assert status == 200 and len(seen) == 2
