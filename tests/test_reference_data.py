"""Reference data: the shipped CSVs load completely, exactly and idempotently."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.clock import UTC
from domain.reference import REFERENCE_DATA, ReferenceDataError, corrected_deadline, load_reference_data
from storage.models import Cohort, LeadProvider, Milestone, Schedule, Statement


def _date(text: str) -> dt.date:
    """Independent of the loader: the files mix 2021/05/10, 2021-05-10 and 2022-1-25."""
    return dt.datetime.strptime(text.replace("/", "-"), "%Y-%m-%d").date()


def _csv(name: str, directory: Path = REFERENCE_DATA) -> list[dict[str, str]]:
    with (directory / name).open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if any(row.values())]


def _milestones_in_database(session: Session) -> set[tuple[object, ...]]:
    rows = session.execute(
        sa.select(
            Cohort.start_year,
            Schedule.schedule_identifier,
            Schedule.name,
            Schedule.schedule_type,
            Milestone.name,
            Milestone.declaration_type,
            Milestone.start_date,
            Milestone.milestone_date,
            Milestone.payment_date,
        )
        .join(Schedule, Schedule.cohort_id == Cohort.id)
        .join(Milestone, Milestone.schedule_id == Schedule.id)
    )
    return {
        (year, ident, name, str(kind), mname, str(dtype), s, m, p)
        for year, ident, name, kind, mname, dtype, s, m, p in rows
    }


def _statements_in_database(session: Session) -> set[tuple[object, ...]]:
    rows = session.execute(
        sa.select(
            LeadProvider.name,
            Cohort.start_year,
            Statement.name,
            Statement.deadline_date,
            Statement.payment_date,
            Statement.output_fee,
        )
        .join(Statement, Statement.lead_provider_id == LeadProvider.id)
        .join(Cohort, Cohort.id == Statement.cohort_id)
    )
    return {tuple(row) for row in rows}


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    """A writable copy of the reference data, for tests that change it."""
    directory = tmp_path / "reference-data"
    shutil.copytree(REFERENCE_DATA, directory)
    return directory


def _replace_field(path: Path, line_number: int, column: int, value: str) -> None:
    """Overwrite one field of one physical line of a CSV copy."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[line_number - 1].rstrip("\n").split(",")
    fields[column] = value
    lines[line_number - 1] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_every_milestone_row_is_loaded_with_its_exact_dates_and_type(session: Session) -> None:
    load_reference_data(session)

    rows = _csv("schedules.csv")
    expected = {
        (
            int(row["schedule-cohort-year"]),
            row["schedule-identifier"],
            row["schedule-name"],
            row["type"],
            row["milestone-name"],
            row["milestone-declaration-type"],
            _date(row["milestone-start-date"]),
            _date(row["milestone-date"]) if row["milestone-date"] else None,
            _date(row["milestone-payment-date"]),
        )
        for row in rows
    }
    assert len(expected) == len(rows) == 404
    assert _milestones_in_database(session) == expected
    assert session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == len(rows)
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == len(
        {(row["schedule-cohort-year"], row["schedule-identifier"]) for row in rows}
    )


def test_a_known_milestone_has_its_published_window(session: Session) -> None:
    load_reference_data(session)

    milestone = session.scalars(
        sa.select(Milestone)
        .join(Schedule)
        .join(Cohort)
        .where(
            Cohort.start_year == 2022,
            Schedule.schedule_identifier == "ecf-standard-january",
            Milestone.declaration_type == "started",
        )
    ).one()
    assert (milestone.start_date, milestone.milestone_date, milestone.payment_date) == (
        dt.date(2023, 1, 1),
        dt.date(2023, 3, 31),
        dt.date(2023, 4, 30),
    )
    assert milestone.name == "Output 1 - Participant Start"
    assert milestone.schedule.schedule_type == "ecf_standard"


def test_cohorts_are_loaded_with_their_flags_and_dates(session: Session) -> None:
    load_reference_data(session)

    cohorts = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    assert sorted(cohorts) == [int(row["start-year"]) for row in _csv("cohorts.csv")]
    for row in _csv("cohorts.csv"):
        cohort = cohorts[int(row["start-year"])]
        assert cohort.registration_start_date == _date(row["registration-start-date"])
        assert cohort.academic_year_start_date == _date(row["academic-year-start-date"])
        assert cohort.automatic_assignment_period_end_date == _date(
            row["automatic-assignment-period-end-date"]
        )
        assert cohort.mentor_funding is (row["mentor-funding"] == "true")
        assert cohort.detailed_evidence_types is (row["detailed-evidence-types"] == "true")

    assert cohorts[2021].payments_frozen_at == dt.datetime(2024, 4, 3, tzinfo=UTC)
    assert [year for year, c in cohorts.items() if c.payments_frozen_at is not None] == [2021]
    assert cohorts[2025].mentor_funding is True
    assert cohorts[2025].detailed_evidence_types is True
    assert cohorts[2024].mentor_funding is False
    assert cohorts[2025].registration_start_date == dt.date(2024, 12, 31)
    assert cohorts[2023].registration_start_date == dt.date(2023, 6, 5)


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Cohort, Schedule, Milestone, Statement)
    }


