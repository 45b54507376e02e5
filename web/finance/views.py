"""The finance pages: choose a lead provider, pick a cohort and statement, read its payment
breakdown, list its voided declarations, download its assurance report, add or remove an
adjustment, and authorise it for payment.

Thin on purpose: every figure comes from ``domain.payments.statement_breakdown`` (the views
format it, never recompute it) and every write from ``domain.statement_lifecycle``, the
functions ``cpd statements authorise`` and the API's statements use.
"""

from __future__ import annotations

import decimal
import re
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from sqlalchemy.orm import selectinload

from domain import audit
from domain import payments as payment_rules
from domain import statement_lifecycle as lifecycle
from domain.errors import InvalidTransition, RuleBroken
from domain.statement_csv import iter_statement_declarations_csv
from storage.enums import CourseIdentifier, StatementStatus
from storage.models import Cohort, LeadProvider, Schedule, Statement, StatementAdjustment
from web.auth import Role, login_required
from web.context import db
from web.finance import blueprint
from web.finance.forms import (
    AdjustmentForm,
    AuthoriseForm,
    ChooseProviderForm,
    ConfirmForm,
    StatementSelectorForm,
)
from web.forms import show_rule_errors
from web.service import render_page

Page = tuple[str, int] | Response
_PENCE = decimal.Decimal("0.01")
#: Per-declaration fees can have fractions of a penny (15% of £1,012.50 × 60%): shown to this many places.
_FEE_PLACES = decimal.Decimal("0.0001")


# --- formatting (never arithmetic on the engine's figures) ------------------------------------


def pounds(value: decimal.Decimal | int | None) -> str:
    """£1,234.50 and -£10.00; a fee with fractions of a penny keeps them (£91.125)."""
    amount = decimal.Decimal(value or 0)
    if amount == amount.quantize(_PENCE):
        shown = amount.quantize(_PENCE)
    else:
        shown = amount.quantize(_FEE_PLACES, rounding=decimal.ROUND_HALF_UP).normalize()
    text = f"{abs(shown):,f}"
    return f"-£{text}" if amount < 0 else f"£{text}"


def label(value: Any) -> str:
    """An enumeration's value as words: ``retained-1`` → "Retained 1"."""
    text = str(getattr(value, "value", value)).replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


@blueprint.context_processor
def _formatters() -> dict[str, Any]:
    return {"pounds": pounds, "label": label, "StatementStatus": StatementStatus}


# --- choosing a statement ----------------------------------------------------------------------


@blueprint.get("/")
@login_required(Role.FINANCE)
def index() -> Page:
    return render_page("finance/index.html", "Finance")


@blueprint.route("/statements", methods=["GET", "POST"])
@login_required(Role.FINANCE)
def choose_provider() -> Page:
    providers = db().scalars(sa.select(LeadProvider).order_by(LeadProvider.name)).all()
    form = ChooseProviderForm()
    form.lead_provider.choices = [(str(provider.id), provider.name) for provider in providers]
    if form.validate_on_submit():
        return redirect(url_for("finance.provider_statements", provider_id=form.lead_provider.data))
    return render_page(
        "finance/choose_provider.html",
        "Choose a lead provider",
        form=form,
        providers=providers,
        back_link=url_for("finance.index"),
    )


def _provider(provider_id: uuid.UUID) -> LeadProvider:
    provider = db().get(LeadProvider, provider_id)
    if provider is None:
        abort(404)
    return provider


def _default_statement(statements: list[Statement]) -> Statement:
    """The statement to check next: the first not yet paid, else the latest."""
    return next((s for s in statements if s.status != StatementStatus.PAID), statements[-1])


@blueprint.get("/providers/<uuid:provider_id>/statements")
@login_required(Role.FINANCE)
def provider_statements(provider_id: uuid.UUID) -> Page:
    """The selector's target: the chosen cohort's chosen statement (or the one to check next)."""
    provider = _provider(provider_id)
    statements = payment_rules.provider_statements(db(), provider.id)
    if not statements:
        return render_page(
            "finance/no_statements.html",
            f"{provider.name} has no statements",
            provider=provider,
            back_link=url_for("finance.choose_provider"),
        )
    in_cohort = [s for s in statements if str(s.cohort.start_year) == request.args.get("cohort", "")]
    chosen = next((s for s in in_cohort if str(s.id) == request.args.get("statement", "")), None)
    if chosen is None:
        chosen = _default_statement(in_cohort or statements)
    return redirect(url_for("finance.statement", statement_id=chosen.id))


