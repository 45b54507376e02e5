"""The ``cpd`` command line: each command works, and every failure is one line with nothing written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from cpd.cli import main
from cpd.config import Settings
from domain import reference, tokens
from storage.db import transaction
from storage.models import ApiToken, Base, Cohort, LeadProvider, Statement

CPD = Path(sys.executable).with_name("cpd")
PRODUCTION_SECRET = "a-production-secret-that-is-certainly-long-enough"


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def cli(settings: Settings) -> Callable[..., Result]:
    """Run ``cpd`` in process against the test database with the test secret."""
    runner = CliRunner()

    def invoke(*args: str, **env: str | None) -> Result:
        environment: dict[str, str | None] = {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key,
            "CPD_ENVIRONMENT": "test",
            "CPD_DEBUG": None,
            "REDIS_URL": None,
        }
        environment.update(env)
        return runner.invoke(main, list(args), env=environment, catch_exceptions=False)

    return invoke


def assert_one_line_error(result: Result, expected: str | None = None) -> str:
    """A failure: non-zero exit, nothing on stdout, exactly one ``Error:`` line on stderr."""
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    if expected is not None:
        assert expected in lines[0]
    return lines[0]


def row_counts(database_url: str) -> dict[str, int]:
    with transaction(database_url) as session:
        return {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def add_provider(database_url: str, name: str, years: tuple[int, ...] = ()) -> uuid.UUID:
    with transaction(database_url) as session:
        cohorts = list(session.scalars(sa.select(Cohort).where(Cohort.start_year.in_(years))))
        provider = LeadProvider(name=name, cohorts=cohorts)
        session.add(provider)
        session.flush()
        return provider.id


def authenticate(database_url: str, plaintext: str, secret_key: str) -> uuid.UUID | None:
    with transaction(database_url) as session:
        token = tokens.authenticate(session, plaintext, secret_key)
        return token.lead_provider_id if token else None


# --- the installed command, end to end ----------------------------------------------------


def run_cpd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CPD), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_installed_command_sets_up_a_database_and_issues_a_working_token(tmp_path: Path) -> None:
    assert CPD.exists(), f"{CPD} is not installed; run make setup"
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    secret = "subprocess-secret-key-long-enough-0123456789"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "CPD_ENVIRONMENT": "test"}
    env.pop("CPD_DEBUG", None)

    migrated = run_cpd("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    loaded = run_cpd("reference", "load", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "cohorts: 6" in loaded.stdout and "milestones: 404" in loaded.stdout
    provider_id = add_provider(url, "Ambition Institute", (2025,))

    created = run_cpd("tokens", "create", "Ambition Institute", "--description", "CRM", env=env)
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert len(lines) == 1 and created.stdout == lines[0] + "\n"
    assert authenticate(url, lines[0], secret) == provider_id

    refused = run_cpd("cohort", "rollover", "1999", env=env)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1 and refused.stderr.startswith("Error: ")

    revoked = run_cpd("tokens", "revoke", "--provider", "Ambition Institute", env=env)
    assert (revoked.returncode, revoked.stdout) == (0, "Revoked 1 token.\n")
    assert authenticate(url, lines[0], secret) is None


# --- migrate and reference data -------------------------------------------------------------


def test_migrate_creates_the_schema_on_an_empty_database(
    tmp_path: Path, cli: Callable[..., Result], settings: Settings
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    result = cli("migrate", DATABASE_URL=url)

    assert result.exit_code == 0, result.stderr
    with transaction(url) as session:
        tables = set(sa.inspect(session.connection()).get_table_names())
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert cli("migrate", DATABASE_URL=url).exit_code == 0  # repeatable


def test_reference_load_loads_once_and_reports(cli: Callable[..., Result], settings: Settings) -> None:
    first = cli("reference", "load")
    second = cli("reference", "load")

    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("cohorts: 6, schedules: 60, milestones: 404")
    assert second.stdout.startswith("cohorts: 0, schedules: 0, milestones: 0, statements: 0")
    assert row_counts(settings.database_url)["cohorts"] == 6


def test_a_failing_reference_load_writes_nothing(
    cli: Callable[..., Result], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "reference-data"
    shutil.copytree(reference.REFERENCE_DATA, broken)
    statements = broken / "statements.csv"
    text = statements.read_text(encoding="utf-8")
    assert text.count("ecf,May 2026,2025,2026-4-30,") == 1
    statements.write_text(
        text.replace("ecf,May 2026,2025,2026-4-30,", "ecf,May 2026,2025,2026-4-31,"), encoding="utf-8"
    )
    monkeypatch.setattr(reference, "REFERENCE_DATA", broken)
    before = row_counts(settings.database_url)

    result = cli("reference", "load")

    assert_one_line_error(result, "statements.csv line")
    # Cohorts and schedules were flushed before the statements failed; all were rolled back.
    assert row_counts(settings.database_url) == before


def test_a_database_error_is_one_line(tmp_path: Path, cli: Callable[..., Result]) -> None:
    url = f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"

    assert_one_line_error(cli("reference", "load", DATABASE_URL=url), "database error: no such table")


def test_unsafe_configuration_is_one_line(cli: Callable[..., Result]) -> None:
    assert_one_line_error(
        cli("reference", "load", CPD_ENVIRONMENT="staging"), "CPD_ENVIRONMENT must be one of"
    )
    assert_one_line_error(
        cli("reference", "load", CPD_ENVIRONMENT="production", SECRET_KEY=None), "SECRET_KEY of at least 32"
    )


# --- tokens -------------------------------------------------------------------------------


def test_tokens_create_prints_only_a_token_that_authenticates(
    cli: Callable[..., Result], settings: Settings
) -> None:
    provider_id = add_provider(settings.database_url, "Teach First")

    by_name = cli("tokens", "create", "Teach First", "--description", "CRM sync")
    by_id = cli("tokens", "create", str(provider_id))

    for result in (by_name, by_id):
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        [plaintext] = result.stdout.splitlines()
        assert authenticate(settings.database_url, plaintext, settings.secret_key) == provider_id
    assert by_name.stdout != by_id.stdout
    with transaction(settings.database_url) as session:
        descriptions = set(session.scalars(sa.select(ApiToken.description)))
    assert descriptions == {"CRM sync", None}


def test_a_token_made_under_another_secret_does_not_authenticate(
    cli: Callable[..., Result], settings: Settings
) -> None:
    add_provider(settings.database_url, "Teach First")

    result = cli("tokens", "create", "Teach First", SECRET_KEY="some-other-secret-key-0123456789-abcdef")

    assert authenticate(settings.database_url, result.stdout.strip(), settings.secret_key) is None


def test_tokens_create_for_an_unknown_provider_writes_nothing(
    cli: Callable[..., Result], settings: Settings
) -> None:
    add_provider(settings.database_url, "Teach First")
    before = row_counts(settings.database_url)

    assert_one_line_error(cli("tokens", "create", "Nobody"), "no lead provider called 'Nobody'")
    assert_one_line_error(cli("tokens", "create"), "Missing argument")
    assert row_counts(settings.database_url) == before


def test_tokens_revoke_by_id_and_by_provider(cli: Callable[..., Result], settings: Settings) -> None:
    add_provider(settings.database_url, "Teach First")
    add_provider(settings.database_url, "Capita")
    first, second = (cli("tokens", "create", "Teach First").stdout.strip() for _ in range(2))
    other = cli("tokens", "create", "Capita").stdout.strip()
    with transaction(settings.database_url) as session:
        first_id = session.scalars(
            sa.select(ApiToken.id).where(ApiToken.hashed_token == tokens.digest(first, settings.secret_key))
        ).one()

    by_id = cli("tokens", "revoke", "--token-id", str(first_id))
    assert (by_id.exit_code, by_id.stdout) == (0, "Revoked 1 token.\n")
    assert authenticate(settings.database_url, first, settings.secret_key) is None
    assert authenticate(settings.database_url, second, settings.secret_key) is not None

    by_provider = cli("tokens", "revoke", "--provider", "Teach First")
    assert (by_provider.exit_code, by_provider.stdout) == (0, "Revoked 1 token.\n")
    assert authenticate(settings.database_url, second, settings.secret_key) is None
    assert authenticate(settings.database_url, other, settings.secret_key) is not None

    again = cli("tokens", "revoke", "--provider", "Teach First")
    assert (again.exit_code, again.stdout) == (0, "Revoked 0 tokens.\n")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "exactly one of --token-id or --provider"),
        (("--provider", "Teach First", "--token-id", str(uuid.uuid4())), "exactly one of"),
        (("--token-id", "not-a-uuid"), "not a valid UUID"),
        (("--token-id", str(uuid.UUID(int=1))), "no token with id"),
        (("--provider", "Nobody"), "no lead provider called 'Nobody'"),
    ],
)
def test_tokens_revoke_bad_arguments(
    cli: Callable[..., Result], settings: Settings, args: tuple[str, ...], expected: str
) -> None:
    add_provider(settings.database_url, "Teach First")
    plaintext = cli("tokens", "create", "Teach First").stdout.strip()
    before = row_counts(settings.database_url)

    assert_one_line_error(cli("tokens", "revoke", *args), expected)

    assert row_counts(settings.database_url) == before
    assert authenticate(settings.database_url, plaintext, settings.secret_key) is not None


# --- cohort rollover ----------------------------------------------------------------------


def test_cohort_rollover_creates_the_cohort_with_schedules_and_statements(
    cli: Callable[..., Result], settings: Settings
) -> None:
    cli("reference", "load")
    add_provider(settings.database_url, "Ambition Institute", (2025,))
    cli("reference", "load")

    result = cli("cohort", "rollover", "2026")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Created cohort 2026 with 12 schedules and 31 statements.\n"
    with transaction(settings.database_url) as session:
        cohort = session.scalars(sa.select(Cohort).where(Cohort.start_year == 2026)).one()
        statements = session.scalar(
            sa.select(sa.func.count()).select_from(Statement).where(Statement.cohort_id == cohort.id)
        )
    assert statements == 31


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("2025",), "cohort 2025 already exists"),
        (("2031",), "cohort 2030 does not exist"),
        (("1999",), "1999 is not in the range 2000<=x<=2100"),
        (("2101",), "2101 is not in the range"),
        (("twenty",), "'twenty' is not a valid integer"),
        ((), "Missing argument 'YEAR'"),
        (("2026", "2027"), "unexpected extra argument"),
    ],
)
def test_cohort_rollover_bad_arguments_write_nothing(
    cli: Callable[..., Result], settings: Settings, args: tuple[str, ...], expected: str
) -> None:
    cli("reference", "load")
    before = row_counts(settings.database_url)

    assert_one_line_error(cli("cohort", "rollover", *args), expected)

    assert row_counts(settings.database_url) == before


def test_an_unknown_command_is_one_line(cli: Callable[..., Result]) -> None:
    result = cli("frobnicate")

    assert result.exit_code == 2
    assert_one_line_error(result, "No such command 'frobnicate'")


# --- seed ---------------------------------------------------------------------------------


@pytest.fixture
def fake_sandbox(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stand in for ``cpd.sandbox`` so the command's own behaviour is what is tested."""
    calls: list[dict[str, Any]] = []

    def populate(session: Session, **kwargs: Any) -> dict[str, str]:
        calls.append(kwargs)
        made = {}
        for name in ("Ambition Institute", "Teach First"):
            provider = LeadProvider(name=name)
            session.add(provider)
            session.flush()
            made[name] = tokens.issue(session, provider, kwargs["secret_key"])[1]
        if kwargs.get("seed") == 13:
            raise tokens.TokenError("unlucky seed")
        return made

    def reset(session: Session, **kwargs: Any) -> dict[str, str]:
        calls.append({"reset": True, **kwargs})
        return populate(session, **kwargs)

    module = types.ModuleType("cpd.sandbox")
    module.populate = populate  # type: ignore[attr-defined]
    module.reset = reset  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cpd.sandbox", module)
    return calls


