"""Who is signed in, and the guard pages put on themselves.

The cookie (Flask's signed session, ``cpd_session``) carries only a random session key; the
session itself is a ``user_sessions`` row (``domain.accounts``), so signing out or an idle
hour ends it on the server. Roles are read afresh on every request: a tutor replaced at
their last school loses their pages at once.

For other blueprints::

    from web.auth import Role, login_required, current_user

    @blueprint.get("/schools/<slug>/participants")
    @login_required(Role.INDUCTION_TUTOR)
    def participants(slug): ...
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, session, url_for

from domain import accounts
from domain.accounts import Role
from storage.models import User
from web.context import db, settings

SESSION_KEY = "sid"
CHOSEN_ROLE = "role"
AFTER_SIGN_IN = "after_sign_in"
#: Where each role's pages start, and what the navigation calls them.
ROLE_HOMES: dict[Role, tuple[str, str]] = {
    Role.INDUCTION_TUTOR: ("schools.index", "Your schools"),
    Role.LEAD_PROVIDER: ("providers.index", "Your organisation"),
    Role.ADMIN: ("admin.index", "Admin"),
    Role.FINANCE: ("finance.index", "Finance"),
    Role.SUPER_USER: ("staff.staff_users", "Staff accounts"),
}
ROLE_LABELS: dict[Role, str] = {
    Role.INDUCTION_TUTOR: "School induction tutor",
    Role.LEAD_PROVIDER: "Lead provider",
    Role.ADMIN: "DfE admin",
    Role.FINANCE: "DfE finance",
    Role.SUPER_USER: "DfE super user",
}

View = TypeVar("View", bound=Callable[..., Any])


def current_user() -> User | None:
    """The signed-in user, or None (looked up once per request)."""
    if "current_user" not in g:
        g.current_user = None
        key = session.get(SESSION_KEY)
        if key:
            resumed = accounts.resume_session(db(), key, secret_key=settings().secret_key)
            db().commit()
            if resumed.user is None:
                session.pop(SESSION_KEY, None)
                g.session_timed_out = resumed.timed_out
            g.current_user = resumed.user
            g.second_factor = resumed.second_factor
    return g.current_user


def current_roles() -> list[Role]:
    if "current_roles" not in g:
        user = current_user()
        # Staff roles only in a session that passed the second factor (domain.staff).
        staff = bool(g.get("second_factor"))
        g.current_roles = accounts.roles_of(db(), user, staff=staff) if user is not None else []
    return g.current_roles


def sign_in(user: User, *, second_factor: bool = False) -> None:
    """Start a session for ``user``: a new key in a fresh cookie (nothing carried over from
    before signing in, so a planted cookie cannot be promoted), and commit.
    ``second_factor``: the person also gave their authenticator code (staff roles need it)."""
    after = session.get(AFTER_SIGN_IN)
    key = accounts.start_session(db(), user, secret_key=settings().secret_key, second_factor=second_factor)
    db().commit()
    session.clear()
    session[SESSION_KEY] = key
    if after:
        session[AFTER_SIGN_IN] = after
    g.current_user = user
    g.second_factor = second_factor
    g.pop("current_roles", None)


def sign_out() -> None:
    key = session.get(SESSION_KEY)
    if key:
        accounts.end_session(db(), key, secret_key=settings().secret_key)
        db().commit()
    session.clear()
    g.current_user = None
    g.pop("current_roles", None)


def home_url() -> str:
    """Where a signed-in person starts: a page they asked for before signing in, their one
    role's pages, the role they chose, or the page to choose one."""
    roles = current_roles()
    after = session.pop(AFTER_SIGN_IN, None)
    if after and _is_local_path(after):
        return after
    if not roles:
        return url_for("auth.no_access")
    chosen = session.get(CHOSEN_ROLE)
    role = roles[0] if len(roles) == 1 else next((r for r in roles if r == chosen), None)
    if role is None:
        return url_for("auth.choose_role")
    return url_for(ROLE_HOMES[role][0])


def role_navigation() -> list[dict[str, Any]]:
    """The service navigation for the signed-in person's roles."""
    items = []
    for role in current_roles():
        endpoint, label = ROLE_HOMES[role]
        href = url_for(endpoint)
        items.append({"href": href, "text": label, "active": request.path.startswith(href)})
    return items


def _is_local_path(path: str) -> bool:
    return path.startswith("/") and not path.startswith(("//", "/\\"))


def login_required(role: Role | None = None) -> Callable[[View], View]:
    """Send anyone not signed in to the sign-in page (back here afterwards, when it was a
    GET), and answer 403 to someone signed in without ``role``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                if request.method == "GET":
                    session[AFTER_SIGN_IN] = request.full_path.rstrip("?")
                if g.get("session_timed_out"):
                    return redirect(url_for("auth.sign_in", timed_out=1))
                return redirect(url_for("auth.sign_in"))
            if role is not None and role not in current_roles():
                abort(403)
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorator
