"""Checking a participant's details against their teacher record (school-side spec §1.6).

A school gives a TRN, date of birth and name (and, when nothing is found, a National
Insurance number). We compare four things with the record the API returns: TRN, date of
birth, National Insurance number and name. **Three or more make a match.** The name counts
when the first names agree, ignoring case and titles (Mr, Dr…), because schools and the
record often differ in middle names and surnames change.

When the TRN matched but fewer than three did, we ask again with a placeholder TRN so the
API can find the person by National Insurance number and date of birth instead: that catches
a mistyped TRN that happens to be someone else's. When the TRN and date of birth match but
the name does not, the result says so (:attr:`RecordCheck.name_mismatch`), which is when a
school is asked whether the person is known by another name and can try again with the name
on their teacher record.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from domain.errors import RuleBroken
from integrations.teacher_records import TeacherRecord, TeacherRecordLookup

#: No teacher has this TRN, so the API can only match on National Insurance number.
PLACEHOLDER_TRN = "0000001"
TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev"})
MATCHES_NEEDED = 3
#: DWP's format: two prefix letters (not D, F, I, Q, U or V; the second not O; not the
#: prefixes never issued), six digits, and a suffix A to D.
_NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")

TRN = "trn"
DATE_OF_BIRTH = "date_of_birth"
NINO = "nino"
NAME = "name"


def normalise_trn(raw: str) -> str:
    """The TRN as the API wants it: its digits, whatever else was typed (``RP99/12345``
    gives 9912345), 5 to 7 of them, padded to 7 with leading zeros."""
    digits = re.sub(r"\D", "", raw or "")
    if not (raw or "").strip():
        raise RuleBroken.on("trn", "Enter the teacher reference number (TRN)")
    if len(digits) < 5:
        raise RuleBroken.on("trn", "The teacher reference number (TRN) must have at least 5 digits")
    if len(digits) > 7:
        raise RuleBroken.on("trn", "The teacher reference number (TRN) must have no more than 7 digits")
    return digits.zfill(7)


def normalise_nino(raw: str) -> str:
    """Upper case without spaces; refused unless it is in DWP's format."""
    nino = re.sub(r"\s", "", raw or "").upper()
    if not nino:
        raise RuleBroken.on("nino", "Enter a National Insurance number")
    if not _NINO.match(nino):
        raise RuleBroken.on(
            "nino", "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
        )
    return nino


def first_name(full_name: str) -> str:
    words = [word for word in re.split(r"\s+", full_name.strip()) if word]
    while words and words[0].rstrip(".").casefold() in TITLES:
        words = words[1:]
    return words[0].casefold() if words else ""


def names_match(given: str, on_record: str, *, first_name_only: bool = True) -> bool:
    if first_name_only:
        return bool(first_name(given)) and first_name(given) == first_name(on_record)
    return " ".join(given.split()).casefold() == " ".join(on_record.split()).casefold()


@dataclass(frozen=True)
class RecordCheck:
    """The outcome of one check: the record found (if any) and which details agreed."""

    record: TeacherRecord | None
    matched: frozenset[str] = frozenset()

    @property
    def found(self) -> bool:
        return self.record is not None

    @property
    def is_match(self) -> bool:
        return self.record is not None and len(self.matched) >= MATCHES_NEEDED

    @property
    def name_mismatch(self) -> bool:
        """TRN and date of birth agree but the name does not: ask about another name."""
        return (
            self.record is not None
            and not self.is_match
            and {TRN, DATE_OF_BIRTH} <= self.matched
            and NAME not in self.matched
        )


def _compare(
    record: TeacherRecord | None,
    *,
    full_name: str,
    trn: str,
    date_of_birth: dt.date,
    nino: str | None,
    first_name_only: bool,
) -> RecordCheck:
    if record is None or not record.active:
        return RecordCheck(None)
    matched = set()
    if record.trn.zfill(7) == trn:
        matched.add(TRN)
    if record.date_of_birth == date_of_birth:
        matched.add(DATE_OF_BIRTH)
    if (
        nino
        and record.national_insurance_number
        and record.national_insurance_number.replace(" ", "").upper() == nino
    ):
        matched.add(NINO)
    if names_match(full_name, record.full_name, first_name_only=first_name_only):
        matched.add(NAME)
    return RecordCheck(record, frozenset(matched))


def check_teacher_record(
    lookup: TeacherRecordLookup,
    *,
    full_name: str,
    trn: str,
    date_of_birth: dt.date,
    nino: str | None = None,
    first_name_only: bool = True,
) -> RecordCheck:
    """Look the person up and say whether the record is theirs (see the module's docstring).

    ``trn`` and ``nino`` may be as typed; they are normalised here (:class:`RuleBroken` on
    ``trn`` or ``nino`` when they cannot be). The lookup's
    :class:`~integrations.teacher_records.TeacherRecordServiceError` passes through.
    """
    trn = normalise_trn(trn)
    nino = normalise_nino(nino) if nino else None
    details = {
        "full_name": full_name,
        "date_of_birth": date_of_birth,
        "nino": nino,
        "first_name_only": first_name_only,
    }
    result = _compare(lookup.find(trn, date_of_birth, nino), trn=trn, **details)  # type: ignore[arg-type]
    if nino and result.found and TRN in result.matched and not result.is_match:
        retry = _compare(lookup.find(PLACEHOLDER_TRN, date_of_birth, nino), trn=trn, **details)  # type: ignore[arg-type]
        if retry.is_match:
            return retry
    return result
