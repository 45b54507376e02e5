"""Confirming a partnership with a school, and changing its delivery partner.

These are the rules of business-rules §5.2 and §5.3, shared by the API (``POST`` and
``PUT /api/v3/partnerships/ecf``) and, later, the provider's web pages. Inputs arrive as
the caller sent them (strings, numbers, ``None``) because a blank or malformed value is
a rule with its own message, never a server error. Each function works inside the
caller's transaction and leaves committing to it.

Telling the school when a provider confirms it is ``domain.partnership_uploads``' work (the
seven-day reminder of the original is not built); its email carries a signed link
(:func:`challenge_token`) with which the school can challenge without signing in, until the
challenge deadline. A challenge emails every user of the provider.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import audit, clock
from domain.accounts import Links
from domain.errors import RuleBroken
from domain.schools import is_cip_only, is_eligible
from integrations import email_templates as templates
from integrations.email import EmailMessage, EmailSender
from storage.enums import ChallengeReason, InductionProgrammeChoice, InductionStatus, TrainingProgramme
from storage.models import (
    Cohort,
    DeliveryPartner,
    InductionProgramme,
    InductionRecord,
    LeadProvider,
    LeadProviderUser,
    Partnership,
    ProviderRelationship,
    School,
    SchoolCohort,
)

COHORT_BLANK = "Enter a '#/cohort'."
COHORT_INVALID = "The '#/cohort' you have entered is invalid. Check cohort details and try again."
SCHOOL_BLANK = "Enter a '#/school_id'."
SCHOOL_INVALID = (
    "The '#/school_id' you have entered is invalid. Check school details and try again. "
    "Contact the DfE for support if you are unable to find the '#/school_id'."
)
SCHOOL_CIP_ONLY = (
    "The school you have entered has not registered to deliver DfE-funded training. "
    "Contact the school for more information."
)
SCHOOL_INELIGIBLE = (
    "The school you have entered is currently ineligible for DfE funding. "
    "Contact the school for more information."
)
SCHOOL_ALREADY_CONFIRMED = (
    "You are already in a confirmed partnership with this school for the entered cohort."
)
SCHOOL_RECRUITED_BY_OTHER_PROVIDER = (
    "Another provider is in a confirmed partnership with the school for the cohort you entered. "
    "Contact the school for more information."
)
SCHOOL_PROGRAMME_NOT_YET_CONFIRMED = (
    "The school you have entered has not yet confirmed they will deliver DfE-funded training. "
    "Contact the school for more information."
)
DELIVERY_PARTNER_BLANK = "Enter a '#/delivery_partner_id'."
DELIVERY_PARTNER_INVALID = (
    "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again."
)
DELIVERY_PARTNER_NO_RELATIONSHIP = (
    "The entered delivery partner is not recognised to be working in partnership with you for the given "
    "cohort. Contact the DfE for more information."
)
PARTNERSHIP_CHALLENGED = (
    "Your update cannot be made as this partnership has been challenged by the school. If this partnership "
    "has been challenged in error, submit a new partnership confirmation using the endpoint "
    "POST /api/v3/partnerships/ecf."
)
DELIVERY_PARTNER_DUPLICATE = (
    "We are unable to process this request. You are already confirmed to be in partnership with the "
    "entered delivery partner. Contact the DfE for support."
)

#: A school may challenge until the later of these: two months into the academic year
#: (less a day), or this long after the latest confirmation.
CHALLENGE_WINDOW = dt.timedelta(days=14)
PROVIDER_LED = (TrainingProgramme.FULL_INDUCTION_PROGRAMME,)
PROVIDER_LED_CHOICES = (
    InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
    InductionProgrammeChoice.SCHOOL_FUNDED_FIP,
)

_YEAR = re.compile(r"[0-9]{4}")


class PartnershipNotFound(LookupError):
    """No partnership with that id is visible to the lead provider (the API answers 404)."""


# --- confirming -----------------------------------------------------------------------------


def confirm_partnership(
    session: Session,
    lead_provider_id: uuid.UUID,
    cohort: Any,
    school_id: Any,
    delivery_partner_id: Any,
) -> Partnership:
    """Confirm that the provider trains the school's teachers in ``cohort`` with this delivery partner.

    Raises :class:`RuleBroken` with every failing attribute, in the original's order:
    blank values first, then the cohort, school and delivery partner checks.
    """
    blanks: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    cohort_text, school_text, partner_text = _given(cohort), _given(school_id), _given(delivery_partner_id)
    if cohort_text is None:
        blanks.append(("cohort", COHORT_BLANK))
    if school_text is None:
        blanks.append(("school_id", SCHOOL_BLANK))
    if partner_text is None:
        blanks.append(("delivery_partner_id", DELIVERY_PARTNER_BLANK))

    cohort_row = _cohort(session, cohort_text) if cohort_text is not None else None
    if cohort_text is not None and cohort_row is None:
        problems.append(("cohort", COHORT_INVALID))

    school = _school(session, school_text) if school_text is not None else None
    if school_text is not None:
        message = _school_problem(session, lead_provider_id, school, cohort_row)
        if message:
            problems.append(("school_id", message))

    partner = _delivery_partner(session, partner_text) if partner_text is not None else None
    if partner_text is not None:
        if partner is None:
            problems.append(("delivery_partner_id", DELIVERY_PARTNER_INVALID))
        elif cohort_row is None or not _works_with(session, lead_provider_id, partner.id, cohort_row.id):
            problems.append(("delivery_partner_id", DELIVERY_PARTNER_NO_RELATIONSHIP))

    if blanks or problems:
        raise RuleBroken(blanks + problems)
    assert school is not None and cohort_row is not None and partner is not None
    return _report(session, lead_provider_id, school, cohort_row, partner.id)


def _school_problem(
    session: Session, lead_provider_id: uuid.UUID, school: School | None, cohort: Cohort | None
) -> str | None:
    """The first school rule broken, or ``None``. Cohort rules wait for a known cohort."""
    if school is None:
        return SCHOOL_INVALID
    if is_cip_only(school):
        return SCHOOL_CIP_ONLY
    if not is_eligible(school):
        return SCHOOL_INELIGIBLE
    if cohort is None:
        return None
    providers = _confirmed_providers(session, school.id, cohort.start_year)
    if lead_provider_id in providers:
        return SCHOOL_ALREADY_CONFIRMED
    if providers:
        return SCHOOL_RECRUITED_BY_OTHER_PROVIDER
    # The school's previous provider must be let go by the school (by setting up the new
    # cohort) before another provider, or the same one, can confirm it.
    if _confirmed_providers(session, school.id, cohort.start_year - 1) and not _school_cohort(
        session, school.id, cohort.id
    ):
        return SCHOOL_PROGRAMME_NOT_YET_CONFIRMED
    return None


# --- changing the delivery partner ----------------------------------------------------------------


def change_delivery_partner(
    session: Session, lead_provider_id: uuid.UUID, partnership_id: Any, delivery_partner_id: Any
) -> Partnership:
    """Move one of the provider's partnerships to another of its delivery partners.

    Naming the current delivery partner changes nothing. Raises
    :class:`PartnershipNotFound` when the partnership is not the provider's to see.
    """
    partnership = _own_partnership(session, lead_provider_id, partnership_id)
    partner_text = _given(delivery_partner_id)
    if partner_text is None:
        raise RuleBroken.on("delivery_partner_id", DELIVERY_PARTNER_BLANK)
    partner = _delivery_partner(session, partner_text)
    if partner is None:
        raise RuleBroken.on("delivery_partner_id", DELIVERY_PARTNER_INVALID)
    if not _works_with(session, lead_provider_id, partner.id, partnership.cohort_id):
        raise RuleBroken.on("delivery_partner_id", DELIVERY_PARTNER_NO_RELATIONSHIP)
    if partnership.challenged:
        raise RuleBroken.on("delivery_partner_id", PARTNERSHIP_CHALLENGED)
    duplicate = session.scalar(
        sa.select(sa.literal(True)).where(
            Partnership.school_id == partnership.school_id,
            Partnership.cohort_id == partnership.cohort_id,
            Partnership.lead_provider_id == lead_provider_id,
            Partnership.delivery_partner_id == partner.id,
            Partnership.id != partnership.id,
        )
    )
    if duplicate:
        raise RuleBroken.on("delivery_partner_id", DELIVERY_PARTNER_DUPLICATE)
    if partnership.delivery_partner_id == partner.id:
        return partnership
    school = session.get(School, partnership.school_id)
    cohort = session.get(Cohort, partnership.cohort_id)
    assert school is not None and cohort is not None
    return _report(session, lead_provider_id, school, cohort, partner.id, partnership=partnership)


def _own_partnership(session: Session, lead_provider_id: uuid.UUID, partnership_id: Any) -> Partnership:
    """The provider's own (non-relationship) partnership, locked for the update."""
    found = _uuid(partnership_id) if isinstance(partnership_id, str | uuid.UUID) else None
    partnership = (
        session.scalars(
            sa.select(Partnership)
            .where(
                Partnership.id == found,
                Partnership.lead_provider_id == lead_provider_id,
                Partnership.is_relationship.is_(False),
            )
            .with_for_update()
        ).first()
        if found is not None
        else None
    )
    if partnership is None:
        raise PartnershipNotFound(str(partnership_id))
    return partnership


