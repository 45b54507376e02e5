"""The forms of the sign-in, nomination and request-access pages."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from domain.accounts import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from web.forms import EmailAddress, ServiceForm, strip


class SignInForm(ServiceForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter your email address"),
            Length(max=EMAIL_MAX_LENGTH, message="Email address must be 320 characters or fewer"),
            EmailAddress(),
        ],
    )


class ConfirmSignInForm(ServiceForm):
    token = HiddenField()


class ChooseRoleForm(ServiceForm):
    role = RadioField(
        "What do you want to do?",
        widget=GovRadioInput(),
        validators=[DataRequired(message="Select what you want to do")],
    )


class NomineeNameForm(ServiceForm):
    full_name = StringField(
        "What is the induction tutor’s full name?",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the induction tutor’s full name"),
            Length(max=NAME_MAX_LENGTH, message="Full name must be 255 characters or fewer"),
        ],
    )


class NomineeEmailForm(ServiceForm):
    email = StringField(
        "What is their email address?",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the induction tutor’s email address"),
            Length(max=EMAIL_MAX_LENGTH, message="Email address must be 320 characters or fewer"),
            EmailAddress(),
        ],
    )


class ConfirmForm(ServiceForm):
    """A button only (and the CSRF token)."""


class FindSchoolForm(ServiceForm):
    urn = StringField(
        "What is your school’s unique reference number (URN)?",
        description="It is 6 digits long. You can find it in Get information about schools (GIAS).",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired(message="Enter your school’s URN")],
    )


class SecondFactorForm(ServiceForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the 6-digit code from your authenticator app"),
            Regexp(r"^\d{3} ?\d{3}$", message="Enter the code as 6 digits, like 123456"),
        ],
    )
