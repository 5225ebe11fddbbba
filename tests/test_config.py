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


def test_production_without_secrets_fails_at_start_with_every_problem_listed() -> None:
    with pytest.raises(ConfigError) as info:
        load({"env": "production", "mail_backend": "smtp"}, environ={})
    message = str(info.value)
    assert "secret_key" in message and "PB_SECRET_KEY" in message
    assert "voter_pepper" in message
    assert "smtp_host" in message
    assert "secure_cookies" in message


def test_production_with_everything_set_starts() -> None:
    settings = load({"env": "production", "secret_key": "s" * 40, "voter_pepper": "p" * 40, "mail_backend": "smtp",
                     "smtp_host": "smtp.ville.example", "secure_cookies": True,
                     "database_url": "postgresql+psycopg://pb@db/pb"}, environ={})
    assert settings.is_production and not settings.is_sqlite


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
