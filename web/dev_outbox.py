"""``/dev/outbox``: the emails the service would have sent, for development and sandboxes.

Registered only where ``integrations.email.outbox_available`` says so: never in production,
and not where GOV.UK Notify sends for real. Anyone who can reach the page can read the
sign-in links on it, which is the point in development and why it never exists in production.
"""

from __future__ import annotations

import re

from flask import request
from markupsafe import Markup, escape

from integrations.email import outbox_messages
from web.context import db
from web.service import render_page, service_blueprint

blueprint = service_blueprint("dev_outbox", __name__)
_URL = re.compile(r"https?://[^\s<>\"]+")


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
