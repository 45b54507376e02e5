"""GET/POST /api/v3/partnerships/ecf and GET/PUT /api/v3/partnerships/ecf/{id}, through the app.

Every 200 here has also been validated against openapi/v3.yaml by the app itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from domain import clock, tokens
from storage.db import get_engine
from storage.enums import ChallengeReason, TokenScope
from storage.models import InductionTutor, Partnership
from tests import builders
from tests.builders import at
from tests.factories import provider_with_token

URL = "/api/v3/partnerships/ecf"
NOT_FOUND = {"error": "Resource not Found"}
DATA_REQUIRED = "correct json data structure required. See API docs for reference"


def stamp(value: dt.datetime) -> str:
    return value.astimezone(clock.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def scene(session, settings):
    """Provider (with token) and a rival provider, each with a delivery partner.

    Set up before the tests' dates: change stamps never go back in time (domain.sync), so
    rows committed at the real now would put every later stamp after it."""
    with clock.travel(at(2021, 1, 1)):
        provider, token = provider_with_token(session, settings.secret_key)
        rival, rival_token = provider_with_token(session, settings.secret_key, name="Teach First")
        partner = builders.delivery_partner(
            session, provider, years=(2020, 2023, 2024, 2025), name="North DP"
        )
        rival_partner = builders.delivery_partner(session, rival)
        session.commit()
    return {
        "provider": provider,
        "token": token,
        "rival": rival,
        "rival_token": rival_token,
        "partner": partner,
        "rival_partner": rival_partner,
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(client, token: str, url: str):  # type: ignore[no-untyped-def]
    response = client.get(url, headers=auth(token))
    return response.status_code, response.json()


def ids(body) -> list[str]:  # type: ignore[no-untyped-def]
    return [item["id"] for item in body["data"]]


@contextlib.contextmanager
def statements_run(settings) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """SQL run by the handler (token look-up and rate limiting left out: fixed per request)."""
    engine = get_engine(settings.database_url)
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "api_tokens" not in statement and "rate_limit" not in statement:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("GET", URL), ("POST", URL), ("GET", f"{URL}/{{id}}"), ("PUT", f"{URL}/{{id}}")]
)
def test_every_operation_needs_a_providers_token(client, scene, method, path):
    url = path.replace("{id}", str(uuid.uuid4()))
    kwargs = {"json": {"data": {"attributes": {}}}} if method in ("POST", "PUT") else {}
    for headers in ({}, {"Authorization": "Bearer nonsense"}):
        response = client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == 401
        assert response.json() == {"error": "HTTP Token: Access denied"}


@pytest.mark.parametrize(
    "path",
    [URL, f"{URL}/{{id}}", "/api/v3/schools/ecf?filter[cohort]=2025", "/api/v3/delivery-partners"],
)
def test_a_token_that_is_not_a_providers_is_forbidden(client, session, settings, scene, path):
    _, internal = tokens.issue(session, None, settings.secret_key, scope=TokenScope.INTERNAL)
    session.commit()
    response = client.get(path.replace("{id}", str(uuid.uuid4())), headers=auth(internal))
    assert (response.status_code, response.content) == (403, b"")


# --- reading ------------------------------------------------------------------------------------


def test_partnership_shape(client, session, scene):
    school = builders.school(session, urn="654321")
    partnership, _ = builders.partnership(
        session,
        school,
        scene["provider"],
        scene["partner"],
        2024,
        challenge_reason=ChallengeReason.NO_ECTS,
        challenged_at=dt.datetime(2024, 9, 20, 10, 11, 12, 345678, tzinfo=clock.UTC),
    )
    session.commit()
    status, body = get(client, scene["token"], f"{URL}/{partnership.id}")
    assert status == 200
    tutor = school.induction_tutor
    assert body == {
        "data": {
            "id": str(partnership.id),
            "type": "partnership",
            "attributes": {
                "cohort": "2024",
                "urn": "654321",
                "school_id": str(school.id),
                "delivery_partner_id": str(scene["partner"].id),
                "delivery_partner_name": "North DP",
                "status": "challenged",
                "challenged_reason": "no_ects",
                "challenged_at": "2024-09-20T10:11:12.345Z",
                "induction_tutor_name": tutor.full_name,
                "induction_tutor_email": tutor.email,
                "created_at": stamp(partnership.created_at),
                "updated_at": stamp(partnership.api_updated_at),
            },
        }
    }
    assert list(body["data"]["attributes"]) == [
        "cohort",
        "urn",
        "school_id",
        "delivery_partner_id",
        "delivery_partner_name",
        "status",
        "challenged_reason",
        "challenged_at",
        "induction_tutor_name",
        "induction_tutor_email",
        "created_at",
        "updated_at",
    ]


def test_without_an_induction_tutor_the_schools_address_is_shown(client, session, scene):
    school = builders.school(session, induction_tutor=None, primary_contact_email="office@school.example.com")
    bare = builders.school(session, induction_tutor=None)
    active, _ = builders.partnership(session, school, scene["provider"], scene["partner"], 2025)
    other, _ = builders.partnership(session, bare, scene["provider"], scene["partner"], 2025)
    session.commit()
    _, body = get(client, scene["token"], f"{URL}/{active.id}")
    attributes = body["data"]["attributes"]
    assert attributes["status"] == "active"
    assert attributes["challenged_reason"] is None and attributes["challenged_at"] is None
    assert attributes["induction_tutor_name"] is None
    assert attributes["induction_tutor_email"] == "office@school.example.com"
    _, body = get(client, scene["token"], f"{URL}/{other.id}")
    assert body["data"]["attributes"]["induction_tutor_email"] is None


def test_the_list_shows_only_the_providers_own_full_partnerships(client, session, scene):
    mine, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2025
    )
    challenged, _ = builders.partnership(
        session,
        builders.school(session),
        scene["provider"],
        scene["partner"],
        2024,
        challenge_reason=ChallengeReason.MISTAKE,
        challenged_at=at(2024, 10, 1),
    )
    relationship, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2025, is_relationship=True
    )
    rivals, _ = builders.partnership(
        session, builders.school(session), scene["rival"], scene["rival_partner"], 2025
    )
    old, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2020
    )
    session.commit()
    _, body = get(client, scene["token"], URL)
    assert ids(body) == [str(mine.id), str(challenged.id)]
    _, body = get(client, scene["rival_token"], URL)
    assert ids(body) == [str(rivals.id)]
    # Another provider's partnership, and relationship ones, are not found by id either.
    for hidden in (rivals, relationship):
        assert get(client, scene["token"], f"{URL}/{hidden.id}") == (404, NOT_FOUND)
    # By id, any cohort.
    assert get(client, scene["token"], f"{URL}/{old.id}")[0] == 200
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        assert get(client, scene["token"], f"{URL}/{bad}") == (404, NOT_FOUND)


def test_cohort_and_delivery_partner_filters(client, session, scene):
    other_partner = builders.delivery_partner(session, scene["provider"], years=(2023, 2024))
    p2020, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2020
    )
    p2023, _ = builders.partnership(session, builders.school(session), scene["provider"], other_partner, 2023)
    p2024, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2024
    )
    session.commit()
    token = scene["token"]
    assert ids(get(client, token, URL)[1]) == [str(p2023.id), str(p2024.id)]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2020,2024")[1]) == [str(p2020.id), str(p2024.id)]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2023")[1]) == [str(p2023.id)]
    assert get(client, token, f"{URL}?filter[cohort]=1999")[1] == {"data": []}
    assert get(client, token, f"{URL}?filter[cohort]=soon")[1] == {"data": []}
    assert ids(get(client, token, f"{URL}?filter[cohort]=")[1]) == [str(p2023.id), str(p2024.id)]
    by_partner = f"{URL}?filter[delivery_partner_id]={other_partner.id}"
    assert ids(get(client, token, by_partner)[1]) == [str(p2023.id)]
    both = (
        f"{URL}?filter[delivery_partner_id]={other_partner.id},{scene['partner'].id}&filter[cohort]=2020,2023"
    )
    assert ids(get(client, token, both)[1]) == [str(p2020.id), str(p2023.id)]
    assert get(client, token, f"{URL}?filter[delivery_partner_id]=nope")[1] == {"data": []}
    assert get(client, token, f"{URL}?filter[delivery_partner_id]={uuid.uuid4()}")[1] == {"data": []}
    assert ids(get(client, token, f"{URL}?filter[unknown]=x")[1]) == [str(p2023.id), str(p2024.id)]


def test_updated_since_is_inclusive_on_partnership_school_partner_and_tutor(client, session, scene):
    """What a partnership shows of its school, delivery partner and induction tutor moves its
    ``updated_at``; what it does not show (the school's name, ``pending``) leaves it alone."""
    with clock.travel(at(2025, 1, 1)):
        partner_a = builders.delivery_partner(session, scene["provider"])
        schools = [builders.school(session) for _ in range(5)]
        rows = [
            builders.partnership(session, school, scene["provider"], partner_a, 2025)[0]
            for school in schools[:4]
        ]
        partner_b = builders.delivery_partner(session, scene["provider"])
        last, _ = builders.partnership(session, schools[4], scene["provider"], partner_b, 2025)
        session.commit()
    with clock.travel(at(2025, 3, 1)):
        rows[0].pending = True  # not shown
        schools[3].name = "Renamed"  # not shown by a partnership
        schools[1].urn = "999999"
        session.get(InductionTutor, schools[2].induction_tutor_id).full_name = "New tutor"  # type: ignore[union-attr]
        partner_b.name = "Renamed partner"
        session.commit()
    token = scene["token"]
    _, body = get(client, token, f"{URL}?filter[updated_since]=2025-03-01T00:00:00Z")
    assert sorted(ids(body)) == sorted([str(rows[1].id), str(rows[2].id), str(last.id)])
    assert {item["attributes"]["updated_at"] for item in body["data"]} == {"2025-03-01T00:00:00Z"}
    _, body = get(client, token, f"{URL}?filter[updated_since]=2025-03-01T00:00:01Z")
    assert body == {"data": []}
    # An offset sent percent-encoded.
    _, body = get(client, token, f"{URL}?filter[updated_since]=2025-03-01T01:00:00%2B01:00")
    assert len(body["data"]) == 3
    status, body = get(client, token, f"{URL}?filter[updated_since]=yesterday")
    assert (status, body) == (
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


def test_sorting(client, session, scene):
    with clock.travel(at(2024, 12, 1)):
        partner = builders.delivery_partner(session, scene["provider"])
    made = []
    for day in (1, 2, 3):
        with clock.travel(at(2025, 1, day)):
            made.append(
                builders.partnership(session, builders.school(session), scene["provider"], partner, 2025)[0]
            )
            session.commit()
    # The oldest partnership's induction tutor changes last, so its updated_at is the latest.
    with clock.travel(at(2025, 2, 1)):
        made[0].school.induction_tutor.full_name = "Renamed"  # type: ignore[union-attr]
        session.commit()
    token = scene["token"]
    first, second, third = (str(row.id) for row in made)
    assert ids(get(client, token, URL)[1]) == [first, second, third]
    assert ids(get(client, token, f"{URL}?sort=-created_at")[1]) == [third, second, first]
    assert ids(get(client, token, f"{URL}?sort=%2Bcreated_at")[1]) == [first, second, third]
    assert ids(get(client, token, f"{URL}?sort=updated_at")[1]) == [second, third, first]
    assert ids(get(client, token, f"{URL}?sort=-updated_at,created_at")[1]) == [first, third, second]
    assert ids(get(client, token, f"{URL}?sort=challenge_reason,-nothing")[1]) == [first, second, third]


def test_paging(client, session, scene):
    made = []
    for day in (1, 2, 3):
        with clock.travel(at(2025, 1, day)):
            made.append(
                builders.partnership(
                    session, builders.school(session), scene["provider"], scene["partner"], 2025
                )[0]
            )
    session.commit()
    token = scene["token"]
    assert ids(get(client, token, f"{URL}?page[per_page]=2")[1]) == [str(made[0].id), str(made[1].id)]
    assert ids(get(client, token, f"{URL}?page[per_page]=2&page[page]=2")[1]) == [str(made[2].id)]
    assert get(client, token, f"{URL}?page[per_page]=2&page[page]=3")[1] == {"data": []}
    assert get(client, token, f"{URL}?page[page]=99999999999999999")[1] == {"data": []}
    assert len(get(client, token, f"{URL}?page[per_page]=5000")[1]["data"]) == 3
    paging = "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid number (equal and more than 1)"
    for bad in ("page[page]=0", "page[per_page]=0", "page[page]=x", "page[per_page]=-1"):
        assert get(client, token, f"{URL}?{bad}") == (
            400,
            {"errors": [{"title": "Bad request", "detail": paging}]},
        )
    assert get(client, token, f"{URL}?filter=2025") == (
        400,
        {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]},
    )


@pytest.mark.parametrize("per_page", [1, 100])
def test_a_page_is_one_query_whatever_its_size(client, session, settings, scene, per_page):
    for _ in range(4):
        school = builders.school(session)
        builders.partnership(session, school, scene["provider"], scene["partner"], 2025)
    builders.partnership(
        session, builders.school(session, induction_tutor=None), scene["provider"], scene["partner"], 2024
    )
    session.commit()
    with statements_run(settings) as seen:
        status, body = get(client, scene["token"], f"{URL}?page[per_page]={per_page}&sort=-updated_at")
    assert status == 200 and len(body["data"]) == min(per_page, 5)
    assert len(seen) == 1, seen
    with statements_run(settings) as seen:
        status, _ = get(client, scene["token"], f"{URL}/{body['data'][0]['id']}")
    assert status == 200 and len(seen) == 1


# --- confirming ------------------------------------------------------------------------------------


def post(client, token: str, attributes: object, **extra: object):  # type: ignore[no-untyped-def]
    body = {"data": {"type": "ecf-partnership", "attributes": attributes, **extra}}
    response = client.post(URL, json=body, headers=auth(token))
    return response.status_code, response.json()


def test_confirm_a_partnership(client, session, scene):
    school = builders.school(session)
    session.commit()
    response = client.post(
        URL,
        json={
            "data": {
                "type": "ecf-partnership",
                "attributes": {
                    "cohort": "2025",
                    "school_id": str(school.id),
                    "delivery_partner_id": str(scene["partner"].id),
                },
            }
        },
        headers={
            **auth(scene["token"]),
            "Content-Type": "application/vnd.api+json",
            "X-With-Server-Date": "2025-10-20T09:00:00Z",
        },
    )
    assert response.status_code == 200
    partnership = session.scalars(sa.select(Partnership)).one()
    # Later than 2025-10-31, the end of the early window.
    assert partnership.challenge_deadline == dt.datetime(2025, 11, 3, 9, tzinfo=clock.UTC)
    attributes = response.json()["data"]["attributes"]
    assert (attributes["cohort"], attributes["school_id"], attributes["status"]) == (
        "2025",
        str(school.id),
        "active",
    )
    assert attributes["created_at"] == "2025-10-20T09:00:00Z"


def test_confirm_answers_with_the_partnership(client, session, scene):
    school = builders.school(session)
    session.commit()
    status, body = post(
        client,
        scene["token"],
        {"cohort": 2025, "school_id": str(school.id), "delivery_partner_id": str(scene["partner"].id)},
    )
    assert status == 200
    partnership = session.scalars(sa.select(Partnership)).one()
    assert body == get(client, scene["token"], f"{URL}/{partnership.id}")[1]
    assert body["data"]["attributes"]["delivery_partner_name"] == "North DP"


@pytest.mark.parametrize(
    ("attributes", "errors"),
    [
        (
            {},
            [
                {"title": "cohort", "detail": "Enter a '#/cohort'."},
                {"title": "school_id", "detail": "Enter a '#/school_id'."},
                {"title": "delivery_partner_id", "detail": "Enter a '#/delivery_partner_id'."},
            ],
        ),
        (
            "not an object",
            [
                {"title": "cohort", "detail": "Enter a '#/cohort'."},
                {"title": "school_id", "detail": "Enter a '#/school_id'."},
                {"title": "delivery_partner_id", "detail": "Enter a '#/delivery_partner_id'."},
            ],
        ),
        (
            {"cohort": "1888", "school_id": "abc", "delivery_partner_id": "xyz"},
            [
                {
                    "title": "cohort",
                    "detail": "The '#/cohort' you have entered is invalid. Check cohort details and try again.",
                },
                {
                    "title": "school_id",
                    "detail": "The '#/school_id' you have entered is invalid. Check school details and try again. "
                    "Contact the DfE for support if you are unable to find the '#/school_id'.",
                },
                {
                    "title": "delivery_partner_id",
                    "detail": "The '#/delivery_partner_id' you have entered is invalid. "
                    "Check delivery partner details and try again.",
                },
            ],
        ),
    ],
)
def test_confirm_errors(client, scene, attributes, errors):
    assert post(client, scene["token"], attributes) == (422, {"errors": errors})


def test_confirm_with_the_rivals_partner_or_an_ineligible_school(client, session, scene):
    closed = builders.school(session, school_status_code=2)
    session.commit()
    status, body = post(
        client,
        scene["token"],
        {
            "cohort": "2025",
            "school_id": str(closed.id),
            "delivery_partner_id": str(scene["rival_partner"].id),
        },
    )
    assert status == 422
    assert body == {
        "errors": [
            {
                "title": "school_id",
                "detail": "The school you have entered is currently ineligible for DfE funding. "
                "Contact the school for more information.",
            },
            {
                "title": "delivery_partner_id",
                "detail": "The entered delivery partner is not recognised to be working in partnership with you "
                "for the given cohort. Contact the DfE for more information.",
            },
        ]
    }


def test_confirming_twice_is_refused_and_changes_nothing(client, session, scene):
    school = builders.school(session)
    session.commit()
    attributes = {
        "cohort": "2025",
        "school_id": str(school.id),
        "delivery_partner_id": str(scene["partner"].id),
    }
    assert post(client, scene["token"], attributes)[0] == 200
    assert post(client, scene["token"], attributes) == (
        422,
        {
            "errors": [
                {
                    "title": "school_id",
                    "detail": "You are already in a confirmed partnership with this school for the entered cohort.",
                }
            ]
        },
    )
    rival_attributes = {**attributes, "delivery_partner_id": str(scene["rival_partner"].id)}
    status, body = post(client, scene["rival_token"], rival_attributes)
    assert status == 422 and body["errors"][0]["detail"].startswith("Another provider is in a confirmed")
    assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 1


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"data": null}', b'{"data": []}', b"[]", b"not json", b'{"attributes": {}}']
)
def test_confirm_without_a_data_object_is_a_400(client, scene, body):
    response = client.post(
        URL, content=body, headers={**auth(scene["token"]), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad request", "detail": DATA_REQUIRED}]}


# --- changing the delivery partner -------------------------------------------------------------------


def put(client, token: str, partnership_id: object, attributes: object):  # type: ignore[no-untyped-def]
    body = {"data": {"type": "ecf-partnership-update", "attributes": attributes}}
    response = client.put(f"{URL}/{partnership_id}", json=body, headers=auth(token))
    return response.status_code, response.json()


def test_change_the_delivery_partner(client, session, scene):
    partnership, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2025
    )
    other = builders.delivery_partner(session, scene["provider"], name="South DP")
    session.commit()
    status, body = put(client, scene["token"], partnership.id, {"delivery_partner_id": str(other.id)})
    assert status == 200
    assert body["data"]["id"] == str(partnership.id)
    assert body["data"]["attributes"]["delivery_partner_id"] == str(other.id)
    assert body["data"]["attributes"]["delivery_partner_name"] == "South DP"
    assert body == get(client, scene["token"], f"{URL}/{partnership.id}")[1]


def test_change_to_the_same_partner_is_a_no_op(client, session, scene):
    with clock.travel(at(2025, 1, 1)):
        partnership, _ = builders.partnership(
            session, builders.school(session), scene["provider"], scene["partner"], 2025
        )
        session.commit()
    before = get(client, scene["token"], f"{URL}/{partnership.id}")[1]
    assert put(client, scene["token"], partnership.id, {"delivery_partner_id": str(scene["partner"].id)}) == (
        200,
        before,
    )
    session.refresh(partnership)
    assert partnership.updated_at == at(2025, 1, 1) and partnership.challenge_deadline is None


def test_change_errors(client, session, scene):
    partnership, _ = builders.partnership(
        session,
        builders.school(session),
        scene["provider"],
        scene["partner"],
        2025,
        challenge_reason=ChallengeReason.DO_NOT_RECOGNISE,
        challenged_at=at(2025, 9, 9),
    )
    other = builders.delivery_partner(session, scene["provider"])
    session.commit()
    token = scene["token"]
    assert put(client, token, partnership.id, {"delivery_partner_id": str(other.id)}) == (
        422,
        {
            "errors": [
                {
                    "title": "delivery_partner_id",
                    "detail": "Your update cannot be made as this partnership has been challenged by the school. "
                    "If this partnership has been challenged in error, submit a new partnership confirmation "
                    "using the endpoint POST /api/v3/partnerships/ecf.",
                }
            ]
        },
    )
    for attributes in ({}, [], {"delivery_partner_id": ""}):
        assert put(client, token, partnership.id, attributes) == (
            422,
            {"errors": [{"title": "delivery_partner_id", "detail": "Enter a '#/delivery_partner_id'."}]},
        )
    status, body = put(client, token, partnership.id, {"delivery_partner_id": "42"})
    assert status == 422 and body["errors"][0]["detail"].startswith(
        "The '#/delivery_partner_id' you have entered"
    )


def test_change_is_only_for_the_providers_own_partnerships(client, session, scene):
    rivals, _ = builders.partnership(
        session, builders.school(session), scene["rival"], scene["rival_partner"], 2025
    )
    relationship, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2025, is_relationship=True
    )
    session.commit()
    for partnership_id in (rivals.id, relationship.id, uuid.uuid4(), "nope"):
        assert put(
            client, scene["token"], partnership_id, {"delivery_partner_id": str(scene["partner"].id)}
        ) == (
            404,
            NOT_FOUND,
        )
    session.refresh(rivals)
    assert rivals.delivery_partner_id == scene["rival_partner"].id


def test_change_without_a_data_object_is_a_400(client, session, scene):
    partnership, _ = builders.partnership(
        session, builders.school(session), scene["provider"], scene["partner"], 2025
    )
    session.commit()
    response = client.put(
        f"{URL}/{partnership.id}",
        content=b'{"delivery_partner_id": "x"}',
        headers={**auth(scene["token"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad request", "detail": DATA_REQUIRED}]}
