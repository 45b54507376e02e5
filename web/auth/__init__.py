"""Signing in and out, and naming a school's induction tutor: the ``auth`` blueprint, at ``/``.

What other blueprints build on:

- :func:`login_required` (``@login_required(Role.INDUCTION_TUTOR)``), :func:`current_user`,
  :func:`current_roles` and :data:`Role` (from ``domain.accounts``);
- ``url_for("auth.sign_in")``, ``url_for("auth.sign_out")`` (POST), ``url_for("auth.start")``;
- :func:`email_sender` and :func:`email_links` to send email from a page (``domain`` rules
  take them as arguments).
"""

from __future__ import annotations

from domain.accounts import Role
from web.service import service_blueprint

blueprint = service_blueprint("auth", __name__)

from web.auth import nominations, second_factor, views  # noqa: E402  (routes attach to the blueprint)
from web.auth.session import current_roles, current_user, login_required  # noqa: E402
from web.auth.views import email_links, email_sender  # noqa: E402

__all__ = [
    "Role",
    "blueprint",
    "current_roles",
    "current_user",
    "email_links",
    "email_sender",
    "login_required",
    "nominations",
    "second_factor",
    "views",
]
