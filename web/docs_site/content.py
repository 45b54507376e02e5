"""What the pages read besides the specs: release notes and the reference data CSVs.

Read from the files on each request (they are small), so the site shows whatever the
release-note generator and the reference data hold now, with nothing to rebuild.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from cpd.config import PROJECT_ROOT
from domain.reference import REFERENCE_DATA, StatementRow, parse_date, read_statement_rows
from web.docs_site.rendering import render_markdown

RELEASE_NOTES = PROJECT_ROOT / "release-notes"
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)(.*)$")


@dataclass(frozen=True)
class ReleaseNote:
    version: str
    title: str
    anchor: str
    html: Markup


def _version_key(stem: str) -> tuple[int, tuple[int, ...], int, str]:
    """Semantic-version order: 0.10.0 after 0.9.0, and 1.0.0-rc.1 before 1.0.0; names that
    are not versions sort after every version."""
    match = _VERSION.match(stem)
    if not match:
        return (0, (), 0, stem)
    numbers = tuple(int(part) for part in match.group(1).split("."))
    numbers += (0,) * (3 - len(numbers))
    suffix = match.group(2)
    return (1, numbers, 0 if suffix else 1, suffix)


def release_anchor(stem: str) -> str:
    return "release-" + re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()


def release_notes(directory: Path = RELEASE_NOTES) -> list[ReleaseNote]:
    """Every release's notes (README.md is the repository's index, not a release), newest first."""
    paths = [path for path in directory.glob("*.md") if path.name.lower() != "readme.md"]
    stems = {path.stem for path in paths}

    def rewrite(href: str) -> str | None:
        target = href.split("#", 1)[0]
        if target.endswith(".md") and "/" not in target and target[:-3] in stems:
            return "#" + release_anchor(target[:-3])
        return href if href.startswith(("/", "#", "https://", "http://", "mailto:")) else None

    notes = []
    for path in sorted(paths, key=lambda p: _version_key(p.stem), reverse=True):
        text = path.read_text(encoding="utf-8")
        lines = text.lstrip().splitlines()
        title = path.stem
        if lines and lines[0].startswith("# "):
            title = lines[0][2:].strip()
            text = "\n".join(lines[1:])
        notes.append(
            ReleaseNote(path.stem, title, release_anchor(path.stem), render_markdown(text, 3, rewrite))
        )
    return notes


@dataclass(frozen=True)
class Milestone:
    declaration_type: str
    name: str
    start_date: dt.date
    milestone_date: dt.date | None
    payment_date: dt.date | None


@dataclass(frozen=True)
class ScheduleTable:
    cohort: int
    identifier: str
    name: str
    milestones: list[Milestone]

    @property
    def anchor(self) -> str:
        return f"schedule-{self.cohort}-{self.identifier}"


@dataclass(frozen=True)
class CohortRow:
    start_year: int
    registration_start_date: dt.date | None
    academic_year_start_date: dt.date | None
    payments_frozen_at: dt.date | None
    mentor_funding: bool
    detailed_evidence_types: bool


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {key.strip(): (value or "").strip() for key, value in row.items() if key}
            for row in csv.DictReader(handle)
            if any((value or "").strip() for value in row.values())
        ]


def _date(value: str) -> dt.date | None:
    return parse_date(value) if value else None


def schedules(path: Path = REFERENCE_DATA / "schedules.csv") -> dict[int, list[ScheduleTable]]:
    """Schedules by cohort, newest cohort first; schedules and milestones in the file's order."""
    grouped: dict[tuple[int, str], tuple[str, list[Milestone]]] = {}
    for row in _read(path):
        key = (int(row["schedule-cohort-year"]), row["schedule-identifier"])
        _name, milestones = grouped.setdefault(key, (row["schedule-name"], []))
        milestones.append(
            Milestone(
                declaration_type=row["milestone-declaration-type"],
                name=row["milestone-name"],
                start_date=parse_date(row["milestone-start-date"]),
                milestone_date=_date(row["milestone-date"]),
                payment_date=_date(row.get("milestone-payment-date", "")),
            )
        )
    by_cohort: dict[int, list[ScheduleTable]] = defaultdict(list)
    for (cohort, identifier), (name, milestones) in grouped.items():
        by_cohort[cohort].append(ScheduleTable(cohort, identifier, name, milestones))
    return {cohort: by_cohort[cohort] for cohort in sorted(by_cohort, reverse=True)}


def cohorts(path: Path = REFERENCE_DATA / "cohorts.csv") -> list[CohortRow]:
    rows = [
        CohortRow(
            start_year=int(row["start-year"]),
            registration_start_date=_date(row.get("registration-start-date", "")),
            academic_year_start_date=_date(row.get("academic-year-start-date", "")),
            payments_frozen_at=_date(row.get("payments-frozen-at", "")),
            mentor_funding=row.get("mentor-funding", "").lower() == "true",
            detailed_evidence_types=row.get("detailed-evidence-types", "").lower() == "true",
        )
        for row in _read(path)
    ]
    return sorted(rows, key=lambda row: row.start_year, reverse=True)


def output_statements() -> dict[int, list[StatementRow]]:
    """The statements that take declarations (output fee), by cohort, newest cohort first,
    each cohort's in payment order; cut-off dates as the service applies them."""
    grouped: dict[int, list[StatementRow]] = defaultdict(list)
    for row in read_statement_rows():
        if row.output_fee:
            grouped[row.cohort_year].append(row)
    return {
        cohort: sorted(grouped[cohort], key=lambda row: row.payment_date)
        for cohort in sorted(grouped, reverse=True)
    }
