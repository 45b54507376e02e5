"""Cohorts for DfE admins: each cohort with its providers, schedules and statements, and
opening the next one by rollover (``domain.rollover.rollover_cohort``, the function
``cpd cohort rollover`` runs), after a confirmation step."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from sqlalchemy.orm import Session

from domain.rollover import RolloverError, next_year, rollover_cohort
from storage.models import Cohort, LeadProvider, Schedule, Statement
from storage.models.providers import lead_provider_cohorts
from web.admin import blueprint
from web.admin.forms import RolloverForm
from web.admin.providers import Page
from web.admin.views import AREAS
from web.auth import Role, login_required
from web.context import db
from web.service import render_page

AREAS.append(
    ("admin.cohorts", "Cohorts", "Every cohort, and opening the next one by rolling the last one over.")
)


def _counts(column: sa.ColumnElement[object], table: sa.FromClause) -> dict[object, int]:
    return dict(db().execute(sa.select(column, sa.func.count()).select_from(table).group_by(column)).all())


@blueprint.get("/cohorts")
@login_required(Role.ADMIN)
def cohorts() -> Page:
    rows = list(db().scalars(sa.select(Cohort).order_by(Cohort.start_year.desc())))
    return render_page(
        "admin/cohorts.html",
        "Cohorts",
        cohorts=rows,
        providers=_counts(lead_provider_cohorts.c.cohort_id, lead_provider_cohorts),
        schedules=_counts(Schedule.cohort_id, Schedule.__table__),
        statements=_counts(Statement.cohort_id, Statement.__table__),
        next_cohort=rows[0].start_year + 1 if rows else None,
    )


@blueprint.route("/cohorts/rollover", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def cohorts_rollover() -> Page:
    """Always the year after the newest cohort: rollover copies the year before, so that is
    the only one it can open."""
    session = db()
    latest = session.scalars(sa.select(Cohort).order_by(Cohort.start_year.desc())).first()
    if latest is None:
        flash("There is no cohort to roll over.", "important")
        return redirect(url_for("admin.cohorts"))
    year = latest.start_year + 1
    form = RolloverForm()
    if request.method == "GET":
        form.year.data = str(year)
    if form.validate_on_submit():
        try:
            created = rollover_cohort(session, _year(form.year.data, year))
        except RolloverError as error:
            session.rollback()
            form.confirmed.errors = [*form.confirmed.errors, _sentence(str(error))]
            form.year.data = str(year)  # offer the year that can be opened now
            form._errors = None
        else:
            message = rollover_message(session, created)
            session.commit()
            flash(message, "success")
            return redirect(url_for("admin.cohorts"))
    statements = session.scalar(
        sa.select(sa.func.count()).select_from(Statement).where(Statement.cohort_id == latest.id)
    )
    return render_page(
        "admin/cohorts_rollover.html",
        f"Open the {year} to {year + 1} cohort",
        form=form,
        year=year,
        previous=latest,
        registration_start=next_year(latest.registration_start_date),
        academic_year_start=next_year(latest.academic_year_start_date),
        provider_names=_providers(latest),
        statements=statements,
        back_link=url_for("admin.cohorts"),
    )


def _providers(cohort: Cohort) -> list[str]:
    return list(
        db().scalars(
            sa.select(LeadProvider.name)
            .where(LeadProvider.cohorts.any(Cohort.id == cohort.id))
            .order_by(LeadProvider.name)
        )
    )


def rollover_message(session: Session, created: Cohort) -> str:
    """The sentence ``cpd cohort rollover`` prints, so the page and the command report alike."""
    schedules = session.scalar(
        sa.select(sa.func.count()).select_from(Schedule).where(Schedule.cohort_id == created.id)
    )
    statements = session.scalar(
        sa.select(sa.func.count()).select_from(Statement).where(Statement.cohort_id == created.id)
    )
    return f"Created cohort {created.start_year} with {schedules} schedules and {statements} statements."


def _year(posted: str | None, otherwise: int) -> int:
    try:
        return int(posted or "")
    except ValueError:
        return otherwise


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
