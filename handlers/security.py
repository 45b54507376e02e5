"""Bearer-token check, named by the specs' ``x-bearerInfoFunc``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio
import sqlalchemy as sa
from connexion.exceptions import Forbidden
from connexion.lifecycle import ConnexionRequest

from cpd.config import Settings
from domain import audit, tokens
from storage.db import transaction
from storage.enums import TokenScope
from storage.models import ApiToken, LeadProvider

#: ``last_used_at`` is written at most this often per token, sparing a write per request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _lookup(plaintext: str, settings: Settings) -> dict[str, Any] | None:
    with transaction(settings.database_url) as session:
        token = tokens.authenticate(session, plaintext, settings.secret_key, touch_after=LAST_USED_PRECISION)
        if token is None:
            return None
        name = None
        if token.lead_provider_id is not None:
            # Read through the token so request logs can name the provider (handlers.request_id).
            name = session.scalar(
                sa.select(LeadProvider.name)
                .join(ApiToken, ApiToken.lead_provider_id == LeadProvider.id)
                .where(ApiToken.id == token.id)
            )
        return {
            "sub": str(token.id),
            "token_id": str(token.id),
            "scope": str(token.scope),
            "lead_provider_id": str(token.lead_provider_id) if token.lead_provider_id else None,
            "lead_provider_name": name,
        }


async def bearer_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """Resolve a token to its lead provider; ``None`` is a 401, a non-provider token a 403."""
    settings: Settings = request.scope["cpd.settings"]
    info = await anyio.to_thread.run_sync(_lookup, token, settings)
    if info is not None and info["scope"] != TokenScope.LEAD_PROVIDER:
        raise Forbidden()
    if info is not None:  # the writes this request makes are the provider's (domain.audit)
        audit.set_actor(
            audit.Actor.api_token(info["token_id"], info["lead_provider_id"], info["lead_provider_name"])
        )
    return info
