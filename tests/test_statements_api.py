"""GET /api/v3/statements and /api/v3/statements/{id}."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from storage.enums import StatementStatus
from storage.models import Cohort, Statement
from tests.factories import provider_with_token


def _get(client, token, path):
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_lists_only_output_fee_statements_of_default_cohorts_by_payment_date(client, session, settings):
    provider, token = provider_with_token(session, settings.secret_key)
    session.commit()
    status, body = _get(client, token, "/api/v3/statements?page[per_page]=3000")
    assert status == 200
    expected = session.execute(
        sa.select(Statement.id, Statement.payment_date)
        .join(Cohort)
        .where(
            Statement.lead_provider_id == provider.id,
            Statement.output_fee.is_(True),
            Cohort.start_year >= 2021,
        )
        .order_by(Statement.payment_date, Statement.created_at, Statement.id)
    ).all()
    assert [item["id"] for item in body["data"]] == [str(row.id) for row in expected]
    assert len(expected) > 50
    payment_dates = [item["attributes"]["payment_date"] for item in body["data"]]
    assert payment_dates == sorted(payment_dates)


def test_statement_shape(client, session, settings):
    provider, token = provider_with_token(session, settings.secret_key)
    statement = session.scalars(
        sa.select(Statement).where(
            Statement.lead_provider_id == provider.id, Statement.name == "February 2022"
        )
    ).one()
    statement.status = StatementStatus.PAID
    statement.marked_as_paid_at = statement.created_at
    session.commit()
    status, body = _get(client, token, f"/api/v3/statements/{statement.id}")
    assert status == 200
    assert body == {
        "data": {
            "id": str(statement.id),
            "type": "statement",
            "attributes": {
                "month": "February",
                "year": "2022",
                "type": "ecf",
                "cohort": "2021",
                "cut_off_date": "2022-01-31",
                "payment_date": "2022-02-25",
                "paid": True,
                "created_at": statement.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated_at": statement.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
    }
    assert list(body["data"]["attributes"]) == [
        "month",
        "year",
        "type",
        "cohort",
        "cut_off_date",
        "payment_date",
        "paid",
        "created_at",
        "updated_at",
    ]


def test_filters_cohort_list_type_and_updated_since(client, session, settings):
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    _, body = _get(client, token, "/api/v3/statements?filter[cohort]=2022,2024&page[per_page]=3000")
    assert {item["attributes"]["cohort"] for item in body["data"]} == {"2022", "2024"}
    _, body = _get(client, token, "/api/v3/statements?filter[cohort]=1999")
    assert body == {"data": []}
    _, body = _get(client, token, "/api/v3/statements?filter[cohort]=not-a-year")
    assert body == {"data": []}
    _, body = _get(client, token, "/api/v3/statements?filter[type]=ecf&page[per_page]=1")
    assert len(body["data"]) == 1
    _, body = _get(client, token, "/api/v3/statements?filter[type]=npq")
    assert body == {"data": []}
    _, body = _get(client, token, "/api/v3/statements?filter[updated_since]=2999-01-01T00:00:00Z")
    assert body == {"data": []}


def test_2020_is_hidden_unless_asked_for(client, session, settings):
    provider, token = provider_with_token(session, settings.secret_key, years=(2020, 2021))
    cohort_2020 = session.scalars(sa.select(Cohort).where(Cohort.start_year == 2020)).one()
    session.add(
        Statement(
            lead_provider_id=provider.id,
            cohort_id=cohort_2020.id,
            name="March 2021",
            deadline_date=cohort_2020.academic_year_start_date,
            payment_date=cohort_2020.academic_year_start_date,
        )
    )
    session.commit()
    _, body = _get(client, token, "/api/v3/statements?page[per_page]=3000")
    assert "2020" not in {item["attributes"]["cohort"] for item in body["data"]}
    _, body = _get(client, token, "/api/v3/statements?filter[cohort]=2020")
    assert [(item["attributes"]["month"], item["attributes"]["year"]) for item in body["data"]] == [
        ("March", "2021")
    ]


def test_pages_walk_through_everything_without_overlap(client, session, settings):
    _, token = provider_with_token(session, settings.secret_key)
    session.commit()
    _, everything = _get(client, token, "/api/v3/statements?page[per_page]=3000")
    seen, page = [], 1
    while True:
        _, body = _get(client, token, f"/api/v3/statements?page[per_page]=7&page[page]={page}")
        if not body["data"]:
            break
        assert len(body["data"]) <= 7
        seen.extend(item["id"] for item in body["data"])
        page += 1
    assert seen == [item["id"] for item in everything["data"]]


def test_default_page_size_is_100(client, session, settings):
    provider, token = provider_with_token(session, settings.secret_key)
    cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == 2023)).one()
    for n in range(120):
        session.add(
            Statement(
                lead_provider_id=provider.id,
                cohort_id=cohort.id,
                name=f"Extra {n}",
                deadline_date=cohort.academic_year_start_date,
                payment_date=cohort.academic_year_start_date,
            )
        )
    session.commit()
    _, body = _get(client, token, "/api/v3/statements")
    assert len(body["data"]) == 100


def test_other_providers_statements_are_invisible(client, session, settings):
    _, token = provider_with_token(session, settings.secret_key, name="Ambition Institute")
    other, _ = provider_with_token(session, settings.secret_key, name="Teach First")
    session.commit()
    _, listed = _get(client, token, "/api/v3/statements?page[per_page]=3000")
    others = set(session.scalars(sa.select(Statement.id).where(Statement.lead_provider_id == other.id)))
    assert others and not others & {uuid.UUID(item["id"]) for item in listed["data"]}
    status, body = _get(client, token, f"/api/v3/statements/{next(iter(others))}")
    assert (status, body) == (404, {"error": "Resource not Found"})


def test_show_includes_non_output_statements_and_404s_unknown_ids(client, session, settings):
    provider, token = provider_with_token(session, settings.secret_key)
    session.commit()
    non_output = session.scalars(
        sa.select(Statement).where(Statement.lead_provider_id == provider.id, Statement.output_fee.is_(False))
    ).first()
    status, _ = _get(client, token, f"/api/v3/statements/{non_output.id}")
    assert status == 200
    for unknown in (uuid.uuid4(), "not-a-uuid"):
        assert _get(client, token, f"/api/v3/statements/{unknown}") == (404, {"error": "Resource not Found"})
