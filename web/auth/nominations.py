"""Naming a school's induction tutor from the link emailed to its GIAS contact, and asking
for that link ("request access").

The nomination link's token is kept in the cookie session while the pages ask for the
tutor's name and email address; it is checked again on every page and used up only on the
final confirmation, which appoints the tutor and emails them a sign-in link.

A school with no induction tutor that has not yet told us about the cohort registering now is
first asked whether any ECTs will start (school-side spec §1.2): "no" records that
(``domain.school_cohorts.record_no_ects_expected``) and ends the journey without a tutor; the
link stays usable in case that changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import redirect, request, session, url_for

from domain import accounts
from domain.accounts import LinkProblem, LinkRefused, NominationRefused, TooManyRequests
from domain.errors import RuleBroken
from domain.school_cohorts import active_registration_cohort, record_no_ects_expected, school_cohort
from domain.schools import can_access_service
from storage.models import Cohort, NominationToken, School
from web.auth import blueprint
from web.auth.forms import ConfirmForm, FindSchoolForm, NomineeEmailForm, NomineeNameForm
from web.auth.links import NOMINATION_START_PATH, REQUEST_ACCESS_PATH
from web.auth.views import Page, email_links, email_sender, link_problem, too_many_requests
from web.context import db, settings
from web.forms import ServiceForm, show_rule_errors
from web.service import render_page

NOMINATION = "nomination"
NOMINATED = "nominated"
REQUESTED_URN = "request_access_urn"
LINK_SENT_TO = "request_access_sent_to"
NO_ECTS_SAVED = "nomination_no_ects"
EXPECT_ECTS_BLANK = "Select whether any ECTs will start their induction at your school"


def _expect_ects_form(expecting: str | None) -> ServiceForm:
    """The question's form, with the school pages' radios (imported here: ``web.schools``
    builds on ``web.auth``)."""
    from web.schools.forms import radios

    class ExpectEctsForm(ServiceForm):
        expecting = radios(
            "Will any early career teachers (ECTs) start their induction at your school?",
            EXPECT_ECTS_BLANK,
            [("yes", "Yes"), ("no", "No"), ("not_known", "We do not know yet")],
        )

    return ExpectEctsForm(data={"expecting": expecting})


@dataclass(frozen=True)
class InProgress:
    """The nomination under way in this browser: the answers so far and its link."""

    data: dict[str, Any]
    row: NominationToken


def _in_progress() -> InProgress | Page:
    """The nomination under way and its (still usable) link, or the page saying why it
    cannot go on."""
    data = session.get(NOMINATION)
    if not isinstance(data, dict) or not data.get("token"):
        return link_problem(LinkProblem.UNKNOWN, kind="nomination")
    try:
        row = accounts.check_nomination_link(db(), data["token"], secret_key=settings().secret_key)
    except LinkRefused as refused:
        return link_problem(refused.problem, kind="nomination")
    return InProgress(data, row)


def _save(data: dict[str, Any]) -> None:
    session[NOMINATION] = data
    session.modified = True


@blueprint.get(NOMINATION_START_PATH)
def nomination_start() -> Page:
    token = request.args.get("token", "")
    try:
        accounts.check_nomination_link(db(), token, secret_key=settings().secret_key)
    except LinkRefused as refused:
        return link_problem(refused.problem, kind="nomination")
    _save({"token": token})
    # The token leaves the address bar (and the browser's history) from here on.
    row = accounts.check_nomination_link(db(), token, secret_key=settings().secret_key)
    first = "auth.nomination_expect_ects" if _cohort_to_ask_about(row.school) else "auth.nomination_name"
    return redirect(url_for(first))


def _cohort_to_ask_about(school: School) -> Cohort | None:
    """The cohort registering now, if the school has no induction tutor and has not told us
    about it yet: then we ask whether any ECTs will start before asking for a tutor."""
    if school.induction_tutor_id is not None:
        return None
    cohort = active_registration_cohort(db())
    if cohort is None or school_cohort(db(), school, cohort) is not None:
        return None
    return cohort


@blueprint.route("/nominations/choose-how-to-continue", methods=["GET", "POST"])
def nomination_expect_ects() -> Page:
    found = _in_progress()
    if not isinstance(found, InProgress):
        return found
    data, row = found.data, found.row
    cohort = _cohort_to_ask_about(row.school)
    if cohort is None:
        return redirect(url_for("auth.nomination_name"))
    form: Any = _expect_ects_form(data.get("expecting"))
    academic_year = f"{cohort.start_year} to {cohort.start_year + 1}"
    title = (
        f"Will any early career teachers (ECTs) start their induction at {row.school.name} "
        f"in the {academic_year} academic year?"
    )
    if form.validate_on_submit():
        if form.expecting.data == "no":
            record_no_ects_expected(db(), row.school, cohort)
            db().commit()
            session.pop(NOMINATION, None)
            session[NO_ECTS_SAVED] = {"school": row.school.name, "academic_year": academic_year}
            return redirect(url_for("auth.nomination_no_ects"))
        _save({**data, "expecting": form.expecting.data})
        return redirect(url_for("auth.nomination_name"))
    return render_page("auth/nomination_expect_ects.html", title, form=form, school=row.school)


@blueprint.get("/nominations/choice-saved")
def nomination_no_ects() -> Page:
    saved = session.get(NO_ECTS_SAVED)
    if not saved:
        return redirect(url_for("auth.start"))
    return render_page("auth/nomination_no_ects.html", "Your answer has been saved", saved=saved)


@blueprint.route("/nominations/full-name", methods=["GET", "POST"])
def nomination_name() -> Page:
    found = _in_progress()
    if not isinstance(found, InProgress):
        return found
    data, row = found.data, found.row
    form = NomineeNameForm(data={"full_name": data.get("full_name", "")})
    if form.validate_on_submit():
        _save({**data, "full_name": form.full_name.data})
        return redirect(url_for("auth.nomination_check" if data.get("email") else "auth.nomination_email"))
    return render_page(
        "auth/nomination_name.html",
        form.full_name.label.text,
        form=form,
        school=row.school,
        back_link=url_for("auth.nomination_expect_ects") if data.get("expecting") else None,
    )


@blueprint.route("/nominations/email", methods=["GET", "POST"])
def nomination_email() -> Page:
    found = _in_progress()
    if not isinstance(found, InProgress):
        return found
    data, row = found.data, found.row
    if not data.get("full_name"):
        return redirect(url_for("auth.nomination_name"))
    form = NomineeEmailForm(data={"email": data.get("email", "")})
    form.email.label.text = f"What is {data['full_name']}’s email address?"
    if form.validate_on_submit():
        try:
            accounts.check_nominee(db(), row.school, data["full_name"], form.email.data)
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="email")
        else:
            _save({**data, "email": form.email.data})
            return redirect(url_for("auth.nomination_check"))
    return render_page(
        "auth/nomination_email.html",
        form.email.label.text,
        form=form,
        school=row.school,
        back_link=url_for("auth.nomination_name"),
    )


@blueprint.route("/nominations/check-answers", methods=["GET", "POST"])
def nomination_check() -> Page:
    found = _in_progress()
    if not isinstance(found, InProgress):
        return found
    data, row = found.data, found.row
    if not data.get("full_name") or not data.get("email"):
        return redirect(url_for("auth.nomination_name"))
    form = ConfirmForm()
    if form.validate_on_submit():
        school = row.school
        try:
            accounts.nominate_induction_tutor(
                db(),
                data["token"],
                data["full_name"],
                data["email"],
                secret_key=settings().secret_key,
                sender=email_sender(),
                links=email_links(),
            )
        except LinkRefused as refused:
            db().rollback()
            return link_problem(refused.problem, kind="nomination")
        except RuleBroken:
            # Something changed since the email page (another nomination); ask again.
            db().rollback()
            return redirect(url_for("auth.nomination_email"))
        db().commit()
        session.pop(NOMINATION, None)
        session[NOMINATED] = {"full_name": data["full_name"], "email": data["email"], "school": school.name}
        return redirect(url_for("auth.nomination_done"))
    return render_page(
        "auth/nomination_check.html",
        "Check the induction tutor’s details",
        form=form,
        school=row.school,
        answers=data,
        back_link=url_for("auth.nomination_email"),
    )


@blueprint.get("/nominations/done")
def nomination_done() -> Page:
    done = session.get(NOMINATED)
    if not done:
        return redirect(url_for("auth.start"))
    return render_page("auth/nomination_done.html", "Induction tutor named", done=done)


# --- asking for a nomination link ------------------------------------------------------


def mask_email(address: str) -> str:
    """Enough of an address for the right person to recognise it: ``o*****@school.sch.uk``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'*' * max(3, len(local) - 1)}@{domain}"


