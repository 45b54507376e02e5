"""A client for the teacher record API (the Teaching Regulation Agency's record of teachers).

``GET {base}/v1/teachers/{trn}?birthdate=YYYY-MM-DD[&nino=…]`` with ``Authorization: Bearer
{key}`` answers 200 with the record, or 404 when no record matches. The API finds a record by
TRN together with the date of birth or the National Insurance number, or else by National
Insurance number and date of birth; which of the details we sent actually match is decided
by ``domain.teacher_records``. The JSON shape is the one DQT's v1 API uses:

```json
{"trn": "1234567", "name": "Alex Smith", "dob": "1990-05-01", "ni_number": "AB123456C",
 "state_name": "Active", "active_alert": false,
 "qualified_teacher_status": {"qts_date": "2021-07-20"},
 "induction": {"start_date": "2021-09-01", "completion_date": null, "status": "InProgress"}}
```

``integrations.fakes.teacher_record_server`` serves the same API from a CSV file for
development, the sandbox and tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from cpd.config import Settings

TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class TeacherRecord:
    trn: str
    full_name: str
    date_of_birth: dt.date | None
    national_insurance_number: str | None
    active: bool
    active_alert: bool
    qts_date: dt.date | None
    induction_start_date: dt.date | None
    induction_completion_date: dt.date | None
    induction_status: str | None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TeacherRecord:
        qts = body.get("qualified_teacher_status") or {}
        induction = body.get("induction") or {}
        return cls(
            trn=str(body.get("trn") or ""),
            full_name=str(body.get("name") or ""),
            date_of_birth=_date(body.get("dob")),
            national_insurance_number=body.get("ni_number") or None,
            active=body.get("state_name") == "Active",
            active_alert=bool(body.get("active_alert")),
            qts_date=_date(qts.get("qts_date")),
            induction_start_date=_date(induction.get("start_date")),
            induction_completion_date=_date(induction.get("completion_date")),
            induction_status=induction.get("status") or None,
        )


def _date(value: object) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class TeacherRecordLookup(Protocol):
    """What ``domain.teacher_records`` needs: one lookup, None when nothing matches."""

    def find(self, trn: str, date_of_birth: dt.date, nino: str | None = None) -> TeacherRecord | None: ...


class TeacherRecordServiceError(RuntimeError):
    """The API could not answer (down, too slow, refused our key): try again later. Never
    read as "no record", which would send a school down the wrong path."""


class TeacherRecordsNotConfigured(TeacherRecordServiceError):
    """Production without ``TEACHER_RECORD_API_URL`` and ``TEACHER_RECORD_API_KEY``."""


class TeacherRecordClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.transport = transport

    def find(self, trn: str, date_of_birth: dt.date, nino: str | None = None) -> TeacherRecord | None:
        params = {"birthdate": date_of_birth.isoformat()}
        if nino:
            params["nino"] = nino
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.get(
                    f"{self.base_url}/v1/teachers/{quote(trn, safe='')}",
                    params=params,
                    headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"},
                )
        except httpx.HTTPError as error:
            raise TeacherRecordServiceError(f"the teacher record API did not answer: {error}") from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise TeacherRecordServiceError(f"the teacher record API answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise TeacherRecordServiceError(
                "the teacher record API answered with something other than JSON"
            ) from error
        if not isinstance(body, dict):
            raise TeacherRecordServiceError("the teacher record API answered with an unexpected body")
        return TeacherRecord.from_json(body)


def client_for(settings: Settings) -> TeacherRecordClient:
    """The configured API (outside production, the local fake by default)."""
    if not settings.teacher_record_api_url or not settings.teacher_record_api_key:
        raise TeacherRecordsNotConfigured(
            "TEACHER_RECORD_API_URL and TEACHER_RECORD_API_KEY are not both set"
        )
    return TeacherRecordClient(settings.teacher_record_api_url, settings.teacher_record_api_key)
