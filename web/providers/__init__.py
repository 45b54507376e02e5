"""A lead provider's pages at ``/providers`` (the ``providers`` blueprint): the dashboard,
confirming schools from a CSV of URNs, and the list of the provider's schools.

Every page is for ``Role.LEAD_PROVIDER`` and shows only the signed-in person's provider's data:
:func:`current_lead_provider` is the one place that says which provider that is. The rules are in
``domain.partnership_uploads`` and ``domain.provider_schools``; the views only read forms, call
them and commit. See docs/provider-pages.md for the journey and its addresses.
"""

from __future__ import annotations

from flask import abort

from domain.accounts import lead_provider_of
from storage.models import LeadProvider
from web.auth import current_user
from web.context import db
from web.service import service_blueprint

blueprint = service_blueprint("providers", __name__, url_prefix="/providers")


def current_lead_provider() -> LeadProvider:
    """The signed-in person's lead provider (pages guarded by ``Role.LEAD_PROVIDER``)."""
    user = current_user()
    provider = lead_provider_of(db(), user) if user is not None else None
    if provider is None:
        abort(403)
    return provider


from web.providers import views  # noqa: E402  (routes attach to the blueprint)

__all__ = ["blueprint", "current_lead_provider", "views"]
