"""API reads go to the read replica (``DATABASE_REPLICA_URL``) when there is one.

Every GET (and HEAD) under ``/api/`` is served inside ``storage.db.reading_from_replica``,
so its session's SELECTs go to the replica while any write it makes (a token's
``last_used_at``) still reaches the primary. Writes, pages and everything else use the
primary. A replica lags its primary by a moment: a provider that reads straight after
writing may not see its write yet, as with any replicated read model.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from storage.db import reading_from_replica


class ReadReplicaMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and scope.get("path", "").startswith("/api/")
        ):
            with reading_from_replica():
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)