def test_seed_prints_and_writes_each_providers_token(
    cli: Callable[..., Result], settings: Settings, tmp_path: Path, fake_sandbox: list[dict[str, Any]]
) -> None:
    tokens_file = tmp_path / "var" / "sandbox-tokens.json"

    result = cli("seed", "--tokens-file", str(tokens_file), "--participants", "50", "--seed", "7")

    assert result.exit_code == 0, result.stderr
    assert fake_sandbox == [
        {"secret_key": settings.secret_key, "participants": 50, "seed": 7, "progress": True}
    ]
    written = json.loads(tokens_file.read_text(encoding="utf-8"))
    assert list(written) == ["Ambition Institute", "Teach First"]
    assert result.stdout.splitlines() == [f"{name}: {token}" for name, token in written.items()]
    for token in written.values():
        assert authenticate(settings.database_url, token, settings.secret_key) is not None


def test_seed_defaults_to_the_small_population(
    cli: Callable[..., Result], settings: Settings, fake_sandbox: list[dict[str, Any]]
) -> None:
    result = cli("seed")

    assert result.exit_code == 0, result.stderr
    assert fake_sandbox[0]["participants"] is None
    assert isinstance(fake_sandbox[0]["seed"], int)
    assert len(result.stdout.splitlines()) == 2


