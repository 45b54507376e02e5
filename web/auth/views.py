"""The start page, signing in by emailed link, choosing a role, and signing out."""

from __future__ import annotations

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

from domain import accounts
from domain.accounts import LinkProblem, LinkRefused, Role, TooManyRequests
from integrations.email import EmailSender, build_sender
from web.auth import blueprint
from web.auth.forms import ChooseRoleForm, ConfirmForm, ConfirmSignInForm, SignInForm
from web.auth.links import CONFIRM_SIGN_IN_PATH, SIGN_IN_PATH, START_PATH, links_for
from web.auth.second_factor import begin_second_factor
from web.auth.session import (
    CHOSEN_ROLE,
    ROLE_LABELS,
    current_roles,
    current_user,
    home_url,
    login_required,
    sign_in,
    sign_out,
)
from web.context import db, settings
from web.service import render_page

Page = tuple[str, int] | Response

CHECK_EMAIL_ADDRESS = "sign_in_email"


def email_sender() -> EmailSender:
    """How pages send email: Notify when configured, else the outbox (in this request's
    transaction, so nothing is "sent" unless the page commits)."""
    return build_sender(settings(), db())


def email_links() -> accounts.Links:
    return links_for(settings(), request.host_url)


def too_many_requests(error: TooManyRequests, what: str) -> Page:
    minutes = max(1, -(-int(error.retry_after.total_seconds()) // 60))
    return render_page(
        "auth/too_many_requests.html", f"You have asked for too many {what}", 429, minutes=minutes, what=what
    )


@blueprint.get(START_PATH)
def start() -> Page:
    if current_user() is not None:
        return redirect(home_url())
    return render_page("auth/start.html", "Manage training for early career teachers")


@blueprint.route(SIGN_IN_PATH, methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page() -> Page:
    if request.method == "GET" and current_user() is not None:
        return redirect(home_url())
    form = SignInForm()
    if form.validate_on_submit():
        try:
            accounts.request_sign_in_link(
                db(),
                form.email.data,
                request.remote_addr or "unknown",
                secret_key=settings().secret_key,
                sender=email_sender(),
                links=email_links(),
            )
        except TooManyRequests as error:
            db().rollback()
            return too_many_requests(error, "sign-in links")
        db().commit()
        session[CHECK_EMAIL_ADDRESS] = form.email.data
        return redirect(url_for("auth.check_email"))
    return render_page(
        "auth/sign_in.html", "Sign in", form=form, timed_out=bool(request.args.get("timed_out"))
    )


@blueprint.get("/sign-in/check-email")
def check_email() -> Page:
    return render_page("auth/check_email.html", "Check your email", email=session.get(CHECK_EMAIL_ADDRESS))


def link_problem(problem: LinkProblem, *, kind: str) -> Page:
    """The page for a link that cannot be used: what went wrong and how to get a new one."""
    titles = {
        LinkProblem.EXPIRED: f"Your {kind} link has expired",
        LinkProblem.USED: f"This {kind} link has already been used",
        LinkProblem.UNKNOWN: f"This {kind} link is not valid",
    }
    status = 404 if problem is LinkProblem.UNKNOWN else 410
    return render_page("auth/link_problem.html", titles[problem], status, problem=problem.value, kind=kind)


@blueprint.get(CONFIRM_SIGN_IN_PATH)
def confirm_sign_in() -> Page:
    """A page with a button rather than signing in on GET: mail scanners that follow links
    must not use up the link before the person does."""
    token = request.args.get("token", "")
    try:
        accounts.check_sign_in_link(db(), token, secret_key=settings().secret_key)
    except LinkRefused as refused:
        return link_problem(refused.problem, kind="sign-in")
    return render_page(
        "auth/confirm_sign_in.html", "Sign in to Manage teacher CPD", form=ConfirmSignInForm(token=token)
    )


@blueprint.post(CONFIRM_SIGN_IN_PATH)
def use_sign_in_link() -> Page:
    form = ConfirmSignInForm()
    try:
        user = accounts.sign_in_with_link(db(), form.token.data or "", secret_key=settings().secret_key)
    except LinkRefused as refused:
        db().rollback()
        return link_problem(refused.problem, kind="sign-in")
    if current_user() is not None:
        sign_out()  # someone else was signed in on this browser
    if accounts.holds_staff_role(db(), user):
        db().commit()  # the link is used up either way
        return begin_second_factor(user)
    sign_in(user)
    return redirect(home_url())


@blueprint.get("/dashboard")
@login_required()
def dashboard() -> Page:
    """Wherever the signed-in person's pages start."""
    return redirect(home_url())


@blueprint.route("/choose-role", methods=["GET", "POST"])
@login_required()
def choose_role() -> Page:
    roles = current_roles()
    if len(roles) < 2:
        return redirect(home_url())
    form = ChooseRoleForm()
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in roles]
    if form.validate_on_submit():
        session[CHOSEN_ROLE] = Role(form.role.data).value
        return redirect(home_url())
    return render_page("auth/choose_role.html", "What do you want to do?", form=form)


@blueprint.get("/no-access")
@login_required()
def no_access() -> Page:
    if current_roles():
        return redirect(home_url())
    return render_page("auth/no_access.html", "You do not have access to the service", 403)


@blueprint.post("/sign-out", endpoint="sign_out")
def sign_out_page() -> Page:
    ConfirmForm()  # the CSRF check already ran; nothing else to read
    sign_out()
    return redirect(url_for("auth.signed_out"))


@blueprint.get("/signed-out")
def signed_out() -> Page:
    return render_page("auth/signed_out.html", "You have signed out")
