"""DfE staff accounts at ``/admin/staff`` (the ``staff`` blueprint), for super users: who
holds which staff role, adding someone (emailed a sign-in link), changing or removing their
roles and resetting a lost authenticator app. The rules are in ``domain.staff``;
``cpd staff create`` makes the first account.
"""

from __future__ import annotations

from web.service import service_blueprint

blueprint = service_blueprint("staff", __name__, url_prefix="/admin/staff")

from web.staff import views  # noqa: E402  (routes attach to the blueprint)

__all__ = ["blueprint", "views"]