def test_a_failing_seed_writes_nothing(
    cli: Callable[..., Result], settings: Settings, tmp_path: Path, fake_sandbox: list[dict[str, Any]]
) -> None:
    tokens_file = tmp_path / "tokens.json"
    before = row_counts(settings.database_url)

    assert_one_line_error(cli("seed", "--seed", "13", "--tokens-file", str(tokens_file)), "unlucky seed")

    assert row_counts(settings.database_url) == before
    assert not tokens_file.exists()


def test_seed_is_refused_in_production(
    cli: Callable[..., Result], settings: Settings, fake_sandbox: list[dict[str, Any]]
) -> None:
    before = row_counts(settings.database_url)

    result = cli("seed", CPD_ENVIRONMENT="production", SECRET_KEY=PRODUCTION_SECRET)

    assert_one_line_error(result, "refusing to seed sandbox data in production")
    assert fake_sandbox == []
    assert row_counts(settings.database_url) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--participants", "0"), "0 is not in the range x>=1"),
        (("--seed", "x"), "'x' is not a valid integer"),
    ],
)
def test_seed_bad_arguments(
    cli: Callable[..., Result], fake_sandbox: list[dict[str, Any]], args: tuple[str, ...], expected: str
) -> None:
    assert_one_line_error(cli("seed", *args), expected)
    assert fake_sandbox == []


