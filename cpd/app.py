"""Wiring: one Connexion app serving every API version from its hand-written spec."""

from __future__ import annotations

import logging
from pathlib import Path

import connexion
import yaml
from connexion.datastructures import MediaTypeDict
from connexion.middleware import MiddlewarePosition
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware
from connexion.options import SwaggerUIOptions
from connexion.validators import TextResponseBodyValidator
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import web
from cpd import json_logs
from cpd.config import PROJECT_ROOT, Settings, load_settings
from domain import clock
from handlers import errors
from handlers.api_requests import ApiRequestRecorder
from handlers.context import close_db
from handlers.deprecation import DeprecationMiddleware, notices
from handlers.http_cache import HttpCacheMiddleware
from handlers.idempotency import IdempotencyGate, IdempotencyRecorder
from handlers.rate_limit import RateLimitMiddleware
from handlers.read_replica import ReadReplicaMiddleware
from handlers.request_id import RequestIdMiddleware
from handlers.security_headers import SecurityHeadersMiddleware
from handlers.timestamps import parse_instant
from handlers.validation import (
    ApiJSONBodyValidator,
    ApiJSONResponseBodyValidator,
    ApiParameterValidator,
    ApiURIParser,
)
from storage import db as storage_db
from web import bench_floor, healthcheck

SPECS = PROJECT_ROOT / "openapi"
API_VERSIONS = ("v1", "v2", "v3")
SERVER_DATE_HEADER = b"x-with-server-date"


class RequestContextMiddleware:
    """Runs before routing: hands settings to the security layer, honours the sandbox's
    ``X-With-Server-Date`` through the one clock, reads the ``Token token=…`` form of
    the Authorization header (accepted by the original) as a bearer token, and reads the
    original's JSON media-type synonyms as ``application/json``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["cpd.settings"] = self.settings
        if any(ord(char) < 32 or ord(char) == 127 for char in scope.get("path", "")):
            # No route has control characters; Connexion's router and Flask disagree on
            # such paths, so answer here rather than let them reach either.
            await _send_connexion_response(errors.json_response({"error": errors.NOT_FOUND}, 404), send)
            return
        headers = [
            (name, _normalise_header(name, value))
            for name, value in scope["headers"]
            # Production ignores the sandbox header entirely, validation included.
            if self.settings.time_travel_allowed or name != SERVER_DATE_HEADER
        ]
        scope["headers"] = headers
        instant = None
        if self.settings.time_travel_allowed:
            raw = next((value for name, value in headers if name == SERVER_DATE_HEADER), None)
            if raw is not None:
                instant = parse_instant(raw.decode("latin-1"))
                if instant is None:
                    response = errors.json_response(
                        errors.errors_body(
                            [
                                (
                                    "Bad request",
                                    "The header 'X-With-Server-Date' must be a valid RFC 3339 date and time",
                                )
                            ]
                        ),
                        400,
                    )
                    await _send_connexion_response(response, send)
                    return
        if scope["method"] == "HEAD":
            # Answer HEAD as the GET it stands for, without the body (RFC 9110).
            scope["method"] = "GET"
            send = _without_body(send)
        token = clock.set_override(instant)
        try:
            await self.app(scope, receive, send)
        finally:
            clock.reset_override(token)


#: Request media types the original read as JSON; the specs declare only application/json.
JSON_SYNONYMS = (b"application/vnd.api+json", b"text/x-json")


def _normalise_header(name: bytes, value: bytes) -> bytes:
    if name == b"authorization":
        return _normalise_authorization(value)
    if name == b"content-type" and value.split(b";", 1)[0].strip().lower() in JSON_SYNONYMS:
        return b"application/json"
    return value


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})
            return
        await send(message)

    return send_headers_only


def _normalise_authorization(value: bytes) -> bytes:
    text = value.decode("latin-1").strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() == "token":
        rest = rest.strip()
        if rest.startswith("token="):
            rest = rest[len("token=") :].split(",", 1)[0].strip().strip('"')
        return f"Bearer {rest}".encode("latin-1")
    return value


async def _send_connexion_response(response, send: Send) -> None:  # type: ignore[no-untyped-def]
    body = response.body if isinstance(response.body, bytes) else str(response.body).encode()
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _MethodDispatch:
    """The operations of one path by method; HEAD is answered by GET's."""

    def __init__(self, operations: dict[str, ASGIApp]) -> None:
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.operations[scope["method"]](scope, receive, send)