def _statement(statement_id: uuid.UUID, *, for_update: bool = False) -> Statement:
    try:
        return lifecycle.get_statement(db(), statement_id, for_update=for_update)
    except lifecycle.StatementNotFound:
        abort(404)


def _selector(statement: Statement) -> StatementSelectorForm:
    statements = payment_rules.provider_statements(db(), statement.lead_provider_id)
    form = StatementSelectorForm(formdata=None)
    years = list(dict.fromkeys(s.cohort.start_year for s in statements))
    form.cohort.choices = [(str(year), str(year)) for year in years]
    form.cohort.data = str(statement.cohort.start_year)
    form.statement.choices = [
        (str(s.id), s.name + ("" if s.output_fee else " (service fee only)"))
        for s in statements
        if s.cohort_id == statement.cohort_id
    ]
    form.statement.data = str(statement.id)
    return form


@blueprint.get("/statements/<uuid:statement_id>")
@login_required(Role.FINANCE)
def statement(statement_id: uuid.UUID) -> Page:
    found = _statement(statement_id)
    try:
        breakdown: payment_rules.Breakdown | None = payment_rules.statement_breakdown(db(), found.id)
        problem = None
    except RuleBroken as error:  # no contract to price it with: say so rather than fail
        breakdown, problem = None, "; ".join(message for _, message in error.errors)
    return render_page(
        "finance/statement.html",
        f"{found.name} statement",
        statement=found,
        provider=found.lead_provider,
        breakdown=breakdown,
        problem=problem,
        selector=_selector(found),
        events=audit.history_of(db(), Statement, found.id),
        trail_caption="Statement history",
        back_link=url_for("finance.choose_provider"),
    )


@blueprint.get("/statements/<uuid:statement_id>/voided")
@login_required(Role.FINANCE)
def voided(statement_id: uuid.UUID) -> Page:
    found = _statement(statement_id)
    declarations = payment_rules.voided_declarations(db(), found.id)
    return render_page(
        "finance/voided.html",
        "Voided declarations",
        statement=found,
        provider=found.lead_provider,
        ects=[d for d in declarations if d.course_identifier == CourseIdentifier.ECT],
        mentors=[d for d in declarations if d.course_identifier == CourseIdentifier.MENTOR],
        back_link=url_for("finance.statement", statement_id=found.id),
    )


def _slug(*parts: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(str(p) for p in parts).lower()).strip("-")


