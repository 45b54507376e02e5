"""Every error the API sends, rendered in the original service's bodies from one place.

Handlers and validators raise :class:`ApiError` (or one of Connexion's problems);
:func:`register` installs the renderers on the app.
"""

from __future__ import annotations

import json
import logging

from connexion.exceptions import (
    BadRequestProblem,
    ClientProblem,
    Forbidden,
    OAuthProblem,
    OAuthResponseProblem,
    OAuthScopeProblem,
    ProblemException,
    Unauthorized,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from domain.errors import InvalidTransition, RuleBroken
from handlers import request_id

JSON_API = "application/vnd.api+json"
ACCESS_DENIED = "HTTP Token: Access denied"
NOT_FOUND = "Resource not Found"
NUL_REFUSED = "The request contains a NUL character (\\u0000), which no parameter or attribute accepts"

log = logging.getLogger("cpd.api")


class ApiError(Exception):
    """An error answer: ``errors`` is a list of (title, detail) pairs."""

    def __init__(self, status: int, errors: list[tuple[str, str]]):
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors

    @classmethod
    def bad_request(cls, detail: str, title: str = "Bad request") -> ApiError:
        return cls(400, [(title, detail)])

    @classmethod
    def too_large(cls, limit: int) -> ApiError:
        """A request body over ``limit`` bytes (declared in the specs as the 413)."""
        return cls(413, [("Request too large", f"Request bodies are limited to {limit} bytes")])

    @classmethod
    def nul_character(cls) -> ApiError:
        """No field accepts NUL, and PostgreSQL cannot store it: refused before any query."""
        return cls.bad_request(NUL_REFUSED)


class NotFound(Exception):
    """Nothing with that id is visible to the caller."""


class NotYetAvailable(Exception):
    """An operation published in the spec (``x-cpd-status: planned``) ahead of its implementation."""


def json_response(body: object, status: int, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        body=json.dumps(body, separators=(",", ":")),
        content_type=JSON_API,
        headers=headers or {},
    )


def errors_body(errors: list[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {"errors": [{"title": title, "detail": detail} for title, detail in errors]}


def _api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiError)
    return json_response(errors_body(exc.errors), exc.status)


def _rule_broken(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, RuleBroken)
    return json_response(errors_body(exc.by_attribute()), 422)


def _invalid_transition(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return json_response(errors_body([("Invalid action", str(exc))]), 422)


def _unauthorised(_request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
    return json_response({"error": ACCESS_DENIED}, 401, {"WWW-Authenticate": 'Token realm="Application"'})


def _forbidden(_request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
    return ConnexionResponse(status_code=403, body=b"", headers={})


def _not_found(_request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
    return json_response({"error": NOT_FOUND}, 404)


def _method_not_allowed(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    # The original answered a known path with an unknown method with its 404; a 405
    # is what HTTP clients and tools expect, and no integration depends on the 404.
    allow = (getattr(exc, "headers", None) or {}).get("Allow", "")
    return json_response({"error": "Method Not Allowed"}, 405, {"Allow": allow} if allow else None)


def _not_yet_available(_request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
    return json_response({"error": "Not yet available"}, 501)


def _bad_request(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    detail = getattr(exc, "detail", None) or "The request could not be understood"
    return json_response(errors_body([("Bad request", str(detail))]), 400)


def _unsupported_media_type(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return json_response(errors_body([("Bad request", "Send request bodies as JSON")]), 415)


def _http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    status = getattr(exc, "status_code", None) or getattr(exc, "status", 500)
    if status == 404:
        return _not_found(request, exc)
    if status == 405:
        return _method_not_allowed(request, exc)
    if status == 401:
        return _unauthorised(request, exc)
    if status == 403:
        return _forbidden(request, exc)
    if status == 415:
        return _unsupported_media_type(request, exc)
    if 400 <= status < 500:
        return _bad_request(request, exc)
    return _internal(request, exc)


def _internal(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unhandled error in request %s", request_id.current(), exc_info=exc)
    return json_response({"error": "Internal server error"}, 500)


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Install the renderers; more specific classes first, as Connexion matches by MRO."""
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(RuleBroken, _rule_broken)
    app.add_error_handler(InvalidTransition, _invalid_transition)
    app.add_error_handler(NotFound, _not_found)
    app.add_error_handler(NotYetAvailable, _not_yet_available)
    for problem in (OAuthProblem, OAuthResponseProblem, Unauthorized):
        app.add_error_handler(problem, _unauthorised)
    for problem in (OAuthScopeProblem, Forbidden):
        app.add_error_handler(problem, _forbidden)
    app.add_error_handler(UnsupportedMediaTypeProblem, _unsupported_media_type)
    app.add_error_handler(BadRequestProblem, _bad_request)
    app.add_error_handler(ClientProblem, _http_exception)
    app.add_error_handler(ProblemException, _http_exception)
    app.add_error_handler(HTTPException, _http_exception)
    app.add_error_handler(404, _not_found)
    app.add_error_handler(405, _method_not_allowed)
    app.add_error_handler(500, _internal)
    app.add_error_handler(Exception, _internal)
