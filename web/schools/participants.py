"""Adding ECTs and mentors, and what the school tells us about them later: their mentor,
that they are leaving, that they have joined from another school.

Adding asks one question a page: type → full name → TRN → date of birth, then checks the
teacher record (no match: a National Insurance number; a different name: "known by
another name"); a TRN already registered stops here with the reason, or leads to the
transfer pages; then email → start date (ECTs) → mentor (ECTs) → check answers. The
answers wait in the cookie session and the record is checked again on confirming, so what
is saved is what the teacher record says now. The rules are ``domain.registrations``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, session, url_for

from domain.accounts import Role
from domain.errors import RuleBroken
from domain.registrations import (
    Conflict,
    NeedsTrainingSetup,
    assign_mentor,
    check_email,
    check_end_date,
    check_joining_date,
    check_start_date,
    current_provider,
    existing_registration,
    mentor_pool,
    placement_cohort,
    register_participant,
    registering_school_cohort,
    report_leaver,
    school_participants,
    school_profile,
    transfer_in,
)
from domain.school_cohorts import open_cohort
from domain.teacher_records import RecordCheck, check_teacher_record, normalise_nino, normalise_trn
from integrations.teacher_records import client_for
from storage.enums import ProfileType
from storage.models import ParticipantProfile, School
from web.auth import current_user, login_required
from web.context import db, settings
from web.forms import show_rule_errors
from web.schools import Page, blueprint, school_slug, school_url, setup_redirect, tutor_school_or_404
from web.schools.forms import (
    ConfirmForm,
    DateOfBirthForm,
    EmailForm,
    EndDateForm,
    FullNameForm,
    JoiningDateForm,
    KnownByAnotherNameForm,
    MentorForm,
    NinoForm,
    ParticipantTypeForm,
    ProviderChoiceForm,
    StartDateForm,
    TrnForm,
)
from web.service import render_page

ADD = "/<slug>/participants/add"
LATER = "later"
STATUS_TEXT = {
    "active": "Training",
    "joining": "Joining",
    "leaving": "Leaving",
    "left": "Left",
    "withdrawn": "No longer training",
    "deferred": "Training paused",
    "withdrawn by provider": "Provider has stopped their training",
}
TYPE_NAMES = {ProfileType.ECT.value: "ECT", ProfileType.MENTOR.value: "mentor"}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _long(day: dt.date | dt.datetime | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


# --- the wizard's memory ------------------------------------------------------------------------


def _key(school: School, journey: str = "add") -> str:
    return f"{journey}:{school.id}"


def _answers(school: School, journey: str = "add") -> dict[str, Any]:
    found = session.get(_key(school, journey))
    return found if isinstance(found, dict) else {}


def _save(school: School, journey: str = "add", **answers: Any) -> None:
    session[_key(school, journey)] = {**_answers(school, journey), **answers}


def _go(step: str, school: School, **values: Any) -> Any:
    return redirect(url_for(f"schools.{step}", slug=school_slug(school), **values))


def _url(step: str, school: School, **values: Any) -> str:
    return url_for(f"schools.{step}", slug=school_slug(school), **values)


def _school(slug: str) -> School | Any:
    school = tutor_school_or_404(slug)
    return setup_redirect(school) or school


def _who(answers: dict[str, Any]) -> str:
    return answers.get("full_name") or "this person"


def _question(form: Any, field: str, school: School, *, title: str | None = None, back: str | None = None,
              hint: str | None = None, intro: str | None = None, heading_is_label: bool = False,
              **extra: Any) -> Page:  # fmt: skip
    label = title or form[field].label.text
    form[field].label.text = label
    if heading_is_label:
        params: dict[str, Any] = {
            "label": {"text": label, "isPageHeading": True, "classes": "govuk-label--l"}
        }
    else:
        params = {
            "fieldset": {
                "legend": {"text": label, "isPageHeading": True, "classes": "govuk-fieldset__legend--l"}
            }
        }
    if hint:
        params["hint"] = {"text": hint}
    params.update(extra.pop("params", {}))
    return render_page(
        "schools/question.html", label, form=form, field=field, params=params, caption=school.name,
        back_link=back, intro=intro, **extra,
    )  # fmt: skip


def _message(school: School, title: str, paragraphs: list[str], links: list[dict[str, str]] | None = None,
             status: int = 200) -> Page:  # fmt: skip
    return render_page(
        "schools/message.html", title, status, caption=school.name, paragraphs=paragraphs, links=links or []
    )


# --- who: type, name, TRN, date of birth, the record check ---------------------------------------


@blueprint.get(ADD)
@login_required(Role.INDUCTION_TUTOR)
def add_start(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    session.pop(_key(school), None)
    return _go("add_type", school)


@blueprint.route(f"{ADD}/type", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_type(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    form = ParticipantTypeForm(data={"participant_type": _answers(school).get("participant_type")})
    if form.validate_on_submit():
        _save(school, participant_type=form.participant_type.data)
        return _go("add_name", school)
    return _question(
        form, "participant_type", school, back=school_url(school),
        hint="We will ask for their name, teacher reference number (TRN), date of birth and email address. "
        "We share these with their training provider.",
    )  # fmt: skip


@blueprint.route(f"{ADD}/name", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_name(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if answers.get("participant_type") not in TYPE_NAMES:
        return _go("add_type", school)
    form = FullNameForm(data={"full_name": answers.get("full_name")})
    if form.validate_on_submit():
        _save(school, full_name=form.full_name.data, record_name=None)
        return _go("add_trn", school)
    kind = TYPE_NAMES[answers["participant_type"]]
    return _question(
        form, "full_name", school, title=f"What is the {kind}’s full name?", heading_is_label=True,
        back=_url("add_type", school), hint="Their first and last name, without a title such as Mr or Dr.",
        params={"autocomplete": "off", "spellcheck": False},
    )  # fmt: skip


@blueprint.route(f"{ADD}/trn", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_trn(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("full_name"):
        return _go("add_name", school)
    form = TrnForm(data={"trn": answers.get("trn")})
    if form.validate_on_submit():
        try:
            trn = normalise_trn(form.trn.data or "")
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="trn")
        else:
            _save(school, trn=trn, nino=None)
            return _go("add_date_of_birth", school)
    return _question(
        form, "trn", school, title=f"What is {answers['full_name']}’s teacher reference number (TRN)?",
        heading_is_label=True, back=_url("add_name", school),
        hint="It has 5 to 7 digits, for example 4567814. It may be on their payslip or their teaching certificate.",
        params={"classes": "govuk-input--width-10", "spellcheck": False},
    )  # fmt: skip


@blueprint.route(f"{ADD}/date-of-birth", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_date_of_birth(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("trn"):
        return _go("add_trn", school)
    form = DateOfBirthForm(data={"date_of_birth": _date(answers.get("date_of_birth"))})
    if form.validate_on_submit():
        _save(school, date_of_birth=form.date_of_birth.data.isoformat(), nino=None)
        return _after_check(school, _check(school))
    return _question(
        form, "date_of_birth", school, title=f"What is {answers['full_name']}’s date of birth?",
        back=_url("add_trn", school), hint="For example, 27 3 1995",
    )  # fmt: skip


def _check(school: School) -> RecordCheck:
    """Ask the teacher record service about the answers so far."""
    answers = _answers(school)
    return check_teacher_record(
        client_for(settings()),
        full_name=answers.get("record_name") or answers["full_name"],
        trn=answers["trn"],
        date_of_birth=dt.date.fromisoformat(answers["date_of_birth"]),
        nino=answers.get("nino"),
    )


def _after_check(school: School, result: RecordCheck) -> Page:
    answers = _answers(school)
    if result.is_match:
        _save(school, matched=True)
        return _after_match(school, result)
    _save(school, matched=False)
    if result.name_mismatch:
        return _go("add_another_name", school)
    if answers.get("nino"):
        return _go("add_not_found", school)
    return _go("add_nino", school)


def _after_match(school: School, result: RecordCheck) -> Page:
    """A matched person: stop at any clash with who is registered already, or at a cohort
    the school has not set up; otherwise go on to their email address."""
    answers = _answers(school)
    profile_type = ProfileType(answers["participant_type"])
    existing = existing_registration(db(), school, answers["trn"], profile_type)
    if existing is not None:
        _save(school, existing=existing.profile.id.hex, conflict=existing.conflict.value)
        return _go("add_registered", school)
    try:
        registering_school_cohort(db(), school, placement_cohort(db(), profile_type, result.record))
    except NeedsTrainingSetup as needed:
        return _needs_setup(school, needed)
    return _go("add_email", school)


def _needs_setup(school: School, needed: NeedsTrainingSetup) -> Page:
    year = needed.cohort.start_year
    links = []
    if open_cohort(db(), year) is not None:
        links.append(
            {
                "href": _url("setup_start", school, year=year),
                "text": f"Set up training for {year} to {year + 1}",
            }
        )
    links.append({"href": school_url(school), "text": "Go to your school’s page"})
    return _message(
        school,
        "Set up training for their cohort first",
        [
            f"This person belongs in the {year} to {year + 1} cohort, and your school has not told us how "
            "training will run for it, or it will not run training that we register.",
        ],
        links,
    )


@blueprint.route(f"{ADD}/national-insurance-number", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_nino(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("date_of_birth"):
        return _go("add_date_of_birth", school)
    form = NinoForm(data={"nino": answers.get("nino")})
    if form.validate_on_submit():
        try:
            nino = normalise_nino(form.nino.data or "")
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="nino")
        else:
            _save(school, nino=nino)
            return _after_check(school, _check(school))
    return _question(
        form, "nino", school, title=f"What is {answers['full_name']}’s National Insurance number?",
        heading_is_label=True, back=_url("add_date_of_birth", school),
        intro="We could not find their teacher record from their TRN and date of birth. "
        "We can look for it with their National Insurance number.",
        hint="It’s on their National Insurance card, payslip or P60. For example, QQ 12 34 56 C.",
        params={"classes": "govuk-input--width-10", "spellcheck": False},
    )  # fmt: skip


@blueprint.get(f"{ADD}/not-found")
@login_required(Role.INDUCTION_TUTOR)
def add_not_found(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("date_of_birth"):
        return _go("add_type", school)
    born = dt.date.fromisoformat(answers["date_of_birth"])
    return _message(
        school,
        "We still cannot find their teacher record",
        [
            f"We looked for {answers['full_name']} with TRN {answers['trn']}, date of birth {_long(born)}"
            + (f" and National Insurance number {answers['nino']}." if answers.get("nino") else "."),
            "Check these details with them. If they are right, contact us and we will help.",
        ],
        [
            {"href": _url("add_trn", school), "text": "Change the TRN"},
            {"href": _url("add_date_of_birth", school), "text": "Change the date of birth"},
            {"href": _url("add_nino", school), "text": "Change the National Insurance number"},
            {"href": f"mailto:{settings().support_email}", "text": "Contact us"},
        ],
    )


@blueprint.route(f"{ADD}/known-by-another-name", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_another_name(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("date_of_birth"):
        return _go("add_type", school)
    form = KnownByAnotherNameForm()
    if form.validate_on_submit():
        if form.another_name.data == "yes":
            return _go("add_record_name", school)
        return _message(
            school,
            "We cannot add this person yet",
            [
                "The name on their teacher record is different from the one you gave. "
                "Contact us and we will check their details.",
            ],
            [{"href": f"mailto:{settings().support_email}", "text": "Contact us"}],
        )
    return _question(
        form, "another_name", school, title=f"Is {answers['full_name']} known by another name?",
        back=_url("add_date_of_birth", school),
        intro="We found a teacher record with this TRN and date of birth, but with a different name. "
        "They may have changed their name, for example when they married.",
    )  # fmt: skip


@blueprint.route(f"{ADD}/name-on-record", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_record_name(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    if not answers.get("date_of_birth"):
        return _go("add_type", school)
    form = FullNameForm(data={"full_name": answers.get("record_name")})
    if form.validate_on_submit():
        _save(school, record_name=form.full_name.data)
        return _after_check(school, _check(school))
    return _question(
        form, "full_name", school, title="What name is on their teacher record?", heading_is_label=True,
        back=_url("add_another_name", school), hint="Ask them for the name they had when they qualified.",
    )  # fmt: skip


@blueprint.get(f"{ADD}/already-registered")
@login_required(Role.INDUCTION_TUTOR)
def add_registered(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _answers(school)
    conflict, profile_id = answers.get("conflict"), answers.get("existing")
    profile = db().get(ParticipantProfile, _uuid(profile_id)) if profile_id else None
    if conflict is None or profile is None:
        return _go("add_type", school)
    name = profile.teacher.full_name
    if conflict == Conflict.TRANSFER:
        record_school = profile.school_cohort.school.name
        return _message(
            school,
            f"{name} is registered at another school",
            [
                f"{name} is registered with us at {record_school}. If they are moving to your school, "
                "tell us when they join and we will move their record.",
            ],
            [
                {"href": _url("transfer_joining_date", school, profile_id=profile.id), "text": f"Tell us {name} is joining your school"},
                {"href": school_url(school), "text": "Go to your school’s page"},
            ],
        )  # fmt: skip
    reasons = {
        Conflict.ALREADY_HERE: f"{name} is already registered at your school.",
        Conflict.MENTOR_AS_ECT: f"{name} is registered as a mentor, so cannot also be registered as an ECT. "
        "Contact us if this is wrong.",
        Conflict.WITHDRAWN: f"{name} was registered before and their training was stopped. "
        "Contact us and we will reinstate their record.",
    }
    return _message(
        school,
        f"You cannot add {name}",
        [reasons[Conflict(conflict)]],
        [
            {"href": _url("participants", school), "text": "See your ECTs and mentors"},
            {"href": f"mailto:{settings().support_email}", "text": "Contact us"},
        ],
    )


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- add: email, start date, mentor, check answers ----------------------------------------------


def _matched(school: School) -> dict[str, Any] | None:
    answers = _answers(school)
    return answers if answers.get("matched") and answers.get("date_of_birth") else None


@blueprint.route(f"{ADD}/email", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_email(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _matched(school)
    if answers is None:
        return _go("add_type", school)
    form = EmailForm(data={"email": answers.get("email")})
    if form.validate_on_submit():
        try:
            address = check_email(
                db(), school, form.email.data, tutor_email=current_user().email,  # type: ignore[union-attr]
                profile_type=ProfileType(answers["participant_type"]),
            )  # fmt: skip
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="email")
        else:
            _save(school, email=address)
            if answers["participant_type"] == ProfileType.ECT:
                return _go("add_start_date", school)
            return _go("add_check", school)
    return _question(
        form, "email", school, title=f"What is {answers['full_name']}’s email address?", heading_is_label=True,
        back=_url("add_date_of_birth", school), hint="Their training provider will use it to contact them.",
        params={"type": "email", "autocomplete": "off", "spellcheck": False},
    )  # fmt: skip


@blueprint.route(f"{ADD}/start-date", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_start_date(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _matched(school)
    if answers is None or not answers.get("email"):
        return _go("add_type", school)
    form = StartDateForm(data={"start_date": _date(answers.get("start_date"))})
    if form.validate_on_submit():
        try:
            check_start_date(form.start_date.data)
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="start_date")
        else:
            _save(school, start_date=form.start_date.data.isoformat())
            return _go("add_mentor" if mentor_pool(db(), school) else "add_check", school)
    return _question(
        form, "start_date", school, title=f"When does {answers['full_name']} start their induction at your school?",
        back=_url("add_email", school), hint="For example, 1 9 2026",
    )  # fmt: skip


@blueprint.route(f"{ADD}/mentor", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def add_mentor(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _matched(school)
    if answers is None or not answers.get("start_date"):
        return _go("add_type", school)
    form = MentorForm(data={"mentor": answers.get("mentor")})
    form.mentor.choices = _mentor_choices(school)
    if form.validate_on_submit():
        _save(school, mentor=form.mentor.data)
        return _go("add_check", school)
    return _question(
        form,
        "mentor",
        school,
        title=f"Who will mentor {answers['full_name']}?",
        back=_url("add_start_date", school),
    )


def _mentor_choices(school: School) -> list[tuple[str, str]]:
    return [(mentor.id.hex, mentor.teacher.full_name) for mentor in mentor_pool(db(), school)] + [
        (LATER, "Add or assign a mentor later")
    ]


@blueprint.route(f"{ADD}/check-answers", methods=["GET", "POST"], endpoint="add_check")
@login_required(Role.INDUCTION_TUTOR)
def add_check(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    answers = _matched(school)
    if answers is None or not answers.get("email"):
        return _go("add_type", school)
    is_ect = answers["participant_type"] == ProfileType.ECT
    if is_ect and not answers.get("start_date"):
        return _go("add_start_date", school)
    form = ConfirmForm()
    if form.validate_on_submit():
        result = _check(school)
        if not result.is_match or result.record is None:
            _save(school, matched=False)
            return _go("add_date_of_birth", school)
        mentor = answers.get("mentor")
        try:
            profile = register_participant(
                db(), school,
                profile_type=ProfileType(answers["participant_type"]),
                full_name=answers["full_name"], trn=answers["trn"],
                date_of_birth=dt.date.fromisoformat(answers["date_of_birth"]),
                record=result.record, email=answers["email"], nino=answers.get("nino"),
                start_date=_date(answers.get("start_date")),
                mentor_profile_id=None if mentor in (None, LATER) else mentor,
                tutor_email=current_user().email,  # type: ignore[union-attr]
            )  # fmt: skip
        except NeedsTrainingSetup as needed:
            db().rollback()
            return _needs_setup(school, needed)
        except RuleBroken:
            db().rollback()
            return _after_match(school, result)
        db().commit()
        session.pop(_key(school), None)
        return _go("participant_added", school, profile_id=profile.id)
    kind = TYPE_NAMES[answers["participant_type"]]
    born = dt.date.fromisoformat(answers["date_of_birth"])
    rows = [
        {"key": {"text": "Type"}, "value": {"text": "ECT" if is_ect else "Mentor"}},
        {"key": {"text": "Full name"}, "value": {"text": answers["full_name"]}},
        {"key": {"text": "TRN"}, "value": {"text": answers["trn"]}},
        {"key": {"text": "Date of birth"}, "value": {"text": _long(born)}},
        _change_row("Email address", answers["email"], _url("add_email", school)),
    ]
    if is_ect:
        rows.append(
            _change_row("Start date", _long(_date(answers["start_date"])), _url("add_start_date", school))
        )
        if mentor_pool(db(), school):
            names = dict(_mentor_choices(school))
            rows.append(
                _change_row(
                    "Mentor", names.get(answers.get("mentor") or LATER, "Later"), _url("add_mentor", school)
                )
            )
    return render_page(
        "schools/check_answers.html",
        f"Check the {kind}’s details",
        form=form,
        caption=school.name,
        rows=rows,
        paragraphs=[
            "Their name, TRN and date of birth match their teacher record, so you cannot change them here."
        ],
        button="Confirm and add",
        back_link=_url("add_email", school),
    )


def _change_row(key: str, value: str, change: str) -> dict[str, Any]:
    return {
        "key": {"text": key},
        "value": {"text": value},
        "actions": {"items": [{"href": change, "text": "Change", "visuallyHiddenText": key.lower()}]},
    }


@blueprint.get("/<slug>/participants/<profile_id>/added")
@login_required(Role.INDUCTION_TUTOR)
def participant_added(slug: str, profile_id: str) -> Page:
    school = tutor_school_or_404(slug)
    row = _row_or_404(school, profile_id)
    kind = "an ECT" if row.profile.is_ect else "a mentor"
    eligibility = row.profile.eligibility
    funded = (
        "They can get DfE-funded training."
        if eligibility is not None and eligibility.status == "eligible"
        else "We need to check whether they can get DfE-funded training. We will tell you if they cannot."
    )
    return render_page(
        "schools/message.html",
        f"{row.profile.teacher.full_name} has been added as {kind}",
        panel=school.name,
        paragraphs=[funded],
        links=[
            {"href": _url("add_start", school), "text": "Add another ECT or mentor"},
            {"href": _url("participants", school), "text": "See your ECTs and mentors"},
        ],
    )


# --- the participants page ----------------------------------------------------------------------


def _row_or_404(school: School, profile_id: str) -> Any:
    from flask import abort

    try:
        return school_profile(db(), school, profile_id)
    except RuleBroken:
        abort(404)


@blueprint.get("/<slug>/participants")
@login_required(Role.INDUCTION_TUTOR)
def participants(slug: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    rows = school_participants(db(), school)
    return render_page(
        "schools/participants.html",
        "Your ECTs and mentors",
        school=school,
        slug=school_slug(school),
        ects=[row for row in rows if row.profile.is_ect],
        mentors=[row for row in rows if not row.profile.is_ect],
        status_text=STATUS_TEXT,
        back_link=school_url(school),
    )


@blueprint.get("/<slug>/participants/<profile_id>")
@login_required(Role.INDUCTION_TUTOR)
def participant(slug: str, profile_id: str) -> Page:
    school = tutor_school_or_404(slug)
    row = _row_or_404(school, profile_id)
    return render_page(
        "schools/participant.html",
        row.profile.teacher.full_name,
        school=school,
        slug=school_slug(school),
        row=row,
        status_text=STATUS_TEXT,
        long=_long,
        back_link=_url("participants", school),
    )


@blueprint.route("/<slug>/participants/<profile_id>/mentor", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def change_mentor(slug: str, profile_id: str) -> Page:
    school = tutor_school_or_404(slug)
    row = _row_or_404(school, profile_id)
    if not row.profile.is_ect:
        return _go("participant", school, profile_id=row.profile.id)
    current = row.record.mentor_profile_id.hex if row.record.mentor_profile_id else None
    form = MentorForm(data={"mentor": current})
    form.mentor.choices = _mentor_choices(school)
    if form.validate_on_submit():
        try:
            assign_mentor(
                db(), school, row.profile.id, None if form.mentor.data == LATER else form.mentor.data
            )
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="mentor")
        else:
            db().commit()
            return _go("participant", school, profile_id=row.profile.id)
    return _question(
        form, "mentor", school, title=f"Who will mentor {row.profile.teacher.full_name}?",
        back=_url("participant", school, profile_id=row.profile.id), button="Save",
    )  # fmt: skip


@blueprint.route("/<slug>/participants/<profile_id>/leaving", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def report_leaving(slug: str, profile_id: str) -> Page:
    school = tutor_school_or_404(slug)
    row = _row_or_404(school, profile_id)
    form = EndDateForm()
    if form.validate_on_submit():
        try:
            check_end_date(row.record, form.end_date.data)
            report_leaver(db(), school, row.profile.id, form.end_date.data)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="end_date")
        else:
            db().commit()
            return _go("participant", school, profile_id=row.profile.id)
    return _question(
        form, "end_date", school, title=f"When does {row.profile.teacher.full_name} leave your school?",
        back=_url("participant", school, profile_id=row.profile.id), button="Confirm",
        hint="Their training provider will see that they are leaving. For example, 20 7 2027",
    )  # fmt: skip


# --- transfer in: someone registered at another school joins this one ---------------------------

TRANSFER = "/<slug>/participants/transfer/<profile_id>"
CONTINUE, JOIN = "continue", "join"


@blueprint.get("/<slug>/participants/transfer")
@login_required(Role.INDUCTION_TUTOR)
def transfer_start(slug: str) -> Page:
    """A joiner is found like anyone else, by their TRN: the add pages offer the transfer."""
    return redirect(url_for("schools.add_start", slug=slug))


def _transfer_subject(school: School, profile_id: str) -> ParticipantProfile | None:
    """The person the add pages found registered elsewhere (only they may be transferred)."""
    answers = _answers(school)
    if answers.get("conflict") != Conflict.TRANSFER or answers.get("existing") != _hex(profile_id):
        return None
    return db().get(ParticipantProfile, _uuid(profile_id))


def _hex(value: str) -> str | None:
    found = _uuid(value)
    return found.hex if found else None


@blueprint.route(f"{TRANSFER}/joining-date", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def transfer_joining_date(slug: str, profile_id: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    profile = _transfer_subject(school, profile_id)
    if profile is None:
        return _go("add_type", school)
    try:
        registering_school_cohort(db(), school, profile.school_cohort.cohort)
    except NeedsTrainingSetup as needed:
        return _needs_setup(school, needed)
    answers = _answers(school, "transfer")
    form = JoiningDateForm(data={"joining_date": _date(answers.get("joining_date"))})
    if form.validate_on_submit():
        try:
            check_joining_date(db(), profile, form.joining_date.data)
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="joining_date")
        else:
            _save(school, "transfer", joining_date=form.joining_date.data.isoformat())
            return _go("transfer_email", school, profile_id=profile.id)
    return _question(
        form, "joining_date", school, title=f"When does {profile.teacher.full_name} start at your school?",
        back=_url("add_registered", school), hint="For example, 6 1 2027",
    )  # fmt: skip


@blueprint.route(f"{TRANSFER}/email", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def transfer_email(slug: str, profile_id: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    profile = _transfer_subject(school, profile_id)
    answers = _answers(school, "transfer")
    if profile is None or not answers.get("joining_date"):
        return _go("add_type", school)
    form = EmailForm(data={"email": answers.get("email") or profile.participant_identity.email})
    if form.validate_on_submit():
        try:
            address = check_email(db(), school, form.email.data, teacher_id=profile.teacher_id)
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="email")
        else:
            _save(school, "transfer", email=address)
            return _go("transfer_provider", school, profile_id=profile.id)
    return _question(
        form, "email", school, title=f"What is {profile.teacher.full_name}’s email address?", heading_is_label=True,
        back=_url("transfer_joining_date", school, profile_id=profile.id),
        params={"type": "email", "autocomplete": "off", "spellcheck": False},
    )  # fmt: skip


@blueprint.route(f"{TRANSFER}/provider", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def transfer_provider(slug: str, profile_id: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    profile = _transfer_subject(school, profile_id)
    answers = _answers(school, "transfer")
    if profile is None or not answers.get("email"):
        return _go("add_type", school)
    kept = current_provider(db(), profile)
    if kept is None:
        _save(school, "transfer", provider=JOIN)
        return _go("transfer_check", school, profile_id=profile.id)
    form = ProviderChoiceForm(data={"provider": answers.get("provider")})
    form.provider.choices = [
        (CONTINUE, f"Continue with {kept.lead_provider.name} and {kept.delivery_partner.name}"),
        (JOIN, "Join your school’s training programme"),
    ]
    if form.validate_on_submit():
        _save(school, "transfer", provider=form.provider.data)
        return _go("transfer_check", school, profile_id=profile.id)
    return _question(
        form, "provider", school, title=f"Who will train {profile.teacher.full_name}?",
        back=_url("transfer_email", school, profile_id=profile.id),
    )  # fmt: skip


@blueprint.route(f"{TRANSFER}/check-answers", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def transfer_check(slug: str, profile_id: str) -> Page:
    school = _school(slug)
    if not isinstance(school, School):
        return school
    profile = _transfer_subject(school, profile_id)
    answers = _answers(school, "transfer")
    if profile is None or not answers.get("provider"):
        return _go("add_type", school)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            transfer_in(
                db(), school, profile.id, joining_date=dt.date.fromisoformat(answers["joining_date"]),
                email=answers["email"], continue_with_current_provider=answers["provider"] == CONTINUE,
            )  # fmt: skip
        except NeedsTrainingSetup as needed:
            db().rollback()
            return _needs_setup(school, needed)
        except RuleBroken:
            db().rollback()
            return _go("transfer_joining_date", school, profile_id=profile.id)
        db().commit()
        session.pop(_key(school), None)
        session.pop(_key(school, "transfer"), None)
        return _go("participant", school, profile_id=profile.id)
    kept = current_provider(db(), profile)
    training = (
        f"Continue with {kept.lead_provider.name} and {kept.delivery_partner.name}"
        if answers["provider"] == CONTINUE and kept is not None
        else "Your school’s training programme"
    )
    rows = [
        {"key": {"text": "Name"}, "value": {"text": profile.teacher.full_name}},
        _change_row("Joining date", _long(_date(answers["joining_date"])), _url("transfer_joining_date", school, profile_id=profile.id)),
        _change_row("Email address", answers["email"], _url("transfer_email", school, profile_id=profile.id)),
        _change_row("Training", training, _url("transfer_provider", school, profile_id=profile.id)),
    ]  # fmt: skip
    return render_page(
        "schools/check_answers.html",
        f"Check the details of {profile.teacher.full_name}’s move",
        form=form,
        caption=school.name,
        rows=rows,
        button="Confirm",
        back_link=_url("transfer_provider", school, profile_id=profile.id),
    )
