"""Lead providers for DfE admins: the list, and a provider's page with its cohorts, the
delivery partners it works with in each cohort, its users and its API tokens (issued and
revoked from ``tokens.py``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from domain import clock
from domain.accounts import add_lead_provider_user
from domain.delivery_partners import relationships
from domain.errors import RuleBroken
from storage.models import ApiToken, LeadProvider, LeadProviderUser
from web.admin import blueprint
from web.admin.forms import ProviderUserForm
from web.admin.views import AREAS
from web.auth import Role, email_links, email_sender, login_required
from web.context import db
from web.forms import show_rule_errors
from web.service import render_page

Page = tuple[str, int] | Response

AREAS.append(
    (
        "admin.lead_providers",
        "Lead providers",
        "Cohorts, delivery partners, users and API tokens of each lead provider.",
    )
)


def _live(token: ApiToken) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > clock.now())


@blueprint.get("/lead-providers")
@login_required(Role.ADMIN)
def lead_providers() -> Page:
    session = db()
    providers = list(
        session.scalars(
            sa.select(LeadProvider).options(selectinload(LeadProvider.cohorts)).order_by(LeadProvider.name)
        )
    )
    live_tokens = dict(
        session.execute(
            sa.select(ApiToken.lead_provider_id, sa.func.count())
            .where(
                ApiToken.revoked_at.is_(None),
                sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > clock.now()),
            )
            .group_by(ApiToken.lead_provider_id)
        ).all()
    )
    return render_page("admin/providers.html", "Lead providers", providers=providers, live_tokens=live_tokens)


def provider_or_404(provider_id: str) -> LeadProvider:
    try:
        found = db().get(LeadProvider, uuid.UUID(provider_id))
    except ValueError:
        found = None
    if found is None:
        abort(404)
    return found


@blueprint.get("/lead-providers/<provider_id>")
@login_required(Role.ADMIN)
def lead_provider(provider_id: str) -> Page:
    provider = provider_or_404(provider_id)
    session = db()
    users = list(
        session.scalars(
            sa.select(LeadProviderUser)
            .where(LeadProviderUser.lead_provider_id == provider.id)
            .options(selectinload(LeadProviderUser.user))
        )
    )
    users.sort(key=lambda row: row.user.full_name.casefold())
    tokens = list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.lead_provider_id == provider.id)
            .order_by(ApiToken.created_at.desc())
        )
    )
    return render_page(
        "admin/provider_page.html",
        provider.name,
        provider=provider,
        relationships=relationships(session, lead_provider=provider),
        users=users,
        tokens=tokens,
        live=_live,
        back_link=url_for("admin.lead_providers"),
    )


@blueprint.route("/lead-providers/<provider_id>/users/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def provider_user_new(provider_id: str) -> Page:
    """Give someone at the provider an account (``domain.accounts.add_lead_provider_user``,
    which emails them how to sign in)."""
    provider = provider_or_404(provider_id)
    form = ProviderUserForm()
    if form.validate_on_submit():
        try:
            user = add_lead_provider_user(
                db(), provider, form.full_name.data or "", form.email.data or "",
                sender=email_sender(), links=email_links(),
            )  # fmt: skip
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="email")
        else:
            db().commit()
            flash(f"{user.full_name} can now sign in for {provider.name}. We have emailed them.", "success")
            return redirect(url_for("admin.lead_provider", provider_id=provider.id))
    return render_page(
        "admin/provider_user_new.html",
        "Add a user",
        form=form,
        provider=provider,
        back_link=url_for("admin.lead_provider", provider_id=provider.id),
    )
