"""Configuration from the environment, and the production safety checks."""

from __future__ import annotations

import pytest

from cpd.config import DEFAULT_SECRET_KEY, ConfigurationError, load_settings

STRONG = "s" * 48


def test_defaults_are_a_local_development_setup():
    settings = load_settings({})
    assert settings.environment == "development"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "var/cpd.sqlite3"
    )
    assert settings.redis_url is None
    assert (settings.rate_limit, settings.rate_limit_window_seconds) == (1000, 300)
    assert settings.time_travel_allowed and settings.validate_responses


def test_production_starts_with_a_strong_secret_and_no_debug():
    settings = load_settings({"CPD_ENVIRONMENT": "production", "SECRET_KEY": STRONG})
    assert not settings.time_travel_allowed
    assert not settings.validate_responses


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CPD_ENVIRONMENT": "production"}, "SECRET_KEY"),
        ({"CPD_ENVIRONMENT": "production", "SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
        ({"CPD_ENVIRONMENT": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"CPD_ENVIRONMENT": "production", "SECRET_KEY": STRONG, "CPD_DEBUG": "1"}, "CPD_DEBUG"),
        ({"CPD_ENVIRONMENT": "staging"}, "CPD_ENVIRONMENT"),
        ({"CPD_RATE_LIMIT": "0"}, "CPD_RATE_LIMIT"),
        ({"CPD_RATE_LIMIT_WINDOW": "five"}, "CPD_RATE_LIMIT_WINDOW"),
    ],
)
def test_unsafe_or_impossible_settings_are_refused(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env)