@blueprint.route(REQUEST_ACCESS_PATH, methods=["GET", "POST"])
def request_access() -> Page:
    form = FindSchoolForm(data={"urn": session.get(REQUESTED_URN, "")})
    if form.validate_on_submit():
        urn = form.urn.data
        if not re.fullmatch(r"\d{6,7}", urn):
            form.urn.errors = ["Enter a URN of 6 digits, like 123456"]
        elif db().scalars(sa.select(School.id).where(School.urn == urn)).first() is None:
            form.urn.errors = [
                "We cannot find a school with this URN. Check it in Get information about schools"
            ]
        else:
            session[REQUESTED_URN] = urn
            return redirect(url_for("auth.request_access_confirm"))
        form._errors = None
    return render_page("auth/request_access.html", "Request access for your school", form=form)


@blueprint.route(f"{REQUEST_ACCESS_PATH}/confirm", methods=["GET", "POST"])
def request_access_confirm() -> Page:
    urn = session.get(REQUESTED_URN)
    school = db().scalars(sa.select(School).where(School.urn == urn)).first() if urn else None
    if school is None:
        return redirect(url_for("auth.request_access"))
    contact = accounts.gias_contact_email(school)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.send_nomination_link(
                db(), school, secret_key=settings().secret_key, sender=email_sender(), links=email_links()
            )
        except NominationRefused as refused:
            db().rollback()
            return _cannot_request(school, refused.reason)
        except TooManyRequests as error:
            db().rollback()
            return too_many_requests(error, "links for this school")
        db().commit()
        session.pop(REQUESTED_URN, None)
        session[LINK_SENT_TO] = {"school": school.name, "email": mask_email(contact or "")}
        return redirect(url_for("auth.request_access_sent"))
    if not can_access_service(school):
        return _cannot_request(school, "not_eligible")
    if contact is None:
        return _cannot_request(school, "no_email")
    return render_page(
        "auth/request_access_confirm.html",
        f"Send a link to {school.name}",
        form=form,
        school=school,
        masked_email=mask_email(contact),
        has_tutor=school.induction_tutor is not None,
        back_link=url_for("auth.request_access"),
    )


def _cannot_request(school: School, reason: str) -> Page:
    title = (
        f"{school.name} cannot use this service"
        if reason == "not_eligible"
        else f"We do not have an email address for {school.name}"
    )
    return render_page("auth/request_access_refused.html", title, 200, school=school, reason=reason)


@blueprint.get(f"{REQUEST_ACCESS_PATH}/sent")
def request_access_sent() -> Page:
    sent = session.get(LINK_SENT_TO)
    if not sent:
        return redirect(url_for("auth.request_access"))
    return render_page("auth/request_access_sent.html", "We have sent a link to your school", sent=sent)
