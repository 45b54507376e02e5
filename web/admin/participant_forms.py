"""Forms of the admin participant pages.

A form checks only what it can know alone (that something is entered, its length). Every rule
about the records (a withdraw reason, a schedule, an already voided declaration, a merge) is
the API's own rule in ``domain/``, with its message, shown on the field by
``web.forms.show_rule_errors``. Choices are therefore not validated here: an answer outside
them reaches the domain rule, as it would from the API.

Each change carries ``why``: the staff member's reason, kept in the audit trail. Changes to
money or identity have a check step: the form posts back with ``confirmed`` set only from
the check page's button.
"""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from storage.enums import DeferReason, EligibilityReason
from web.forms import ServiceForm, strip

WHY_MAX_LENGTH = 1000
WITHDRAW_REASONS = [
    ("left-teaching-profession", "Left the teaching profession"),
    ("moved-school", "Moved school"),
    ("mentor-no-longer-being-mentor", "No longer a mentor"),
    ("switched-to-school-led", "School switched to school-led training"),
    ("other", "Other"),
]
DEFER_REASONS = [(reason.value, reason.value.replace("-", " ").capitalize()) for reason in DeferReason]
ELIGIBILITY_STATUSES = [
    ("eligible", "Eligible for funding"),
    ("ineligible", "Not eligible for funding"),
    ("manual_check", "Needs another manual check"),
]
ELIGIBILITY_REASONS = [
    (
        reason.value,
        "No reason" if reason == EligibilityReason.NONE else reason.value.replace("_", " ").capitalize(),
    )
    for reason in EligibilityReason
]


def why_field() -> TextAreaField:
    return TextAreaField(
        "Why are you making this change?",
        description="This is kept in the record’s audit trail. For example, a support ticket number.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter why you are making this change"),
            Length(max=WHY_MAX_LENGTH, message=f"Reason must be {WHY_MAX_LENGTH} characters or fewer"),
        ],
    )


def provider_field() -> SelectField:
    return SelectField("Lead provider", widget=GovSelect(), validate_choice=False)


class ConfirmedForm(ServiceForm):
    """A form with a check step: ``confirmed`` is "yes" only from the check page."""

    confirmed = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class MergeForm(ConfirmedForm):
    retired_participant_id = StringField(
        "Participant ID of the duplicate record",
        description="The duplicate is retired: its training records, declarations and emails move to "
        "this participant, and its ID keeps working for lead providers.",
        widget=GovTextInput(),
        filters=[strip],
    )
    why = why_field()


class WithdrawForm(ServiceForm):
    lead_provider = provider_field()
    reason = RadioField("Why is the participant withdrawing?", widget=GovRadioInput(), choices=WITHDRAW_REASONS,
                        validate_choice=False)  # fmt: skip
    why = why_field()


class DeferForm(ServiceForm):
    lead_provider = provider_field()
    reason = RadioField("Why is the training paused?", widget=GovRadioInput(), choices=DEFER_REASONS,
                        validate_choice=False)  # fmt: skip
    why = why_field()


class ResumeForm(ServiceForm):
    lead_provider = provider_field()
    why = why_field()


class ScheduleForm(ServiceForm):
    lead_provider = provider_field()
    schedule_identifier = SelectField("Schedule", widget=GovSelect(), validate_choice=False)
    cohort = SelectField("Cohort", widget=GovSelect(), validate_choice=False)
    why = why_field()


class EligibilityForm(ConfirmedForm):
    status = RadioField(
        "What did the manual check find?",
        widget=GovRadioInput(),
        choices=ELIGIBILITY_STATUSES,
        validate_choice=False,
        validators=[DataRequired(message="Select what the manual check found")],
    )
    reason = SelectField("Reason", widget=GovSelect(), choices=ELIGIBILITY_REASONS, validate_choice=False)
    why = why_field()


class VoidForm(ConfirmedForm):
    why = why_field()