# --- the report: what a confirmation does ---------------------------------------------------------


def challenge_deadline(cohort: Cohort, at: dt.datetime) -> dt.datetime:
    """The later of two months (less a day) into the cohort's academic year and ``at`` + 14 days."""
    start = cohort.academic_year_start_date
    early = _add_months(start, 2) - dt.timedelta(days=1)
    return max(dt.datetime.combine(early, dt.time(), tzinfo=clock.UTC), at + CHALLENGE_WINDOW)


def _report(
    session: Session,
    lead_provider_id: uuid.UUID,
    school: School,
    cohort: Cohort,
    delivery_partner_id: uuid.UUID,
    *,
    partnership: Partnership | None = None,
) -> Partnership:
    """Record the confirmation and route the school's provider-led training through it."""
    if partnership is None:
        partnership = _partnership_to_report(
            session, lead_provider_id, school.id, cohort.id, delivery_partner_id
        )
    at = clock.now()
    partnership.is_relationship = False
    partnership.challenge_reason = None
    partnership.challenged_at = None
    partnership.delivery_partner_id = delivery_partner_id
    partnership.pending = False
    partnership.challenge_deadline = challenge_deadline(cohort, at)
    partnership.report_id = uuid.uuid4()
    session.add(partnership)
    session.flush()

    school_cohort = _school_cohort(session, school.id, cohort.id)
    if school_cohort is None:
        school_cohort = SchoolCohort(
            school_id=school.id,
            cohort_id=cohort.id,
            induction_programme_choice=InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
        )
        session.add(school_cohort)
        session.flush()
    _route_training_through(session, school_cohort, partnership, at)
    return partnership


