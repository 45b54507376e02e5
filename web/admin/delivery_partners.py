"""Delivery partners for DfE admins: list, add, rename, and the lead providers each works with
per cohort (provider relationships), added and removed with the rules of
``domain.delivery_partners``."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from sqlalchemy.orm import selectinload

from domain import audit
from domain.delivery_partners import (
    add_relationship,
    create_delivery_partner,
    relationships,
    remove_relationship,
    rename_delivery_partner,
)
from domain.errors import RuleBroken
from storage.models import Cohort, DeliveryPartner, LeadProvider, ProviderRelationship
from web.admin import blueprint
from web.admin.forms import ConfirmForm, DeliveryPartnerForm, RelationshipForm
from web.admin.providers import Page
from web.admin.views import AREAS
from web.auth import Role, login_required
from web.context import db
from web.forms import show_rule_errors
from web.service import render_page

AREAS.append(
    (
        "admin.delivery_partners",
        "Delivery partners",
        "Add and rename delivery partners; choose which lead providers they work with in each cohort.",
    )
)


@blueprint.get("/delivery-partners")
@login_required(Role.ADMIN)
def delivery_partners() -> Page:
    text = " ".join(request.args.get("q", "").split())[:100]
    query = (
        sa.select(DeliveryPartner)
        .where(DeliveryPartner.discarded_at.is_(None))
        .order_by(DeliveryPartner.name)
    )
    if text:
        query = query.where(sa.func.lower(DeliveryPartner.name).contains(text.lower(), autoescape=True))
    partners = list(db().scalars(query))
    counts = dict(
        db()
        .execute(
            sa.select(ProviderRelationship.delivery_partner_id, sa.func.count())
            .where(ProviderRelationship.discarded_at.is_(None))
            .group_by(ProviderRelationship.delivery_partner_id)
        )
        .all()
    )
    return render_page(
        "admin/delivery_partners.html", "Delivery partners", partners=partners, counts=counts, query=text
    )


@blueprint.route("/delivery-partners/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def delivery_partner_new() -> Page:
    form = DeliveryPartnerForm()
    if form.validate_on_submit():
        try:
            partner = create_delivery_partner(db(), form.name.data)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken)
        else:
            db().commit()
            flash(f"{partner.name} added. Now choose the lead providers it works with.", "success")
            return redirect(url_for("admin.delivery_partner", partner_id=partner.id))
    return render_page(
        "admin/delivery_partner_name.html",
        "Add a delivery partner",
        form=form,
        button="Add delivery partner",
        back_link=url_for("admin.delivery_partners"),
    )


def partner_or_404(partner_id: str) -> DeliveryPartner:
    try:
        found = db().get(DeliveryPartner, uuid.UUID(partner_id))
    except ValueError:
        found = None
    if found is None or found.discarded_at is not None:
        abort(404)
    return found


@blueprint.get("/delivery-partners/<partner_id>")
@login_required(Role.ADMIN)
def delivery_partner(partner_id: str) -> Page:
    partner = partner_or_404(partner_id)
    return render_page(
        "admin/delivery_partner_page.html",
        partner.name,
        partner=partner,
        relationships=relationships(db(), delivery_partner=partner),
        events=_trail(partner),
        back_link=url_for("admin.delivery_partners"),
    )


def _trail(partner: DeliveryPartner) -> list[audit.EventView]:
    """The partner's own events and those of its relationships (removed ones too), newest
    first: one query per relationship, of which a partner has a handful."""
    ids = db().scalars(
        sa.select(ProviderRelationship.id).where(ProviderRelationship.delivery_partner_id == partner.id)
    )
    events = audit.history_of(db(), DeliveryPartner, partner.id, limit=50)
    for relationship_id in ids:
        events += audit.history_of(db(), ProviderRelationship, relationship_id, limit=50)
    return sorted(events, key=lambda event: event.id, reverse=True)[:50]


@blueprint.route("/delivery-partners/<partner_id>/name", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def delivery_partner_rename(partner_id: str) -> Page:
    partner = partner_or_404(partner_id)
    form = DeliveryPartnerForm()
    if request.method == "GET":
        form.name.data = partner.name
    if form.validate_on_submit():
        try:
            rename_delivery_partner(db(), partner, form.name.data)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken)
        else:
            db().commit()
            flash(f"Name changed to {partner.name}.", "success")
            return redirect(url_for("admin.delivery_partner", partner_id=partner.id))
    return render_page(
        "admin/delivery_partner_name.html",
        "Change the delivery partner’s name",
        form=form,
        button="Save name",
        back_link=url_for("admin.delivery_partner", partner_id=partner.id),
    )


@blueprint.route("/delivery-partners/<partner_id>/relationships/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def delivery_partner_relationship_new(partner_id: str) -> Page:
    partner = partner_or_404(partner_id)
    form = RelationshipForm()
    providers = list(
        db().scalars(
            sa.select(LeadProvider).options(selectinload(LeadProvider.cohorts)).order_by(LeadProvider.name)
        )
    )
    form.lead_provider.choices = [("", "Choose a lead provider")] + [(str(p.id), p.name) for p in providers]
    years = db().scalars(sa.select(Cohort.start_year).order_by(Cohort.start_year.desc()))
    form.cohort.choices = [("", "Choose a cohort")] + [(str(year), f"{year} to {year + 1}") for year in years]
    if form.validate_on_submit():
        try:
            added = add_relationship(db(), partner, form.lead_provider.data, form.cohort.data)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken)
        else:
            db().commit()
            flash(
                f"{added.lead_provider.name} can now work with {partner.name} in the "
                f"{added.cohort.start_year} cohort.",
                "success",
            )
            return redirect(url_for("admin.delivery_partner", partner_id=partner.id))
    return render_page(
        "admin/delivery_partner_relationship.html",
        "Add a lead provider",
        form=form,
        partner=partner,
        back_link=url_for("admin.delivery_partner", partner_id=partner.id),
    )


@blueprint.route(
    "/delivery-partners/<partner_id>/relationships/<relationship_id>/remove", methods=["GET", "POST"]
)
@login_required(Role.ADMIN)
def delivery_partner_relationship_remove(partner_id: str, relationship_id: str) -> Page:
    partner = partner_or_404(partner_id)
    try:
        relationship = db().get(ProviderRelationship, uuid.UUID(relationship_id))
    except ValueError:
        relationship = None
    if relationship is None or relationship.delivery_partner_id != partner.id or relationship.discarded_at:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            remove_relationship(db(), relationship)
        except RuleBroken as broken:
            db().rollback()
            show_rule_errors(form, broken, fallback="csrf_token")
        else:
            db().commit()
            flash(
                f"{relationship.lead_provider.name} no longer works with {partner.name} in the "
                f"{relationship.cohort.start_year} cohort.",
                "success",
            )
            return redirect(url_for("admin.delivery_partner", partner_id=partner.id))
    return render_page(
        "admin/delivery_partner_remove.html",
        "Are you sure you want to remove this lead provider?",
        form=form,
        partner=partner,
        relationship=relationship,
        back_link=url_for("admin.delivery_partner", partner_id=partner.id),
    )
