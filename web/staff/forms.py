"""The staff account pages' forms. The rules (a valid address, at least one role, nobody
removing their own super-user role) are ``domain.staff``'s; the forms ask for what is missing
with the same words, so every problem shows at once."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovTextInput
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from domain.accounts import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from storage.enums import StaffRole
from web.forms import EmailAddress, ServiceForm, strip

ROLE_CHOICES = [
    (StaffRole.ADMIN.value, "Admin"),
    (StaffRole.FINANCE.value, "Finance"),
    (StaffRole.SUPER_USER.value, "Super user"),
]
ROLE_HINTS = {
    StaffRole.ADMIN.value: "Find and fix participant records, schools, providers, API tokens and cohort rollover.",
    StaffRole.FINANCE.value: "Check statements, add adjustments and authorise payments.",
    StaffRole.SUPER_USER.value: "Add staff and change their roles.",
}


class RolesField(SelectMultipleField):
    """Checkboxes of roles; a value not offered (a tampered form) gets a GOV.UK-style message."""

    def pre_validate(self, form: object) -> None:
        offered = {value for value, _ in ROLE_CHOICES}
        if any(value not in offered for value in self.data or []):
            raise ValidationError("Select only the roles listed")


def _roles_field() -> RolesField:
    return RolesField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=ROLE_CHOICES,
        validators=[DataRequired(message="Select at least one role")],
    )


class AddStaffForm(ServiceForm):
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the person’s full name"),
            Length(max=NAME_MAX_LENGTH, message="Full name must be 255 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter their email address"),
            Length(max=EMAIL_MAX_LENGTH, message="Email address must be 320 characters or fewer"),
            EmailAddress(),
        ],
    )
    roles = _roles_field()


class ChangeRolesForm(ServiceForm):
    roles = _roles_field()


class ConfirmForm(ServiceForm):
    """A button only: removing access, resetting an authenticator app."""
