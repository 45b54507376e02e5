"""The admin home page; each area's pages live in their own module beside this one."""

from __future__ import annotations

from web.admin import blueprint
from web.auth import Role, login_required
from web.service import render_page

#: The admin areas, in the order the home page lists them: (endpoint, title, description).
#: An area's module adds itself here when it is written.
AREAS: list[tuple[str, str, str]] = []


@blueprint.get("/")
@login_required(Role.ADMIN)
def index() -> str:
    return render_page("admin/index.html", "Admin", areas=AREAS)
