"""DfE admin pages at ``/admin`` (the ``admin`` blueprint): finding and fixing participant
records, schools, lead providers, delivery partners, API tokens and cohort rollover.

Every page is for ``Role.ADMIN`` (a session that passed the second factor, see
``domain.staff``). Views read forms, call ``domain/`` and commit; the rules and their messages
are the same ones the API uses.
"""

from __future__ import annotations

from web.service import service_blueprint

blueprint = service_blueprint("admin", __name__, url_prefix="/admin")

# Routes attach to the blueprint; each area's module also appends itself to views.AREAS.
from web.admin import (  # noqa: E402
    cohorts,
    delivery_partners,
    participants,
    providers,
    schools,
    tokens,
    views,
)

__all__ = [
    "blueprint",
    "cohorts",
    "delivery_partners",
    "participants",
    "providers",
    "schools",
    "tokens",
    "views",
]
