"""What every page of the service shares (not the documentation site, which has its own):
the layout's context, HTML error pages, the session cookie, and CSRF protection.

To add pages, make a blueprint with :func:`service_blueprint` and render with
:func:`render_page`; templates extend ``layout.html`` (see its blocks). Every POST to a
page must carry the CSRF token (``{{ form.csrf_token }}`` in a Flask-WTF form, or
``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">``); the JSON API
under ``/api/`` is exempt, since it authenticates by bearer token rather than cookie.
"""

from __future__ import annotations

import logging
from typing import Any

import starlette.exceptions
from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from cpd.config import Settings
from domain.accounts import SESSION_MAX_AGE
from integrations.email import EmailNotConfigured, EmailNotSent
from integrations.teacher_records import TeacherRecordServiceError
from web import audit as web_audit
from web.assets import frontend_version
from web.context import close_db, settings
from web.forms import error_summary_params

SERVICE_NAME = "Manage teacher CPD"
SESSION_COOKIE = "cpd_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Blueprints made by :func:`service_blueprint`: the first segments of their routes are the
#: service's page prefixes (``/schools``, ``/sign-in``…), where an unknown path is an HTML 404.
_SERVICE_BLUEPRINTS: set[str] = set()

csrf = CSRFProtect()
log = logging.getLogger("cpd.web")
#: The service's own CSS and JavaScript (``web/static``), beside GOV.UK Frontend's ``/assets``.
assets_blueprint = Blueprint(
    "service_assets", __name__, static_folder="static", static_url_path="/service-assets"
)


class ServiceSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` in production always, and elsewhere whenever the
    service is published over HTTPS (a public sandbox's ``CPD_BASE_URL``, even behind a proxy
    that ends TLS) or the request came over it; so only ``make run`` on plain
    http://127.0.0.1 gets a cookie without it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        app_settings = app.config["CPD_SETTINGS"]
        return (
            app_settings.environment == "production"
            or (app_settings.base_url or "").startswith("https://")
            or request.is_secure
        )


def init_app(app: Flask, app_settings: Settings) -> None:
    """Session cookie, CSRF, form helpers and the database session, for every page."""
    app.session_interface = ServiceSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The cookie is a browser-session cookie; this only bounds how long a signed one is
        # accepted. Idle and absolute limits of a signed-in session are kept on the server.
        PERMANENT_SESSION_LIFETIME=SESSION_MAX_AGE,
        # Checked below for pages only, so the API never needs a token.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_SSL_STRICT=app_settings.environment == "production",
    )
    csrf.init_app(app)
    WTFormsHelpers(app)
    app.add_template_global(error_summary_params)
    app.register_blueprint(assets_blueprint)
    app.before_request(_protect_pages_from_csrf)
    # App-wide, so it wins over Connexion's JSON rendering of every HTTP error.
    app.register_error_handler(CSRFError, _csrf_failed)
    # A path no route matches belongs to no blueprint, so these are app-wide too.
    app.register_error_handler(NotFound, _unrouted)
    app.register_error_handler(MethodNotAllowed, _unrouted)
    app.teardown_appcontext(close_db)


def _protect_pages_from_csrf() -> None:
    if request.method in SAFE_METHODS or request.url_rule is None:
        return  # a path nothing answers is a 404, whatever the method
    if request.path.startswith("/api/") or (request.blueprint or "").startswith("api_"):
        return
    csrf.protect()


def service_blueprint(name: str, import_name: str, **options: Any) -> Blueprint:
    """A blueprint for pages of the service: its own ``templates`` folder, the layout's
    context, and HTML error pages for what goes wrong in its views."""
    blueprint = Blueprint(name, import_name, template_folder="templates", **options)
    _SERVICE_BLUEPRINTS.add(name)
    blueprint.context_processor(layout_context)
    blueprint.after_request(_private_page_headers)
    # The page's writes are the signed-in user's in the audit trail (web.audit).
    blueprint.before_request(web_audit.act_as_signed_in_user)
    blueprint.teardown_request(web_audit.stop_acting)
    register_error_pages(blueprint)
    return blueprint


def _private_page_headers(response: Response) -> Response:
    """Pages show personal details and carry tokens in their addresses (a sign-in link):
    no shared cache keeps them, other sites are not told the address (Referer), and no
    other site may frame them."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def layout_context() -> dict[str, Any]:
    """What ``layout.html`` reads: the service's name, asset version, who is signed in."""
    from web.auth.session import current_roles, current_user, role_navigation

    try:
        user = current_user()
        roles = current_roles() if user is not None else []
        navigation = role_navigation() if user is not None else []
    except Exception:  # an error page must still render when the database is what failed
        log.exception("could not read the signed-in user for the layout")
        user, roles, navigation = None, [], []
    app_settings = settings()
    return {
        "service_name": SERVICE_NAME,
        "frontend_version": frontend_version(),
        "current_user": user,
        "current_roles": roles,
        "role_navigation": navigation,
        "show_outbox": _outbox_enabled(app_settings),
        "support_email": app_settings.support_email,
    }


def _outbox_enabled(app_settings: Settings) -> bool:
    from web.dev_outbox import enabled  # dev_outbox builds on this module

    return enabled(app_settings)


def render_page(template: str, title: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a page: ``title`` is its h1 and the start of its <title> (the layout adds
    "Error: " when a form on it has errors)."""
    return render_template(template, title=title, **context), status


# --- error pages -----------------------------------------------------------------------


def register_error_pages(blueprint: Blueprint) -> None:
    from web.auth.links import BaseUrlMissing  # web.auth builds on this module

    blueprint.register_error_handler(403, _forbidden)
    blueprint.register_error_handler(404, _not_found)
    blueprint.register_error_handler(405, _not_found)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(EmailNotSent, _unavailable)
    blueprint.register_error_handler(EmailNotConfigured, _unavailable)
    blueprint.register_error_handler(BaseUrlMissing, _unavailable)
    blueprint.register_error_handler(TeacherRecordServiceError, _unavailable)
    blueprint.register_error_handler(Exception, _server_error)


def _error_page(template: str, title: str, status: int) -> Response:
    failed = g.get("web_db")
    if failed is not None:
        failed.rollback()  # nothing half-done is written, and the layout can still read
    html, _ = render_page(template, title, status)
    return Response(html, status=status, mimetype="text/html")


def _forbidden(_error: Exception) -> Response:
    return _error_page("errors/forbidden.html", "You cannot see this page", 403)


def _not_found(_error: Exception) -> Response:
    return _error_page("errors/not_found.html", "Page not found", 404)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return _server_error(error)
    return _error_page("errors/bad_request.html", "Sorry, there is a problem with your request", status)


def page_prefixes(app: Flask) -> frozenset[str]:
    """The first path segments of the service's pages (``schools``, ``sign-in``…), read from
    the routes, so a new blueprint's prefix is covered; never ``api``."""
    prefixes = {
        rule.rule.split("/")[1]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in _SERVICE_BLUEPRINTS
    }
    return frozenset(prefixes - {"", "api"})


def _unrouted(error: HTTPException) -> Response:
    """An unknown path (or method) under a page prefix is the GOV.UK 404 page; anywhere else it
    is handed back to Connexion, which answers with the API's JSON 404 or 405."""
    first = request.path.split("/")[1] if request.path.count("/") else ""
    if first in page_prefixes(current_app):
        # No blueprint matched, so its context processor did not run: give the layout its own.
        html = render_template("errors/not_found.html", title="Page not found", **layout_context())
        return _private_page_headers(Response(html, status=404, mimetype="text/html"))
    # What Connexion's own handler for Flask's HTTP errors does: its middleware renders it.
    raise starlette.exceptions.HTTPException(error.code or 404, detail=error.description)


def _csrf_failed(_error: CSRFError) -> Response:
    return _error_page("errors/csrf.html", "Sorry, this form has expired", 400)


def _unavailable(error: Exception) -> Response:
    log.error("an outside service failed: %s", error)
    return _error_page("errors/unavailable.html", "Sorry, the service is unavailable", 503)


def _server_error(error: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return _error_page("errors/server_error.html", "Sorry, there is a problem with the service", 500)
