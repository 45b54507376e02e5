"""Who is acting on a page, for the audit trail (``domain.audit``): the signed-in user,
named by their email and, by their roles, as staff, a school's or a provider's user; or a
visitor not signed in (someone following a nomination link, asking for access).

``web.service.service_blueprint`` runs these around every page of the service.
"""

from __future__ import annotations

from flask import g

from domain import audit
from domain.accounts import Role

STAFF_ROLES = frozenset({Role.ADMIN, Role.FINANCE, Role.SUPER_USER})


def kind_for(roles: list[Role]) -> audit.ActorKind:
    """Staff first: a staff member who is also a tutor is acting as staff."""
    if STAFF_ROLES.intersection(roles):
        return audit.ActorKind.STAFF_USER
    if Role.INDUCTION_TUTOR in roles:
        return audit.ActorKind.SCHOOL_USER
    if Role.LEAD_PROVIDER in roles:
        return audit.ActorKind.PROVIDER_USER
    return audit.ActorKind.USER


def act_as_signed_in_user() -> None:
    from web.auth.session import current_roles, current_user  # web.auth builds on web.service

    user = current_user()
    actor = (
        audit.VISITOR
        if user is None
        else audit.Actor.page_user(kind_for(current_roles()), user.id, user.email)
    )
    g.audit_actor_token = audit.set_actor(actor)


def stop_acting(_error: BaseException | None = None) -> None:
    token = g.pop("audit_actor_token", None)
    if token is not None:
        audit.reset_actor(token)
