"""Configuration read from the environment, once, into a frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "insecure-development-secret-change-me"
#: Where ``cpd fakes teacher-records`` listens by default, and the key it accepts.
FAKE_TEACHER_RECORD_API_URL = "http://127.0.0.1:8700"
FAKE_TEACHER_RECORD_API_KEY = "fake-teacher-record-api-key"
ENVIRONMENTS = ("development", "sandbox", "production", "test")


class ConfigurationError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    environment: str
    debug: bool
    #: Requests allowed per token in each fixed window (the original: 1,000 per 5 minutes).
    rate_limit: int = 1000
    rate_limit_window_seconds: int = 300
    #: Where the documentation site sends providers for tokens and help; set it in production.
    support_email: str = "cpd-support@example.org"
    #: The service's public address, for links in emails (never taken from a request's Host
    #: header, which a caller controls). Outside production, unset means the request's host.
    base_url: str | None = None
    #: GOV.UK Notify; without a key, emails go to the local outbox (refused in production).
    notify_api_key: str | None = field(default=None, repr=False)
    notify_base_url: str | None = None
    #: Our email template name -> Notify template id (``integrations.email_templates``).
    notify_template_ids: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: The teacher record API (``integrations.teacher_records``); outside production these
    #: default to the local fake that ``make run`` starts (``cpd fakes teacher-records``).
    teacher_record_api_url: str | None = None
    teacher_record_api_key: str | None = field(default=None, repr=False)
    #: A read replica for API reads (GETs); unset means the primary answers them too.
    database_replica_url: str | None = None
    #: Database connections each app process keeps open (and may add under a burst).
    database_pool_size: int = 5
    database_max_overflow: int = 5
    #: Benchmarks only (``bench/national.py``): a bare endpoint serving files from this
    #: directory, to measure the app stack without our code. Never set it otherwise.
    bench_floor_dir: str | None = None
    #: Prefix of every Redis key we write, so one Redis can serve several services (or tests).
    redis_key_prefix: str = "cpd:"
    #: ``/dev/outbox`` on a sandbox (``CPD_DEV_OUTBOX=1``, set by ``make run``): development and
    #: test always have it, production never; a public sandbox must not show sign-in links.
    dev_outbox: bool = False

    @property
    def time_travel_allowed(self) -> bool:
        """Only non-production environments honour ``X-With-Server-Date``."""
        return self.environment != "production"

    @property
    def validate_responses(self) -> bool:
        """Responses are checked against the spec everywhere but production (speed)."""
        return self.environment != "production"

    def check(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ConfigurationError(
                f"CPD_ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, not {self.environment!r}"
            )
        if self.environment == "production":
            if self.debug:
                raise ConfigurationError("refusing to start in production with CPD_DEBUG on")
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise ConfigurationError(
                    "refusing to start in production without a SECRET_KEY of at least 32 characters"
                )
        if self.notify_api_key:
            from integrations.email_templates import missing_template_ids

            if len(self.notify_api_key) < 74:
                raise ConfigurationError("NOTIFY_API_KEY is not a GOV.UK Notify API key (too short)")
            missing = missing_template_ids(self.notify_template_ids)
            if missing:
                raise ConfigurationError(
                    f"NOTIFY_API_KEY is set but these Notify template ids are not: {', '.join(missing)}"
                )
        for name, url in (
            ("CPD_BASE_URL", self.base_url),
            ("TEACHER_RECORD_API_URL", self.teacher_record_api_url),
        ):
            if url and not url.startswith(("http://", "https://")):
                raise ConfigurationError(f"{name} must be an http(s) URL, not {url!r}")


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'cpd.sqlite3'}"


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    from integrations.email_templates import notify_template_ids

    env = dict(os.environ if env is None else env)
    environment = env.get("CPD_ENVIRONMENT") or "development"

    def fake_default(value: str) -> str | None:
        """Outside production the teacher record API defaults to the local fake; production
        must name the real one (there, unset means the check is unavailable)."""
        return None if environment == "production" else value

    settings = Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        environment=environment,
        debug=(env.get("CPD_DEBUG") or "").lower() in ("1", "true", "yes", "on"),
        dev_outbox=(env.get("CPD_DEV_OUTBOX") or "").lower() in ("1", "true", "yes", "on"),
        rate_limit=_positive_int(env, "CPD_RATE_LIMIT", 1000),
        rate_limit_window_seconds=_positive_int(env, "CPD_RATE_LIMIT_WINDOW", 300),
        support_email=env.get("CPD_SUPPORT_EMAIL") or Settings.support_email,
        base_url=(env.get("CPD_BASE_URL") or "").rstrip("/") or None,
        notify_api_key=env.get("NOTIFY_API_KEY") or None,
        notify_base_url=env.get("NOTIFY_BASE_URL") or None,
        notify_template_ids=notify_template_ids(env),
        teacher_record_api_url=(
            env.get("TEACHER_RECORD_API_URL") or fake_default(FAKE_TEACHER_RECORD_API_URL)
        ),
        teacher_record_api_key=(
            env.get("TEACHER_RECORD_API_KEY") or fake_default(FAKE_TEACHER_RECORD_API_KEY)
        ),
        database_replica_url=env.get("DATABASE_REPLICA_URL") or None,
        database_pool_size=_positive_int(env, "CPD_DB_POOL_SIZE", 5),
        database_max_overflow=_positive_int(env, "CPD_DB_MAX_OVERFLOW", 5),
        bench_floor_dir=env.get("CPD_BENCH_FLOOR_DIR") or None,
        redis_key_prefix=env.get("CPD_REDIS_KEY_PREFIX") or "cpd:",
    )
    settings.check()
    return settings