def _partnership_to_report(
    session: Session,
    lead_provider_id: uuid.UUID,
    school_id: uuid.UUID,
    cohort_id: uuid.UUID,
    delivery_partner_id: uuid.UUID,
) -> Partnership:
    """A relationship partnership with this delivery partner becomes the full one;
    otherwise the school's one partnership with this provider in the cohort, or a new one."""
    same_school = (
        Partnership.school_id == school_id,
        Partnership.cohort_id == cohort_id,
        Partnership.lead_provider_id == lead_provider_id,
    )
    relationship = session.scalars(
        sa.select(Partnership)
        .where(*same_school, Partnership.is_relationship.is_(True))
        .where(Partnership.delivery_partner_id == delivery_partner_id)
    ).first()
    if relationship is not None:
        return relationship
    # Normally there is at most one; after a relationship was converted there can be two,
    # and the one already with this delivery partner must be chosen to keep rows unique.
    existing = session.scalars(
        sa.select(Partnership)
        .where(*same_school, Partnership.is_relationship.is_(False))
        .order_by(
            (Partnership.delivery_partner_id == delivery_partner_id).desc(),
            Partnership.created_at,
            Partnership.id,
        )
    ).first()
    if existing is not None:
        return existing
    return Partnership(school_id=school_id, cohort_id=cohort_id, lead_provider_id=lead_provider_id)