def test_sandbox_reset_runs_the_reset_and_prints_the_tokens(
    cli: Callable[..., Result], settings: Settings, tmp_path: Path, fake_sandbox: list[dict[str, Any]]
) -> None:
    tokens_file = tmp_path / "tokens.json"

    result = cli("sandbox", "reset", "--seed", "3", "--tokens-file", str(tokens_file))

    assert result.exit_code == 0, result.stderr
    assert fake_sandbox[0] == {
        "reset": True,
        "secret_key": settings.secret_key,
        "participants": None,
        "seed": 3,
        "progress": True,
    }
    assert list(json.loads(tokens_file.read_text(encoding="utf-8"))) == ["Ambition Institute", "Teach First"]


def test_sandbox_reset_is_refused_in_production(
    cli: Callable[..., Result], settings: Settings, fake_sandbox: list[dict[str, Any]]
) -> None:
    result = cli("sandbox", "reset", CPD_ENVIRONMENT="production", SECRET_KEY=PRODUCTION_SECRET)

    assert_one_line_error(result, "refusing to seed sandbox data in production")
    assert fake_sandbox == []


# --- serve --------------------------------------------------------------------------------


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_serve_runs_the_app_factory_under_uvicorn(
    cli: Callable[..., Result], uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    assert cli("serve").exit_code == 0
    assert cli("serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "3").exit_code == 0

    assert uvicorn_calls == [
        (("cpd.app:create_asgi_app",), {"factory": True, "host": "127.0.0.1", "port": 8000, "workers": 1}),
        (("cpd.app:create_asgi_app",), {"factory": True, "host": "0.0.0.0", "port": 9000, "workers": 3}),
    ]


def test_serve_refuses_bad_ports_and_unsafe_production(
    cli: Callable[..., Result], uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> None:
    assert_one_line_error(cli("serve", "--port", "0"), "--port")
    assert_one_line_error(cli("serve", "--workers", "0"), "--workers")
    assert_one_line_error(
        cli("serve", CPD_ENVIRONMENT="production", SECRET_KEY=PRODUCTION_SECRET, CPD_DEBUG="1"), "CPD_DEBUG"
    )
    assert uvicorn_calls == []


def test_the_app_factory_named_by_serve_exists() -> None:
    import importlib

    module = importlib.import_module("cpd.app")
    assert callable(module.create_asgi_app)


def test_visibility_check_finds_a_stale_table_and_rebuild_mends_it(
    cli: Callable[..., Result], session: Session, settings: Settings
) -> None:
    from storage.models import VisibleTrainingRecord
    from tests import builders
    from tests.test_v3_participants import world

    w = world(session, settings.secret_key)
    people = [builders.participant(session, w.programme) for _ in range(3)]
    session.commit()
    result = cli("visibility", "check")
    assert (result.exit_code, result.stdout) == (0, "The stored visibility matches the rule.\n")

    # Data changed behind the service's back: one row gone, one moved to the wrong record.
    table = VisibleTrainingRecord.__table__
    session.execute(sa.delete(table).where(table.c.participant_profile_id == people[0].id))
    session.execute(
        sa.update(table).where(table.c.participant_profile_id == people[1].id).values(schedule_cohort=1999)
    )
    session.commit()
    assert_one_line_error(
        cli("visibility", "check"), "2 rows missing and 1 rows out of date; run `cpd visibility rebuild`"
    )

    result = cli("visibility", "rebuild")
    assert (result.exit_code, result.stdout) == (0, "Rebuilt: 3 visible training records.\n")
    assert cli("visibility", "check").exit_code == 0
