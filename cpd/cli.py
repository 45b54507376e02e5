"""The ``cpd`` command line: operators' and developers' way into the service.

Each write command runs in one transaction, so a failure leaves the database as it
was. Every failure people can cause (a bad argument, a refused operation, unsafe
configuration) is reported as a single ``Error: ...`` line on stderr with a non-zero
exit, because these commands run in scripts and deploy logs where tracebacks are noise.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd.accounts import accounts
from cpd.config import ConfigurationError, Settings, load_settings
from cpd.gias import gias
from cpd.release_notes.cli import release_notes
from cpd.staff import staff
from domain import audit
from domain.clock import today
from domain.errors import InvalidTransition, RuleBroken
from domain.reference import ReferenceDataError, load_reference_data
from domain.rollover import RolloverError, rollover_cohort
from domain.statement_lifecycle import StatementNotFound, authorise_for_payment, mark_payable
from domain.tokens import TokenError, find_provider, issue, parse_grace, revoke, rotate
from integrations.fakes.cli import fakes
from storage.db import transaction
from storage.models import ApiToken, Schedule, Statement

#: Errors raised by the domain for a request that cannot be done; shown as one line.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    RolloverError,
    TokenError,
    ReferenceDataError,
    RuleBroken,
    InvalidTransition,
    StatementNotFound,
)


def _one_line(message: str) -> str:
    return " ".join(message.split())


class OneLineErrors(click.Group):
    """Click prints usage, a hint and the error on three lines; scripts want one."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        given = list(args)
        with _usage_on_one_line():
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta[_ARGS] = given
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        # Every write a command makes is the command's in the audit trail (domain.audit).
        actor = audit.Actor.command(_command_path(self, ctx, ctx.meta.get(_ARGS, [])))
        with _usage_on_one_line(), audit.acting_as(actor):
            return super().invoke(ctx)


_ARGS = "cpd.args"


def _command_path(group: click.Group, ctx: click.Context, args: list[str]) -> str:
    """``cpd cohort rollover``: the command's names, never its arguments (which may be secret)."""
    names, command = ["cpd"], group
    for arg in args:
        if not isinstance(command, click.Group):
            break
        if arg.startswith("-"):
            continue
        found = command.get_command(ctx, arg)
        if found is None:
            break
        names.append(arg)
        command = found
    return " ".join(names)


@contextlib.contextmanager
def _usage_on_one_line() -> Iterator[None]:
    try:
        yield
    except click.UsageError as error:
        if error.ctx is None:
            raise
        message = f"{error.format_message()} (see '{error.ctx.command_path} --help')"
        raise click.UsageError(_one_line(message)) from error


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as error:
        raise click.ClickException(_one_line(str(error))) from error


@contextlib.contextmanager
def _failures_reported() -> Iterator[None]:
    """Turn domain and database failures into one-line errors (after the rollback)."""
    try:
        yield
    except DOMAIN_ERRORS as error:
        raise click.ClickException(_one_line(str(error))) from error
    except sa.exc.SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise click.ClickException(_one_line(f"database error: {detail}")) from error


@contextlib.contextmanager
def _write(settings: Settings) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back whole on any failure."""
    with _failures_reported(), transaction(settings.database_url) as session:
        yield session


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Manage teacher CPD: operate the service from the command line."""


