"""The second sign-in step for DfE staff: a code from their authenticator app.

After a staff member uses their emailed link, this browser holds only a short-lived
"pending" marker (in the signed cookie session); no session exists until the code is right.
The first time, the page shows the QR code to enrol an app. Rules: ``domain.staff``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import redirect, session, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from domain import clock, staff
from domain.staff import CodeProblem, CodeRefused
from storage.models import User
from web.auth import blueprint
from web.auth.forms import SecondFactorForm
from web.auth.session import home_url, sign_in
from web.context import db, settings
from web.service import render_page

PENDING = "second_factor_pending"
#: How long after using the emailed link the code may be given.
PENDING_FOR = dt.timedelta(minutes=10)
SECOND_FACTOR_PATH = "/sign-in/authenticator"

Page = str | Response | tuple[str, int]


def begin_second_factor(user: User) -> Response:
    """Remember, in a fresh cookie session, whose code this browser is about to give."""
    session.clear()
    session[PENDING] = {"user": str(user.id), "since": clock.now().isoformat()}
    return redirect(url_for("auth.second_factor"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        since = dt.datetime.fromisoformat(pending["since"])
        user_id = uuid.UUID(pending["user"])
    except (KeyError, TypeError, ValueError):
        return None
    if clock.now() - since > PENDING_FOR:
        return None
    return db().get(User, user_id)


def _start_again(reason: str) -> Page:
    session.pop(PENDING, None)
    return render_page("auth/second_factor_start_again.html", "Sign in again", 403, reason=reason)


@blueprint.route(SECOND_FACTOR_PATH, methods=["GET", "POST"])
def second_factor() -> Page:
    user = _pending_user()
    if user is None or not staff.staff_roles(db(), user):
        return _start_again("expired")
    key = settings().secret_key
    enrolled = staff.is_enrolled(db(), user)
    enrolment = None if enrolled else staff.enrolment(db(), user, secret_key=key)
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            staff.check_code(db(), user, form.code.data or "", secret_key=key)
        except CodeRefused as refused:
            db().commit()  # the failed attempt counts
            if refused.problem is CodeProblem.TOO_MANY:
                return _start_again("too_many")
            form.code.errors = [
                "That code has already been used. Wait for your app to show a new one"
                if refused.problem is CodeProblem.REUSED
                else "The code is not right. Enter the 6-digit code your authenticator app shows now"
            ]
        else:
            session.pop(PENDING, None)
            sign_in(user, second_factor=True)  # commits
            return redirect(home_url())
    db().commit()  # keeps the enrolment secret made on first view
    title = "Enter the code from your authenticator app" if enrolled else "Set up your authenticator app"
    return render_page(
        "auth/second_factor.html",
        title,
        form=form,
        enrolled=enrolled,
        secret=enrolment.secret if enrolment else None,
        qr_svg=Markup(enrolment.qr_svg) if enrolment else None,
    )
