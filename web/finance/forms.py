"""The finance pages' forms. The money rules (what an adjustment may be, which statement can
be authorised) are checked in ``domain.statement_lifecycle`` and shown on these fields by
``show_rule_errors``; the forms only ask for what is missing."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired

from web.forms import ServiceForm, strip


class ChooseProviderForm(ServiceForm):
    lead_provider = RadioField(
        "Which lead provider’s statements do you want to see?",
        widget=GovRadioInput(),
        validators=[DataRequired(message="Select a lead provider")],
    )


class StatementSelectorForm(ServiceForm):
    """Cohort and statement, sent by GET: a bookmarkable address and no token needed."""

    class Meta:
        csrf = False

    cohort = SelectField("Cohort", widget=GovSelect(), validate_choice=False)
    statement = SelectField("Statement", widget=GovSelect(), validate_choice=False)


class AdjustmentForm(ServiceForm):
    """The payment type and amount; their rules (pence, not zero, size) are the domain's."""

    payment_type = StringField("Payment type", widget=GovTextInput(), filters=[strip])
    amount = StringField("Amount", widget=GovTextInput(), filters=[strip])


class ConfirmForm(ServiceForm):
    """A button only (removing an adjustment)."""


class AuthoriseForm(ServiceForm):
    checks_done = BooleanField(
        "Yes, I have checked the statement, its declarations and the assurance report",
        widget=GovCheckboxInput(),
        validators=[
            DataRequired(message="Confirm that you have done the checks before you authorise payment")
        ],
    )