def _route_training_through(
    session: Session, school_cohort: SchoolCohort, partnership: Partnership, at: dt.datetime
) -> None:
    """Make the cohort's default programme provider-led under ``partnership`` and bring onto
    it everyone on a provider-led programme that has no partnership or a challenged one."""
    programmes = list(
        session.scalars(
            sa.select(InductionProgramme)
            .where(InductionProgramme.school_cohort_id == school_cohort.id)
            .order_by(InductionProgramme.created_at, InductionProgramme.id)
        )
    )
    default = next((p for p in programmes if p.id == school_cohort.default_induction_programme_id), None)
    if (
        default is not None
        and default.training_programme in PROVIDER_LED
        and default.partnership_id in (None, partnership.id)
    ):
        target = default
    else:
        target = next(
            (
                programme
                for programme in programmes
                if programme.training_programme in PROVIDER_LED and programme.partnership_id == partnership.id
            ),
            None,
        )
        if target is None:
            target = InductionProgramme(
                school_cohort_id=school_cohort.id,
                training_programme=TrainingProgramme.FULL_INDUCTION_PROGRAMME,
            )
            session.add(target)
    target.partnership_id = partnership.id
    session.flush()
    school_cohort.default_induction_programme_id = target.id
    if school_cohort.induction_programme_choice not in PROVIDER_LED_CHOICES:
        # A school-led (or "no ECTs") choice becomes provider-led: the docs' remedy for a
        # school that chose school-led by mistake and then agreed terms with a provider.
        school_cohort.induction_programme_choice = InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME
        school_cohort.opt_out_of_updates = False
    session.flush()

    partnered = {p.partnership_id for p in programmes if p.partnership_id not in (None, partnership.id)}
    challenged = (
        set(
            session.scalars(
                sa.select(Partnership.id).where(
                    Partnership.id.in_(partnered), Partnership.challenge_reason.is_not(None)
                )
            )
        )
        if partnered
        else set()
    )
    sources = [
        programme.id
        for programme in programmes
        if programme.id != target.id
        and programme.training_programme in PROVIDER_LED
        and (programme.partnership_id is None or programme.partnership_id in challenged)
    ]
    if sources:
        _move_participants(session, sources, target.id, at)


def _move_participants(
    session: Session, from_programme_ids: list[uuid.UUID], to_programme_id: uuid.UUID, at: dt.datetime
) -> None:
    """History is data: each current induction record is closed as ``changed`` and a copy
    on the new programme starts now (a planned leaving date is carried over)."""
    current = session.scalars(
        sa.select(InductionRecord)
        .where(
            InductionRecord.induction_programme_id.in_(from_programme_ids),
            sa.or_(InductionRecord.end_date.is_(None), InductionRecord.end_date > at),
        )
        .order_by(InductionRecord.created_at, InductionRecord.id)
    ).all()
    for record in current:
        session.add(
            InductionRecord(
                participant_profile_id=record.participant_profile_id,
                induction_programme_id=to_programme_id,
                schedule_id=record.schedule_id,
                mentor_profile_id=record.mentor_profile_id,
                preferred_identity_id=record.preferred_identity_id,
                appropriate_body_id=record.appropriate_body_id,
                training_status=record.training_status,
                induction_status=record.induction_status,
                start_date=at,
                end_date=record.end_date,
                school_transfer=record.school_transfer,
            )
        )
        record.end_date = at
        record.induction_status = InductionStatus.CHANGED
    session.flush()


# --- lookups and input parsing -----------------------------------------------------------------


def _given(value: Any) -> str | None:
    """The value as text, or ``None`` when it is blank (missing, empty, whitespace, ``false``)."""
    if value is None or value is False:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | dict):
        return repr(value) if value else None
    return str(value)