main.add_command(release_notes)
main.add_command(gias)
main.add_command(accounts)
main.add_command(staff)
main.add_command(fakes)


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade to head)."""
    from storage.migrate import upgrade  # Alembic is only needed here

    settings = _settings()
    with _failures_reported():
        upgrade(settings.database_url)
    click.echo("Database is at the latest migration.")


@main.group()
def reference() -> None:
    """Public reference data: cohorts, schedules with milestones, statements."""


@reference.command("load")
def reference_load() -> None:
    """Load the shipped reference data; safe to repeat (changed rows are updated)."""
    settings = _settings()
    with _write(settings) as session:
        report = load_reference_data(session)
    click.echo(str(report))


@main.group()
def cohort() -> None:
    """Cohorts (academic years of funded training)."""


@cohort.command("rollover")
@click.argument("year", type=click.IntRange(2000, 2100))
def cohort_rollover(year: int) -> None:
    """Create cohort YEAR from YEAR-1, moved forward a year, for every contracted provider."""
    settings = _settings()
    with _write(settings) as session:
        created = rollover_cohort(session, year)
        schedules = session.scalar(
            sa.select(sa.func.count()).select_from(Schedule).where(Schedule.cohort_id == created.id)
        )
        statements = session.scalar(
            sa.select(sa.func.count()).select_from(Statement).where(Statement.cohort_id == created.id)
        )
    click.echo(f"Created cohort {year} with {schedules} schedules and {statements} statements.")


@main.group()
def visibility() -> None:
    """The stored answer to "which training records does each provider see"."""


@visibility.command("check")
def visibility_check() -> None:
    """Compare the stored rows with the visibility rule; exit 1 when they differ."""
    from storage import visible_records

    settings = _settings()
    with _write(settings) as session:
        missing, extra = visible_records.differences(session.connection())
    if missing or extra:
        raise click.ClickException(
            f"{len(missing)} rows missing and {len(extra)} rows out of date; run `cpd visibility rebuild`"
        )
    click.echo("The stored visibility matches the rule.")


@visibility.command("rebuild")
def visibility_rebuild() -> None:
    """Recompute every row (after data was changed outside the service, say)."""
    from storage import visible_records

    settings = _settings()
    with _write(settings) as session:
        written = visible_records.rebuild(session.connection())
    click.echo(f"Rebuilt: {written:,} visible training records.")


@main.group()
def tokens() -> None:
    """Lead providers' API tokens."""


@tokens.command("create")
@click.argument("provider")
@click.option("--description", help="Why the token exists, e.g. who holds it.")
def tokens_create(provider: str, description: str | None) -> None:
    """Issue a token for PROVIDER (name or id) and print it; it is shown only this once.

    Only the token goes to stdout, so ``TOKEN=$(cpd tokens create ...)`` works.
    """
    settings = _settings()
    with _write(settings) as session:
        _token, plaintext = issue(
            session, find_provider(session, provider), settings.secret_key, description=description
        )
    click.echo(plaintext)


@tokens.command("revoke")
@click.option("--token-id", type=click.UUID, help="Revoke this one token.")
@click.option("--provider", help="Revoke every live token of this lead provider (name or id).")
def tokens_revoke(token_id: uuid.UUID | None, provider: str | None) -> None:
    """Revoke one token, or all of a provider's tokens; prints how many were revoked."""
    if (token_id is None) == (provider is None):
        click.get_current_context().fail("give exactly one of --token-id or --provider")
    settings = _settings()
    with _write(settings) as session:
        if token_id is not None:
            if session.get(ApiToken, token_id) is None:
                raise TokenError(f"no token with id {token_id}")
            count = revoke(session, token_id=token_id)
        else:
            count = revoke(session, provider=find_provider(session, provider or ""))
    click.echo(f"Revoked {count} token{'' if count == 1 else 's'}.")


@tokens.command("rotate")
@click.option("--provider", required=True, help="The lead provider (name or id).")
@click.option(
    "--grace",
    default="7d",
    show_default=True,
    help="How long the provider's current tokens keep working: 7d, 36h, 90m, or 0 to end them now.",
)
@click.option("--description", help="Why the new token exists, e.g. who holds it.")
def tokens_rotate(provider: str, grace: str, description: str | None) -> None:
    """Issue PROVIDER a new token (printed once, alone on stdout) and let its current tokens
    work only until the grace period ends, so its systems can switch over without an outage."""
    try:
        period = parse_grace(grace)
    except TokenError as error:
        raise click.BadParameter(str(error), param_hint="--grace") from None
    settings = _settings()
    with _write(settings) as session:
        _token, plaintext, old = rotate(
            session,
            find_provider(session, provider),
            settings.secret_key,
            grace=period,
            description=description,
        )
        ends = sorted({token.expires_at for token in old if token.expires_at is not None})
    click.echo(plaintext)
    if old:
        click.echo(
            f"{len(old)} earlier token{'' if len(old) == 1 else 's'} stop{'s' if len(old) == 1 else ''} "
            f"working at {ends[-1]:%Y-%m-%d %H:%M} UTC.",
            err=True,
        )


