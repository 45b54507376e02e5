"""A school's set-up for a cohort: whether it expects ECTs, how their training will run and
its appropriate body (school-side spec §1.3).

A school cannot register anyone for a cohort until it has said how training will run, so
its pages send the induction tutor here first. Saving creates the ``SchoolCohort`` and, unless
the school expects no ECTs, its default induction programme: the programme every new ECT and
mentor is placed on, and the one a provider's partnership is attached to, which is what
lets that provider see them. Works inside the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain import clock
from domain.errors import RuleBroken
from domain.partnerships import challenge_deadline
from domain.schools import is_cip_only
from storage.enums import InductionProgrammeChoice, TrainingProgramme
from storage.models import (
    AppropriateBody,
    Cohort,
    DeliveryPartner,
    InductionProgramme,
    LeadProvider,
    Partnership,
    ProviderRelationship,
    School,
    SchoolCohort,
)


class Training(StrEnum):
    """The answers to "how will training run?"; ``keep_providers`` repeats last year's."""

    PROVIDER_LED = "provider_led"
    SCHOOL_LED = "school_led"
    DESIGN_OUR_OWN = "design_our_own"
    SCHOOL_FUNDED = "school_funded"
    KEEP_PROVIDERS = "keep_providers"


CHOICES: dict[Training, InductionProgrammeChoice] = {
    Training.PROVIDER_LED: InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
    Training.SCHOOL_LED: InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
    Training.DESIGN_OUR_OWN: InductionProgrammeChoice.DESIGN_OUR_OWN,
    Training.SCHOOL_FUNDED: InductionProgrammeChoice.SCHOOL_FUNDED_FIP,
    Training.KEEP_PROVIDERS: InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
}
#: The choices whose ECTs and mentors the school registers with us (the others are told to
#: set up training first).
REGISTERING_CHOICES = (
    InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
    InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME,
    InductionProgrammeChoice.SCHOOL_FUNDED_FIP,
)

ALREADY_SET_UP = "Your school has already told us how training will run for this cohort"
SELECT_TRAINING = "Select how your school will run training"
NOT_FUNDED = "Your school cannot use a training provider funded by DfE. Select another option"
ONLY_FUNDED = "Your school is eligible for DfE-funded training. Select another option"
NOTHING_TO_KEEP = "Your school has no provider from last year to keep. Select another option"
UNKNOWN_BODY = "Select an appropriate body from the list"
NOT_OPEN = "Registration for this cohort is not open yet"


@dataclass(frozen=True)
class LastYearsProviders:
    """The school's confirmed provider and delivery partner of the previous cohort, when they
    still work together in the new one (so the school may simply keep them)."""

    partnership: Partnership
    lead_provider: LeadProvider
    delivery_partner: DeliveryPartner


def active_registration_cohort(session: Session, today: dt.date | None = None) -> Cohort | None:
    """The latest cohort whose registration has opened: the one schools set up now."""
    return session.scalars(
        sa.select(Cohort)
        .where(Cohort.registration_start_date <= (today or clock.today()))
        .order_by(Cohort.start_year.desc())
    ).first()


def open_cohort(session: Session, year: int) -> Cohort | None:
    """Cohort ``year`` if its registration has opened, else ``None``."""
    cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == year)).first()
    return cohort if cohort is not None and cohort.registration_start_date <= clock.today() else None


def school_cohort(session: Session, school: School, cohort: Cohort) -> SchoolCohort | None:
    return session.scalars(
        sa.select(SchoolCohort).where(
            SchoolCohort.school_id == school.id, SchoolCohort.cohort_id == cohort.id
        )
    ).first()


def needs_setup(session: Session, school: School) -> Cohort | None:
    """The cohort the school must set up before anything else, or ``None``."""
    cohort = active_registration_cohort(session)
    if cohort is None or school_cohort(session, school, cohort) is not None:
        return None
    return cohort


def training_options(school: School) -> list[Training]:
    """What the school may choose: DfE-funded providers only for schools DfE funds; the
    school-funded route only for those it does not (independent and overseas schools)."""
    if is_cip_only(school):
        return [Training.SCHOOL_FUNDED, Training.SCHOOL_LED, Training.DESIGN_OUR_OWN]
    return [Training.PROVIDER_LED, Training.SCHOOL_LED, Training.DESIGN_OUR_OWN]


def last_years_providers(session: Session, school: School, cohort: Cohort) -> LastYearsProviders | None:
    """Last year's unchallenged partnership, when its provider still works with that delivery
    partner in ``cohort`` (otherwise keeping them is not offered)."""
    previous = session.scalars(
        sa.select(Partnership)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .where(
            Partnership.school_id == school.id,
            Cohort.start_year == cohort.start_year - 1,
            Partnership.is_relationship.is_(False),
            Partnership.challenge_reason.is_(None),
        )
        .order_by(Partnership.created_at.desc(), Partnership.id)
    ).first()
    if previous is None:
        return None
    still_paired = session.scalar(
        sa.select(sa.literal(True)).where(
            ProviderRelationship.lead_provider_id == previous.lead_provider_id,
            ProviderRelationship.delivery_partner_id == previous.delivery_partner_id,
            ProviderRelationship.cohort_id == cohort.id,
            ProviderRelationship.discarded_at.is_(None),
        )
    )
    if not still_paired:
        return None
    return LastYearsProviders(previous, previous.lead_provider, previous.delivery_partner)