def _uuid(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _cohort(session: Session, text: str) -> Cohort | None:
    if not _YEAR.fullmatch(text):
        return None
    return session.scalars(sa.select(Cohort).where(Cohort.start_year == int(text))).first()


def _school(session: Session, text: str) -> School | None:
    """The school, locked so two confirmations for it cannot both pass the checks."""
    found = _uuid(text)
    if found is None:
        return None
    return session.scalars(sa.select(School).where(School.id == found).with_for_update()).first()


def _delivery_partner(session: Session, text: str) -> DeliveryPartner | None:
    found = _uuid(text)
    if found is None:
        return None
    return session.scalars(
        sa.select(DeliveryPartner).where(DeliveryPartner.id == found, DeliveryPartner.discarded_at.is_(None))
    ).first()


def _works_with(
    session: Session, lead_provider_id: uuid.UUID, delivery_partner_id: uuid.UUID, cohort_id: uuid.UUID
) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.literal(True)).where(
                ProviderRelationship.lead_provider_id == lead_provider_id,
                ProviderRelationship.delivery_partner_id == delivery_partner_id,
                ProviderRelationship.cohort_id == cohort_id,
                ProviderRelationship.discarded_at.is_(None),
            )
        )
    )


def _confirmed_providers(session: Session, school_id: uuid.UUID, year: int) -> set[uuid.UUID]:
    """Providers with an unchallenged full (non-relationship) partnership with the school that year."""
    return set(
        session.scalars(
            sa.select(Partnership.lead_provider_id)
            .join(Cohort, Cohort.id == Partnership.cohort_id)
            .where(
                Partnership.school_id == school_id,
                Cohort.start_year == year,
                Partnership.is_relationship.is_(False),
                Partnership.challenge_reason.is_(None),
                Partnership.challenged_at.is_(None),
            )
        )
    )


def _school_cohort(session: Session, school_id: uuid.UUID, cohort_id: uuid.UUID) -> SchoolCohort | None:
    return session.scalars(
        sa.select(SchoolCohort).where(
            SchoolCohort.school_id == school_id, SchoolCohort.cohort_id == cohort_id
        )
    ).first()


def _add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- a school challenging a partnership -----------------------------------------------------------

CHALLENGE_REASON_BLANK = "Select why you are reporting this partnership"
CHALLENGE_ALREADY = "Your school has already told us this partnership is not right"
CHALLENGE_TOO_LATE = "The deadline for reporting this partnership has passed. Contact us for help"
#: The five reasons a school gives (school-side spec §2.4), as the school reads them; the
#: provider's email quotes the same words.
CHALLENGE_REASONS: dict[ChallengeReason, str] = {
    ChallengeReason.ANOTHER_PROVIDER: "We have already agreed to work with another provider",
    ChallengeReason.NOT_CONFIRMED: "We have not confirmed an agreement with this provider",
    ChallengeReason.DO_NOT_RECOGNISE: "We do not recognise this provider",
    ChallengeReason.NO_ECTS: "We do not have any early career teachers this year",
    ChallengeReason.MISTAKE: "This looks like a mistake",
}


class ChallengeLinkInvalid(LookupError):
    """An emailed challenge link that names no partnership, or whose signature does not match
    (tampered with, or from an email sent before the provider confirmed the school again)."""


def challenge_token(partnership: Partnership, secret_key: str) -> str:
    """The token of the emailed "report this partnership" link. The school needs no account to
    use it (school-side spec §2.4), so it names the partnership and is signed with a key of its
    own derived from ``SECRET_KEY``; signing the deadline too means a new confirmation (which
    moves the deadline) leaves only the newest email's link working. Nothing is stored: the
    deadline bounds the link's life."""
    return f"{partnership.id.hex}.{_challenge_signature(partnership, secret_key)}"


def partnership_for_challenge_token(session: Session, token: str, secret_key: str) -> Partnership:
    """The partnership an emailed challenge link names; :class:`ChallengeLinkInvalid` if none."""
    found, _, signature = (token or "").partition(".")
    wanted = _uuid(found)
    partnership = session.get(Partnership, wanted) if wanted is not None else None
    if (
        partnership is None
        or partnership.is_relationship
        or not hmac.compare_digest(signature, _challenge_signature(partnership, secret_key))
    ):
        raise ChallengeLinkInvalid(token)
    return partnership


