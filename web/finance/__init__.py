"""DfE finance pages at ``/finance`` (the ``finance`` blueprint): statements per provider and
cohort with their payment breakdown, voided declarations, the assurance CSV, adjustments,
authorising a statement for payment, and the payment schedules (docs/finance-pages.md).

Every page is for ``Role.FINANCE`` (a session that passed the second factor, see
``domain.staff``); an admin without the finance role gets 403. The money rules live in
``domain.payments`` and ``domain.statement_lifecycle``.
"""

from __future__ import annotations

from web.service import service_blueprint

blueprint = service_blueprint("finance", __name__, url_prefix="/finance")

from web.finance import views  # noqa: E402  (routes attach to the blueprint)

__all__ = ["blueprint", "views"]
