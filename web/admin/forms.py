"""Forms of the admin pages for schools, providers, delivery partners, tokens and cohorts.

Only what a form can know is checked here (something entered, its length); every rule about
the records is checked in ``domain/`` and shown on the field by ``show_rule_errors``, so a
message reads the same on a page, in the API and from a command.
"""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from domain.accounts import EMAIL_MAX_LENGTH
from web.forms import EmailAddress, ServiceForm, strip

TOKEN_DESCRIPTION_MAX_LENGTH = 255


class InductionTutorForm(ServiceForm):
    """Name a school's induction tutor (``domain.accounts.appoint_induction_tutor`` checks
    both fields, as it does for a nomination)."""

    full_name = StringField("Full name", widget=GovTextInput(), filters=[strip])
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Length(
                max=EMAIL_MAX_LENGTH, message=f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"
            ),
            EmailAddress(),
        ],
    )


class ProviderUserForm(ServiceForm):
    """Someone at a lead provider (``domain.accounts.add_lead_provider_user`` checks both)."""

    full_name = StringField("Full name", widget=GovTextInput(), filters=[strip])
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Length(
                max=EMAIL_MAX_LENGTH, message=f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"
            )
        ],
    )


class DeliveryPartnerForm(ServiceForm):
    """A delivery partner's name (``domain.delivery_partners.check_name``)."""

    name = StringField("Name", widget=GovTextInput(), filters=[strip])


class RelationshipForm(ServiceForm):
    """Which lead provider works with the partner, in which cohort."""

    lead_provider = SelectField("Lead provider", widget=GovSelect(), validate_choice=False)
    cohort = SelectField("Cohort", widget=GovSelect(), validate_choice=False)


class TokenForm(ServiceForm):
    """A new API token: what it is for, so it can be told apart from the provider's others."""

    description = StringField(
        "Description",
        description="Who holds the token or what it is for, for example the provider's CRM.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter a description of the token"),
            Length(
                max=TOKEN_DESCRIPTION_MAX_LENGTH,
                message=f"Description must be {TOKEN_DESCRIPTION_MAX_LENGTH} characters or fewer",
            ),
        ],
    )


class RotateTokensForm(TokenForm):
    """A new token, and how long the provider's current tokens keep working beside it (the
    range is ``domain.tokens.rotate``'s rule)."""

    grace_days = StringField(
        "How many days should the current tokens keep working?",
        description="Long enough for the provider to switch its systems to the new token. 0 ends them now.",
        default="7",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter how many days the current tokens keep working"),
            Regexp(r"^\d{1,4}$", message="Enter the number of days as a whole number, like 7"),
        ],
    )


class ConfirmForm(ServiceForm):
    """A page whose only input is its button (revoke, remove, roll over)."""


class RolloverForm(ServiceForm):
    """Confirm the cohort to open: a ticked box, so one click never opens a year by accident,
    and the year the page showed, so a cohort opened meanwhile is refused, not skipped past."""

    year = HiddenField()

    confirmed = BooleanField(
        "I have checked this is the cohort to open",
        widget=GovCheckboxInput(),
        validators=[DataRequired(message="Confirm you have checked this is the cohort to open")],
    )
