"""``cpd accounts …``: give lead provider staff accounts, send a school its nomination link.

DfE staff pages will do both (issue 7); until then these let operators and developers set
people up. Emails go through Notify, or the outbox outside production, as from the pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
import sqlalchemy as sa


@click.group("accounts")
def accounts() -> None:
    """People who sign in to the service's pages."""


@accounts.command("add-provider-user")
@click.argument("provider")
@click.argument("email")
@click.argument("full_name")
def add_provider_user(provider: str, email: str, full_name: str) -> None:
    """Give FULL_NAME (EMAIL) an account for lead provider PROVIDER (name or id) and email them."""
    from cpd.cli import _settings, _write
    from domain.accounts import add_lead_provider_user
    from domain.tokens import find_provider
    from integrations.email import build_sender
    from web.auth.links import links_for

    settings = _settings()
    with _write(settings) as session, _outside_failures():
        user = add_lead_provider_user(
            session,
            find_provider(session, provider),
            full_name,
            email,
            sender=build_sender(settings, session),
            links=links_for(settings),
        )
    click.echo(f"{user.full_name} <{user.email}> can now sign in for {provider}.")


@accounts.command("send-nomination")
@click.argument("urn")
def send_nomination(urn: str) -> None:
    """Email school URN's GIAS contact a link to name its induction tutor (valid 21 days)."""
    from cpd.cli import _settings, _write
    from domain.accounts import NominationRefused, TooManyRequests, send_nomination_link
    from integrations.email import build_sender
    from storage.models import School
    from web.auth.links import links_for

    settings = _settings()
    with _write(settings) as session, _outside_failures():
        school = session.scalars(sa.select(School).where(School.urn == urn)).first()
        if school is None:
            raise click.ClickException(f"no school with URN {urn}")
        try:
            row = send_nomination_link(
                session,
                school,
                secret_key=settings.secret_key,
                sender=build_sender(settings, session),
                links=links_for(settings),
            )
        except NominationRefused as refused:
            reason = (
                "it cannot use the service" if refused.reason == "not_eligible" else "it has no GIAS email"
            )
            raise click.ClickException(f"not sent to {school.name}: {reason}") from refused
        except TooManyRequests as error:
            minutes = -(-int(error.retry_after.total_seconds()) // 60)
            raise click.ClickException(
                f"not sent: too many links for this school; try in {minutes} minutes"
            ) from error
    click.echo(f"Sent a nomination link for {school.name} to {row.sent_to}.")


@contextlib.contextmanager
def _outside_failures() -> Iterator[None]:
    """What stops an email being sent (configuration, Notify), as one-line errors."""
    from integrations.email import EmailNotConfigured, EmailNotSent
    from web.auth.links import BaseUrlMissing

    try:
        yield
    except (EmailNotConfigured, EmailNotSent, BaseUrlMissing) as error:
        raise click.ClickException(str(error)) from error
