"""The forms of the school pages. Each question is its own small form (one thing per page);
messages follow the GOV.UK pattern, and those a rule decides come from ``domain/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovTextInput
from wtforms import Field, RadioField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from domain import clock
from domain.accounts import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from domain.partnerships import CHALLENGE_REASON_BLANK, CHALLENGE_REASONS
from web.forms import EmailAddress, ServiceForm, strip


class GovDateField(Field):
    """A GOV.UK date (day, month and year boxes sharing one name) with our own messages:
    ``blank`` when nothing is entered, ``invalid`` when it is not a real date."""

    widget = GovDateInput()

    def __init__(self, label: str, *, blank: str, invalid: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.blank, self.invalid = blank, invalid

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(part).strip() for part in valuelist][:3]
        self.raw_data = parts + [""] * (3 - len(parts))
        self.data = None
        if not any(self.raw_data):
            return
        try:
            day, month, year = (int(part) for part in self.raw_data)
            if year < 1000:
                raise ValueError
            self.data = dt.date(year, month, day)
        except ValueError:
            self._bad = True

    def pre_validate(self, form: Any) -> None:
        if getattr(self, "_bad", False):
            raise StopValidation(self.invalid)
        if self.data is None:
            raise StopValidation(self.blank)

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""


class GovRadioField(RadioField):
    """GOV.UK radios whose one message covers nothing chosen and, from a forged form, a value
    that is not one of the choices (rather than WTForms' own "Not a valid choice.")."""

    def __init__(self, label: str, *, message: str, **kwargs: Any) -> None:
        super().__init__(label, widget=GovRadioInput(), validators=[DataRequired(message=message)], **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            return  # DataRequired says so
        try:
            super().pre_validate(form)
        except ValidationError:
            raise StopValidation(self.message) from None


def radios(
    label: str, message: str, choices: list[tuple[str, str]] | None = None, *, validate_choice: bool = True
) -> RadioField:
    return GovRadioField(label, message=message, choices=choices or [], validate_choice=validate_choice)


class ConfirmForm(ServiceForm):
    """A page whose only input is its button (check answers)."""


# --- cohort set-up ------------------------------------------------------------------------------


class ExpectEctsForm(ServiceForm):
    expecting = radios(
        "Do you expect any new early career teachers (ECTs) to start at your school this year?",
        "Select yes if you expect any new ECTs this year",
        [("yes", "Yes"), ("no", "No")],
    )


class TrainingForm(ServiceForm):
    # Which choices the school may make is a rule of domain.school_cohorts, with its own messages.
    training = radios(
        "How will you run training for your ECTs?",
        "Select how your school will run training",
        validate_choice=False,
    )


class AppropriateBodyForm(ServiceForm):
    appropriate_body = radios(
        "Which appropriate body have you appointed?",
        "Select your appropriate body, or that you will appoint one later",
    )


# --- adding a participant -------------------------------------------------------------------------


class ParticipantTypeForm(ServiceForm):
    participant_type = radios(
        "Who do you want to add?", "Select whether you want to add an ECT or a mentor",
        [("ect", "An early career teacher (ECT)"), ("mentor", "A mentor")],
    )  # fmt: skip


class FullNameForm(ServiceForm):
    full_name = StringField(
        "What is their full name?",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter their full name"),
            Length(max=NAME_MAX_LENGTH, message="Full name must be 255 characters or fewer"),
        ],
    )


class TrnForm(ServiceForm):
    trn = StringField("What is their teacher reference number (TRN)?", widget=GovTextInput(), filters=[strip])


class DateOfBirthForm(ServiceForm):
    date_of_birth = GovDateField(
        "What is their date of birth?",
        blank="Enter their date of birth",
        invalid="Date of birth must be a real date",
    )

    def validate_date_of_birth(self, field: GovDateField) -> None:
        today = clock.today()
        try:
            eighteen_years_ago = today.replace(year=today.year - 18)
        except ValueError:  # 29 February
            eighteen_years_ago = dt.date(today.year - 18, 2, 28)
        if field.data < dt.date(1900, 1, 1):
            raise ValidationError("Date of birth must be on or after 1 January 1900")
        if field.data > eighteen_years_ago:
            raise ValidationError("They must be at least 18 years old")


class NinoForm(ServiceForm):
    nino = StringField("What is their National Insurance number?", widget=GovTextInput(), filters=[strip])


class KnownByAnotherNameForm(ServiceForm):
    another_name = radios(
        "Are they known by another name?",
        "Select yes if they are known by another name",
        [("yes", "Yes, their teacher record has a different name"), ("no", "No")],
    )


class EmailForm(ServiceForm):
    email = StringField(
        "What is their email address?",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter their email address"),
            Length(max=EMAIL_MAX_LENGTH, message="Email address must be 320 characters or fewer"),
            EmailAddress(),
        ],
    )


class StartDateForm(ServiceForm):
    start_date = GovDateField(
        "When do they start their induction at your school?",
        blank="Enter the date they start",
        invalid="The start date must be a real date",
    )


class MentorForm(ServiceForm):
    mentor = radios("Who will mentor them?", "Select a mentor, or that you will add one later")


# --- after registration ------------------------------------------------------------------------


class EndDateForm(ServiceForm):
    end_date = GovDateField(
        "When do they leave your school?",
        blank="Enter the date they leave",
        invalid="The leaving date must be a real date",
    )


class JoiningDateForm(ServiceForm):
    joining_date = GovDateField(
        "When do they start at your school?",
        blank="Enter the date they start at your school",
        invalid="The joining date must be a real date",
    )


class ProviderChoiceForm(ServiceForm):
    provider = radios("Who will train them?", "Select who will train them")


class ChallengeForm(ServiceForm):
    reason = radios(
        "Why is this partnership not right?",
        CHALLENGE_REASON_BLANK,
        [(reason.value, text) for reason, text in CHALLENGE_REASONS.items()],
    )
