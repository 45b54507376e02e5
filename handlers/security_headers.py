"""Security headers on every answer: API JSON, CSV exports, published specs, pages, the
documentation site, assets and errors (429s and 500s included).

One ASGI middleware, outermost, so nothing can answer without them. A header a page set
itself is kept (pages choose ``Referrer-Policy: same-origin``; ``web.service``).

- ``Content-Security-Policy``: pages may run scripts and styles from this origin only. The
  one inline script, GOV.UK's ``js-enabled`` line in govuk-frontend-jinja's ``template.html``,
  is allowed by its SHA-256 hash, read from that template at start-up, so upgrading the
  package cannot silently break (or widen) the policy. Anything not HTML gets
  ``default-src 'none'``: a JSON or YAML document never runs anything, even if opened in a
  browser. Both forbid framing (``frame-ancestors 'none'``), against clickjacking.
- ``Strict-Transport-Security`` in production only: a local ``make run`` is plain HTTP.
- ``X-Content-Type-Options: nosniff``: a JSON error echoing input is never read as HTML.
- ``Referrer-Policy``: addresses can carry sign-in tokens; other sites are never told them.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpd.config import Settings

HSTS = "max-age=31536000; includeSubDomains"
#: For anything that is not a page: nothing may load, run or frame it.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


@functools.cache
def govuk_inline_script_hashes() -> tuple[str, ...]:
    """CSP hash sources of the inline scripts in govuk-frontend-jinja's page template."""
    import govuk_frontend_jinja

    template = Path(govuk_frontend_jinja.__file__).parent / "templates" / "template.html"
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", template.read_text(encoding="utf-8"), re.S)
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in scripts
        if body.strip() and "{{" not in body and "{%" not in body
    )


def page_policy(production: bool) -> str:
    """The policy of HTML answers: this origin only, no inline code but GOV.UK's one line."""
    directives = [
        "default-src 'self'",
        "script-src 'self' " + " ".join(govuk_inline_script_hashes()),
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if production:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP answer that does not already carry them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        production = settings.environment == "production"
        self.page_policy = page_policy(production)
        self.common: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]
        if production:
            self.common.append((b"strict-transport-security", HSTS.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                html = content_type.split(b";", 1)[0].strip().lower() == b"text/html"
                policy = self.page_policy if html else DOCUMENT_POLICY
                wanted = [
                    *self.common,
                    (b"content-security-policy", policy.encode()),
                    (b"referrer-policy", b"no-referrer" if api else b"same-origin"),
                ]
                headers += [(name, value) for name, value in wanted if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
