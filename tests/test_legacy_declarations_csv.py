"""GET /api/v{1,2}/participant-declarations.csv: the list's rows and filters, unpaged."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from domain import clock
from storage.models import ParticipantDeclaration
from tests import builders
from tests.test_declarations_api import NOW, SET_UP, make_provider, post

V1_COLUMNS = [
    "id",
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
V2_COLUMNS = [name for name in V1_COLUMNS if name not in ("eligible_for_payment", "voided")]


def export(client, provider, version: str, query: str = ""):  # type: ignore[no-untyped-def]
    return client.get(f"/api/{version}/participant-declarations.csv{query}", headers=provider.headers())


def cells(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(("version", "columns"), [("v1", V1_COLUMNS), ("v2", V2_COLUMNS)])
def test_every_declaration_with_the_originals_columns(client, session, settings, version, columns):
    lp = make_provider(session, settings.secret_key)
    profiles = [builders.participant(session, lp.programmes[2024]) for _ in range(3)]
    session.commit()
    for profile in profiles:
        assert post(client, lp, profile, version=version).status_code == 200

    response = export(client, lp, version, "?page[per_page]=1")

    assert (response.status_code, response.headers["content-type"]) == (200, "text/csv")
    assert response.text.splitlines()[0] == ",".join(columns)
    listed = client.get(f"/api/{version}/participant-declarations", headers=lp.headers()).json()["data"]
    assert len(listed) == 3
    assert list(csv.DictReader(io.StringIO(response.text))) == [
        {"id": item["id"], **{key: cells(value) for key, value in item["attributes"].items()}}
        for item in listed
    ]
    # has_passed is always null: an empty quoted cell, as the original wrote it.
    assert all(line.endswith(',""') for line in response.text.splitlines()[1:])


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_filters_apply_and_nothing_gives_an_empty_body(client, session, settings, version):
    with clock.travel(SET_UP):
        lp = make_provider(session, settings.secret_key)
        first, second = (builders.participant(session, lp.programmes[2024]) for _ in range(2))
        session.commit()
    for profile in (first, second):
        assert post(client, lp, profile, version=version).status_code == 200

    one = export(client, lp, version, f"?filter[participant_id]={first.teacher_id}")
    assert [row["participant_id"] for row in csv.DictReader(io.StringIO(one.text))] == [str(first.teacher_id)]
    listed = client.get(f"/api/{version}/participant-declarations", headers=lp.headers()).json()["data"]
    assert {item["attributes"]["updated_at"] for item in listed} == {NOW}
    # updated_since is strict in v1 and v2. Both were stamped at NOW, in commit order: the
    # first at the instant itself, which is left out, the second a microsecond after it.
    second = session.scalars(
        sa.select(ParticipantDeclaration.id).order_by(ParticipantDeclaration.api_updated_at.desc()).limit(1)
    ).one()
    at_now = export(client, lp, version, f"?filter[updated_since]={NOW}")
    assert [row["id"] for row in csv.DictReader(io.StringIO(at_now.text))] == [str(second)]
    later = export(client, lp, version, "?filter[updated_since]=2024-11-15T12:00:01Z")
    assert (later.status_code, later.content) == (200, b"")
    nobody = export(client, lp, version, "?filter[participant_id]=not-an-id")
    assert (nobody.status_code, nobody.content) == (200, b"")


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_bad_filters_and_tokens_are_answered_in_json(client, session, settings, version):
    lp = make_provider(session, settings.secret_key)
    session.commit()

    bad = export(client, lp, version, "?filter[updated_since]=soon")
    assert (bad.status_code, bad.json()) == (
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
    refused = client.get(f"/api/{version}/participant-declarations.csv")
    assert (refused.status_code, refused.json()) == (401, {"error": "HTTP Token: Access denied"})