def challenge_window_closed(partnership: Partnership) -> bool:
    """Whether the deadline for challenging has passed (checked again when challenging)."""
    return partnership.challenge_deadline is not None and clock.now() > partnership.challenge_deadline


def _challenge_signature(partnership: Partnership, secret_key: str) -> str:
    key = hmac.new(secret_key.encode(), b"partnership challenge link", hashlib.sha256).digest()
    deadline = partnership.challenge_deadline
    signed = f"{partnership.id}|{int(deadline.timestamp()) if deadline is not None else ''}"
    return hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()


def challenge_partnership(
    session: Session,
    school_id: uuid.UUID,
    partnership_id: Any,
    reason: Any,
    *,
    sender: EmailSender,
    links: Links,
) -> Partnership:
    """A school says it is not working with this provider (school-side spec §2.4).

    Allowed until the partnership's challenge deadline. The partnership keeps its rows but
    carries the reason and time, and the API's visibility rule ignores challenged
    partnerships, so the provider stops seeing the school's participants at once. "We have no
    ECTs this year" also records that for the school's cohort: no default programme, no
    updates. Every user of the provider is emailed (in the caller's transaction, so a
    rolled-back challenge sends nothing). Raises :class:`PartnershipNotFound` for a partnership that is not the school's.
    """
    found = _uuid(partnership_id) if isinstance(partnership_id, str | uuid.UUID) else None
    partnership = (
        session.scalars(
            sa.select(Partnership)
            .where(
                Partnership.id == found,
                Partnership.school_id == school_id,
                Partnership.is_relationship.is_(False),
            )
            .with_for_update()
        ).first()
        if found is not None
        else None
    )
    if partnership is None:
        raise PartnershipNotFound(str(partnership_id))
    if partnership.challenged:
        raise RuleBroken.on("reason", CHALLENGE_ALREADY)
    at = clock.now()
    if partnership.challenge_deadline is not None and at > partnership.challenge_deadline:
        raise RuleBroken.on("reason", CHALLENGE_TOO_LATE)
    try:
        chosen = ChallengeReason(_given(reason) or "")
    except ValueError:
        raise RuleBroken.on("reason", CHALLENGE_REASON_BLANK) from None
    with audit.reason(session, chosen.value, action="challenged"):
        partnership.challenge_reason = chosen
        partnership.challenged_at = at
        if chosen == ChallengeReason.NO_ECTS:
            school_cohort = _school_cohort(session, school_id, partnership.cohort_id)
            if school_cohort is not None:
                school_cohort.induction_programme_choice = InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS
                school_cohort.default_induction_programme_id = None
                school_cohort.opt_out_of_updates = True
    session.flush()
    _tell_provider_of_challenge(session, partnership, chosen, sender=sender, links=links)
    return partnership


def _tell_provider_of_challenge(
    session: Session, partnership: Partnership, reason: ChallengeReason, *, sender: EmailSender, links: Links
) -> None:
    provider = session.get(LeadProvider, partnership.lead_provider_id)
    school = session.get(School, partnership.school_id)
    partner = session.get(DeliveryPartner, partnership.delivery_partner_id)
    cohort = session.get(Cohort, partnership.cohort_id)
    assert provider is not None and school is not None and cohort is not None
    users = session.scalars(
        sa.select(LeadProviderUser).where(LeadProviderUser.lead_provider_id == provider.id)
    ).all()
    for user in sorted(users, key=lambda u: u.user.email):
        personalisation = {
            "full_name": user.user.full_name,
            "lead_provider_name": provider.name,
            "delivery_partner_name": partner.name if partner is not None else "no delivery partner",
            "school_name": school.name,
            "urn": school.urn,
            "academic_year": f"{cohort.start_year} to {cohort.start_year + 1}",
            "reason": CHALLENGE_REASONS[reason],
            "sign_in_page_url": links.sign_in_page(),
        }
        message = EmailMessage(
            to=user.user.email, template=templates.PARTNERSHIP_CHALLENGED, personalisation=personalisation
        )
        sender.send(message)
