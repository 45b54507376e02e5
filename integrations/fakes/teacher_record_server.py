"""A local stand-in for the teacher record API, serving made-up teachers from a CSV file.

It speaks the API ``integrations.teacher_records`` uses (``GET /v1/teachers/{trn}`` with
``birthdate`` and optional ``nino``, bearer key) and finds records the way the real one does:
by TRN with the date of birth or the National Insurance number, else by National Insurance
number with the date of birth. ``make run`` starts it (``cpd fakes teacher-records``) and the
tests start one per test module on a free port. Standard library only: it must start fast.

The CSV columns: trn, full_name, date_of_birth, national_insurance_number, state (Active or
Inactive), active_alert (true/false), qts_date, induction_start_date,
induction_completion_date, induction_status. Dates are YYYY-MM-DD; blank means none.
"""

from __future__ import annotations

import csv
import hmac
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cpd.config import FAKE_TEACHER_RECORD_API_KEY, PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT / "sandbox-data" / "teacher-records.csv"
COLUMNS = (
    "trn",
    "full_name",
    "date_of_birth",
    "national_insurance_number",
    "state",
    "active_alert",
    "qts_date",
    "induction_start_date",
    "induction_completion_date",
    "induction_status",
)
_PATH = re.compile(r"^/v1/teachers/([^/]+)$")
log = logging.getLogger("cpd.fakes")


class DataFileError(ValueError):
    """The records file cannot be read as records."""


@dataclass(frozen=True)
class FakeRecord:
    row: dict[str, str]

    @property
    def trn(self) -> str:
        return self.row["trn"].zfill(7)

    @property
    def date_of_birth(self) -> str:
        return self.row["date_of_birth"]

    @property
    def nino(self) -> str:
        return self.row["national_insurance_number"].replace(" ", "").upper()

    def as_json(self) -> dict[str, Any]:
        row = self.row
        return {
            "trn": self.trn,
            "name": row["full_name"],
            "dob": row["date_of_birth"] or None,
            "ni_number": self.nino or None,
            "state": 0 if row["state"] == "Active" else 1,
            "state_name": row["state"] or "Active",
            "active_alert": row["active_alert"].strip().lower() in ("true", "yes", "1"),
            "qualified_teacher_status": {"qts_date": row["qts_date"] or None} if row["qts_date"] else None,
            "induction": {
                "start_date": row["induction_start_date"] or None,
                "completion_date": row["induction_completion_date"] or None,
                "status": row["induction_status"] or None,
            }
            if row["induction_start_date"] or row["induction_status"]
            else None,
        }


def load_records(path: Path = DEFAULT_DATA) -> list[FakeRecord]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                raise DataFileError(f"{path}: missing columns {', '.join(missing)}")
            return [
                FakeRecord({key: (value or "").strip() for key, value in row.items() if key})
                for row in reader
            ]
    except OSError as error:
        raise DataFileError(f"cannot read {path}: {error.strerror or error}") from error


def find(records: Iterable[FakeRecord], trn: str, birthdate: str, nino: str | None) -> FakeRecord | None:
    """By TRN with date of birth or NINO; else by NINO with date of birth."""
    trn = trn.zfill(7)
    nino = (nino or "").replace(" ", "").upper() or None
    records = list(records)
    for record in records:
        if record.trn == trn and (
            record.date_of_birth == birthdate or (nino is not None and record.nino == nino)
        ):
            return record
    if nino is not None:
        for record in records:
            if record.nino == nino and record.date_of_birth == birthdate:
                return record
    return None


def make_server(
    records: list[FakeRecord],
    host: str = "127.0.0.1",
    port: int = 8700,
    api_key: str = FAKE_TEACHER_RECORD_API_KEY,
) -> ThreadingHTTPServer:
    expected = f"Bearer {api_key}"

    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeTeacherRecords/1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/health":
                self._json(HTTPStatus.OK, {"status": "ok", "records": len(records)})
                return
            if not hmac.compare_digest(self.headers.get("Authorization", ""), expected):
                self._json(HTTPStatus.UNAUTHORIZED, {"title": "Unauthorised"})
                return
            match = _PATH.match(url.path)
            if match is None:
                self._json(HTTPStatus.NOT_FOUND, {"title": "Not found"})
                return
            query = parse_qs(url.query)
            birthdate = (query.get("birthdate") or [""])[0]
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birthdate):
                self._json(HTTPStatus.BAD_REQUEST, {"title": "birthdate must be YYYY-MM-DD"})
                return
            record = find(records, match.group(1), birthdate, (query.get("nino") or [None])[0])
            if record is None:
                self._json(HTTPStatus.NOT_FOUND, {"title": "No teacher matches"})
            else:
                self._json(HTTPStatus.OK, record.as_json())

        def _json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)


@contextmanager
def running(
    records: list[FakeRecord] | None = None, api_key: str = FAKE_TEACHER_RECORD_API_KEY
) -> Iterator[str]:
    """A server on a free local port in a background thread; yields its base URL."""
    server = make_server(load_records() if records is None else records, port=0, api_key=api_key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
