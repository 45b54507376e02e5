"""Lead providers' API tokens for DfE admins: every token with its last use and expiry,
issuing one, rotating a provider's (a new one, the old ones ending after a grace period) and
revoking one: ``domain.tokens``' ``issue``, ``rotate`` and ``revoke``, as the ``cpd tokens``
commands call them.

A new token's plaintext exists only in the answer to the POST that issued it: it is rendered
straight into that page (never put in the session, a flash message, a redirect's address or a
log line), the page is ``Cache-Control: no-store``, and only the token's digest is stored, so
no page can show it again.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from domain import tokens as api_tokens
from storage.models import ApiToken
from web.admin import blueprint
from web.admin.forms import ConfirmForm, RotateTokensForm, TokenForm
from web.admin.providers import Page, _live, provider_or_404
from web.admin.views import AREAS
from web.auth import Role, login_required
from web.context import db, settings
from web.service import render_page

AREAS.append(("admin.tokens", "API tokens", "Every lead provider’s API tokens: last use, expiry, revoking."))


@blueprint.get("/tokens")
@login_required(Role.ADMIN)
def tokens() -> Page:
    rows = list(
        db().scalars(
            sa.select(ApiToken)
            .options(selectinload(ApiToken.lead_provider))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )
    return render_page("admin/tokens.html", "API tokens", tokens=rows, live=_live)


@blueprint.route("/lead-providers/<provider_id>/tokens/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def token_new(provider_id: str) -> Page:
    provider = provider_or_404(provider_id)
    form = TokenForm()
    if form.validate_on_submit():
        token, plaintext = api_tokens.issue(
            db(), provider, settings().secret_key, description=form.description.data
        )
        db().commit()
        return _created(token, plaintext)
    return render_page(
        "admin/token_new.html",
        "Create an API token",
        form=form,
        provider=provider,
        back_link=url_for("admin.lead_provider", provider_id=provider.id),
    )


@blueprint.route("/lead-providers/<provider_id>/tokens/rotate", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def token_rotate(provider_id: str) -> Page:
    """A new token now; the provider's current ones end after the grace period chosen
    (``domain.tokens.rotate``), so it can switch over without an outage."""
    provider = provider_or_404(provider_id)
    form = RotateTokensForm()
    if form.validate_on_submit():
        try:
            token, plaintext, old = api_tokens.rotate(
                db(),
                provider,
                settings().secret_key,
                grace=dt.timedelta(days=int(form.grace_days.data or "0")),
                description=form.description.data,
            )
        except api_tokens.TokenError as error:
            db().rollback()
            form.grace_days.errors = [*form.grace_days.errors, _sentence(str(error))]
            form._errors = None
        else:
            db().commit()
            return _created(token, plaintext, old)
    return render_page(
        "admin/token_new.html",
        "Rotate API tokens",
        form=form,
        provider=provider,
        rotating=True,
        back_link=url_for("admin.lead_provider", provider_id=provider.id),
    )


def _created(token: ApiToken, plaintext: str, old: list[ApiToken] | None = None) -> Response:
    """The one page that shows the plaintext: rendered into the POST's own answer, not stored."""
    page, status = render_page(
        "admin/token_created.html",
        "API token created",
        token=token,
        plaintext=plaintext,
        old=old or [],
        old_ends=max((t.expires_at for t in old or [] if t.expires_at), default=None),
    )
    response = Response(page, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def token_or_404(token_id: str) -> ApiToken:
    try:
        found = db().get(ApiToken, uuid.UUID(token_id))
    except ValueError:
        found = None
    if found is None:
        abort(404)
    return found


def _after(token: ApiToken) -> str:
    if token.lead_provider_id is None:
        return url_for("admin.tokens")
    return url_for("admin.lead_provider", provider_id=token.lead_provider_id)


@blueprint.route("/tokens/<token_id>/revoke", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def token_revoke(token_id: str) -> Page:
    token = token_or_404(token_id)
    if token.revoked_at is not None:
        flash("That token was already revoked.", "success")
        return redirect(_after(token))
    form = ConfirmForm()
    if form.validate_on_submit():
        api_tokens.revoke(db(), token_id=token.id)
        db().commit()
        flash(
            f"Token ‘{token.description or str(token.id)[:8]}’ revoked. Requests with it are now refused.",
            "success",
        )
        return redirect(_after(token))
    return render_page(
        "admin/token_revoke.html",
        "Are you sure you want to revoke this token?",
        form=form,
        token=token,
        back_link=_after(token),
    )
