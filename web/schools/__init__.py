"""The school's pages at ``/schools``, for its induction tutor (the ``schools`` blueprint).

A school's address is its URN and name (``/schools/100001-ash-tree-primary``), readable and
stable: a renamed school's old address redirects. Until the school has told us how training
will run for the cohort registering now, its pages send the tutor to set that up first
(``setup.py``); then it registers ECTs and mentors (``participants.py``) and can report a
partnership that is not right (``challenge.py``). The rules are in ``domain/``.
"""

from __future__ import annotations

import re

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response

from domain import clock
from domain.accounts import Role, tutor_schools
from domain.registrations import school_participants
from domain.school_cohorts import active_registration_cohort, needs_setup, school_cohort
from storage.enums import InductionProgrammeChoice, ProfileType
from storage.models import School
from web.auth import current_user, login_required
from web.context import db
from web.service import render_page, service_blueprint

blueprint = service_blueprint("schools", __name__, url_prefix="/schools")

Page = tuple[str, int] | Response

PROGRAMME_NAMES = {
    InductionProgrammeChoice.FULL_INDUCTION_PROGRAMME: "Provider-led: a training provider funded by DfE",
    InductionProgrammeChoice.SCHOOL_FUNDED_FIP: "Provider-led: a training provider your school pays for",
    InductionProgrammeChoice.CORE_INDUCTION_PROGRAMME: "School-led, using DfE-accredited materials",
    InductionProgrammeChoice.DESIGN_OUR_OWN: "School-led, designed by your school",
    InductionProgrammeChoice.NO_EARLY_CAREER_TEACHERS: "No early career teachers this year",
    InductionProgrammeChoice.NOT_YET_KNOWN: "Not set up yet",
}


def school_slug(school: School) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", school.name.lower()).strip("-")
    return f"{school.urn}-{name}" if name else school.urn


def school_url(school: School) -> str:
    return url_for("schools.dashboard", slug=school_slug(school))


def tutor_school_or_404(slug: str) -> School:
    """The signed-in tutor's school named by ``slug`` (only its URN counts), else 404: a
    school that is not theirs looks the same as one that does not exist."""
    urn = slug.split("-", 1)[0]
    user = current_user()
    for school in tutor_schools(db(), user) if user is not None else []:
        if school.urn == urn:
            return school
    abort(404)


def setup_redirect(school: School) -> Response | None:
    """Where to send the tutor while the school has not set up the cohort registering now."""
    cohort = needs_setup(db(), school)
    if cohort is None:
        return None
    return redirect(url_for("schools.setup_start", slug=school_slug(school), year=cohort.start_year))


@blueprint.get("")
@login_required(Role.INDUCTION_TUTOR)
def index() -> Page:
    schools = tutor_schools(db(), current_user())  # type: ignore[arg-type]
    if len(schools) == 1:
        return redirect(school_url(schools[0]))
    return render_page("schools/index.html", "Your schools", schools=schools, school_url=school_url)


@blueprint.get("/<slug>")
@login_required(Role.INDUCTION_TUTOR)
def dashboard(slug: str) -> Page:
    school = tutor_school_or_404(slug)
    if slug != school_slug(school):
        return redirect(school_url(school))
    if (to_setup := setup_redirect(school)) is not None:
        return to_setup
    session = db()
    cohort = active_registration_cohort(session)
    row = school_cohort(session, school, cohort) if cohort is not None else None
    programme = row.default_induction_programme if row is not None else None
    partnership = programme.partnership if programme is not None else None
    people = school_participants(session, school)
    ects = [p for p in people if p.profile.profile_type == ProfileType.ECT]
    others = [other for other in tutor_schools(session, current_user()) if other.id != school.id]  # type: ignore[arg-type]
    can_challenge = (
        partnership is not None
        and not partnership.challenged
        and (partnership.challenge_deadline is None or partnership.challenge_deadline >= clock.now())
    )
    return render_page(
        "schools/dashboard.html",
        school.name,
        school=school,
        slug=school_slug(school),
        cohort=cohort,
        school_cohort=row,
        programme_name=PROGRAMME_NAMES[row.induction_programme_choice] if row else None,
        partnership=partnership if partnership is not None and not partnership.challenged else None,
        can_challenge=can_challenge,
        ect_count=len(ects),
        mentor_count=len(people) - len(ects),
        without_mentor=sum(1 for p in ects if p.mentor_name is None),
        other_schools=others,
        school_url=school_url,
    )


from web.schools import challenge, participants, setup  # noqa: E402  (routes attach to the blueprint)

__all__ = [
    "blueprint",
    "challenge",
    "participants",
    "school_slug",
    "school_url",
    "setup",
    "tutor_school_or_404",
]