@blueprint.get("/statements/<uuid:statement_id>/assurance-report.csv")
@login_required(Role.FINANCE)
def assurance_report(statement_id: uuid.UUID) -> Response:
    """Every declaration the statement pays or claws back, streamed (formula-safe cells)."""
    found = _statement(statement_id)
    filename = _slug(found.lead_provider.name, found.cohort.start_year, found.name, "assurance report")

    def chunks() -> Iterator[str]:
        try:
            yield from iter_statement_declarations_csv(db(), found.id)
        finally:
            # End the read transaction (on PostgreSQL a server-side cursor) as soon as the
            # file is sent, whether or not the server closes the response promptly.
            db().rollback()

    return Response(
        stream_with_context(chunks()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


# --- adjustments ---------------------------------------------------------------------------------


@blueprint.route("/statements/<uuid:statement_id>/adjustments/new", methods=["GET", "POST"])
@login_required(Role.FINANCE)
def add_adjustment(statement_id: uuid.UUID) -> Page:
    found = _statement(statement_id)
    form = AdjustmentForm()
    if form.validate_on_submit():
        try:
            added = lifecycle.add_adjustment(
                db(), found.id, form.payment_type.data or "", form.amount.data or ""
            )
        except RuleBroken as error:
            db().rollback()
            show_rule_errors(form, error)
        except InvalidTransition as error:
            db().rollback()
            show_rule_errors(form, RuleBroken.on("amount", str(error)))
        else:
            message = f"Adjustment added: {added.payment_type}, {pounds(added.amount)}"
            db().commit()
            flash(message, "success")
            return redirect(url_for("finance.statement", statement_id=statement_id, _anchor="adjustments"))
    return render_page(
        "finance/adjustment.html",
        "Add an adjustment",
        form=form,
        statement=db().get(Statement, statement_id),
        back_link=url_for("finance.statement", statement_id=statement_id),
    )


@blueprint.route("/adjustments/<uuid:adjustment_id>/remove", methods=["GET", "POST"])
@login_required(Role.FINANCE)
def remove_adjustment(adjustment_id: uuid.UUID) -> Page:
    adjustment = db().get(StatementAdjustment, adjustment_id)
    if adjustment is None:
        abort(404)
    statement_id = adjustment.statement_id
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        description = f"{adjustment.payment_type}, {pounds(adjustment.amount)}"
        try:
            lifecycle.remove_adjustment(db(), adjustment.id)
        except (InvalidTransition, RuleBroken) as error:
            db().rollback()
            problem = str(error) if isinstance(error, InvalidTransition) else error.errors[0][1]
        else:
            db().commit()
            flash(f"Adjustment removed: {description}", "success")
            return redirect(url_for("finance.statement", statement_id=statement_id, _anchor="adjustments"))
    return render_page(
        "finance/remove_adjustment.html",
        "Remove this adjustment?",
        form=form,
        adjustment=db().get(StatementAdjustment, adjustment_id),
        statement=db().get(Statement, statement_id),
        problem=problem,
        back_link=url_for("finance.statement", statement_id=statement_id),
    )


# --- authorising payment -------------------------------------------------------------------------


@blueprint.route("/statements/<uuid:statement_id>/authorise", methods=["GET", "POST"])
@login_required(Role.FINANCE)
def authorise(statement_id: uuid.UUID) -> Page:
    """Payable → paid, once the person confirms the checks; any other state is refused with
    the domain's message (the same as ``cpd statements authorise``)."""
    found = _statement(statement_id)
    form = AuthoriseForm()
    if form.validate_on_submit():
        try:
            with audit.reason(db(), "Finance confirmed the statement's checks are done", action="authorised"):
                result = lifecycle.authorise_for_payment(db(), found.id)
        except InvalidTransition as error:
            db().rollback()
            show_rule_errors(form, RuleBroken.on("checks_done", str(error)))
        else:
            db().commit()
            flash(f"{result}.", "success")
            return redirect(url_for("finance.statement", statement_id=statement_id))
    statement_now = _statement(statement_id)
    try:
        total = payment_rules.statement_breakdown(db(), statement_now.id).total
    except RuleBroken:
        total = None
    return render_page(
        "finance/authorise.html",
        "Authorise for payment",
        form=form,
        statement=statement_now,
        provider=statement_now.lead_provider,
        total=total,
        back_link=url_for("finance.statement", statement_id=statement_id),
    )


# --- payment schedules ---------------------------------------------------------------------------


@blueprint.get("/schedules")
@login_required(Role.FINANCE)
def schedules() -> Page:
    """Each cohort's schedules and their milestone dates, as the database holds them."""
    cohorts = db().scalars(sa.select(Cohort).order_by(Cohort.start_year.desc())).all()
    chosen = next((c for c in cohorts if str(c.start_year) == request.args.get("cohort")), None)
    if chosen is None and cohorts:
        chosen = cohorts[0]
    found: list[Schedule] = []
    if chosen is not None:
        found = list(
            db().scalars(
                sa.select(Schedule)
                .where(Schedule.cohort_id == chosen.id)
                .order_by(Schedule.schedule_type, Schedule.schedule_identifier)
                .options(selectinload(Schedule.milestones))
            )
        )
    return render_page(
        "finance/schedules.html",
        "Payment schedules",
        cohorts=cohorts,
        chosen=chosen,
        schedules=found,
        back_link=url_for("finance.index"),
    )
