"""The documentation site at ``/api-reference``: guidance written for lead providers' developers,
and a reference page per API version rendered from its spec.

Handlers stay thin: each page is a template; what changes (specs, release notes, reference
data) is read from its source file by ``reference`` and ``content`` on each request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from cpd.config import Settings
from web import specs
from web.assets import frontend_version
from web.docs_site import content, definitions, reference

PREFIX = "/api-reference"
SERVICE_NAME = "Manage teacher CPD"

blueprint = Blueprint(
    "docs_site",
    __name__,
    url_prefix=PREFIX,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@dataclass(frozen=True)
class Page:
    endpoint: str
    title: str
    section: str
    arguments: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return url_for(f"docs_site.{self.endpoint}", **dict(self.arguments))


#: The side navigation, in reading order; every page of the site is here.
PAGES = (
    Page("about", "About the API", "Overview"),
    Page("get_started", "Get started", "Overview"),
    Page("guidance_participants", "Participants", "Guidance"),
    Page("guidance_declarations", "Declarations", "Guidance"),
    Page("guidance_partnerships", "Partnerships", "Guidance"),
    Page("guidance_statements", "Statements", "Guidance"),
    Page("definitions_and_states", "Definitions and states", "Reference"),
    Page("schedules_and_milestones", "Schedules and milestone dates", "Reference"),
    *(
        Page("api_reference", f"API {v} reference", "Reference", (("version", v),))
        for v in reversed(specs.VERSIONS)
    ),
    Page("release_notes", "Release notes", "Updates and help"),
    Page("help", "Get help", "Updates and help"),
)
LATEST_VERSION = specs.VERSIONS[-1]
VERSION_RULE = "<any(" + ", ".join(specs.VERSIONS) + "):version>"


def _settings() -> Settings:
    return current_app.config["CPD_SETTINGS"]


def _render(template: str, title: str, status: int = 200, **context: object) -> tuple[str, int]:
    """Every page: the layout's navigation, the service's settings, and the API's base URL
    on this host (so the examples can be copied as they are)."""
    current = request.path.rstrip("/") or "/"
    sections: dict[str, list[Page]] = {}
    for page in PAGES:
        sections.setdefault(page.section, []).append(page)
    html = render_template(
        template,
        title=title,
        service_name=SERVICE_NAME,
        sections=sections,
        current_path=current,
        settings=_settings(),
        base_url=request.host_url.rstrip("/"),
        versions=specs.VERSIONS,
        latest_version=LATEST_VERSION,
        frontend_version=frontend_version(),
        **context,
    )
    return html, status


@blueprint.app_template_filter("long_date")
def long_date(value: dt.date | None) -> str:
    """GOV.UK style: 1 September 2025."""
    return f"{value.day} {value:%B %Y}" if value else ""


@blueprint.app_template_filter("breakable")
def breakable(name: str) -> Markup:
    """``filter[updated_since]`` may wrap before its bracket, and only there."""
    return Markup("<wbr>[").join(escape(name).split("["))


@blueprint.get("/")
def trailing_slash() -> Response:
    return redirect(url_for("docs_site.about"), 301)


@blueprint.get("")
def about() -> tuple[str, int]:
    v1_sunset = specs.sunset(specs.load("v1").document)
    return _render(
        "docs_site/about.html",
        "About the API",
        v1_sunset=specs.readable_date(v1_sunset) if v1_sunset else None,
    )


@blueprint.get("/get-started")
def get_started() -> tuple[str, int]:
    return _render("docs_site/get_started.html", "Get started")


@blueprint.get("/guidance/participants")
def guidance_participants() -> tuple[str, int]:
    return _render("docs_site/guidance_participants.html", "Participants")


@blueprint.get("/guidance/declarations")
def guidance_declarations() -> tuple[str, int]:
    return _render("docs_site/guidance_declarations.html", "Declarations")


@blueprint.get("/guidance/partnerships")
def guidance_partnerships() -> tuple[str, int]:
    return _render("docs_site/guidance_partnerships.html", "Partnerships")


@blueprint.get("/guidance/statements")
def guidance_statements() -> tuple[str, int]:
    return _render("docs_site/guidance_statements.html", "Statements", statements=content.output_statements())


@blueprint.get("/definitions-and-states")
def definitions_and_states() -> tuple[str, int]:
    tables = definitions.tables(specs.load(LATEST_VERSION).document)
    links = [(table.definition.anchor, table.definition.title) for table in tables]
    return _render("docs_site/definitions.html", "Definitions and states", tables=tables, links=links)


@blueprint.get("/schedules-and-milestone-dates")
def schedules_and_milestones() -> tuple[str, int]:
    return _render(
        "docs_site/schedules.html",
        "Schedules and milestone dates",
        schedules=content.schedules(),
        cohorts=content.cohorts(),
    )


@blueprint.get(f"/{VERSION_RULE}")
def api_reference(version: str) -> tuple[str, int]:
    view = reference.build(version)
    return _render("docs_site/reference.html", f"API {version} reference", view=view)


@blueprint.get("/release-notes")
def release_notes() -> tuple[str, int]:
    return _render("docs_site/release_notes.html", "Release notes", notes=content.release_notes())


@blueprint.get("/help")
def help() -> tuple[str, int]:
    return _render("docs_site/help.html", "Get help")


@blueprint.get("/<path:unknown>")
def not_found(unknown: str) -> tuple[str, int]:
    """Any other path under the site is a page that does not exist: an HTML 404, not the
    API's JSON one (which stays for everything under /api/)."""
    return _render("docs_site/not_found.html", "Page not found", status=404)
