"""The lead provider's pages: dashboard, the upload → check → confirm → done journey, and
"Your schools". Thin: each reads its form, calls ``domain`` and commits."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for

from domain import partnership_uploads as uploads
from domain.accounts import Role
from domain.errors import RuleBroken
from domain.provider_schools import provider_schools
from storage.models import Cohort, DeliveryPartner, LeadProvider, PartnershipUpload
from web.auth import current_user, email_links, email_sender, login_required
from web.context import db, settings
from web.forms import show_rule_errors
from web.providers import blueprint, current_lead_provider
from web.providers.forms import ConfirmUploadForm, UploadForm
from web.service import render_page

Page = tuple[str, int] | Response


@blueprint.get("")
@login_required(Role.LEAD_PROVIDER)
def index() -> Page:
    provider = current_lead_provider()
    cohorts = uploads.provider_cohorts(db(), provider)
    return render_page("providers/index.html", provider.name, provider=provider, cohorts=cohorts)


# --- confirming schools ---------------------------------------------------------------------


@blueprint.route("/partnerships/upload", methods=["GET", "POST"])
@login_required(Role.LEAD_PROVIDER)
def upload() -> Page:
    provider = current_lead_provider()
    form = UploadForm()
    _offer_choices(form, provider)
    if request.method == "GET" and request.args.get("cohort"):
        form.cohort.data = request.args["cohort"]
    if form.validate_on_submit():
        file = form.csv_file.data
        user = current_user()
        assert user is not None
        try:
            made = uploads.start_upload(
                db(),
                provider,
                user,
                cohort_year=form.cohort.data,
                delivery_partner_id=form.delivery_partner.data,
                # One byte more than allowed is enough to know the file is too big.
                data=file.stream.read(uploads.MAX_FILE_BYTES + 1) if file else b"",
                filename=(file.filename or "") if file else "",
            )
        except RuleBroken as error:
            db().rollback()
            show_rule_errors(form, error, fallback="csv_file")
        else:
            db().commit()
            return redirect(url_for("providers.check", upload_id=made.id))
    return render_page(
        "providers/upload.html",
        "Confirm your schools",
        form=form,
        back_link=url_for("providers.index"),
    )


def _offer_choices(form: UploadForm, provider: LeadProvider) -> None:
    cohorts = uploads.provider_cohorts(db(), provider)
    form.cohort.choices = [("", "Choose a cohort")] + [
        (str(c.start_year), uploads.academic_year(c.start_year)) for c in cohorts
    ]
    form.delivery_partner.choices = [("", "Choose a delivery partner")] + [
        (str(partner.id), f"{partner.name} ({_years(years)})")
        for partner, years in uploads.provider_delivery_partners(db(), provider, cohorts)
    ]


def _years(years: list[int]) -> str:
    return ("cohort " if len(years) == 1 else "cohorts ") + ", ".join(str(year) for year in years)


def _own_upload(upload_id: str, *, for_update: bool = False) -> PartnershipUpload:
    found = uploads.find_upload(db(), current_lead_provider(), upload_id, for_update=for_update)
    if found is None:
        abort(404)
    return found


@blueprint.get("/partnerships/uploads/<upload_id>")
@login_required(Role.LEAD_PROVIDER)
def check(upload_id: str) -> Page:
    made = _own_upload(upload_id)
    if made.confirmed_at is not None:
        return redirect(url_for("providers.done", upload_id=made.id))
    result = uploads.check_upload(db(), made)
    form = ConfirmUploadForm(shown=result.digest)
    return _check_page(result, form)


def _check_page(result: uploads.Check, form: ConfirmUploadForm) -> Page:
    return render_page(
        "providers/check.html",
        "Check the schools in your file",
        result=result,
        confirm_form=form,
        academic_year=uploads.academic_year(result.cohort.start_year),
        back_link=url_for("providers.upload", cohort=result.cohort.start_year),
    )


@blueprint.post("/partnerships/uploads/<upload_id>")
@login_required(Role.LEAD_PROVIDER)
def confirm(upload_id: str) -> Page:
    made = _own_upload(upload_id, for_update=True)
    form = ConfirmUploadForm()
    form.validate_on_submit()  # the CSRF token was checked for every page before this
    try:
        uploads.confirm_upload(
            db(),
            made,
            form.shown.data or "",
            secret_key=settings().secret_key,
            sender=email_sender(),
            links=email_links(),
        )
    except uploads.AlreadyConfirmed:
        db().rollback()
        return redirect(url_for("providers.done", upload_id=upload_id))
    except (uploads.UploadChanged, RuleBroken):
        db().rollback()
        flash("Some schools changed since you checked the file. Check the list again before you confirm.")
        return redirect(url_for("providers.check", upload_id=upload_id))
    db().commit()
    return redirect(url_for("providers.done", upload_id=upload_id))


@blueprint.get("/partnerships/uploads/<upload_id>/done")
@login_required(Role.LEAD_PROVIDER)
def done(upload_id: str) -> Page:
    made = _own_upload(upload_id)
    if made.confirmed_at is None:
        return redirect(url_for("providers.check", upload_id=made.id))
    cohort = db().get(Cohort, made.cohort_id)
    assert cohort is not None
    return render_page(
        "providers/done.html",
        "Partnerships confirmed",
        upload=made,
        cohort=cohort,
        delivery_partner=db().get(DeliveryPartner, made.delivery_partner_id),
        academic_year=uploads.academic_year(cohort.start_year),
    )


# --- your schools -----------------------------------------------------------------------------


@blueprint.get("/schools")
@login_required(Role.LEAD_PROVIDER)
def schools() -> Page:
    provider = current_lead_provider()
    cohorts = uploads.provider_cohorts(db(), provider)
    chosen = next((c for c in cohorts if str(c.start_year) == request.args.get("cohort")), None)
    if chosen is None:
        if not cohorts:
            return render_page("providers/schools.html", "Your schools", cohorts=[], listing=None)
        if request.args.get("cohort"):
            return redirect(url_for("providers.schools", cohort=cohorts[0].start_year))
        chosen = cohorts[0]
    search = request.args.get("q", "")[:100]
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    listing = provider_schools(db(), provider.id, chosen, search=search, page=page)
    return render_page(
        "providers/schools.html",
        "Your schools",
        cohorts=cohorts,
        cohort=chosen,
        listing=listing,
        search=search,
        academic_year=uploads.academic_year(chosen.start_year),
    )
