"""Loading the public reference data (cohorts, schedules with milestones, statements).

The CSVs in ``reference-data/`` are DfE's published data, shipped as they are. Loading
is idempotent: rows are matched on their natural keys, changed values are updated and
nothing is duplicated, so ``cpd reference load`` can run on every deploy.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import audit
from domain.clock import UTC
from storage.enums import DeclarationType, ScheduleType
from storage.models import Cohort, LeadProvider, Milestone, Schedule, Statement

REFERENCE_DATA = Path(__file__).resolve().parent.parent / "reference-data"


class ReferenceDataError(ValueError):
    """A reference CSV row that cannot be loaded; says which file and line."""


@dataclass
class LoadReport:
    cohorts: int = 0
    schedules: int = 0
    milestones: int = 0
    statements: int = 0

    def __str__(self) -> str:
        return (
            f"cohorts: {self.cohorts}, schedules: {self.schedules}, "
            f"milestones: {self.milestones}, statements: {self.statements} (new or changed)"
        )


def parse_date(value: str) -> dt.date:
    """Dates appear as 2021/05/10, 2021-05-10 and 2022-1-25 in the published files."""
    year, month, day = (int(part) for part in value.strip().replace("/", "-").split("-"))
    return dt.date(year, month, day)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if not any((value or "").strip() for value in row.values()):
                continue  # the published statements file has blank lines
            yield reader.line_num, {key.strip(): (value or "").strip() for key, value in row.items() if key}


def _flag(value: str) -> bool:
    return value.lower() == "true"


def _assign(obj: object, **values: object) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def load_cohorts(session: Session, path: Path, report: LoadReport) -> None:
    existing = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    for line, row in _rows(path):
        try:
            year = int(row["start-year"])
            frozen = row["payments-frozen-at"]
            values = dict(
                registration_start_date=parse_date(row["registration-start-date"]),
                academic_year_start_date=parse_date(row["academic-year-start-date"]),
                automatic_assignment_period_end_date=parse_date(row["automatic-assignment-period-end-date"]),
                payments_frozen_at=(
                    dt.datetime.combine(parse_date(frozen), dt.time(), tzinfo=UTC) if frozen else None
                ),
                mentor_funding=_flag(row["mentor-funding"]),
                detailed_evidence_types=_flag(row["detailed-evidence-types"]),
            )
        except (KeyError, ValueError) as error:
            raise ReferenceDataError(f"{path.name} line {line}: {error}") from error
        cohort = existing.get(year)
        if cohort is None:
            cohort = existing[year] = Cohort(start_year=year, **values)
            session.add(cohort)
            report.cohorts += 1
        elif _assign(cohort, **values):
            report.cohorts += 1
    session.flush()


def load_schedules(session: Session, path: Path, report: LoadReport) -> None:
    cohorts = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    schedules = {
        (s.cohort_id, s.schedule_identifier): s
        for s in session.scalars(sa.select(Schedule).options(sa.orm.selectinload(Schedule.milestones)))
    }
    for line, row in _rows(path):
        try:
            cohort = cohorts[int(row["schedule-cohort-year"])]
            schedule_type = ScheduleType(row["type"])
            declaration_type = DeclarationType(row["milestone-declaration-type"])
            start = parse_date(row["milestone-start-date"])
            end = parse_date(row["milestone-date"]) if row["milestone-date"] else None
            payment = parse_date(row["milestone-payment-date"])
        except (KeyError, ValueError) as error:
            raise ReferenceDataError(f"{path.name} line {line}: {error!r}") from error
        key = (cohort.id, row["schedule-identifier"])
        schedule = schedules.get(key)
        if schedule is None:
            schedule = schedules[key] = Schedule(
                cohort=cohort,
                schedule_identifier=row["schedule-identifier"],
                name=row["schedule-name"],
                schedule_type=schedule_type,
                milestones=[],
            )
            session.add(schedule)
            report.schedules += 1
        elif _assign(schedule, name=row["schedule-name"], schedule_type=schedule_type):
            report.schedules += 1
        milestone = next((m for m in schedule.milestones if m.declaration_type == declaration_type), None)
        values = dict(name=row["milestone-name"], start_date=start, milestone_date=end, payment_date=payment)
        if milestone is None:
            schedule.milestones.append(Milestone(declaration_type=declaration_type, **values))
            report.milestones += 1
        elif _assign(milestone, **values):
            report.milestones += 1
    session.flush()


@dataclass(frozen=True)
class StatementRow:
    name: str
    cohort_year: int
    deadline_date: dt.date
    payment_date: dt.date
    output_fee: bool


def corrected_deadline(deadline: dt.date, payment: dt.date) -> dt.date:
    """The published file dates some January deadlines in December of the *payment* year
    (e.g. "January 2027": deadline 2027-12-31, payment 2027-01-25), after the payment.
    A cut-off is always the last day of the month before payment, so we use that; the
    loader would otherwise route declarations to a statement eleven months late."""
    if deadline <= payment:
        return deadline
    return payment.replace(day=1) - dt.timedelta(days=1)


def read_statement_rows(path: Path | None = None) -> list[StatementRow]:
    path = path or REFERENCE_DATA / "statements.csv"
    rows = []
    for line, row in _rows(path):
        try:
            if row["type"] != "ecf":
                continue
            payment = parse_date(row["payment_date"])
            rows.append(
                StatementRow(
                    name=row["name"],
                    cohort_year=int(row["cohort"]),
                    deadline_date=corrected_deadline(parse_date(row["deadline_date"]), payment),
                    payment_date=payment,
                    output_fee=_flag(row["output_fee"]),
                )
            )
        except (KeyError, ValueError) as error:
            raise ReferenceDataError(f"{path.name} line {line}: {error!r}") from error
    return rows


def ensure_statements(
    session: Session,
    rows: list[StatementRow],
    providers: list[LeadProvider] | None = None,
    report: LoadReport | None = None,
) -> int:
    """Give every provider every statement row of the cohorts it is contracted for."""
    report = report or LoadReport()
    cohorts = {c.start_year: c for c in session.scalars(sa.select(Cohort))}
    if providers is None:
        providers = list(
            session.scalars(sa.select(LeadProvider).options(sa.orm.selectinload(LeadProvider.cohorts)))
        )
    existing = {(s.lead_provider_id, s.cohort_id, s.name): s for s in session.scalars(sa.select(Statement))}
    for provider in providers:
        contracted = {c.start_year for c in provider.cohorts}
        for row in rows:
            cohort = cohorts.get(row.cohort_year)
            if cohort is None or row.cohort_year not in contracted:
                continue
            values = dict(
                deadline_date=row.deadline_date, payment_date=row.payment_date, output_fee=row.output_fee
            )
            statement = existing.get((provider.id, cohort.id, row.name))
            if statement is None:
                statement = Statement(
                    lead_provider_id=provider.id, cohort_id=cohort.id, name=row.name, **values
                )
                existing[(provider.id, cohort.id, row.name)] = statement
                session.add(statement)
                report.statements += 1
            elif _assign(statement, **values):
                report.statements += 1
    session.flush()
    return report.statements


def load_reference_data(session: Session, directory: Path | None = None) -> LoadReport:
    """Load cohorts, schedules and milestones, then statements for every existing provider."""
    directory = directory or REFERENCE_DATA
    report = LoadReport()
    with audit.suspended(session, "reference data loaded"):  # one summary, not a row each
        load_cohorts(session, directory / "cohorts.csv", report)
        load_schedules(session, directory / "schedules.csv", report)
        ensure_statements(session, read_statement_rows(directory / "statements.csv"), report=report)
    return report
