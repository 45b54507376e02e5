"""Reporting a partnership that is not right (a "challenge"), until the partnership's challenge
deadline (``domain.partnerships.challenge_partnership``): from the school's page by its signed-in
induction tutor, or from the link in the email telling the school a provider confirmed it
(``/schools/report-incorrect-partnership?token=…``), which needs no sign-in: the school may have
no induction tutor yet. Once challenged, the provider no longer sees the school's participants in
the API, and its users are emailed."""

from __future__ import annotations

import uuid

from flask import abort, redirect, request, url_for

from domain.accounts import Role
from domain.errors import RuleBroken
from domain.partnerships import (
    ChallengeLinkInvalid,
    PartnershipNotFound,
    challenge_partnership,
    challenge_window_closed,
    partnership_for_challenge_token,
)
from storage.models import Partnership
from web.auth import email_links, email_sender, login_required
from web.context import db, settings
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
    done = url_for("schools.challenged", slug=school_slug(school), partnership_id=partnership.id)
    if partnership.challenged:
        return redirect(done)
    form = ChallengeForm()
    if _challenged(form, partnership):
        return redirect(done)
    return _form_page(form, partnership, back_link=school_url(school))


@blueprint.get("/<slug>/partnerships/<partnership_id>/reported", endpoint="challenged")
@login_required(Role.INDUCTION_TUTOR)
def challenged_page(slug: str, partnership_id: str) -> Page:
    school = tutor_school_or_404(slug)
    partnership = _partnership_or_404(school.id, partnership_id)
    if not partnership.challenged:
        return redirect(url_for("schools.challenge", slug=school_slug(school), partnership_id=partnership.id))
    return _reported_page(
        partnership, links=[{"href": school_url(school), "text": "Go to your school’s page"}]
    )


# --- from the emailed link, without signing in ---------------------------------------------------


@blueprint.route("/report-incorrect-partnership", methods=["GET", "POST"], endpoint="challenge_from_email")
def challenge_from_email() -> Page:
    """Opening the link only shows the question (a mail scanner following it changes nothing)."""
    token = request.args.get("token", "")
    partnership = _partnership_for_link(token)
    if isinstance(partnership, tuple):
        return partnership
    if partnership.challenged:
        return render_page(
            "schools/message.html",
            "This partnership has already been reported",
            paragraphs=[
                f"Your school has already told us it is not working with {partnership.lead_provider.name}. "
                "You do not need to do anything else.",
            ],
        )
    if challenge_window_closed(partnership):
        return _link_expired()
    form = ChallengeForm()
    if _challenged(form, partnership):
        return redirect(url_for("schools.challenged_from_email", token=token))
    return _form_page(form, partnership, back_link=None)


@blueprint.get("/report-incorrect-partnership/reported", endpoint="challenged_from_email")
def challenged_from_email() -> Page:
    token = request.args.get("token", "")
    partnership = _partnership_for_link(token)
    if isinstance(partnership, tuple):
        return partnership
    if not partnership.challenged:
        return redirect(url_for("schools.challenge_from_email", token=token))
    return _reported_page(partnership, links=[])


# --- what both ways share -----------------------------------------------------------------------


def _challenged(form: ChallengeForm, partnership: Partnership) -> bool:
    """Record the challenge when the form is sent and valid (emailing the provider's users)."""
    if not form.validate_on_submit():
        return False
    try:
        challenge_partnership(
            db(),
            partnership.school_id,
            partnership.id,
            form.reason.data,
            sender=email_sender(),
            links=email_links(),
        )
    except RuleBroken as broken:
        db().rollback()
        show_rule_errors(form, broken, fallback="reason")
        return False
    db().commit()
    return True


def _form_page(form: ChallengeForm, partnership: Partnership, *, back_link: str | None) -> Page:
    label = (
        f"Why is the partnership with {partnership.lead_provider.name} and "
        f"{partnership.delivery_partner.name} not right?"
    )
    year = partnership.cohort.start_year
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
        caption=f"{partnership.school.name}, {year} to {year + 1}",
        intro=f"{partnership.lead_provider.name} told us they will train your school’s ECTs and mentors. "
        "If that is wrong, tell us why and they will no longer see your ECTs and mentors.",
        button="Report this partnership",
        back_link=back_link,
    )


def _reported_page(partnership: Partnership, *, links: list[dict[str, str]]) -> Page:
    return render_page(
        "schools/message.html",
        "Partnership reported",
        panel=f"{partnership.lead_provider.name} will no longer see your ECTs and mentors",
        paragraphs=[
            "If you agree to work with a provider, they will confirm it with us and we will tell you.",
        ],
        links=links,
    )


def _partnership_for_link(token: str) -> Partnership | Page:
    try:
        return partnership_for_challenge_token(db(), token, settings().secret_key)
    except ChallengeLinkInvalid:
        return render_page(
            "schools/message.html",
            "This link is not valid",
            status=404,
            paragraphs=[
                "Check that you copied the whole link from the email. If a provider confirmed your "
                "school again since, use the link in the newest email.",
                f"If it still does not work, email {settings().support_email}.",
            ],
        )


def _link_expired() -> Page:
    return render_page(
        "schools/message.html",
        "The deadline for reporting this partnership has passed",
        paragraphs=[
            f"If your school is not working with this provider, email {settings().support_email} and tell "
            "us your school’s name and URN.",
        ],
    )


def _partnership_or_404(school_id: object, partnership_id: str) -> Partnership:
    try:
        wanted = uuid.UUID(partnership_id)
    except ValueError:
        abort(404)
    partnership = db().get(Partnership, wanted)
    if partnership is None or partnership.school_id != school_id or partnership.is_relationship:
        abort(404)
    return partnership


__all__ = ["PartnershipNotFound"]