def _one_route_per_path(router: Router) -> None:
    """Connexion adds one route per method, so a 405 for a path with several operations
    named only the first one's methods in ``Allow``; one route per path names them all."""
    grouped: dict[str, list[Route]] = {}
    for route in router.routes:
        grouped.setdefault(route.path, []).append(route)
    router.routes = [
        routes[0]
        if len(routes) == 1
        else Route(
            path,
            _MethodDispatch({method: route.app for route in routes for method in route.methods or ()}),
            methods=sorted({method for route in routes for method in route.methods or ()}),
        )
        for path, routes in grouped.items()
    ]


def _add_api_at_end_of_chain(self, specification, base_path=None, arguments=None, **kwargs):  # type: ignore[no-untyped-def]
    """Every spec is served from "/", so Connexion chains their routers: a path one API
    does not know falls through to the next. Connexion 3.3 re-points *every* earlier API
    at the newest one, which skips all but the first and last (v2 was unreachable); this
    appends the new API to the end of the chain instead (v1, v2 and v3 all answer)."""
    api = RoutingAPI(specification, base_path=base_path, arguments=arguments, next_app=self.app, **kwargs)
    _one_route_per_path(api.router)
    for route in self.router.routes:
        if isinstance(route, Mount) and route.path == api.base_path:
            tail = route.app
            while isinstance(tail.default, Router):
                tail = tail.default
            tail.default = api.router
            break
    self.router.mount(api.base_path, app=api.router)


RoutingMiddleware.add_api = _add_api_at_end_of_chain  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> connexion.FlaskApp:
    settings = settings or load_settings()
    storage_db.configure(
        settings.database_url,
        replica_url=settings.database_replica_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    app = connexion.FlaskApp(__name__, specification_dir=str(SPECS))
    app.app.config["CPD_SETTINGS"] = settings
    app.app.config["SECRET_KEY"] = settings.secret_key
    app.app.config["DEBUG"] = settings.debug
    app.app.teardown_appcontext(close_db)
    for version in API_VERSIONS:
        app.add_api(
            Path(f"{version}.yaml"),
            name=f"api_{version}",
            pythonic_params=True,
            strict_validation=False,
            validate_responses=settings.validate_responses,
            validator_map={
                "parameter": ApiParameterValidator,
                "body": MediaTypeDict({"*/*json": ApiJSONBodyValidator}),
                "response": MediaTypeDict(
                    {"*/*json": ApiJSONResponseBodyValidator, "text/plain": TextResponseBodyValidator}
                ),
            },
            uri_parser_class=ApiURIParser,
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
        )
    # Outermost first. Those before Connexion's exception handling see every answer, errors
    # included: the request id (and its log line), deprecation notices, the rate limit (its
    # headers, or the 429) and the recording of an Idempotency-Key's answer. Then the request's
    # context (sandbox clock, HEAD served as GET) and ETag/304, around routing; last, just before
    # the operation runs (after authentication and validation), the Idempotency-Key gate.
    # Security headers (CSP, HSTS in production, nosniff…) on every answer (docs/security.md).
    app.add_middleware(
        SecurityHeadersMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings
    )
    app.add_middleware(RequestIdMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # Keeps every API write request with its status, for the audit trail (handlers.api_requests).
    app.add_middleware(ApiRequestRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings)
    app.add_middleware(
        DeprecationMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, notices=_deprecation_notices()
    )
    app.add_middleware(RateLimitMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings)
    app.add_middleware(IdempotencyRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings)
    app.add_middleware(ReadReplicaMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(
        RequestContextMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, settings=settings
    )
    app.add_middleware(HttpCacheMiddleware, position=MiddlewarePosition.BEFORE_ROUTING)
    app.add_middleware(IdempotencyGate, position=MiddlewarePosition.BEFORE_CONTEXT, settings=settings)
    errors.register(app)
    web.register(app.app, settings)  # the published specs and the documentation site
    app.app.register_blueprint(healthcheck.blueprint)
    if settings.bench_floor_dir:  # benchmarks only (bench/national.py)
        app.app.register_blueprint(bench_floor.blueprint)
    _log_to_stderr(settings)
    return app


def _log_to_stderr(settings: Settings) -> None:
    """The ``cpd`` loggers (one line per request among them) write to stderr, unless the
    process has configured logging itself (pytest, a gunicorn log config)."""
    logger = logging.getLogger("cpd")
    logger.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(json_logs.formatter_for(settings.environment))
        logger.addHandler(handler)


def _deprecation_notices() -> dict:
    found = {}
    for version in API_VERSIONS:
        found.update(notices(yaml.safe_load((SPECS / f"{version}.yaml").read_text())))
    return found


def create_asgi_app() -> connexion.FlaskApp:
    """Factory for ``uvicorn --factory`` and gunicorn's uvicorn workers."""
    return create_app()