def _population_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``cpd seed`` and ``cpd sandbox reset`` share."""
    command = click.option(
        "--seed", "random_seed", type=int, default=0, show_default=True, help="Same seed, same data."
    )(command)
    command = click.option(
        "--participants",
        type=click.IntRange(min=1),
        help="How many participants to create (default: a small set that seeds in seconds).",
    )(command)
    return click.option(
        "--tokens-file",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the tokens as JSON {provider name: token} to this file.",
    )(command)


@main.command()
@_population_options
def seed(tokens_file: Path | None, participants: int | None, random_seed: int) -> None:
    """Populate a sandbox with providers, schools, participants and declarations; prints the tokens."""
    from cpd.sandbox import populate  # heavy, and only needed here

    _populate(populate, tokens_file, participants, random_seed)


@main.group("sandbox")
def sandbox_group() -> None:
    """The sandbox environment's data."""


@sandbox_group.command("reset")
@_population_options
def sandbox_reset(tokens_file: Path | None, participants: int | None, random_seed: int) -> None:
    """Empty the database and populate the sandbox again, as a first seed would; prints the tokens."""
    from cpd.sandbox import reset  # heavy, and only needed here

    _populate(reset, tokens_file, participants, random_seed)


def _populate(
    fill: Callable[..., dict[str, str]], tokens_file: Path | None, participants: int | None, random_seed: int
) -> None:
    settings = _settings()
    if settings.environment == "production":
        raise click.ClickException("refusing to seed sandbox data in production")
    with _write(settings) as session:
        provider_tokens = fill(
            session,
            secret_key=settings.secret_key,
            participants=participants,
            seed=random_seed,
            progress=True,
        )
    for name, token in provider_tokens.items():
        click.echo(f"{name}: {token}")
    if tokens_file is not None:
        tokens_file.parent.mkdir(parents=True, exist_ok=True)
        tokens_file.write_text(json.dumps(provider_tokens, indent=2) + "\n", encoding="utf-8")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--production",
    is_flag=True,
    help="Serve with gunicorn and uvicorn workers (one per core is the measured best; docs/benchmarks.md).",
)
def serve(host: str, port: int, workers: int, production: bool) -> None:
    """Serve the API and pages with uvicorn (gunicorn with uvicorn workers with --production)."""
    _settings()  # refuse unsafe configuration before binding a port
    if production:
        os.execv(sys.executable, gunicorn_command(host, port, workers))
    import uvicorn

    uvicorn.run("cpd.app:create_asgi_app", factory=True, host=host, port=port, workers=workers)


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The production server (README "Running in production"): gunicorn supervises the
    workers (restarts a dead one, reloads on HUP), uvicorn runs each one's event loop.
    Requests are logged by the app itself (``cpd.requests``), so gunicorn's access log is off."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "cpd.app:create_asgi_app()",
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--worker-tmp-dir",
        "/dev/shm",
        "--graceful-timeout",
        "30",
        "--keep-alive",
        "5",
    ]


@main.group("declarations")
def declarations_group() -> None:
    """Participant declarations (providers' claims that training happened)."""


@declarations_group.command("mark-payable")
def declarations_mark_payable() -> None:
    """Daily job: statements past their cut-off become payable, with their eligible declarations.

    Every overdue open statement is closed, not only yesterday's, so a missed day is caught up;
    running it twice changes nothing the second time.
    """
    settings = _settings()
    with _write(settings) as session:
        result = mark_payable(session, today())
    click.echo(f"{result}.")


@main.group("statements")
def statements_group() -> None:
    """Payment statements (per lead provider, cohort and month)."""


@statements_group.command("authorise")
@click.argument("statement_id", type=click.UUID)
def statements_authorise(statement_id: uuid.UUID) -> None:
    """Authorise payable statement STATEMENT_ID: it and its declarations become paid.

    Its awaiting-clawback declarations become clawed back.
    """
    settings = _settings()
    with _write(settings) as session:
        result = authorise_for_payment(session, statement_id)
    click.echo(f"{result}.")
