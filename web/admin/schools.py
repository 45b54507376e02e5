"""Schools for DfE admins: search by URN or name, a school's page (GIAS details, induction
tutor, cohorts and programmes, partnerships, participants), changing the induction tutor,
reporting a partnership on the school's behalf, and the school's pages as its induction tutor
sees them, read-only.

Changing the tutor is ``domain.accounts.appoint_induction_tutor``, the function a nomination
uses; reporting a partnership is ``domain.partnerships.challenge_partnership``, the one the
school's own page uses: the same rules and messages wherever the change starts.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from domain import audit, clock
from domain.accounts import appoint_induction_tutor
from domain.errors import RuleBroken
from domain.partnerships import CHALLENGE_REASONS, PartnershipNotFound, challenge_partnership
from domain.registrations import ParticipantRow, school_participants
from domain.school_cohorts import active_registration_cohort
from storage.enums import InductionProgrammeChoice
from storage.models import AppropriateBody, Partnership, School, SchoolCohort
from web.admin import blueprint
from web.admin.forms import InductionTutorForm
from web.admin.views import AREAS
from web.auth import Role, email_links, email_sender, login_required
from web.context import db, settings
from web.forms import show_rule_errors
from web.schools import PROGRAMME_NAMES
from web.schools.forms import ChallengeForm
from web.schools.participants import STATUS_TEXT
from web.service import render_page

Page = tuple[str, int] | Response
PER_PAGE = 25
GIAS_URL = "https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/{urn}"

AREAS.append(("admin.schools", "Schools", "Find a school by URN or name; change its induction tutor."))


@dataclass(frozen=True)
class SearchResults:
    schools: list[School]
    total: int
    page: int
    pages: int


def search_schools(session: Session, text: str, page: int) -> SearchResults:
    """Schools whose URN starts with ``text`` or whose name contains it, by name; two queries."""
    text = " ".join(text.split())
    query = sa.select(School)
    if text.isdigit():
        query = query.where(School.urn.startswith(text, autoescape=True))
    elif text:
        query = query.where(sa.func.lower(School.name).contains(text.lower(), autoescape=True))
    total = session.scalar(query.with_only_columns(sa.func.count()).order_by(None)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    schools = list(
        session.scalars(
            query.options(selectinload(School.induction_tutor))
            .order_by(School.name, School.urn)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return SearchResults(schools, total, page, pages)


@blueprint.get("/schools")
@login_required(Role.ADMIN)
def schools() -> Page:
    text = request.args.get("q", "").strip()[:100]
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    results = search_schools(db(), text, page)
    return render_page("admin/schools.html", "Schools", query=text, results=results)


def school_or_404(school_id: str) -> School:
    try:
        found = db().get(School, uuid.UUID(school_id))
    except ValueError:
        found = None
    if found is None:
        abort(404)
    return found


def participant_url(row: ParticipantRow) -> str | None:
    """The admin participant page, once that area exists (another module adds it)."""
    if "admin.participant" not in current_app.view_functions:
        return None
    return url_for("admin.participant", participant_id=row.profile.teacher_id)


@blueprint.get("/schools/<school_id>")
@login_required(Role.ADMIN)
def school(school_id: str) -> Page:
    found = school_or_404(school_id)
    session = db()
    cohorts = list(
        session.scalars(
            sa.select(SchoolCohort)
            .where(SchoolCohort.school_id == found.id)
            .options(
                selectinload(SchoolCohort.cohort),
                selectinload(SchoolCohort.default_induction_programme),
            )
        )
    )
    cohorts.sort(key=lambda row: row.cohort.start_year, reverse=True)
    body_ids = {row.appropriate_body_id for row in cohorts if row.appropriate_body_id}
    bodies = (
        dict(
            session.execute(
                sa.select(AppropriateBody.id, AppropriateBody.name).where(AppropriateBody.id.in_(body_ids))
            ).all()
        )
        if body_ids
        else {}
    )
    partnerships = list(
        session.scalars(
            sa.select(Partnership)
            .where(Partnership.school_id == found.id)
            .options(
                selectinload(Partnership.cohort),
                selectinload(Partnership.lead_provider),
                selectinload(Partnership.delivery_partner),
            )
        )
    )
    partnerships.sort(key=lambda p: (-p.cohort.start_year, p.lead_provider.name))
    people = school_participants(session, found)
    return render_page(
        "admin/school_page.html",
        found.name,
        school=found,
        gias_url=GIAS_URL.format(urn=found.urn),
        cohorts=cohorts,
        programme_names=PROGRAMME_NAMES,
        bodies=bodies,
        partnerships=partnerships,
        can_challenge=_can_challenge,
        reasons={reason.value: text for reason, text in CHALLENGE_REASONS.items()},
        people=people,
        status_text=STATUS_TEXT,
        participant_url=participant_url,
        events=audit.history_of(session, School, found.id, limit=50),
        back_link=url_for("admin.schools"),
    )


def _can_challenge(partnership: Partnership) -> bool:
    return (
        not partnership.challenged
        and not partnership.is_relationship
        and (partnership.challenge_deadline is None or partnership.challenge_deadline >= clock.now())
    )


@blueprint.route("/schools/<school_id>/induction-tutor", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def school_tutor(school_id: str) -> Page:
    found = school_or_404(school_id)
    form = InductionTutorForm()
    if form.validate_on_submit():
        try:
            tutor = appoint_induction_tutor(
                db(),
                found,
                form.full_name.data or "",
                form.email.data or "",
                secret_key=settings().secret_key,
                sender=email_sender(),
                links=email_links(),
            )
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="email")
        else:
            db().commit()
            flash(f"{tutor.full_name} is now the induction tutor for {found.name}. We have emailed them "
                  "a link to sign in.", "success")  # fmt: skip
            return redirect(url_for("admin.school", school_id=found.id))
    return render_page(
        "admin/school_tutor.html",
        "Change the induction tutor" if found.induction_tutor else "Add an induction tutor",
        form=form,
        school=found,
        back_link=url_for("admin.school", school_id=found.id),
    )


@blueprint.route("/schools/<school_id>/partnerships/<partnership_id>/report", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def school_challenge(school_id: str, partnership_id: str) -> Page:
    found = school_or_404(school_id)
    partnership = _partnership_or_404(found, partnership_id)
    form = ChallengeForm()
    if form.validate_on_submit():
        try:
            challenge_partnership(
                db(), found.id, partnership.id, form.reason.data, sender=email_sender(), links=email_links()
            )
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="reason")
        except PartnershipNotFound:
            abort(404)
        else:
            db().commit()
            flash(f"Partnership with {partnership.lead_provider.name} reported. The provider will no longer "
                  f"see {found.name}’s ECTs and mentors.", "success")  # fmt: skip
            return redirect(url_for("admin.school", school_id=found.id))
    return render_page(
        "admin/school_challenge.html",
        "Report this partnership",
        form=form,
        school=found,
        partnership=partnership,
        back_link=url_for("admin.school", school_id=found.id),
    )


def _partnership_or_404(found: School, partnership_id: str) -> Partnership:
    try:
        partnership = db().get(Partnership, uuid.UUID(partnership_id))
    except ValueError:
        partnership = None
    if partnership is None or partnership.school_id != found.id or partnership.is_relationship:
        abort(404)
    return partnership


@blueprint.get("/schools/<school_id>/as-induction-tutor")
@login_required(Role.ADMIN)
def school_as_tutor(school_id: str) -> Page:
    """What the tutor sees on the school's pages, from the same domain reads, with no form or
    link that could change anything: this route answers GET only."""
    found = school_or_404(school_id)
    session = db()
    cohort = active_registration_cohort(session)
    row = None
    if cohort is not None:
        row = session.scalars(
            sa.select(SchoolCohort).where(
                SchoolCohort.school_id == found.id, SchoolCohort.cohort_id == cohort.id
            )
        ).first()
    programme = row.default_induction_programme if row is not None else None
    partnership = programme.partnership if programme is not None else None
    people = school_participants(session, found)
    return render_page(
        "admin/school_as_tutor.html",
        found.name,
        school=found,
        cohort=cohort,
        school_cohort=row,
        programme_name=PROGRAMME_NAMES[row.induction_programme_choice] if row else None,
        provider_led=row is not None
        and row.induction_programme_choice
        in (InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME, InductionProgrammeChoice.SCHOOL_FUNDED_FIP),
        partnership=partnership if partnership is not None and not partnership.challenged else None,
        ects=[p for p in people if p.profile.is_ect],
        mentors=[p for p in people if not p.profile.is_ect],
        status_text=STATUS_TEXT,
        back_link=url_for("admin.school", school_id=found.id),
    )
