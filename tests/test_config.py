from __future__ import annotations

import pytest

from pb.config import ConfigError, load


def test_defaults_give_a_development_setup_with_sqlite() -> None:
    settings = load({"env": "test"}, environ={})
    assert settings.is_sqlite
    assert settings.default_locale == "fr" and settings.locales == ["fr", "en"]
    assert settings.secret_key  # generated for development and tests


def test_environment_variables_override_defaults_with_types() -> None:
    settings = load({"env": "test"}, environ={"PB_SMTP_PORT": "2525", "PB_SECURE_COOKIES": "yes",
                                              "PB_LOCALES": "fr, en", "PB_REDIS_URL": "redis://x:6379/0"})
    assert settings.smtp_port == 2525
    assert settings.secure_cookies is True
    assert settings.locales == ["fr", "en"]
    assert settings.redis_url == "redis://x:6379/0"


def test_unknown_environment_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="PB_DATABSE_URL"):
        load(environ={"PB_DATABSE_URL": "sqlite://"})


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load({"colour": "blue"}, environ={})


def test_badly_typed_value_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="smtp_port: 'twenty' is not a valid int"):
        load(environ={"PB_SMTP_PORT": "twenty"})


PRODUCTION = {"env": "production", "secret_key": "s" * 40, "voter_pepper": "p" * 40, "mail_backend": "smtp",
              "smtp_host": "smtp.ville.example", "secure_cookies": True, "database_url": "postgresql+psycopg://pb@db/pb",
              "redis_url": "redis://127.0.0.1:6379/0", "base_url": "https://budget.ville.example"}


def test_production_with_everything_set_starts() -> None:
    settings = load(PRODUCTION, environ={})
    assert settings.is_production and not settings.is_sqlite


def test_production_as_the_defaults_leave_it_is_refused_with_every_problem_listed() -> None:
    """`PB_ENV=production` and nothing else: one message names everything that is missing."""
    with pytest.raises(ConfigError) as info:
        load(environ={"PB_ENV": "production"})
    message = str(info.value)
    for expected in ("PB_SECRET_KEY", "PB_VOTER_PEPPER", "PB_DATABASE_URL", "PB_REDIS_URL", "PB_BASE_URL",
                     "PB_MAIL_BACKEND", "secure_cookies"):
        assert expected in message, expected


@pytest.mark.parametrize(("change", "refusal"), [
    ({"secret_key": "short"}, "secret_key must be set"),
    ({"voter_pepper": ""}, "voter_pepper must be set"),
    ({"voting_keys": ["k" * 40, "short"]}, "every key in voting_keys"),
    ({"database_url": "sqlite:///var/pb.sqlite3"}, "database_url must be a PostgreSQL URL"),
    ({"redis_url": ""}, "redis_url must name the Redis"),
    ({"rate_limit_storage": "memory://"}, "rate_limit_storage must be shared"),
    ({"base_url": "http://budget.ville.example"}, "base_url must be the public https://"),
    ({"base_url": "http://127.0.0.1:5000"}, "base_url must be the public https://"),
    ({"mail_backend": "folder"}, "mail_backend must be smtp"),
    ({"mail_backend": "console"}, "mail_backend must be smtp"),
    ({"mail_backend": "memory"}, "mail_backend must be smtp"),
    ({"smtp_host": ""}, "smtp_host is empty"),
    ({"secure_cookies": False}, "secure_cookies must be true"),
])
def test_each_production_refusal(change: dict, refusal: str) -> None:
    with pytest.raises(ConfigError) as info:
        load({**PRODUCTION, **change}, environ={})
    assert refusal in str(info.value)
    assert str(info.value).count("\n  - ") == 1, "one change, one problem"
    # The same value is accepted outside production (a laptop runs on SQLite, without Redis).
    if change.keys() & {"database_url", "redis_url", "base_url", "mail_backend", "secure_cookies", "smtp_host"}:
        assert not load({**PRODUCTION, **change, "env": "development"}, environ={}).is_production


@pytest.mark.parametrize(("change", "refusal"), [
    ({"base_url": "budget.ville.example"}, "base_url must be an http:// or https:// address"),
    ({"redis_url": "127.0.0.1:6379"}, "redis_url must be a redis://"),
    ({"rate_limit_login": "twenty a minute"}, "rate_limit_login"),
    ({"rate_limit_tokens": "30 per fortnight"}, "rate_limit_tokens"),
    ({"timezone": "Europe/Lutece"}, "timezone 'Europe/Lutece'"),
    ({"upload_max_mb": 0}, "upload_max_mb"),
    ({"proxy_count": -1}, "proxy_count"),
    ({"login_max_failures": 0}, "login_max_failures"),
    ({"default_locale": "de"}, "default_locale 'de' is not in locales"),
])
def test_values_the_defaults_file_documents_are_checked_in_every_mode(change: dict, refusal: str) -> None:
    with pytest.raises(ConfigError, match=refusal):
        load({"env": "development", **change}, environ={})


def test_every_check_the_defaults_file_claims_is_made() -> None:
    """config/defaults.toml says what production refuses: each claim is one of the refusals above."""
    from pb.config import DEFAULTS_FILE

    text = DEFAULTS_FILE.read_text()
    for claim in ("a real secret key", "a pepper", "a PostgreSQL database_url", "a redis_url",
                  "rate-limit counters shared by every worker", "an https base_url", "an SMTP host", "secure cookies"):
        assert claim in text, claim
    assert "Unknown keys are refused at start-up" in text
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load({"colour": "blue"}, environ={})


def test_config_file_is_read(tmp_path) -> None:
    path = tmp_path / "pb.toml"
    path.write_text('base_url = "https://budget.ville.example"\n')
    assert load({"env": "test"}, environ={"PB_CONFIG_FILE": str(path)}).base_url == "https://budget.ville.example"
    with pytest.raises(ConfigError, match="does not exist"):
        load(environ={"PB_CONFIG_FILE": str(tmp_path / "missing.toml")})


def test_invalid_choices_are_refused() -> None:
    with pytest.raises(ConfigError, match="mail_backend"):
        load({"mail_backend": "pigeon"}, environ={})
    with pytest.raises(ConfigError, match="database_url"):
        load({"database_url": "mysql://x"}, environ={})
