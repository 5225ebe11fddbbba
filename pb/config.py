"""Settings: defaults in config/defaults.toml, then an optional TOML file (PB_CONFIG_FILE), then
PB_* environment variables, then explicit overrides (tests). One typed object, validated once at
start-up, so a production mistake is a clear message at boot and not a crash at the first vote."""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, get_type_hints
from urllib.parse import urlsplit

import limits

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = ROOT / "config" / "defaults.toml"
ENVIRONMENTS = ("development", "test", "production")
MAIL_BACKENDS = ("smtp", "folder", "console", "memory")


class ConfigError(Exception):
    """The configuration cannot run: the message says which key and why."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = ""
    voter_pepper: str = ""
    database_url: str = "sqlite:///var/pb.sqlite3"
    redis_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    default_locale: str = "fr"
    locales: list[str] = field(default_factory=lambda: ["fr", "en"])
    timezone: str = "Europe/Paris"
    mail_backend: str = "folder"
    mail_folder: str = "var/mail"
    mail_sender: str = "Budget participatif <noreply@pb.localhost>"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    rate_limit_login: str = "20 per 10 minutes"
    rate_limit_tokens: str = "30 per 10 minutes"
    rate_limit_storage: str = ""
    rate_limit_token_addresses: str = "300 per 10 minutes"
    kiosk_addresses: list[str] = field(default_factory=list)
    recourse_months: int = 2
    voting_keys: list[str] = field(default_factory=list)
    email_confirm_hours: int = 72
    password_reset_hours: int = 2
    upload_folder: str = "var/uploads"
    ballot_key_folder: str = "var/keys"
    upload_max_mb: int = 10
    secure_cookies: bool = False
    proxy_count: int = 0
    vote_lane: bool = True
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap"
    map_center: list[str] = field(default_factory=lambda: ["46.6", "2.4"])
    map_zoom: int = 12

    @property
    def map_tile_origin(self) -> str:
        """The tile server's origin, allowed for images by the Content-Security-Policy."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.map_tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in self.map_tile_url else parts.netloc
        return f"{parts.scheme}://{host}" if host else ""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def path(self, value: str) -> Path:
        """Relative paths in settings are relative to the project root."""
        p = Path(value)
        return p if p.is_absolute() else ROOT / p


def _coerce(key: str, value: Any, kind: Any) -> Any:
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        try:
            if kind is bool:
                if text.lower() in ("1", "true", "yes", "on"):
                    return True
                if text.lower() in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(text)
            if kind is int:
                return int(text)
            if kind == list[str]:
                return [part.strip() for part in text.split(",") if part.strip()]
        except ValueError:
            raise ConfigError(f"{key}: {value!r} is not a valid {getattr(kind, '__name__', kind)}") from None
    expected = list if kind == list[str] else kind
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    types = get_type_hints(Settings)
    known = {f.name for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}

    def merge(source: Mapping[str, Any], origin: str) -> None:
        for key, value in source.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r} in {origin}")
            values[key] = _coerce(key, value, types[key])

    merge(tomllib.loads(DEFAULTS_FILE.read_text()), str(DEFAULTS_FILE))
    if extra := environ.get("PB_CONFIG_FILE"):
        path = Path(extra)
        if not path.is_file():
            raise ConfigError(f"PB_CONFIG_FILE names {extra}, which does not exist")
        merge(tomllib.loads(path.read_text()), extra)
    env_values = {}
    for name, value in environ.items():
        if name.startswith("PB_") and name not in ("PB_CONFIG_FILE",) and not name.startswith("PB_TEST_"):
            key = name[3:].lower()
            if key in known:
                env_values[key] = value
            elif not key.startswith("_") and not key.startswith("bench_") and key not in _OTHER_PB_VARIABLES:
                raise ConfigError(f"unknown setting {name} in the environment")
    merge(env_values, "the environment")
    merge(dict(overrides or {}), "overrides")
    settings = Settings(**values)
    return _finish(settings)


# PB_* variables read by tools around the app, not by the app itself.
_OTHER_PB_VARIABLES = {"pabulib_dir", "demo_password"}


