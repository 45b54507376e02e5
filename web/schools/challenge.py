"""Reporting a partnership that is not right (a "challenge"), from the school's page, until
the partnership's challenge deadline (``domain.partnerships.challenge_partnership``). Once
challenged, the provider no longer sees the school's participants in the API."""

from __future__ import annotations

from flask import abort, redirect, url_for

from domain.accounts import Role
from domain.errors import RuleBroken
from domain.partnerships import PartnershipNotFound, challenge_partnership
from storage.models import Partnership
from web.auth import login_required
from web.context import db
from web.forms import show_rule_errors
from web.schools import Page, blueprint, school_slug, school_url, tutor_school_or_404
from web.schools.forms import ChallengeForm
from web.service import render_page


@blueprint.route(
    "/<slug>/partnerships/<partnership_id>/report", methods=["GET", "POST"], endpoint="challenge"
)
@login_required(Role.INDUCTION_TUTOR)
def challenge_page(slug: str, partnership_id: str) -> Page:
    school = tutor_school_or_404(slug)
    partnership = _partnership_or_404(school.id, partnership_id)
    if partnership.challenged:
        return redirect(
            url_for("schools.challenged", slug=school_slug(school), partnership_id=partnership.id)
        )
    form = ChallengeForm()
    if form.validate_on_submit():
        try:
            challenge_partnership(db(), school.id, partnership.id, form.reason.data)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="reason")
        else:
            db().commit()
            return redirect(
                url_for("schools.challenged", slug=school_slug(school), partnership_id=partnership.id)
            )
    label = (
        f"Why is the partnership with {partnership.lead_provider.name} and "
        f"{partnership.delivery_partner.name} not right?"
    )
    return render_page(
        "schools/question.html",
        label,
        form=form,
        field="reason",
        params={
            "fieldset": {
                "legend": {"text": label, "isPageHeading": True, "classes": "govuk-fieldset__legend--l"}
            }
        },
        caption=f"{school.name}, {partnership.cohort.start_year} to {partnership.cohort.start_year + 1}",
        intro=f"{partnership.lead_provider.name} told us they will train your school’s ECTs and mentors. "
        "If that is wrong, tell us why and they will no longer see your ECTs and mentors.",
        button="Report this partnership",
        back_link=school_url(school),
    )


@blueprint.get("/<slug>/partnerships/<partnership_id>/reported", endpoint="challenged")
@login_required(Role.INDUCTION_TUTOR)
def challenged_page(slug: str, partnership_id: str) -> Page:
    school = tutor_school_or_404(slug)
    partnership = _partnership_or_404(school.id, partnership_id)
    if not partnership.challenged:
        return redirect(url_for("schools.challenge", slug=school_slug(school), partnership_id=partnership.id))
    return render_page(
        "schools/message.html",
        "Partnership reported",
        panel=f"{partnership.lead_provider.name} will no longer see your ECTs and mentors",
        paragraphs=[
            "If you agree to work with a provider, they will confirm it with us and we will tell you.",
        ],
        links=[{"href": school_url(school), "text": "Go to your school’s page"}],
    )


def _partnership_or_404(school_id: object, partnership_id: str) -> Partnership:
    import uuid

    try:
        wanted = uuid.UUID(partnership_id)
    except ValueError:
        abort(404)
    partnership = db().get(Partnership, wanted)
    if partnership is None or partnership.school_id != school_id or partnership.is_relationship:
        abort(404)
    return partnership


__all__ = ["PartnershipNotFound"]
