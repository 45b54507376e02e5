"""``/dev/outbox``: the emails the service would have sent, for local development.

Registered only where :func:`enabled` says so. Anyone who can reach the page can read the
sign-in links on it, which is the point on a developer's machine and why it never exists in
production, nor on a public sandbox unless that sandbox asks for it (``CPD_DEV_OUTBOX=1``, as
``make run`` does).
"""

from __future__ import annotations

import re

from flask import request
from markupsafe import Markup, escape

from cpd.config import Settings
from integrations.email import outbox_available, outbox_messages
from web.context import db
from web.service import render_page, service_blueprint

blueprint = service_blueprint("dev_outbox", __name__)
_URL = re.compile(r"https?://[^\s<>\"]+")
#: Where the outbox exists without asking: nobody outside reaches these.
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})


def enabled(settings: Settings) -> bool:
    """Whether ``/dev/outbox`` exists: only while emails go to the outbox (never in production,
    nor when Notify sends), and then in development and test, or on a sandbox that opts in."""
    if not outbox_available(settings) or settings.environment == "production":
        return False
    return settings.environment in LOCAL_ENVIRONMENTS or (
        settings.environment == "sandbox" and settings.dev_outbox
    )


@blueprint.app_template_filter("linkify")
def linkify(text: str) -> Markup:
    """Escape an email's text and make its web addresses links."""
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda m: f'<a class="govuk-link" href="{m.group(0)}">{m.group(0)}</a>', escaped))


@blueprint.get("/dev/outbox")
def outbox() -> tuple[str, int]:
    to = (request.args.get("to") or "").strip() or None
    return render_page(
        "dev/outbox.html", "Email outbox", messages=outbox_messages(db(), to=to, limit=50), to=to
    )
