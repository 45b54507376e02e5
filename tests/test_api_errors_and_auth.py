"""The API's plumbing, proven through the statements endpoints: authentication, error
bodies, pagination and filter errors, the Token scheme and the sandbox clock."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from domain import tokens
from domain.clock import UTC
from storage.enums import TokenScope
from storage.models import ApiToken, Statement
from tests.factories import provider_with_token

PAGE_ERROR = "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid number (equal and more than 1)"


@pytest.fixture
def token(session, settings) -> str:
    _, plaintext = provider_with_token(session, settings.secret_key)
    session.commit()
    return plaintext


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Token nope"])
def test_missing_or_bad_token_is_401_in_the_original_body(client, token, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v3/statements", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "HTTP Token: Access denied"}
    assert response.headers["content-type"] == "application/vnd.api+json"
    assert response.headers["www-authenticate"] == 'Token realm="Application"'


@pytest.mark.parametrize("form", ["Token {t}", 'Token token="{t}"', "bearer {t}"])
def test_token_scheme_variants_are_accepted(client, token, form):
    response = client.get("/api/v3/statements", headers={"Authorization": form.format(t=token)})
    assert response.status_code == 200


def test_revoked_token_is_refused(client, session, settings, token):
    tokens.revoke(session, token_id=session.scalars(sa.select(ApiToken.id)).one())
    session.commit()
    assert client.get("/api/v3/statements", headers=auth(token)).status_code == 401


def test_internal_token_is_403_with_empty_body(client, session, settings, token):
    _, internal = tokens.issue(session, None, settings.secret_key, scope=TokenScope.INTERNAL)
    session.commit()
    response = client.get("/api/v3/statements", headers=auth(internal))
    assert response.status_code == 403
    assert response.content == b""


def test_wrong_method_on_a_known_path_is_405(client, token):
    response = client.post("/api/v3/statements", headers=auth(token))
    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}


def test_unknown_route_is_404_resource_not_found(client, token):
    for method, path in [("GET", "/api/v3/nothing-here"), ("DELETE", "/api/v3/x"), ("GET", "/api/v9/x")]:
        response = client.request(method, path, headers=auth(token))
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": "Resource not Found"}
        assert response.headers["content-type"] == "application/vnd.api+json"


@pytest.mark.parametrize(
    "query",
    [
        "page[page]=0",
        "page[per_page]=0",
        "page[page]=abc",
        "page[per_page]=1.5",
        "page[page]=-3",
        "page[per_page]=",
    ],
)
def test_bad_pagination_gets_the_exact_400(client, token, query):
    response = client.get(f"/api/v3/statements?{query}", headers=auth(token))
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad request", "detail": PAGE_ERROR}]}


def test_per_page_above_3000_is_clamped_not_refused(client, session, token):
    provider_id, cohort_id = session.execute(
        sa.select(Statement.lead_provider_id, Statement.cohort_id)
    ).first()
    session.execute(
        sa.insert(Statement),
        [
            {
                "lead_provider_id": provider_id,
                "cohort_id": cohort_id,
                "name": f"Extra {n}",
                "deadline_date": dt.date(2030, 1, 1),
                "payment_date": dt.date(2030, 1, 25),
            }
            for n in range(3000)
        ],
    )
    session.commit()
    response = client.get("/api/v3/statements?page[per_page]=100000", headers=auth(token))
    assert response.status_code == 200
    assert len(response.json()["data"]) == 3000


def test_huge_page_number_is_an_empty_page(client, token):
    response = client.get("/api/v3/statements?page[page]=99999999999999999999999", headers=auth(token))
    assert response.status_code == 200
    assert response.json() == {"data": []}


def test_non_hash_filter_is_bad_parameter(client, token):
    response = client.get("/api/v3/statements?filter=foo", headers=auth(token))
    assert response.status_code == 400
    assert response.json() == {"errors": [{"title": "Bad parameter", "detail": "Filter must be a hash"}]}


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T10:00:00"])
def test_bad_updated_since_has_the_original_typo(client, token, value):
    response = client.get(f"/api/v3/statements?filter[updated_since]={value}", headers=auth(token))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"title": "Bad request", "detail": "The filter '#/updated_since' must be a valid RCF3339 date"}
        ]
    }


@pytest.mark.parametrize(
    "value",
    [
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:00:00%2B01:00",
        "2020-01-01T00:00:00+01:00",
        "2020-01-01T00:00:00.123-05:00",
    ],
)
def test_rfc3339_updated_since_forms_are_accepted(client, token, value):
    response = client.get(f"/api/v3/statements?filter[updated_since]={value}", headers=auth(token))
    assert response.status_code == 200
    assert response.json()["data"]


def test_sandbox_date_header_moves_the_clock_for_the_request(client, session, token):
    response = client.get(
        "/api/v3/statements", headers={**auth(token), "X-With-Server-Date": "2030-02-03T04:05:06Z"}
    )
    assert response.status_code == 200
    session.expire_all()
    assert session.scalars(sa.select(ApiToken.last_used_at)).one() == dt.datetime(
        2030, 2, 3, 4, 5, 6, tzinfo=UTC
    )


def test_bad_sandbox_date_header_is_a_clear_400(client, token):
    response = client.get("/api/v3/statements", headers={**auth(token), "X-With-Server-Date": "soon"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"].startswith("The header 'X-With-Server-Date'")


def test_production_ignores_the_sandbox_date_header(settings, session, token):
    from dataclasses import replace

    from cpd.app import create_app

    production = replace(settings, environment="production", secret_key=settings.secret_key)
    with create_app(production).test_client() as client:
        response = client.get("/api/v3/statements", headers={**auth(token), "X-With-Server-Date": "soon"})
    assert response.status_code == 200
    session.expire_all()
    used = session.scalars(sa.select(ApiToken.last_used_at)).one()
    assert abs(used - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)


@pytest.mark.parametrize("query", ["page[per_page][x]=1", "page[page][a][b]=2", "filter[cohort][x]=2021"])
def test_keys_nested_deeper_than_the_spec_are_refused_cleanly(client, token, query):
    response = client.get(f"/api/v3/statements?{query}", headers=auth(token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["title"] in ("Bad request", "Bad parameter")


@pytest.mark.parametrize("query", ["filter[]=x", "filter[cohort]=2021&filter[]=y", "page[]=3"])
def test_list_style_keys_are_not_hashes(client, token, query):
    response = client.get(f"/api/v3/statements?{query}", headers=auth(token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] in (
        "Filter must be a hash",
        PAGE_ERROR,
    )


@pytest.mark.parametrize("path", ["/api/v3/statements/a%0Ab", "/api/v3/statements/%00", "/api/v3/x%7F"])
def test_control_characters_in_paths_are_not_found(client, token, path):
    response = client.get(path, headers=auth(token))
    assert response.status_code == 404
    assert response.json() == {"error": "Resource not Found"}


def test_head_is_the_get_without_its_body(client, token):
    get = client.get("/api/v3/statements", headers=auth(token))
    head = client.head("/api/v3/statements", headers=auth(token))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
