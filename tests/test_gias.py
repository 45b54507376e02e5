"""Importing schools from GIAS's establishment CSV (domain.gias and ``cpd gias import``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cpd.cli import main
from cpd.config import PROJECT_ROOT
from domain.gias import REQUIRED_COLUMNS, GiasFileError, decode, import_establishments, parse
from domain.schools import can_access_service
from storage.models import School
from tests import builders

SAMPLE = PROJECT_ROOT / "sample-data" / "gias" / "edubasealldata-sample.csv"
HEADER = [
    *REQUIRED_COLUMNS,
    "DistrictAdministrative (code)",
    "Section41Approved (name)",
    "MainEmail",
    "Street",
    "Town",
]


def gias_csv(*rows: dict[str, object], header: list[str] = HEADER, encoding: str = "cp1252") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def row(urn: str, name: str = "Oak Primary School", **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "URN": urn,
        "EstablishmentName": name,
        "TypeOfEstablishment (code)": 1,
        "TypeOfEstablishment (name)": "Community school",
        "EstablishmentStatus (code)": 1,
        "EstablishmentStatus (name)": "Open",
        "LA (code)": "926",
        "LA (name)": "Norfolk",
        "Postcode": "NR1 1AA",
        "DistrictAdministrative (code)": "E07000145",
        "Section41Approved (name)": "Not applicable",
        "MainEmail": "office@oak.example.sch.uk",
        "Street": "1 High Street",
        "Town": "Norwich",
    }
    values.update(overrides)
    return values


def run_import(session, raw: bytes):
    report = import_establishments(session, parse(decode(raw)))
    session.flush()
    return report


def school(session, urn: str) -> School | None:
    return session.scalars(sa.select(School).where(School.urn == urn)).first()


def test_new_open_schools_in_scope_are_created_with_every_column_mapped(session):
    report = run_import(session, gias_csv(row("140001", "St Thérèse’s Catholic Primary School")))
    assert (report.created, report.skipped) == (1, 0)
    created = school(session, "140001")
    assert created.name == "St Thérèse’s Catholic Primary School"
    assert (created.school_type_code, created.school_status_code, created.la_code) == (1, 1, "926")
    assert (created.administrative_district_code, created.postcode) == ("E07000145", "NR1 1AA")
    assert (created.primary_contact_email, created.address_line1, created.address_line3) == (
        "office@oak.example.sch.uk",
        "1 High Street",
        "Norwich",
    )
    assert created.section_41_approved is False and can_access_service(created)


def test_rows_a_new_school_would_not_need_are_skipped(session):
    report = run_import(
        session,
        gias_csv(
            row("140002", **{"EstablishmentStatus (code)": 2, "EstablishmentStatus (name)": "Closed"}),
            row("140003", **{"DistrictAdministrative (code)": "W06000015"}),
            row("140004", **{"TypeOfEstablishment (code)": 26}),
            row("140005", **{"TypeOfEstablishment (code)": 26, "Section41Approved (name)": "Approved"}),
            row("140006", **{"TypeOfEstablishment (code)": 11}),
        ),
    )
    assert (report.created, report.skipped) == (2, 3)
    assert school(session, "140005").section_41_approved is True
    assert school(session, "140006") is not None  # school-led only (other independent school)


def test_existing_schools_are_updated_and_closed_and_a_second_run_changes_nothing(session):
    existing = builders.school(session, urn="140010", name="Old Name School")
    tutor = existing.induction_tutor
    raw = gias_csv(
        row("140010", "New Name School"),
        row("140011", **{"EstablishmentStatus (code)": 2, "EstablishmentStatus (name)": "Closed"}),
    )
    builders.school(session, urn="140011")
    report = run_import(session, raw)
    assert (report.created, report.updated, report.closed, report.unchanged) == (0, 2, 1, 0)
    assert existing.name == "New Name School" and existing.induction_tutor == tutor
    closed = school(session, "140011")
    assert closed.school_status_code == 2 and not can_access_service(closed)
    again = run_import(session, raw)
    assert (again.created, again.updated, again.closed, again.unchanged) == (0, 0, 0, 2)


def test_columns_missing_from_the_file_leave_those_attributes_alone(session):
    existing = builders.school(session, urn="140020", primary_contact_email="kept@example.com")
    header = list(REQUIRED_COLUMNS)  # no MainEmail, no district
    run_import(session, gias_csv(row("140020", "Renamed"), header=header))
    assert existing.primary_contact_email == "kept@example.com"
    assert existing.administrative_district_code == "E09000001"
    assert existing.name == "Renamed"


def test_utf8_with_a_byte_order_mark_is_read_too(session):
    raw = b"\xef\xbb\xbf" + gias_csv(row("140030", "Ysgol Gymraeg Llundain – Ŵ"), encoding="utf-8")
    run_import(session, raw)
    assert school(session, "140030").name == "Ysgol Gymraeg Llundain – Ŵ"


def test_a_file_without_the_required_columns_is_refused_naming_them():
    with pytest.raises(GiasFileError, match="missing columns LA \\(code\\), LA \\(name\\), Postcode"):
        parse(decode(gias_csv(row("140040"), header=[c for c in HEADER if not c.startswith(("LA", "Post"))])))
    with pytest.raises(GiasFileError, match="empty"):
        parse("")


def test_bad_rows_are_refused_with_their_line_numbers_and_nothing_is_imported():
    raw = gias_csv(
        row("140050"),
        row("12AB", "Bad URN"),
        row("140051", **{"EstablishmentStatus (code)": "open"}),
        row("140050", "Duplicate"),
        row("140052", **{"EstablishmentName": ""}),
    )
    with pytest.raises(GiasFileError) as refused:
        parse(decode(raw))
    assert str(refused.value) == (
        "line 3: URN must be 6 or 7 digits, not '12AB'; "
        "line 4: EstablishmentStatus (code) must be a number, not 'open'; "
        "line 5: URN 140050 is also on line 2; "
        "line 6: EstablishmentName is empty"
    )


def test_the_shipped_sample_imports_and_is_windows_1252(session):
    raw = SAMPLE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = parse(decode(raw))
    assert len(rows) >= 30
    report = run_import(session, raw)
    assert report.created > 20 and report.skipped > 0
    assert school(session, "141003").name == "St Thérèse’s Catholic Primary School"


def test_the_command_imports_in_one_transaction_and_reports_one_line_errors(
    settings, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CPD_ENVIRONMENT", "test")
    runner = CliRunner()
    result = runner.invoke(main, ["gias", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Created ") and "Importing schools" in result.stderr
    again = runner.invoke(main, ["gias", "import", str(SAMPLE)])
    assert "Created 0 schools, updated 0" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_bytes(gias_csv(row("140060"), row("x")))
    failed = runner.invoke(main, ["gias", "import", str(bad)])
    assert failed.exit_code == 1
    assert failed.stderr.strip() == "Error: bad.csv: line 3: URN must be 6 or 7 digits, not 'x'"
