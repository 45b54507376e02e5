"""``cpd staff …``: DfE staff accounts from the command line, for the first super user (who
then manages the rest at ``/admin/staff``) and for an operator who must reset a lost
authenticator app."""

from __future__ import annotations

import click

ROLE_CHOICES = ["admin", "finance", "super_user"]


@click.group("staff")
def staff() -> None:
    """DfE staff accounts (admin, finance, super user)."""


@staff.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option(
    "--role",
    "roles",
    type=click.Choice(ROLE_CHOICES),
    multiple=True,
    required=True,
    help="A role to grant; repeat for several.",
)
def create(email: str, full_name: str, roles: tuple[str, ...]) -> None:
    """Give EMAIL a staff account with the roles named (added to any they already hold)."""
    from cpd.cli import _settings, _write
    from domain import staff as staff_rules
    from domain.errors import RuleBroken
    from storage.enums import StaffRole

    settings = _settings()
    with _write(settings) as session:
        try:
            user = staff_rules.add_staff_user(session, email, full_name, [StaffRole(r) for r in roles])
        except RuleBroken as broken:
            raise click.ClickException("; ".join(message for _, message in broken.errors)) from broken
        held = ", ".join(role.value for role in staff_rules.staff_roles(session, user))
    click.echo(f"{user.full_name} <{user.email}> holds: {held}.")
    click.echo("They sign in at /sign-in and set up an authenticator app the first time.")


@staff.command("reset-authenticator")
@click.argument("email")
def reset_authenticator(email: str) -> None:
    """Forget EMAIL's authenticator app; they set up a new one at their next sign-in."""
    from cpd.cli import _settings, _write
    from domain import staff as staff_rules
    from domain.accounts import find_user

    settings = _settings()
    with _write(settings) as session:
        user = find_user(session, email)
        if user is None or not staff_rules.staff_roles(session, user):
            raise click.ClickException(f"no staff account for {email}")
        staff_rules.reset_second_factor(session, user)
    click.echo(f"{email} will set up a new authenticator app at their next sign-in.")
