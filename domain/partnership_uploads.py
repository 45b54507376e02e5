"""A lead provider confirms its schools for a cohort by uploading a CSV of their URNs.

Three steps, each a function here so the pages stay thin (school-side spec §2.2–2.4):

1. :func:`start_upload` reads the file (:func:`read_urns`: size, type and shape are checked
   first) and keeps its URNs on the server in a ``partnership_uploads`` row, with the cohort
   and delivery partner chosen. The browser only ever holds the row's id.
2. :func:`check_upload` runs the checks on every row: the school checks are the API's own
   (``domain.partnerships``, so a URN fails here exactly when ``POST
   /api/v3/partnerships/ecf`` would refuse its school), plus "not a URN" and "twice in the
   file". Problems are worded for the page, not with the API's ``'#/school_id'`` messages.
3. :func:`confirm_upload` confirms every school that passes, through
   ``domain.partnerships.confirm_partnership`` (the challenge deadline and the routing of the
   school's training are the API's too), then emails each school, all in the caller's
   transaction: if anything fails, the caller rolls back and nothing is written.

Checks are run again at confirmation and compared with what the provider saw (a digest of the
schools listed), so a school that changed in between is never confirmed unseen.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock
from domain import partnerships as rules
from domain.accounts import (
    Links as AccountLinks,
)
from domain.accounts import (
    NominationRefused,
    TooManyRequests,
    gias_contact_email,
    send_nomination_link,
)
from domain.errors import RuleBroken
from integrations import email_templates as templates
from integrations.email import EmailMessage, EmailSender
from storage.models import (
    Cohort,
    DeliveryPartner,
    LeadProvider,
    Partnership,
    PartnershipUpload,
    ProviderRelationship,
    School,
    User,
)


class Links(AccountLinks, Protocol):
    """Where the schools' emails point: the account links, and the link with which a school
    challenges a partnership without signing in (``domain.partnerships.challenge_token``)."""

    def report_partnership(self, token: str) -> str: ...


#: The largest file accepted, as the original service (2 MB is tens of thousands of URNs).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: An upload not confirmed within this time is deleted when its uploader uploads again.
UPLOAD_KEPT_FOR = dt.timedelta(days=1)
_LOOKUP_CHUNK = 500
_DIGITS = re.compile(r"[0-9]+")

FILE_MISSING = "Select a CSV file"
FILE_EMPTY = "The selected file is empty"
FILE_NOT_CSV = "The selected file must be a CSV"
FILE_TOO_BIG = "The selected file must be smaller than 2MB"
FILE_NO_URNS = "The selected file does not contain any URNs"
COHORT_MISSING = "Select a cohort"
COHORT_NOT_YOURS = "Select a cohort you are contracted for"
PARTNER_MISSING = "Select a delivery partner"
PARTNER_NOT_IN_COHORT = (
    "Select a delivery partner who works with you in the {year} to {next_year} academic year"
)


class Problem(StrEnum):
    """Why a row of the file cannot be confirmed, in our words (the page's "Problem" column)."""

    NOT_A_URN = "This is not a URN: a URN is a number, like 123456"
    NOT_FOUND = "We cannot find a school with this URN"
    CIP_ONLY = "This school cannot have funded training from a lead provider"
    INELIGIBLE = "This school is not eligible for funded training"
    ALREADY_YOURS = "You have already confirmed this school for this cohort"
    OTHER_PROVIDER = "Another lead provider has confirmed this school for this cohort"
    PROGRAMME_NOT_CONFIRMED = "The school has not yet told us how it will train its teachers this cohort"
    DUPLICATE = "This school is already in the file, on row {row}"


#: The API's school rules (``domain.partnerships``), each with our wording for the page.
_API_RULES: dict[str, Problem] = {
    rules.SCHOOL_INVALID: Problem.NOT_FOUND,
    rules.SCHOOL_CIP_ONLY: Problem.CIP_ONLY,
    rules.SCHOOL_INELIGIBLE: Problem.INELIGIBLE,
    rules.SCHOOL_ALREADY_CONFIRMED: Problem.ALREADY_YOURS,
    rules.SCHOOL_RECRUITED_BY_OTHER_PROVIDER: Problem.OTHER_PROVIDER,
    rules.SCHOOL_PROGRAMME_NOT_YET_CONFIRMED: Problem.PROGRAMME_NOT_CONFIRMED,
}


class UploadChanged(Exception):
    """What would be confirmed is no longer what the provider was shown: check again."""


class AlreadyConfirmed(Exception):
    """The upload was confirmed before (a second press of the button, or another tab)."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    value: str
    problem: str
    school: School | None = None


@dataclass
class Check:
    """The outcome of the checks on an upload: rows with problems, and the schools to confirm."""

    upload: PartnershipUpload
    cohort: Cohort
    delivery_partner: DeliveryPartner
    problems: list[RowProblem] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.upload.rows)

    @property
    def digest(self) -> str:
        """Names exactly the schools listed, so confirming can tell if they changed since."""
        urns = "\n".join(sorted(school.urn for school in self.schools))
        return hashlib.sha256(urns.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SchoolNotice:
    """How a confirmed school was told: ``to`` is None when it has no address to write to."""

    school: School
    to: str | None
    template: str | None


# --- what a provider may choose ---------------------------------------------------------


def academic_year(year: int) -> str:
    return f"{year} to {year + 1}"


def provider_cohorts(session: Session, provider: LeadProvider) -> list[Cohort]:
    """The cohorts the provider is contracted for whose registration has opened, newest first."""
    today = clock.today()
    return sorted(
        (cohort for cohort in provider.cohorts if cohort.registration_start_date <= today),
        key=lambda cohort: cohort.start_year,
        reverse=True,
    )


def provider_delivery_partners(
    session: Session, provider: LeadProvider, cohorts: Sequence[Cohort]
) -> list[tuple[DeliveryPartner, list[int]]]:
    """The delivery partners the provider works with in any of ``cohorts``, by name, each with
    the years it may be chosen for."""
    if not cohorts:
        return []
    pairs = session.execute(
        sa.select(DeliveryPartner, Cohort.start_year)
        .join(ProviderRelationship, ProviderRelationship.delivery_partner_id == DeliveryPartner.id)
        .join(Cohort, Cohort.id == ProviderRelationship.cohort_id)
        .where(
            ProviderRelationship.lead_provider_id == provider.id,
            ProviderRelationship.discarded_at.is_(None),
            DeliveryPartner.discarded_at.is_(None),
            Cohort.id.in_([cohort.id for cohort in cohorts]),
        )
        .order_by(DeliveryPartner.name, DeliveryPartner.id, Cohort.start_year)
    ).all()
    partners: dict[uuid.UUID, tuple[DeliveryPartner, list[int]]] = {}
    for partner, year in pairs:
        partners.setdefault(partner.id, (partner, []))[1].append(year)
    return list(partners.values())


# --- step 1: the file -------------------------------------------------------------------


def read_urns(data: bytes, filename: str) -> list[list[object]]:
    """The entries of a CSV of URNs as ``[row_number, value]``, one per non-blank row.

    A URN is the first cell of a row; other cells are ignored. A first row with no digit in
    it is a header and skipped. Raises :class:`RuleBroken` on ``csv_file`` for a file that is
    missing, empty, too big, not a CSV, or has no URNs.
    """
    if not filename:
        raise RuleBroken.on("csv_file", FILE_MISSING)
    if len(data) > MAX_FILE_BYTES:
        raise RuleBroken.on("csv_file", FILE_TOO_BIG)
    if not filename.lower().endswith(".csv") or b"\x00" in data:
        raise RuleBroken.on("csv_file", FILE_NOT_CSV)
    if not data.strip():
        raise RuleBroken.on("csv_file", FILE_EMPTY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel on Windows; a URN is ASCII anyway
    entries: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            value = next((cell.strip() for cell in cells if cell.strip()), "")
            if not value:
                continue
            if not entries and not any(ch.isdigit() for ch in value):
                continue  # a header, whatever it is called
            entries.append([reader.line_num, value[:64]])
    except csv.Error as error:
        raise RuleBroken.on("csv_file", FILE_NOT_CSV) from error
    if not entries:
        raise RuleBroken.on("csv_file", FILE_NO_URNS)
    return entries


def start_upload(
    session: Session,
    provider: LeadProvider,
    user: User,
    *,
    cohort_year: str | None,
    delivery_partner_id: str | None,
    data: bytes,
    filename: str,
) -> PartnershipUpload:
    """Keep a checked file's URNs for this provider, cohort and delivery partner.

    Raises :class:`RuleBroken` with every problem, on ``cohort``, ``delivery_partner`` and
    ``csv_file``."""
    problems: list[tuple[str, str]] = []
    cohorts = {str(cohort.start_year): cohort for cohort in provider_cohorts(session, provider)}
    cohort = cohorts.get(cohort_year or "")
    if not cohort_year:
        problems.append(("cohort", COHORT_MISSING))
    elif cohort is None:
        problems.append(("cohort", COHORT_NOT_YOURS))
    partner = None
    if not delivery_partner_id:
        problems.append(("delivery_partner", PARTNER_MISSING))
    else:
        partners = {
            str(p.id): (p, years)
            for p, years in provider_delivery_partners(session, provider, list(cohorts.values()))
        }
        found = partners.get(delivery_partner_id)
        if found is None:
            problems.append(("delivery_partner", PARTNER_MISSING))
        elif cohort is not None and cohort.start_year not in found[1]:
            problems.append(
                (
                    "delivery_partner",
                    PARTNER_NOT_IN_COHORT.format(year=cohort.start_year, next_year=cohort.start_year + 1),
                )
            )
        else:
            partner = found[0]
    try:
        rows = read_urns(data, filename)
    except RuleBroken as error:
        problems.extend(error.errors)
    if problems:
        raise RuleBroken(problems)
    assert cohort is not None and partner is not None
    session.execute(
        sa.delete(PartnershipUpload).where(
            PartnershipUpload.user_id == user.id,
            PartnershipUpload.created_at < clock.now() - UPLOAD_KEPT_FOR,
        )
    )
    upload = PartnershipUpload(
        lead_provider_id=provider.id,
        user_id=user.id,
        cohort_id=cohort.id,
        delivery_partner_id=partner.id,
        rows=rows,
        created_at=clock.now(),
    )
    session.add(upload)
    session.flush()
    return upload


def find_upload(
    session: Session, provider: LeadProvider, upload_id: str, *, for_update: bool = False
) -> PartnershipUpload | None:
    """The provider's own upload with that id, or None (another provider's is never found)."""
    try:
        found = uuid.UUID(upload_id)
    except ValueError:
        return None
    query = sa.select(PartnershipUpload).where(
        PartnershipUpload.id == found, PartnershipUpload.lead_provider_id == provider.id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


# --- step 2: the checks -----------------------------------------------------------------


def check_upload(session: Session, upload: PartnershipUpload) -> Check:
    """Run every check on every row, in file order; the first occurrence of a school is
    checked, later ones are duplicates."""
    cohort = session.get(Cohort, upload.cohort_id)
    partner = session.get(DeliveryPartner, upload.delivery_partner_id)
    assert cohort is not None and partner is not None
    check = Check(upload=upload, cohort=cohort, delivery_partner=partner)
    schools = _schools_by_urn(session, [str(value) for _, value in upload.rows])
    first_row: dict[uuid.UUID, int] = {}
    for row, raw in upload.rows:
        row_number, value = int(str(row)), str(raw)
        if not _DIGITS.fullmatch(value):
            check.problems.append(RowProblem(row_number, value, Problem.NOT_A_URN))
            continue
        school = schools.get(value) or schools.get(value.lstrip("0"))
        if school is None:
            check.problems.append(RowProblem(row_number, value, Problem.NOT_FOUND))
            continue
        if school.id in first_row:
            message = Problem.DUPLICATE.format(row=first_row[school.id])
            check.problems.append(RowProblem(row_number, value, message, school))
            continue
        first_row[school.id] = row_number
        broken = rules._school_problem(session, upload.lead_provider_id, school, cohort)
        if broken is not None:
            check.problems.append(RowProblem(row_number, value, _API_RULES[broken], school))
        else:
            check.schools.append(school)
    return check


def _schools_by_urn(session: Session, values: list[str]) -> dict[str, School]:
    """Schools by URN, in a few queries whatever the file's size; a URN written with leading
    zeros (a spreadsheet's doing) is found without them too."""
    wanted = sorted(
        {v for v in values if _DIGITS.fullmatch(v)} | {v.lstrip("0") for v in values if _DIGITS.fullmatch(v)}
    )
    found: dict[str, School] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        for school in session.scalars(sa.select(School).where(School.urn.in_(chunk))):
            found[school.urn] = school
    return found


# --- step 3: confirming -----------------------------------------------------------------


def confirm_upload(
    session: Session,
    upload: PartnershipUpload,
    shown: str,
    *,
    secret_key: str,
    sender: EmailSender,
    links: Links,
) -> list[SchoolNotice]:
    """Confirm every school that passes the checks, if they are still the ones the provider
    was shown (``shown`` is :attr:`Check.digest` as the page had it), and email each school.

    Raises :class:`AlreadyConfirmed`, :class:`UploadChanged`, or :class:`RuleBroken` when a
    school changed during the confirmation itself; the caller then rolls back."""
    if upload.confirmed_at is not None:
        raise AlreadyConfirmed(str(upload.id))
    check = check_upload(session, upload)
    if not check.schools or check.digest != shown:
        raise UploadChanged(str(upload.id))
    provider = session.get(LeadProvider, upload.lead_provider_id)
    assert provider is not None
    confirmed = [
        (
            school,
            rules.confirm_partnership(
                session,
                provider.id,
                cohort=str(check.cohort.start_year),
                school_id=str(school.id),
                delivery_partner_id=str(check.delivery_partner.id),
            ),
        )
        for school in check.schools
    ]
    notices = [
        _tell_school(
            session,
            school,
            provider=provider,
            partner=check.delivery_partner,
            cohort=check.cohort,
            partnership=partnership,
            secret_key=secret_key,
            sender=sender,
            links=links,
        )
        for school, partnership in confirmed
    ]
    upload.confirmed_at = clock.now()
    upload.confirmed_count = len(confirmed)
    session.flush()
    return notices


class _Capture:
    """An :class:`EmailSender` that keeps the message instead of sending it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)


def _tell_school(
    session: Session,
    school: School,
    *,
    provider: LeadProvider,
    partner: DeliveryPartner,
    cohort: Cohort,
    partnership: Partnership,
    secret_key: str,
    sender: EmailSender,
    links: Links,
) -> SchoolNotice:
    """Email the induction tutor; a school without one gets, at its GIAS address, a link to
    name one in the same email (made by ``domain.accounts``, so it is an ordinary nomination
    link). A school with neither address is reported, not emailed. Both emails carry the link
    to challenge the partnership, which needs no sign-in (school-side spec §2.4)."""
    deadline = partnership.challenge_deadline or clock.now()
    personalisation = {
        "lead_provider_name": provider.name,
        "delivery_partner_name": partner.name,
        "school_name": school.name,
        "urn": school.urn,
        "academic_year": academic_year(cohort.start_year),
        "challenge_deadline": f"{deadline.day} {deadline:%B %Y}",
        "challenge_url": links.report_partnership(rules.challenge_token(partnership, secret_key)),
    }
    tutor = school.induction_tutor
    if tutor is not None:
        personalisation |= {"full_name": tutor.full_name, "sign_in_page_url": links.sign_in_page()}
        template = templates.PARTNERSHIP_CONFIRMED_TUTOR
        to: str | None = tutor.email
    else:
        to = gias_contact_email(school)
        if to is None:
            return SchoolNotice(school, None, None)
        capture = _Capture()
        try:
            send_nomination_link(session, school, secret_key=secret_key, sender=capture, links=links)
            nomination_url = capture.messages[0].personalisation["nomination_url"]
        except (TooManyRequests, NominationRefused):
            # A link went to this address minutes ago (or too many today): it still works,
            # and the request-access page sends another when needed.
            nomination_url = links.request_access()
        personalisation |= {"nomination_url": str(nomination_url), "support_email": links.support_email}
        template = templates.PARTNERSHIP_CONFIRMED_SCHOOL
    sender.send(EmailMessage(to=to, template=template, personalisation=personalisation))
    return SchoolNotice(school, to, template)
