"""Setting up a cohort: expecting ECTs? → how training will run → appropriate body → check
answers → saved (``domain.school_cohorts``). Answers wait in the cookie session until the
tutor confirms, so nothing is half-saved."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, session, url_for

from domain.accounts import Role
from domain.errors import RuleBroken
from domain.school_cohorts import (
    Training,
    appropriate_bodies,
    check_training,
    last_years_providers,
    open_cohort,
    school_cohort,
    set_up_cohort,
    training_options,
)
from storage.models import Cohort, School
from web.auth import login_required
from web.context import db
from web.forms import show_rule_errors
from web.schools import Page, blueprint, school_slug, school_url, tutor_school_or_404
from web.schools.forms import AppropriateBodyForm, ConfirmForm, ExpectEctsForm, TrainingForm
from web.service import render_page

PREFIX = "/<slug>/cohorts/<int:year>/setup"
LATER = "later"
TRAINING_LABELS = {
    Training.PROVIDER_LED: "Provider-led: use a training provider funded by DfE",
    Training.SCHOOL_LED: "School-led: deliver your own programme using DfE-accredited materials",
    Training.DESIGN_OUR_OWN: "School-led: design and deliver your own programme based on the early career framework",
    Training.SCHOOL_FUNDED: "Provider-led: use a training provider your school pays for",
}


def _school_and_cohort(slug: str, year: int) -> tuple[School, Cohort]:
    school = tutor_school_or_404(slug)
    cohort = open_cohort(db(), year)
    if cohort is None:
        abort(404)
    return school, cohort


def _key(school: School, cohort: Cohort) -> str:
    return f"setup:{school.id}:{cohort.start_year}"


def _answers(school: School, cohort: Cohort) -> dict[str, Any]:
    found = session.get(_key(school, cohort))
    return found if isinstance(found, dict) else {}


def _save(school: School, cohort: Cohort, **answers: Any) -> None:
    session[_key(school, cohort)] = {**_answers(school, cohort), **answers}


def _step(name: str, school: School, cohort: Cohort) -> str:
    return url_for(f"schools.setup_{name}", slug=school_slug(school), year=cohort.start_year)


def _caption(cohort: Cohort) -> str:
    return f"Set up training for {cohort.start_year} to {cohort.start_year + 1}"


def _done_already(school: School, cohort: Cohort) -> Page | None:
    if school_cohort(db(), school, cohort) is not None:
        return redirect(school_url(school))
    return None


@blueprint.get(PREFIX)
@login_required(Role.INDUCTION_TUTOR)
def setup_start(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    if (done := _done_already(school, cohort)) is not None:
        return done
    return render_page(
        "schools/message.html",
        f"Tell us how your school will train its ECTs in {cohort.start_year} to {cohort.start_year + 1}",
        caption=school.name,
        paragraphs=[
            "Before you can add early career teachers (ECTs) and mentors, tell us whether you expect "
            "any new ECTs this year, how their training will run and who your appropriate body is.",
            "It takes about 2 minutes.",
        ],
        links=[{"href": _step("expect_ects", school, cohort), "text": "Start setting up"}],
    )


@blueprint.route(f"{PREFIX}/expect-ects", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def setup_expect_ects(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    if (done := _done_already(school, cohort)) is not None:
        return done
    answers = _answers(school, cohort)
    form = ExpectEctsForm(data={"expecting": answers.get("expecting")})
    if form.validate_on_submit():
        _save(school, cohort, expecting=form.expecting.data)
        return redirect(_step("training" if form.expecting.data == "yes" else "check", school, cohort))
    return _question(form, "expecting", school, cohort, back=_step("start", school, cohort))


@blueprint.route(f"{PREFIX}/training", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def setup_training(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    if (done := _done_already(school, cohort)) is not None:
        return done
    answers = _answers(school, cohort)
    choices = [(option.value, TRAINING_LABELS[option]) for option in training_options(school)]
    kept = last_years_providers(db(), school, cohort)
    if kept is not None:
        choices.insert(
            0,
            (
                Training.KEEP_PROVIDERS.value,
                f"Keep working with {kept.lead_provider.name} and {kept.delivery_partner.name}",
            ),
        )
    form = TrainingForm(data={"training": answers.get("training")})
    form.training.choices = choices
    if form.validate_on_submit():
        try:
            check_training(db(), school, cohort, form.training.data)
        except RuleBroken as broken:
            show_rule_errors(form, broken, fallback="training")
        else:
            _save(school, cohort, training=form.training.data)
            return redirect(_step("appropriate_body", school, cohort))
    return _question(form, "training", school, cohort, back=_step("expect_ects", school, cohort))


@blueprint.route(f"{PREFIX}/appropriate-body", methods=["GET", "POST"])
@login_required(Role.INDUCTION_TUTOR)
def setup_appropriate_body(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    if (done := _done_already(school, cohort)) is not None:
        return done
    answers = _answers(school, cohort)
    if answers.get("expecting") != "yes" or not answers.get("training"):
        return redirect(_step("expect_ects", school, cohort))
    form = AppropriateBodyForm(data={"appropriate_body": answers.get("appropriate_body")})
    form.appropriate_body.choices = [(str(body.id), body.name) for body in appropriate_bodies(db())] + [
        (LATER, "We have not appointed one yet")
    ]
    if form.validate_on_submit():
        _save(school, cohort, appropriate_body=form.appropriate_body.data)
        return redirect(_step("check", school, cohort))
    return _question(
        form,
        "appropriate_body",
        school,
        cohort,
        back=_step("training", school, cohort),
        hint="The appropriate body checks that your ECTs get the induction they are entitled to.",
    )


@blueprint.route(f"{PREFIX}/check-answers", methods=["GET", "POST"], endpoint="setup_check")
@login_required(Role.INDUCTION_TUTOR)
def setup_check(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    if (done := _done_already(school, cohort)) is not None:
        return done
    answers = _answers(school, cohort)
    expecting = answers.get("expecting")
    if expecting not in ("yes", "no") or (expecting == "yes" and "appropriate_body" not in answers):
        return redirect(_step("expect_ects", school, cohort))
    form = ConfirmForm()
    if form.validate_on_submit():
        body = answers.get("appropriate_body")
        try:
            set_up_cohort(
                db(),
                school,
                cohort,
                expecting_ects=expecting == "yes",
                training=answers.get("training"),
                appropriate_body_id=None if body in (None, LATER) else body,
            )
        except RuleBroken:
            db().rollback()
            session.pop(_key(school, cohort), None)
            return redirect(_step("expect_ects", school, cohort))
        db().commit()
        session.pop(_key(school, cohort), None)
        return redirect(_step("complete", school, cohort))
    rows = [
        _row(
            "Expecting new ECTs", "Yes" if expecting == "yes" else "No", _step("expect_ects", school, cohort)
        )
    ]
    if expecting == "yes":
        training = Training(answers["training"])
        kept = last_years_providers(db(), school, cohort)
        label = (
            f"Keep working with {kept.lead_provider.name} and {kept.delivery_partner.name}"
            if training == Training.KEEP_PROVIDERS and kept is not None
            else TRAINING_LABELS.get(training, "")
        )
        body_name = next(
            (b.name for b in appropriate_bodies(db()) if str(b.id) == answers["appropriate_body"]),
            "Not appointed yet",
        )
        rows += [
            _row("How training will run", label, _step("training", school, cohort)),
            _row("Appropriate body", body_name, _step("appropriate_body", school, cohort)),
        ]
    return render_page(
        "schools/check_answers.html",
        "Check your answers",
        form=form,
        caption=_caption(cohort),
        rows=rows,
        button="Confirm",
        back_link=_step("appropriate_body" if expecting == "yes" else "expect_ects", school, cohort),
    )


@blueprint.get(f"{PREFIX}/complete")
@login_required(Role.INDUCTION_TUTOR)
def setup_complete(slug: str, year: int) -> Page:
    school, cohort = _school_and_cohort(slug, year)
    row = school_cohort(db(), school, cohort)
    if row is None:
        return redirect(_step("start", school, cohort))
    expecting = row.default_induction_programme_id is not None
    paragraphs = (
        [
            "Next, add your early career teachers (ECTs) and mentors, and assign a mentor to each ECT.",
            "If you use a training provider, they will confirm your partnership with us and we will tell you.",
        ]
        if expecting
        else ["We will not send you reminders about this cohort. You can add ECTs later if that changes."]
    )
    links = [{"href": school_url(school), "text": "Go to your school’s page"}]
    if expecting:
        links.insert(
            0,
            {"href": url_for("schools.add_start", slug=school_slug(school)), "text": "Add an ECT or mentor"},
        )
    return render_page(
        "schools/message.html",
        "Training set up",
        panel=f"{school.name}, {cohort.start_year} to {cohort.start_year + 1}",
        paragraphs=paragraphs,
        links=links,
    )


def _row(key: str, value: str, change: str) -> dict[str, Any]:
    return {
        "key": {"text": key},
        "value": {"text": value},
        "actions": {"items": [{"href": change, "text": "Change", "visuallyHiddenText": key.lower()}]},
    }


def _question(
    form: Any, field: str, school: School, cohort: Cohort, *, back: str, hint: str | None = None
) -> Page:
    label = form[field].label.text
    params: dict[str, Any] = {
        "fieldset": {"legend": {"text": label, "isPageHeading": True, "classes": "govuk-fieldset__legend--l"}}
    }
    if hint:
        params["hint"] = {"text": hint}
    return render_page(
        "schools/question.html",
        label,
        form=form,
        field=field,
        params=params,
        caption=_caption(cohort),
        back_link=back,
    )