def appropriate_bodies(session: Session) -> list[AppropriateBody]:
    return list(session.scalars(sa.select(AppropriateBody).order_by(AppropriateBody.name)))


def check_training(session: Session, school: School, cohort: Cohort, training: str | None) -> Training:
    """The training answer, refused with a message when the school may not choose it."""
    try:
        chosen = Training(training or "")
    except ValueError:
        raise RuleBroken.on("training", SELECT_TRAINING) from None
    if chosen == Training.KEEP_PROVIDERS:
        if last_years_providers(session, school, cohort) is None:
            raise RuleBroken.on("training", NOTHING_TO_KEEP)
    elif chosen not in training_options(school):
        raise RuleBroken.on("training", NOT_FUNDED if chosen == Training.PROVIDER_LED else ONLY_FUNDED)
    return chosen


def set_up_cohort(
    session: Session,
    school: School,
    cohort: Cohort,
    *,
    expecting_ects: bool,
    training: str | None = None,
    appropriate_body_id: uuid.UUID | str | None = None,
) -> SchoolCohort:
    """Record the school's answers for ``cohort`` (see the module docstring).

    A provider-led programme is attached to the school's partnership for the cohort when a
    provider has already confirmed one; otherwise it waits for the provider to confirm.
    Keeping last year's providers copies that partnership into the new cohort with a new
    challenge deadline.
    """
    if cohort.registration_start_date > clock.today():
        raise RuleBroken.on("base", NOT_OPEN)
    if school_cohort(session, school, cohort) is not None:
        raise RuleBroken.on("base", ALREADY_SET_UP)
    if not expecting_ects:
        row = SchoolCohort(
            school_id=school.id,
            cohort_id=cohort.id,
            induction_programme_choice=InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS,
            opt_out_of_updates=True,
        )
        session.add(row)
        session.flush()
        return row

    chosen = check_training(session, school, cohort, training)
    body = _appropriate_body(session, appropriate_body_id)
    choice = CHOICES[chosen]
    row = SchoolCohort(
        school_id=school.id,
        cohort_id=cohort.id,
        induction_programme_choice=choice,
        appropriate_body_id=body.id if body else None,
    )
    session.add(row)
    session.flush()
    partnership = None
    if chosen == Training.KEEP_PROVIDERS:
        kept = last_years_providers(session, school, cohort)
        assert kept is not None  # checked above
        partnership = _keep(session, school, cohort, kept)
    elif choice in (
        InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME,
        InductionProgrammeChoice.SCHOOL_FUNDED_FIP,
    ):
        partnership = _current_partnership(session, school, cohort)
    programme = InductionProgramme(
        school_cohort_id=row.id,
        training_programme=TrainingProgramme(choice.value),
        partnership_id=partnership.id if partnership is not None else None,
    )
    session.add(programme)
    session.flush()
    row.default_induction_programme_id = programme.id
    session.flush()
    return row


def record_no_ects_expected(session: Session, school: School, cohort: Cohort) -> SchoolCohort:
    """The school's GIAS contact, asked while naming an induction tutor (school-side spec §1.2),
    says no ECTs will start in ``cohort``: the same record as the set-up's "no" (no programme,
    opted out of updates, so nothing chases the school about this cohort, and its tutor is not
    sent to set it up). A cohort the school has already set up is left as it is."""
    return school_cohort(session, school, cohort) or set_up_cohort(
        session, school, cohort, expecting_ects=False
    )


def _appropriate_body(session: Session, body_id: uuid.UUID | str | None) -> AppropriateBody | None:
    if body_id in (None, ""):
        return None
    try:
        found = session.get(AppropriateBody, uuid.UUID(str(body_id)))
    except ValueError:
        found = None
    if found is None:
        raise RuleBroken.on("appropriate_body", UNKNOWN_BODY)
    return found


def _current_partnership(session: Session, school: School, cohort: Cohort) -> Partnership | None:
    return session.scalars(
        sa.select(Partnership)
        .where(
            Partnership.school_id == school.id,
            Partnership.cohort_id == cohort.id,
            Partnership.is_relationship.is_(False),
            Partnership.challenge_reason.is_(None),
        )
        .order_by(Partnership.created_at.desc(), Partnership.id)
    ).first()


def _keep(session: Session, school: School, cohort: Cohort, kept: LastYearsProviders) -> Partnership:
    """Last year's partnership, carried into ``cohort`` (unchallenged, a new deadline)."""
    at = clock.now()
    partnership = session.scalars(
        sa.select(Partnership).where(
            Partnership.school_id == school.id,
            Partnership.cohort_id == cohort.id,
            Partnership.lead_provider_id == kept.lead_provider.id,
            Partnership.delivery_partner_id == kept.delivery_partner.id,
        )
    ).first()
    if partnership is None:
        partnership = Partnership(
            school_id=school.id,
            cohort_id=cohort.id,
            lead_provider_id=kept.lead_provider.id,
            delivery_partner_id=kept.delivery_partner.id,
        )
        session.add(partnership)
    partnership.is_relationship = False
    partnership.pending = False
    partnership.challenge_reason = None
    partnership.challenged_at = None
    partnership.challenge_deadline = challenge_deadline(cohort, at)
    session.flush()
    return partnership
