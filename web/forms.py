"""Form conventions for the service's pages (WTForms through Flask-WTF, rendered by
govuk-frontend-wtf's widgets with the GOV.UK macros).

- A form subclasses :class:`ServiceForm` (Flask-WTF's ``FlaskForm``: it carries the CSRF
  token; render ``{{ form.csrf_token }}`` inside the ``<form>``).
- Each field names its GOV.UK widget (``GovTextInput()``, ``GovRadioInput()``,
  ``GovDateInput()``…) and validators whose messages follow the GOV.UK pattern ("Enter…",
  "Select…"). Render a field with ``{{ form.email(params={...}) }}``, passing macro options
  such as ``{"label": {"isPageHeading": true, "classes": "govuk-label--l"}}``.
- Put ``{{ error_summary(form) }}`` (from ``macros/forms.html``) first in the main column:
  the layout then prefixes the page title with "Error: ".
- Business rules raise :class:`~domain.errors.RuleBroken` with a message per attribute;
  :func:`show_rule_errors` puts each message on the field of that name, so a rule checked in
  ``domain/`` reads on the page exactly as the domain wrote it.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field
from wtforms.validators import ValidationError

from domain.accounts import valid_email
from domain.errors import RuleBroken


class ServiceForm(FlaskForm):
    """Every form of the service: CSRF-protected, errors shown the GOV.UK way."""


class EmailAddress:
    """The same email rule the domain applies (``domain.accounts.valid_email``)."""

    def __init__(self, message: str = "Enter an email address in the correct format, like name@example.com"):
        self.message = message

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        if field.data and not valid_email(field.data):
            raise ValidationError(self.message)


def strip(value: Any) -> Any:
    """A filter: surrounding spaces never count (people paste them with email addresses)."""
    return value.strip() if isinstance(value, str) else value


def show_rule_errors(form: FlaskForm, error: RuleBroken, *, fallback: str | None = None) -> None:
    """Show a broken rule's messages on the form's fields (``base`` or unknown attributes go
    on ``fallback``, else the first field)."""
    names = [name for name in form._fields if name != "csrf_token"]
    for attribute, message in error.errors:
        name = attribute if attribute in form._fields else (fallback or names[0])
        field = form[name]
        if message not in field.errors:
            field.errors = [*field.errors, message]
    form._errors = None  # WTForms caches ``form.errors``; read it afresh


def error_summary_params(form: FlaskForm) -> dict[str, Any]:
    """The GOV.UK error summary's parameters: each field's first error, linked to the input
    that receives focus (a date's day box, a radio group's first option)."""
    items = []
    for name, field in form._fields.items():
        if name == "csrf_token" or not field.errors:
            continue
        target = f"{field.id}-day" if isinstance(field.widget, GovDateInput) else field.id
        items.append({"text": field.errors[0], "href": f"#{target}"})
    return {"titleText": "There is a problem", "errorList": items}
