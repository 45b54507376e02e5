"""Sending email: GOV.UK Notify when it is configured, otherwise a local outbox.

Business rules build an :class:`EmailMessage` (recipient, template name, personalisation)
and hand it to whatever :class:`EmailSender` they were given; :func:`build_sender` picks
one from the settings. The outbox keeps each message in ``outbox_emails`` in the caller's
transaction, so a rolled-back request sends nothing; development and sandboxes show it at
``/dev/outbox`` and tests read sign-in links from it. Production never falls back to the
outbox: without ``NOTIFY_API_KEY`` sending is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd.config import Settings
from integrations import email_templates
from storage.models import OutboxEmail

log = logging.getLogger("cpd.email")


@dataclass(frozen=True)
class EmailMessage:
    to: str
    template: str
    personalisation: Mapping[str, str] = field(default_factory=dict)


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class EmailNotConfigured(RuntimeError):
    """Production without GOV.UK Notify: there is nowhere to send email."""


class EmailNotSent(RuntimeError):
    """Notify refused the message or could not be reached; the caller's change is undone."""


class OutboxSender:
    """Keeps each message, rendered from our copy of the template, instead of sending it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def send(self, message: EmailMessage) -> None:
        subject, body = email_templates.render(message.template, message.personalisation)
        self.session.add(
            OutboxEmail(
                to=message.to,
                template=message.template,
                personalisation=dict(message.personalisation),
                subject=subject,
                body=body,
            )
        )
        self.session.flush()


class NotifySender:
    """Sends through GOV.UK Notify's API with its official client."""

    def __init__(
        self, api_key: str, template_ids: Mapping[str, str], base_url: str | None = None, timeout: float = 20
    ) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        options: dict[str, Any] = {"timeout": timeout}
        if base_url:
            options["base_url"] = base_url
        self.client = NotificationsAPIClient(api_key, **options)
        self.template_ids = dict(template_ids)

    def send(self, message: EmailMessage) -> None:
        from notifications_python_client.errors import APIError

        # Fail on a missing value here, as Notify would, but with the template's name.
        email_templates.render(message.template, message.personalisation)
        try:
            self.client.send_email_notification(
                email_address=message.to,
                template_id=self.template_ids[message.template],
                personalisation=dict(message.personalisation),
            )
        except (APIError, OSError) as error:
            # Notify's errors name the template, never the personalisation (which holds links).
            log.error("GOV.UK Notify did not accept a %r email: %s", message.template, error)
            raise EmailNotSent(f"GOV.UK Notify did not accept the {message.template!r} email") from error


def build_sender(settings: Settings, session: Session) -> EmailSender:
    """Notify when a key is configured; the outbox otherwise, except in production."""
    if settings.notify_api_key:
        return NotifySender(settings.notify_api_key, settings.notify_template_ids, settings.notify_base_url)
    if settings.environment == "production":
        raise EmailNotConfigured("NOTIFY_API_KEY is not set, and production keeps no outbox")
    return OutboxSender(session)


def outbox_available(settings: Settings) -> bool:
    """Whether ``/dev/outbox`` exists: never in production, nor when Notify sends for real."""
    return settings.environment != "production" and not settings.notify_api_key


def outbox_messages(session: Session, to: str | None = None, limit: int = 100) -> Sequence[OutboxEmail]:
    """The newest outbox messages first, optionally only those to one address."""
    query = sa.select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id).limit(limit)
    if to is not None:
        query = query.where(sa.func.lower(OutboxEmail.to) == to.strip().lower())
    return session.scalars(query).all()
