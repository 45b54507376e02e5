"""Staff accounts, for super users: the list, adding someone (who is emailed a sign-in link),
one person's page, changing their roles, removing their access and resetting a lost
authenticator app. Each write is a ``domain.staff`` rule; the page reads the form, calls it,
commits and says what happened."""

from __future__ import annotations

import uuid

from flask import Response, abort, flash, redirect, url_for

from domain import staff
from domain.errors import RuleBroken
from storage.enums import StaffRole
from storage.models import User
from web.auth import Role, current_user, email_links, email_sender, login_required
from web.context import db, settings
from web.forms import show_rule_errors
from web.service import render_page
from web.staff import blueprint
from web.staff.forms import ROLE_CHOICES, ROLE_HINTS, AddStaffForm, ChangeRolesForm, ConfirmForm

Page = tuple[str, int] | Response


def _me() -> User:
    user = current_user()
    assert user is not None  # login_required let the request in
    return user


def _staff_member(user_id: uuid.UUID) -> tuple[User, list[StaffRole]]:
    """The person and their roles; 404 for anyone holding no staff role (a tutor's id, say)."""
    user = db().get(User, user_id)
    roles = staff.staff_roles(db(), user) if user is not None else []
    if user is None or not roles:
        abort(404)
    return user, roles


def _role_items() -> list[dict[str, object]]:
    return [{"hint": {"text": ROLE_HINTS[value]}} for value, _ in ROLE_CHOICES]


@blueprint.get("/")
@login_required(Role.SUPER_USER)
def staff_users() -> Page:
    people = [(user, staff.staff_roles(db(), user)) for user in staff.staff_users(db())]
    return render_page("staff/index.html", "Staff accounts", people=people)


@blueprint.route("/new", methods=["GET", "POST"])
@login_required(Role.SUPER_USER)
def add() -> Page:
    form = AddStaffForm()
    if form.validate_on_submit():
        try:
            user = staff.invite_staff_user(
                db(),
                form.email.data or "",
                form.full_name.data or "",
                [StaffRole(role) for role in form.roles.data or []],
                granted_by=_me(),
                secret_key=settings().secret_key,
                sender=email_sender(),
                links=email_links(),
            )
        except RuleBroken as error:
            db().rollback()
            show_rule_errors(form, error)
        else:
            message = f"{user.full_name} has been added. We have emailed {user.email} a link to sign in."
            db().commit()
            flash(message, "success")
            return redirect(url_for("staff.person", user_id=user.id))
    return render_page(
        "staff/add.html",
        "Add a staff member",
        form=form,
        role_items=_role_items(),
        back_link=url_for("staff.staff_users"),
    )


@blueprint.get("/<uuid:user_id>")
@login_required(Role.SUPER_USER)
def person(user_id: uuid.UUID) -> Page:
    user, roles = _staff_member(user_id)
    return render_page(
        "staff/person.html",
        user.full_name,
        person=user,
        roles=staff.role_names(roles),
        enrolled=staff.is_enrolled(db(), user),
        is_me=user.id == _me().id,
        back_link=url_for("staff.staff_users"),
    )


@blueprint.route("/<uuid:user_id>/roles", methods=["GET", "POST"])
@login_required(Role.SUPER_USER)
def change_roles(user_id: uuid.UUID) -> Page:
    user, roles = _staff_member(user_id)
    form = ChangeRolesForm()
    if not form.is_submitted():
        form.roles.data = [role.value for role in roles]
    if form.validate_on_submit():
        try:
            staff.set_staff_roles(db(), user, [StaffRole(r) for r in form.roles.data or []], by=_me())
        except RuleBroken as error:
            db().rollback()
            show_rule_errors(form, error)
        else:
            now_held = staff.role_names(staff.staff_roles(db(), user))
            db().commit()
            flash(f"{user.full_name}’s roles are now: {now_held}.", "success")
            return redirect(url_for("staff.person", user_id=user.id))
    return render_page(
        "staff/roles.html",
        f"Change {user.full_name}’s roles",
        form=form,
        person=user,
        role_items=_role_items(),
        back_link=url_for("staff.person", user_id=user.id),
    )


@blueprint.route("/<uuid:user_id>/remove", methods=["GET", "POST"])
@login_required(Role.SUPER_USER)
def remove(user_id: uuid.UUID) -> Page:
    """Take away every staff role (the person keeps any school or provider account)."""
    user, roles = _staff_member(user_id)
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            staff.set_staff_roles(db(), user, [], by=_me())
        except RuleBroken as error:
            db().rollback()
            problem = error.errors[0][1]
        else:
            db().commit()
            flash(f"{user.full_name} no longer has a staff account.", "success")
            return redirect(url_for("staff.staff_users"))
    return render_page(
        "staff/remove.html",
        f"Remove {user.full_name}’s staff access?",
        form=form,
        problem=problem,
        person=user,
        roles=staff.role_names(roles),
        back_link=url_for("staff.person", user_id=user.id),
    )


@blueprint.route("/<uuid:user_id>/reset-authenticator", methods=["GET", "POST"])
@login_required(Role.SUPER_USER)
def reset_authenticator(user_id: uuid.UUID) -> Page:
    user, _ = _staff_member(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        staff.reset_second_factor(db(), user)
        db().commit()
        flash(f"{user.full_name} will set up a new authenticator app the next time they sign in.", "success")
        return redirect(url_for("staff.person", user_id=user.id))
    return render_page(
        "staff/reset.html",
        f"Reset {user.full_name}’s authenticator app?",
        form=form,
        person=user,
        back_link=url_for("staff.person", user_id=user.id),
    )
