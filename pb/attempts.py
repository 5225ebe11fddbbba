"""Failed-attempt limits: one limiter, one budget per credential (docs/voting.md, "Abuse controls").

A credential (a voting code or token, an identity asked for on the site, an account's e-mail) has
a budget of failed attempts per window; so has the client address, a generous one (a town hall
kiosk, a mobile network's shared address), and none at all for the configured kiosk addresses
(`kiosk_addresses`). Only failures are counted, by the caller (`failed`), so successes from one
address never use anything up. `check` refuses (TooManyAttempts) a credential or an address that
has none left.

One object per app (`init_app`, `limiter_of(app)`), counting in fixed windows in Redis (shared by
every worker: one MGET before, one pipelined INCR/EXPIRE after a failure) or in this process's
memory. When Redis cannot be reached, the counts are kept in memory until it answers again
(retried every STORE_RETRY_SECONDS): a Redis outage never refuses a vote, and never lifts the
limit either. The limits are written as Flask-Limiter's ("30 per 10 minutes"), parsed by the
`limits` library's public `parse`."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
import time
from typing import Any, Protocol

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse

from pb.config import ConfigError
from pb.errors import PbError

STORE_RETRY_SECONDS = 30.0
# The wall clock the fixed windows are aligned on (every process agrees on it); tests freeze it, so
# that a test running across a window's end does not see its counts start again.
clock = time.time
log = logging.getLogger("pb.attempts")


class Counters(Protocol):
    def get_many(self, keys: list[str]) -> list[int]: ...

    def incr(self, keys: list[str], expiry: int) -> None: ...

    def clear(self) -> None: ...


class MemoryCounters:
    """Counts in this process (tests, a laptop, and the fallback while Redis is down)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> list[int]:
        now = time.monotonic()
        counts = [self._counts.get(key, (0, 0.0)) for key in keys]
        return [count if until > now else 0 for count, until in counts]

    def incr(self, keys: list[str], expiry: int) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 100_000:  # forget expired windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            for key in keys:
                count, until = self._counts.get(key, (0, 0.0))
                self._counts[key] = (count + 1, until) if until > now else (1, now + expiry)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


class RedisCounters:
    """Counts in Redis, shared by every process (keys `pb:attempts:*`, expiring with their window)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get_many(self, keys: list[str]) -> list[int]:
        return [int(v or 0) for v in self.client.mget(keys)]

    def incr(self, keys: list[str], expiry: int) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, expiry)
        pipe.execute()

    def clear(self) -> None:
        for key in self.client.scan_iter("pb:attempts:*"):
            self.client.delete(key)


class TooManyAttempts(PbError):
    """Too many failed attempts with this credential or from this address."""

    code = "too_many_requests"
    status = 429
    message = _l("Too many failed attempts from here or with these details. Wait a few minutes, then try again.")


def _parse(text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError:
        raise ConfigError(f"rate limit {text!r} is not understood: write it as \"30 per 10 minutes\"") from None


def credential_key(value: str) -> str:
    """What the store holds for a credential: a hash, never something usable."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class AttemptLimiter:
    """`scopes`: {scope: (limit per credential, limit per address)}, e.g. {"vote": ("30 per 10
    minutes", "300 per 10 minutes")}."""

    def __init__(self, scopes: dict[str, tuple[str, str]], kiosks: list[str], storage: str,
                 enabled: bool = True) -> None:
        self.scopes: dict[str, tuple[RateLimitItem, RateLimitItem]] = {
            scope: (_parse(per_credential), _parse(per_address)) for scope, (per_credential, per_address) in scopes.items()}
        self.kiosks = [ipaddress.ip_network(k.strip(), strict=False) for k in kiosks if k.strip()]
        self.enabled = enabled
        self.memory = MemoryCounters()
        self.store: Counters = RedisCounters(storage) if storage.startswith(("redis://", "rediss://", "unix://")) \
            else self.memory
        self._down_until = 0.0

    def is_kiosk(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.kiosks)

    def _keys(self, scope: str, address: str, credential: str) -> list[tuple[str, RateLimitItem]]:
        per_credential, per_address = self.scopes[scope]
        keys = [(self._key(scope, "credential", credential, per_credential), per_credential)]
        if address and not self.is_kiosk(address):
            keys.append((self._key(scope, "address", address, per_address), per_address))
        return keys

    @staticmethod
    def _key(scope: str, kind: str, ident: str, item: RateLimitItem) -> str:
        window = int(clock() // item.get_expiry())
        return f"pb:attempts:{scope}:{kind}:{ident}:{window}"

    def _on_store(self, action: Any) -> Any:
        if self.store is not self.memory and time.monotonic() >= self._down_until:
            try:
                return action(self.store)
            except Exception:  # noqa: BLE001 - the store is down: count in memory, never refuse for it
                log.warning("rate-limit store unreachable: failed attempts counted in memory for %ss",
                            STORE_RETRY_SECONDS, exc_info=True)
                self._down_until = time.monotonic() + STORE_RETRY_SECONDS
        return action(self.memory)

    def check(self, scope: str, address: str, credential: str, error: type[PbError] = TooManyAttempts) -> None:
        """Refuse (`error`, 429) when the credential or the address has no failed attempt left."""
        if not self.enabled:
            return
        keys = self._keys(scope, address, credential)
        counts = self._on_store(lambda store: store.get_many([k for k, _item in keys]))
        if any(count >= item.amount for count, (_key, item) in zip(counts, keys)):
            raise error()

    def failed(self, scope: str, address: str, credential: str) -> None:
        """Count one failed attempt against the credential and the address."""
        if not self.enabled:
            return
        keys = self._keys(scope, address, credential)
        expiry = max(item.get_expiry() for _key, item in keys)
        self._on_store(lambda store: store.incr([k for k, _item in keys], expiry))

    def remaining(self, scope: str, address: str, credential: str) -> int:
        keys = self._keys(scope, address, credential)
        counts = self._on_store(lambda store: store.get_many([k for k, _item in keys]))
        return min(item.amount - count for count, (_key, item) in zip(counts, keys))

    def reset(self) -> None:
        """Forget every count and retry the store at once (tests)."""
        self.memory.clear()
        if self.store is not self.memory:
            try:
                self.store.clear()
            except Exception:  # noqa: BLE001 - a dead store has nothing to forget
                pass
        self._down_until = 0.0


def init_app(app: Flask) -> None:
    s = app.config["PB_SETTINGS"]
    scopes = {
        "vote": (s.rate_limit_tokens, s.rate_limit_token_addresses),  # a voting code or token
        "request": (s.rate_limit_tokens, s.rate_limit_token_addresses),  # an identity asked for on the site
        # an account from one address (the lock of an account applies where it failed, not elsewhere)
        "login": (f"{s.login_max_failures} per {s.login_lock_minutes} minutes", s.rate_limit_login),
    }
    app.extensions["pb_attempts"] = AttemptLimiter(
        scopes, list(s.kiosk_addresses), s.rate_limit_storage or s.redis_url or "memory://",
        enabled=app.config.get("PB_ATTEMPT_LIMITS", True))


def limiter_of(app: Flask | None = None) -> AttemptLimiter:
    return (app or current_app).extensions["pb_attempts"]
