"""Configuration read from the environment, once, into a frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "insecure-development-secret-change-me"
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
    env = dict(os.environ if env is None else env)
    settings = Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        environment=env.get("CPD_ENVIRONMENT") or "development",
        debug=(env.get("CPD_DEBUG") or "").lower() in ("1", "true", "yes", "on"),
        rate_limit=_positive_int(env, "CPD_RATE_LIMIT", 1000),
        rate_limit_window_seconds=_positive_int(env, "CPD_RATE_LIMIT_WINDOW", 300),
        support_email=env.get("CPD_SUPPORT_EMAIL") or Settings.support_email,
    )
    settings.check()
    return settings
