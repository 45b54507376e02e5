"""GOV.UK Frontend's compiled CSS, JavaScript, fonts and images, served at ``/assets/``.

They are served straight from the npm package (``node_modules/govuk-frontend/dist/govuk``,
installed by ``npm ci``, which ``make run`` and ``make test`` do) rather than copied into
the repository: one pinned version in package-lock.json, nothing generated to keep in step.
``/assets/`` is GOV.UK Frontend's own default path: its stylesheet asks for
``/assets/fonts/…`` and ``/assets/images/…``.
"""

from __future__ import annotations

import json
import logging
from functools import cache

from flask import Blueprint, Response, abort, send_from_directory

from cpd.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "node_modules" / "govuk-frontend"
DIST = PACKAGE / "dist" / "govuk"
#: The compiled files sit beside ``assets/`` in the package; everything else is inside it.
COMPILED = frozenset(
    {
        "govuk-frontend.min.css",
        "govuk-frontend.min.css.map",
        "govuk-frontend.min.js",
        "govuk-frontend.min.js.map",
    }
)
MAX_AGE_SECONDS = 24 * 3600

blueprint = Blueprint("govuk_assets", __name__)
log = logging.getLogger("cpd.web")


@cache
def frontend_version() -> str:
    """The installed GOV.UK Frontend version, appended to asset URLs so an upgrade is
    fetched at once despite caching; empty when the package is missing."""
    try:
        return str(json.loads((PACKAGE / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return ""


def check_installed() -> None:
    if not (DIST / "govuk-frontend.min.css").is_file():
        log.warning("GOV.UK Frontend is not installed (%s): run `npm ci`; pages will be unstyled", DIST)


@blueprint.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    directory = DIST if filename in COMPILED else DIST / "assets"
    if not directory.is_dir():
        abort(404)
    return send_from_directory(directory, filename, max_age=MAX_AGE_SECONDS)
