"""Schools from GIAS, the Department's register of establishments ("Get information about
schools"), read from its establishment CSV (the ``edubasealldata`` layout).

What an import does (school-side spec §5):

- a school already here is updated from its row (every column the file has); one whose
  status stops being open is reported as closed;
- a school not here yet is created only if it is open, in England (administrative district
  ``E…`` or ``9999``) and of a type that can use the service (funded provider-led or
  school-led training, or section 41 approved); other new rows are skipped;
- schools missing from the file are left alone (a file may be a part of the register).

The file is checked whole before anything is written: a missing column, a duplicate URN or
a bad value stops the import with the line numbers. The real file is Windows-1252; UTF-8 (with
or without a byte-order mark) is read too. Moving a closed school's participants to its
successor is not done here (the spec's staged changes); closing only records the status.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.schools import (
    CIP_ONLY_TYPE_CODES,
    ELIGIBLE_TYPE_CODES,
    NON_ENGLISH_OVERRIDE_DISTRICT,
    OPEN_STATUS_CODES,
)
from storage.models import School

URN = "URN"
REQUIRED_COLUMNS = (
    URN,
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)",
    "EstablishmentStatus (code)",
    "EstablishmentStatus (name)",
    "LA (code)",
    "LA (name)",
    "Postcode",
)
#: Columns read when present. MainEmail and AlternativeEmail are only in the extract GIAS
#: gives the Department, not in the public download.
SECTION_41_COLUMNS = ("Section41Approved (name)", "Section41Approved (code)", "Section41Approved")
MAX_ERRORS_SHOWN = 5


class GiasFileError(ValueError):
    """The file cannot be imported; the message says where and why, on one line."""


@dataclass(frozen=True)
class Column:
    """One School attribute and how it is read from the file."""

    attribute: str
    source: str | tuple[str, ...]
    kind: str = "text"  # text | int | email | bool41 | lines
    required: bool = False
    max_length: int = 255


COLUMNS = (
    Column("name", "EstablishmentName", required=True),
    Column("school_type_code", "TypeOfEstablishment (code)", kind="int", required=True),
    Column("school_type_name", "TypeOfEstablishment (name)"),
    Column("school_status_code", "EstablishmentStatus (code)", kind="int", required=True),
    Column("school_status_name", "EstablishmentStatus (name)", max_length=128),
    Column("la_code", "LA (code)", max_length=16),
    Column("la_name", "LA (name)"),
    Column("postcode", "Postcode", max_length=16),
    Column("ukprn", "UKPRN", max_length=16),
    Column("school_phase_type", "PhaseOfEducation (code)", kind="int"),
    Column("school_phase_name", "PhaseOfEducation (name)", max_length=128),
    Column("address_line1", "Street"),
    Column("address_line2", ("Locality", "Address3"), kind="lines"),
    Column("address_line3", "Town"),
    Column("school_website", "SchoolWebsite"),
    Column("administrative_district_code", "DistrictAdministrative (code)", max_length=16),
    Column("administrative_district_name", "DistrictAdministrative (name)"),
    Column("section_41_approved", SECTION_41_COLUMNS, kind="bool41"),
    Column("primary_contact_email", "MainEmail", kind="email", max_length=320),
    Column("secondary_contact_email", "AlternativeEmail", kind="email", max_length=320),
)


@dataclass(frozen=True)
class Establishment:
    """One row of the file: its line number, URN and the School attributes it gives."""

    line: int
    urn: str
    values: dict[str, Any]

    @property
    def open(self) -> bool:
        return self.values["school_status_code"] in OPEN_STATUS_CODES

    @property
    def in_scope(self) -> bool:
        """What the service keeps of GIAS: English, and a type that can use the service."""
        district = self.values.get("administrative_district_code") or ""
        english = district.startswith("E") or district == NON_ENGLISH_OVERRIDE_DISTRICT
        type_code = self.values["school_type_code"]
        return english and (
            type_code in ELIGIBLE_TYPE_CODES
            or type_code in CIP_ONLY_TYPE_CODES
            or bool(self.values.get("section_41_approved"))
        )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    skipped: int = 0
    created_urns: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        closed = f" ({self.closed} closed)" if self.closed else ""
        return (
            f"Created {self.created} school{'' if self.created == 1 else 's'}, updated {self.updated}{closed}, "
            f"{self.unchanged} unchanged, {self.skipped} skipped (new but closed, outside England or not a "
            "type that can use the service)"
        )


# --- reading the file ------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped) when the bytes are UTF-8, else Windows-1252,
    which is what GIAS publishes."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # the few bytes Windows-1252 leaves undefined
        return raw.decode("latin-1")


def parse(text: str) -> list[Establishment]:
    """Every row of the file, checked; :class:`GiasFileError` lists what is wrong."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise GiasFileError("the file is empty: expected a GIAS establishment CSV with a header row")
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise GiasFileError(
            f"not a GIAS establishment file: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    present = [column for column in COLUMNS if any(source in header for source in _sources(column))]
    rows: list[Establishment] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line
        try:
            establishment = _establishment(line, row, present)
        except ValueError as error:
            errors.append(f"line {line}: {error}")
            continue
        if establishment.urn in seen:
            errors.append(f"line {line}: URN {establishment.urn} is also on line {seen[establishment.urn]}")
            continue
        seen[establishment.urn] = line
        rows.append(establishment)
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise GiasFileError("; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    return rows


def _sources(column: Column) -> tuple[str, ...]:
    return column.source if isinstance(column.source, tuple) else (column.source,)


def _establishment(line: int, row: dict[str, Any], columns: Iterable[Column]) -> Establishment:
    urn = (row.get(URN) or "").strip()
    if not re.fullmatch(r"\d{6,7}", urn):
        raise ValueError(f"URN must be 6 or 7 digits, not {urn!r}" if urn else "URN is empty")
    values: dict[str, Any] = {}
    for column in columns:
        raws = [(row.get(source) or "").strip() for source in _sources(column) if source in row]
        values[column.attribute] = _value(column, raws)
    return Establishment(line, urn, values)


def _value(column: Column, raws: list[str]) -> Any:
    if column.kind == "lines":
        text = ", ".join(raw for raw in raws if raw)
    else:
        text = next((raw for raw in raws if raw), "")
    if not text:
        if column.required:
            raise ValueError(f"{_sources(column)[0]} is empty")
        return False if column.kind == "bool41" else None
    if column.kind == "int":
        if not text.isdigit():
            raise ValueError(f"{_sources(column)[0]} must be a number, not {text!r}")
        return int(text)
    if column.kind == "bool41":
        return text.lower() in ("approved", "1", "true", "yes")
    if column.kind == "email":
        return text if "@" in text and len(text) <= column.max_length else None
    if len(text) > column.max_length:
        raise ValueError(f"{_sources(column)[0]} is longer than {column.max_length} characters")
    return text


# --- importing -------------------------------------------------------------------------


def import_establishments(
    session: Session, establishments: list[Establishment], progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Create, update and close schools from the rows (in the caller's transaction).

    Idempotent: importing the same file again changes nothing. ``progress`` is called with
    the number of rows done since its last call.
    """
    report = ImportReport()
    existing = {
        school.urn: school
        for chunk in _chunks([row.urn for row in establishments], 500)
        for school in session.scalars(sa.select(School).where(School.urn.in_(chunk)))
    }
    for done, row in enumerate(establishments, start=1):
        school = existing.get(row.urn)
        if school is None:
            if row.open and row.in_scope:
                session.add(School(urn=row.urn, **row.values))
                report.created += 1
                report.created_urns.append(row.urn)
            else:
                report.skipped += 1
        else:
            was_open = school.school_status_code in OPEN_STATUS_CODES
            changed = False
            for attribute, value in row.values.items():
                if getattr(school, attribute) != value:
                    setattr(school, attribute, value)
                    changed = True
            if changed:
                report.updated += 1
                if was_open and not row.open:
                    report.closed += 1
            else:
                report.unchanged += 1
        if progress is not None and (done % 200 == 0 or done == len(establishments)):
            progress(200 if done % 200 == 0 else done % 200)
        if done % 1000 == 0:
            session.flush()
    session.flush()
    return report


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