def test_loading_twice_adds_and_changes_nothing(session: Session) -> None:
    provider = LeadProvider(name="Ambition Institute")
    session.add(provider)
    session.flush()
    load_reference_data(session)
    provider.cohorts = list(session.scalars(sa.select(Cohort)))
    first = load_reference_data(session)
    before = _counts(session)
    milestones_before = _milestones_in_database(session)

    second = load_reference_data(session)

    assert first.statements > 0
    assert (second.cohorts, second.schedules, second.milestones, second.statements) == (0, 0, 0, 0)
    assert _counts(session) == before
    assert _milestones_in_database(session) == milestones_before


def test_a_changed_csv_value_is_updated_in_place(session: Session, reference_copy: Path) -> None:
    load_reference_data(session, reference_copy)
    ids_before = set(session.scalars(sa.select(Milestone.id)))

    schedules = reference_copy / "schedules.csv"
    line = next(
        number
        for number, row in enumerate(schedules.read_text(encoding="utf-8").splitlines(), start=1)
        if row.startswith("ecf_standard,ecf-standard-january,ECF Standard January,2022,")
        and ",started,2023-01-01,2023-03-31,2023-04-30" in row
    )
    _replace_field(schedules, line, 8, "2023-05-02")
    _replace_field(reference_copy / "cohorts.csv", 6, 5, "true")  # 2024's mentor-funding

    report = load_reference_data(session, reference_copy)

    assert (report.cohorts, report.schedules, report.milestones) == (1, 0, 1)
    assert set(session.scalars(sa.select(Milestone.id))) == ids_before
    changed = session.scalars(
        sa.select(Milestone)
        .join(Schedule)
        .join(Cohort)
        .where(
            Cohort.start_year == 2022,
            Schedule.schedule_identifier == "ecf-standard-january",
            Milestone.declaration_type == "started",
        )
    ).one()
    assert changed.payment_date == dt.date(2023, 5, 2)
    assert session.scalars(sa.select(Cohort).where(Cohort.start_year == 2024)).one().mentor_funding is True


def test_every_provider_gets_every_statement_row_of_its_cohorts_and_only_those(session: Session) -> None:
    load_reference_data(session)
    cohorts = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    contracts = {"Ambition Institute": [2021, 2025], "Teach First": [2024], "Capita": []}
    for name, years in contracts.items():
        session.add(LeadProvider(name=name, cohorts=[cohorts[y] for y in years]))
    session.flush()

    load_reference_data(session)

    ecf_rows = [row for row in _csv("statements.csv") if row["type"] == "ecf"]
    expected = {
        (
            name,
            int(row["cohort"]),
            row["name"],
            corrected_deadline(_date(row["deadline_date"]), _date(row["payment_date"])),
            _date(row["payment_date"]),
            row["output_fee"] == "true",
        )
        for name, years in contracts.items()
        for row in ecf_rows
        if int(row["cohort"]) in years
    }
    assert len(expected) == sum(1 for row in ecf_rows if int(row["cohort"]) in (2021, 2025, 2024))
    assert _statements_in_database(session) == expected
    assert {(s.status, s.marked_as_paid_at) for s in session.scalars(sa.select(Statement))} == {
        ("open", None)
    }


@pytest.mark.parametrize(
    ("file_name", "line_number", "column", "bad_value"),
    [
        ("cohorts.csv", 4, 2, "not-a-date"),
        ("cohorts.csv", 7, 0, "twenty"),
        ("schedules.csv", 10, 6, "2023-13-01"),
        ("schedules.csv", 12, 0, "ecf_nonsense"),
        ("schedules.csv", 20, 5, "started-ish"),
        ("schedules.csv", 405, 3, "1999"),
    ],
)
def test_a_malformed_row_is_refused_naming_its_file_and_line(
    session: Session, reference_copy: Path, file_name: str, line_number: int, column: int, bad_value: str
) -> None:
    _replace_field(reference_copy / file_name, line_number, column, bad_value)

    with pytest.raises(ReferenceDataError, match=rf"^{file_name} line {line_number}\b"):
        load_reference_data(session, reference_copy)


def test_a_malformed_statement_row_is_refused_naming_its_file(session: Session, reference_copy: Path) -> None:
    path = reference_copy / "statements.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines, start=1) if line.startswith("ecf,May 2026,2025,"))
    _replace_field(path, target, 3, "2026-04-31")

    with pytest.raises(ReferenceDataError, match=r"^statements\.csv line \d+"):
        load_reference_data(session, reference_copy)


def test_a_malformed_statement_row_is_refused_naming_its_physical_line(
    session: Session, reference_copy: Path
) -> None:
    path = reference_copy / "statements.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines, start=1) if line.startswith("ecf,May 2026,2025,"))
    _replace_field(path, target, 3, "2026-04-31")

    with pytest.raises(ReferenceDataError, match=rf"^statements\.csv line {target}\b"):
        load_reference_data(session, reference_copy)


def test_january_deadlines_published_after_their_payment_are_corrected() -> None:
    from domain.reference import read_statement_rows

    rows = {(row.name, row.cohort_year): row for row in read_statement_rows()}
    january_2027 = rows[("January 2027", 2025)]
    assert (january_2027.deadline_date, january_2027.payment_date) == (
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 25),
    )
    # Rows that were right as published are untouched.
    assert rows[("January 2026", 2025)].deadline_date == dt.date(2025, 12, 31)
    assert all(row.deadline_date <= row.payment_date for row in rows.values())
