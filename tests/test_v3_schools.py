"""GET /api/v3/schools/ecf and /api/v3/schools/ecf/{id}, through the app."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from domain import clock
from storage.enums import ChallengeReason, InductionProgrammeChoice
from tests import builders
from tests.builders import at
from tests.factories import provider_with_token
from tests.test_v3_partnerships import get, ids, statements_run

URL = "/api/v3/schools/ecf"
NOT_FOUND = {"error": "Resource not Found"}
COHORT_REQUIRED = {
    "errors": [{"title": "Bad parameter", "detail": "The filter '#/cohort' must be included in your request"}]
}


@pytest.fixture
def scene(session, settings):
    # Set up before the tests' dates: change stamps never go back in time (domain.sync), so
    # rows committed at the real now would put every later stamp after it.
    with clock.travel(at(2021, 1, 1)):
        provider, token = provider_with_token(session, settings.secret_key)
        rival, rival_token = provider_with_token(session, settings.secret_key, name="Teach First")
        partner = builders.delivery_partner(session, provider, years=(2024, 2025))
        rival_partner = builders.delivery_partner(session, rival, years=(2024, 2025))
        session.commit()
    return {
        "provider": provider,
        "token": token,
        "rival": rival,
        "rival_token": rival_token,
        "partner": partner,
        "rival_partner": rival_partner,
    }


def made_on(session, day: dt.datetime, **overrides: object):  # type: ignore[no-untyped-def]
    """A school created (and committed: change stamps are taken at commit) on ``day``."""
    with clock.travel(day):
        school = builders.school(session, **overrides)
        session.commit()
        return school


def test_needs_a_providers_token(client, scene):
    for url in (f"{URL}?filter[cohort]=2025", f"{URL}/{uuid.uuid4()}?filter[cohort]=2025"):
        response = client.get(url, headers={"Authorization": "Bearer wrong"})
        assert (response.status_code, response.json()) == (401, {"error": "HTTP Token: Access denied"})


def test_the_cohort_filter_is_required(client, scene):
    token = scene["token"]
    for url in (
        URL,
        f"{URL}?filter[urn]=100001",
        f"{URL}/{uuid.uuid4()}",
        f"{URL}/{uuid.uuid4()}?filter[x]=1",
    ):
        assert get(client, token, url) == (400, COHORT_REQUIRED)
    assert get(client, token, f"{URL}?filter=2025") == (
        400,
        {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]},
    )


def test_school_shape(client, session, scene):
    school = made_on(session, at(2024, 1, 1), urn="123456", name="Oakfield Primary")
    with clock.travel(at(2024, 6, 1)):
        builders.school_cohort(session, school, 2025, InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME)
        session.commit()
    status, body = get(client, scene["token"], f"{URL}/{school.id}?filter[cohort]=2025")
    assert status == 200
    assert body == {
        "data": {
            "id": str(school.id),
            "type": "school",
            "attributes": {
                "name": "Oakfield Primary",
                "urn": "123456",
                "cohort": "2025",
                "in_partnership": False,
                "induction_programme_choice": "school_led",
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-06-01T00:00:00Z",
            },
        }
    }
    assert list(body["data"]["attributes"]) == [
        "name",
        "urn",
        "cohort",
        "in_partnership",
        "induction_programme_choice",
        "created_at",
        "updated_at",
    ]
    # In another cohort the school has no set-up: its own timestamps, choice not yet known.
    _, body = get(client, scene["token"], f"{URL}/{school.id}?filter[cohort]=2024")
    assert body["data"]["attributes"]["cohort"] == "2024"
    assert body["data"]["attributes"]["induction_programme_choice"] == "not_yet_known"
    assert body["data"]["attributes"]["updated_at"] == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME, "provider_led"),
        (InductionProgrammeChoice.SCHOOL_FUNDED_FIP, "provider_led"),
        (InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME, "school_led"),
        (InductionProgrammeChoice.DESIGN_OUR_OWN, "school_led"),
        (InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS, "no_early_career_teachers"),
        (InductionProgrammeChoice.NOT_YET_KNOWN, "not_yet_known"),
    ],
)
def test_programme_choice_names(client, session, scene, stored, shown):
    school = builders.school(session)
    builders.school_cohort(session, school, 2025, stored)
    session.commit()
    _, body = get(client, scene["token"], f"{URL}/{school.id}?filter[cohort]=2025")
    assert body["data"]["attributes"]["induction_programme_choice"] == shown


def test_which_schools_are_listed(client, session, scene):
    provider, rival = scene["provider"], scene["rival"]
    eligible = made_on(session, at(2024, 1, 1))
    section_41 = made_on(session, at(2024, 1, 2), school_type_code=24, section_41_approved=True)
    closed_partnered = made_on(session, at(2024, 1, 3), school_status_code=2)
    builders.partnership(session, closed_partnered, rival, scene["rival_partner"], 2025)
    made_on(session, at(2024, 1, 4), school_type_code=10)  # CIP-only
    made_on(session, at(2024, 1, 5), school_status_code=2)  # closed
    made_on(session, at(2024, 1, 6), administrative_district_code="W06000001")  # Wales
    closed_challenged = made_on(session, at(2024, 1, 7), school_status_code=2)
    builders.partnership(
        session,
        closed_challenged,
        provider,
        scene["partner"],
        2025,
        challenge_reason=ChallengeReason.MISTAKE,
        challenged_at=at(2025, 9, 9),
    )
    closed_relationship = made_on(session, at(2024, 1, 8), school_status_code=2)
    builders.partnership(session, closed_relationship, provider, scene["partner"], 2025, is_relationship=True)
    closed_last_year = made_on(session, at(2024, 1, 9), school_status_code=2)
    builders.partnership(session, closed_last_year, provider, scene["partner"], 2024)
    session.commit()
    expected = [str(eligible.id), str(section_41.id), str(closed_partnered.id)]
    # Not scoped to a provider: both see the same list.
    for token in (scene["token"], scene["rival_token"]):
        assert ids(get(client, token, f"{URL}?filter[cohort]=2025")[1]) == expected
    assert ids(get(client, scene["token"], f"{URL}?filter[cohort]=2024")[1]) == [
        str(eligible.id),
        str(section_41.id),
        str(closed_last_year.id),
    ]
    for hidden in (closed_challenged, closed_relationship):
        assert get(client, scene["token"], f"{URL}/{hidden.id}?filter[cohort]=2025") == (404, NOT_FOUND)


def test_in_partnership_counts_any_unchallenged_partnership_in_the_cohort(client, session, scene):
    provider = scene["provider"]
    plain = builders.school(session)
    partnered = builders.school(session)
    builders.partnership(session, partnered, scene["rival"], scene["rival_partner"], 2025)
    relationship = builders.school(session)
    builders.partnership(session, relationship, provider, scene["partner"], 2025, is_relationship=True)
    challenged = builders.school(session)
    builders.partnership(
        session,
        challenged,
        provider,
        scene["partner"],
        2025,
        challenge_reason=ChallengeReason.NO_ECTS,
        challenged_at=at(2025, 9, 9),
    )
    last_year = builders.school(session)
    builders.partnership(session, last_year, provider, scene["partner"], 2024)
    session.commit()
    _, body = get(client, scene["token"], f"{URL}?filter[cohort]=2025")
    shown = {item["id"]: item["attributes"]["in_partnership"] for item in body["data"]}
    assert shown == {
        str(plain.id): False,
        str(partnered.id): True,
        str(relationship.id): True,
        str(challenged.id): False,
        str(last_year.id): False,
    }


@pytest.mark.parametrize("cohort", ["2019", "1999", "2025,2024", "soon", "", " "])
def test_an_unknown_or_unusable_cohort_gives_nothing(client, session, scene, cohort):
    school = builders.school(session)
    session.commit()
    assert get(client, scene["token"], f"{URL}?filter[cohort]={cohort}") == (200, {"data": []})
    assert get(client, scene["token"], f"{URL}/{school.id}?filter[cohort]={cohort}") == (404, NOT_FOUND)


def test_urn_filter(client, session, scene):
    wanted = builders.school(session, urn="777777")
    builders.school(session, urn="777778")
    session.commit()
    token = scene["token"]
    assert ids(get(client, token, f"{URL}?filter[cohort]=2025&filter[urn]=777777")[1]) == [str(wanted.id)]
    assert get(client, token, f"{URL}?filter[cohort]=2025&filter[urn]=000000")[1] == {"data": []}
    # A NUL byte matches nothing stored; it is refused before any query (docs/security.md).
    status, body = get(client, token, f"{URL}?filter[cohort]=2025&filter[urn]=%00")
    assert status == 400 and "NUL character" in body["errors"][0]["detail"]
    assert len(get(client, token, f"{URL}?filter[cohort]=2025&filter[urn]=")[1]["data"]) == 2


def test_updated_since_on_the_school_or_its_set_up_for_the_cohort(client, session, scene):
    school_changed = made_on(session, at(2024, 1, 1))
    cohort_changed = made_on(session, at(2024, 1, 1))
    other_cohort_changed = made_on(session, at(2024, 1, 1))
    made_on(session, at(2024, 1, 1))
    with clock.travel(at(2024, 1, 1)):
        set_up = builders.school_cohort(session, cohort_changed, 2025)
        unshown = builders.school_cohort(session, made_on(session, at(2024, 1, 1)), 2025)
        session.commit()
    with clock.travel(at(2025, 5, 1)):
        school_changed.name = "Renamed"
        set_up.induction_programme_choice = InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME
        unshown.opt_out_of_updates = True  # not shown: moves nothing
        builders.school_cohort(session, other_cohort_changed, 2024)
        session.commit()
    token = scene["token"]
    _, body = get(client, token, f"{URL}?filter[cohort]=2025&filter[updated_since]=2025-05-01T00:00:00Z")
    assert sorted(ids(body)) == sorted([str(school_changed.id), str(cohort_changed.id)])
    assert {item["attributes"]["updated_at"] for item in body["data"]} == {"2025-05-01T00:00:00Z"}
    _, body = get(client, token, f"{URL}?filter[cohort]=2024&filter[updated_since]=2025-05-01T00:00:00Z")
    assert sorted(ids(body)) == sorted([str(school_changed.id), str(other_cohort_changed.id)])
    assert get(client, token, f"{URL}?filter[cohort]=2025&filter[updated_since]=2025-05-01T00:00:01Z")[1] == {
        "data": []
    }
    assert get(client, token, f"{URL}?filter[cohort]=2025&filter[updated_since]=May") == (
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


def test_sorting_by_updated_at_only(client, session, scene):
    first = made_on(session, at(2024, 1, 1))
    second = made_on(session, at(2024, 1, 2))
    third = made_on(session, at(2024, 1, 3))
    with clock.travel(at(2024, 2, 1)):
        builders.school_cohort(session, first, 2025)
        session.commit()
    token = scene["token"]
    base = f"{URL}?filter[cohort]=2025"
    a, b, c = str(first.id), str(second.id), str(third.id)
    assert ids(get(client, token, base)[1]) == [a, b, c]
    assert ids(get(client, token, f"{base}&sort=updated_at")[1]) == [b, c, a]
    assert ids(get(client, token, f"{base}&sort=-updated_at")[1]) == [a, c, b]
    # Only updated_at is offered for schools; other names are ignored.
    assert ids(get(client, token, f"{base}&sort=-created_at")[1]) == [a, b, c]
    assert ids(get(client, token, f"{base}&sort=-name,urn")[1]) == [a, b, c]


def test_paging(client, session, scene):
    made = [made_on(session, at(2024, 1, day)) for day in (1, 2, 3)]
    session.commit()
    token = scene["token"]
    base = f"{URL}?filter[cohort]=2025"
    assert ids(get(client, token, f"{base}&page[per_page]=2&page[page]=2")[1]) == [str(made[2].id)]
    assert get(client, token, f"{base}&page[per_page]=2&page[page]=3")[1] == {"data": []}
    assert get(client, token, f"{base}&page[page]=99999999999999999")[1] == {"data": []}
    assert get(client, token, f"{base}&page[page]=0")[0] == 400


def test_unknown_ids(client, session, scene):
    for bad in ("nope", str(uuid.uuid4())):
        assert get(client, scene["token"], f"{URL}/{bad}?filter[cohort]=2025") == (404, NOT_FOUND)


@pytest.mark.parametrize("per_page", [1, 100])
def test_a_page_is_one_query_whatever_its_size(client, session, settings, scene, per_page):
    for n in range(4):
        school = builders.school(session)
        if n % 2:
            builders.partnership(session, school, scene["provider"], scene["partner"], 2025)
    builders.school(session, school_status_code=2)
    session.commit()
    with statements_run(settings) as seen:
        status, body = get(
            client, scene["token"], f"{URL}?filter[cohort]=2025&page[per_page]={per_page}&sort=-updated_at"
        )
    assert status == 200 and len(body["data"]) == min(per_page, 4)
    assert len(seen) == 1, seen
    with statements_run(settings) as seen:
        status, _ = get(client, scene["token"], f"{URL}/{body['data'][0]['id']}?filter[cohort]=2025")
    assert status == 200 and len(seen) == 1