def _finish(s: Settings) -> Settings:
    problems: list[str] = []
    if s.env not in ENVIRONMENTS:
        problems.append(f"env must be one of {', '.join(ENVIRONMENTS)}, not {s.env!r}")
    if s.mail_backend not in MAIL_BACKENDS:
        problems.append(f"mail_backend must be one of {', '.join(MAIL_BACKENDS)}, not {s.mail_backend!r}")
    if s.default_locale not in s.locales:
        problems.append(f"default_locale {s.default_locale!r} is not in locales {s.locales}")
    if not (s.database_url.startswith("sqlite") or s.database_url.startswith("postgresql")):
        problems.append("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
    if s.map_tile_url and not (s.map_tile_url.startswith(("https://", "http://"))
                               and all(p in s.map_tile_url for p in ("{z}", "{x}", "{y}"))):
        problems.append("map_tile_url must be an http(s) URL with {z}, {x} and {y}, or empty (no map)")
    try:
        lat, lng = (float(v) for v in s.map_center)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
    except ValueError:
        problems.append("map_center must be a latitude and a longitude, for example 45.188,5.724")
    if not 1 <= s.map_zoom <= 19:
        problems.append("map_zoom must be between 1 and 19")
    if s.login_max_failures < 1 or s.login_lock_minutes < 1:
        problems.append("login_max_failures and login_lock_minutes must be at least 1")
    problems += _checked_values(s)
    if s.is_production:
        problems += _production_problems(s)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
    if not s.secret_key or not s.voter_pepper:
        # Development and tests: a random secret kept in var/ so sessions survive a restart.
        s = dataclasses.replace(
            s,
            secret_key=s.secret_key or _local_secret(s, "secret_key"),
            voter_pepper=s.voter_pepper or _local_secret(s, "voter_pepper"),
        )
    return s


def _checked_values(s: Settings) -> list[str]:
    """What every mode checks: the values the defaults file documents, in their documented form."""
    problems = []
    url = urlsplit(s.base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        problems.append(f"base_url must be an http:// or https:// address, not {s.base_url!r} (PB_BASE_URL)")
    if s.redis_url and urlsplit(s.redis_url).scheme not in ("redis", "rediss", "unix"):
        problems.append("redis_url must be a redis://, rediss:// or unix:// URL (PB_REDIS_URL)")
    for key in ("rate_limit_login", "rate_limit_tokens"):
        try:
            limits.parse_many(getattr(s, key))
        except ValueError:
            problems.append(f"{key}: {getattr(s, key)!r} is not a rate limit such as '20 per 10 minutes'")
    try:
        zoneinfo.ZoneInfo(s.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone {s.timezone!r} is not a known time zone such as 'Europe/Paris'")
    if s.upload_max_mb < 1 or s.proxy_count < 0 or s.email_confirm_hours < 1 or s.password_reset_hours < 1:
        problems.append("upload_max_mb, email_confirm_hours and password_reset_hours must be at least 1, "
                        "proxy_count at least 0")
    return problems


def _production_problems(s: Settings) -> list[str]:
    """Production runs as docs describe it, or does not start: every problem is listed at once."""
    problems = []
    if len(s.secret_key) < 32:
        problems.append("secret_key must be set to a random string of at least 32 characters (PB_SECRET_KEY)")
    if len(s.voter_pepper) < 32:
        problems.append("voter_pepper must be set to a random string of at least 32 characters (PB_VOTER_PEPPER)")
    if any(len(key) < 32 for key in s.voting_keys):
        problems.append("every key in voting_keys must have at least 32 characters (PB_VOTING_KEYS)")
    if not s.database_url.startswith("postgresql"):
        problems.append("database_url must be a PostgreSQL URL, postgresql+psycopg://... (PB_DATABASE_URL)")
    if not s.redis_url:
        problems.append("redis_url must name the Redis of the jobs and of the shared rate limits (PB_REDIS_URL)")
    if s.rate_limit_storage.startswith("memory"):
        problems.append("rate_limit_storage must be shared by every worker: leave it empty to use Redis "
                        "(PB_RATE_LIMIT_STORAGE)")
    if urlsplit(s.base_url).scheme != "https":
        problems.append(f"base_url must be the public https:// address, not {s.base_url!r} (PB_BASE_URL)")
    if s.mail_backend != "smtp":
        problems.append(f"mail_backend must be smtp, not {s.mail_backend!r} (PB_MAIL_BACKEND)")
    elif not s.smtp_host:
        problems.append("mail_backend is smtp but smtp_host is empty (PB_SMTP_HOST)")
    if not s.secure_cookies:
        problems.append("secure_cookies must be true in production: serve pb over HTTPS (PB_SECURE_COOKIES)")
    return problems


def _local_secret(s: Settings, name: str) -> str:
    if s.env == "test":
        return "test-" + name + "-" + "x" * 32
    path = s.path("var") / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value
