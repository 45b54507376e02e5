"""The forms of the lead provider's pages. Their rules are checked in
``domain.partnership_uploads`` and shown on these fields by ``show_rule_errors``."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect
from wtforms import HiddenField, SelectField

from web.forms import ServiceForm


class UploadForm(ServiceForm):
    """Cohort, delivery partner and the file, on one page so the journey is one form."""

    cohort = SelectField("Cohort", widget=GovSelect(), validate_choice=False)
    delivery_partner = SelectField(
        "Delivery partner",
        description="The delivery partner who will work with these schools in that cohort.",
        widget=GovSelect(),
        validate_choice=False,
    )
    csv_file = FileField(
        "Upload a CSV file",
        description="One URN a row, in the first column; a header row is optional. Up to 2MB.",
        widget=GovFileInput(),
    )


class ConfirmUploadForm(ServiceForm):
    """The button, and which schools the page listed (so confirming can tell if they changed)."""

    shown = HiddenField()
