"""The teacher record check: the HTTP client against the local fake server (real HTTP, the
shipped sandbox data), and the matching rules of domain.teacher_records."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from cpd.config import FAKE_TEACHER_RECORD_API_KEY, load_settings
from domain.errors import RuleBroken
from domain.teacher_records import (
    DATE_OF_BIRTH,
    NAME,
    NINO,
    TRN,
    check_teacher_record,
    names_match,
    normalise_nino,
    normalise_trn,
)
from integrations.fakes.teacher_record_server import FakeRecord, load_records, running
from integrations.teacher_records import (
    TeacherRecordClient,
    TeacherRecordServiceError,
    TeacherRecordsNotConfigured,
    client_for,
)


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture
def client(api: str) -> TeacherRecordClient:
    return TeacherRecordClient(api, FAKE_TEACHER_RECORD_API_KEY)


def check(client, name="Amara Okafor", trn="1000101", dob=dt.date(1996, 3, 14), nino=None):
    return check_teacher_record(client, full_name=name, trn=trn, date_of_birth=dob, nino=nino)


def test_the_client_reads_a_record(client):
    record = client.find("1000108", dt.date(1992, 8, 16))
    assert record is not None
    assert (record.trn, record.full_name, record.national_insurance_number) == (
        "1000108",
        "Oliver Brennan",
        "WX918273D",
    )
    assert record.active and not record.active_alert
    assert record.qts_date == dt.date(2018, 7, 20)
    assert (record.induction_start_date, record.induction_completion_date, record.induction_status) == (
        dt.date(2018, 9, 3),
        dt.date(2019, 7, 19),
        "Pass",
    )
    assert client.find("1000108", dt.date(1992, 8, 17)) is None


def test_trn_date_of_birth_and_first_name_are_a_match(client):
    result = check(client, name="Ms amara J. Okafor-Smith")
    assert result.is_match and result.matched == {TRN, DATE_OF_BIRTH, NAME}
    assert result.record is not None and result.record.induction_status == "InProgress"


def test_nothing_found_is_no_match(client):
    result = check(client, trn="1999999")
    assert not result.found and not result.is_match and not result.name_mismatch


def test_a_name_that_differs_is_asked_about_and_the_record_name_then_matches(client):
    result = check(client, name="Amy Okafor")
    assert result.found and not result.is_match and result.name_mismatch
    assert check(client, name="Amara Okafor").is_match  # "known by another name": try the record's name


def test_a_wrong_date_of_birth_matches_with_the_national_insurance_number(client):
    result = check(client, dob=dt.date(1996, 4, 14), nino="ab 12 34 56 c")
    assert result.is_match and result.matched == {TRN, NINO, NAME}


def test_a_mistyped_trn_is_found_by_national_insurance_number(client):
    # 1000102 is someone else's TRN; with Amara's NINO the retry finds her record instead.
    result = check(client, trn="1000102", nino="AB123456C")
    assert result.is_match and result.record is not None and result.record.trn == "1000101"
    assert result.matched == {DATE_OF_BIRTH, NINO, NAME}
    unknown_trn = check(client, trn="1888888", nino="AB123456C")
    assert unknown_trn.is_match and unknown_trn.record.trn == "1000101"


def test_five_digit_trns_are_padded(client):
    assert check(client, name="Aled Pritchard", trn="12345", dob=dt.date(1996, 8, 8)).is_match


def test_an_inactive_record_is_not_a_match(client):
    assert not check(client, name="Jacob Adeyemi", trn="1000114", dob=dt.date(1995, 12, 24)).found


def test_an_active_alert_is_reported(client):
    result = check(client, name="Chloe Nwosu", trn="1000111", dob=dt.date(1998, 10, 19))
    assert result.is_match and result.record.active_alert


def test_a_wrong_key_or_no_server_is_a_service_error_never_no_record(api):
    with pytest.raises(TeacherRecordServiceError, match="401"):
        TeacherRecordClient(api, "wrong-key").find("1000101", dt.date(1996, 3, 14))
    with pytest.raises(TeacherRecordServiceError, match="did not answer"):
        TeacherRecordClient("http://127.0.0.1:9", "key", timeout=2).find("1000101", dt.date(1996, 3, 14))


def test_a_body_that_is_not_a_record_is_a_service_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(TeacherRecordServiceError, match="JSON"):
        TeacherRecordClient("http://records.test", "k", transport=transport).find(
            "1000101", dt.date(2000, 1, 1)
        )


def test_the_client_sends_the_key_the_padded_trn_the_date_and_the_nino():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"title": "No teacher matches"})

    client = TeacherRecordClient("http://records.test/", "secret-key", transport=httpx.MockTransport(answer))
    assert client.find("0012345", dt.date(1990, 1, 2), "AB123456C") is None
    assert str(seen[0].url) == "http://records.test/v1/teachers/0012345?birthdate=1990-01-02&nino=AB123456C"
    assert seen[0].headers["Authorization"] == "Bearer secret-key"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567", "1234567"),
        ("12345", "0012345"),
        ("RP99/12345", "9912345"),
        ("TRN 54321", "0054321"),
        (" 123 4567 ", "1234567"),
    ],
)
def test_trn_normalisation(raw, expected):
    assert normalise_trn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the teacher reference number (TRN)"),
        ("1234", "must have at least 5 digits"),
        ("12345678", "no more than 7 digits"),
    ],
)
def test_trns_that_cannot_be_used(raw, message):
    with pytest.raises(RuleBroken, match=re.escape(message)) as broken:
        normalise_trn(raw)
    assert broken.value.errors[0][0] == "trn"


def test_national_insurance_numbers_follow_dwps_format():
    assert normalise_nino("ab 12 34 56 c") == "AB123456C"
    for bad in ("QQ123456C", "AB123456E", "GB123456A", "AB12345C"):
        with pytest.raises(RuleBroken, match="correct format"):
            normalise_nino(bad)


def test_names_match_on_first_name_ignoring_titles_and_case():
    assert names_match("Dr. Jane Smith", "JANE Elizabeth Jones")
    assert not names_match("Janet Smith", "Jane Smith")
    assert not names_match("Mr", "Mr")
    assert names_match("Jane  Smith", "jane smith", first_name_only=False)


def test_the_shipped_records_are_valid():
    records = load_records()
    assert len(records) >= 20
    assert len({r.trn for r in records}) == len(records)
    for record in records:
        assert isinstance(record, FakeRecord)
        normalise_nino(record.nino)
        dt.date.fromisoformat(record.date_of_birth)


def test_configuration_points_at_the_fake_outside_production_and_nowhere_in_it(settings):
    assert load_settings({}).teacher_record_api_url == "http://127.0.0.1:8700"
    production = load_settings({"CPD_ENVIRONMENT": "production", "SECRET_KEY": "s" * 48})
    assert production.teacher_record_api_url is None
    with pytest.raises(TeacherRecordsNotConfigured):
        client_for(production)
    configured = replace(settings, teacher_record_api_url="https://records.test", teacher_record_api_key="k")
    assert client_for(configured).base_url == "https://records.test"
