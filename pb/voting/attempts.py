"""Failed attempts at the ballot box, counted per address and per code (the JSON API's vote).

Only failures count, so a town-hall kiosk where hundreds vote from one address is never
blocked; a request is refused (TooManyAttempts: 429 `too_many_requests`) once its address or
its code has used up `rate_limit_tokens`. On the vote's path this costs one lookup per key
before the vote (a dict in memory, a GET in Redis) and nothing more after a success; a failure
adds one increment per key. (Flask-Limiter's decorators, which the web pages keep, cost several
times as much per request: limit resolution, a context, headers computed from the store.)

The counts live in Flask-Limiter's store (RATELIMIT_STORAGE_URI: Redis in production, shared by
every process). When it cannot be reached, they are kept in this process's memory until it
answers again (retried every STORE_RETRY_SECONDS): a Redis outage never refuses a ballot, and
never lifts the limit either."""

from __future__ import annotations

import functools
import logging
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from pb.extensions import limiter
from pb.voting import errors

SCOPE = "voting_api.cast"
STORE_RETRY_SECONDS = 30.0
log = logging.getLogger("pb.voting")

_memory = FixedWindowRateLimiter(MemoryStorage())
_store_down_until = 0.0


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _apply(method: str, keys: tuple[tuple[str, str], ...]) -> list[bool]:
    global _store_down_until
    item = _limit(current_app.config["PB_SETTINGS"].rate_limit_tokens)
    strategy: RateLimiter = _memory if time.monotonic() < _store_down_until else limiter.limiter
    try:
        return [getattr(strategy, method)(item, SCOPE, *key) for key in keys]
    except Exception:  # noqa: BLE001 - the store is down: count in memory, never refuse for it
        log.warning("rate-limit store unreachable: failed attempts counted in memory for %ss", STORE_RETRY_SECONDS,
                    exc_info=True)
        _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        return [getattr(_memory, method)(item, SCOPE, *key) for key in keys]


def check(address: str, credential_key: str) -> None:
    """Refuse (429 too_many_requests) a request whose address or code has no failed attempt left."""
    if limiter.enabled and not all(_apply("test", (("address", address), ("credential", credential_key)))):
        raise errors.TooManyAttempts()


def failed(address: str, credential_key: str) -> None:
    """Count a failed attempt against the address and the code."""
    if limiter.enabled:
        _apply("hit", (("address", address), ("credential", credential_key)))


def reset_memory() -> None:
    """Forget the in-memory counts and retry the store at once (tests)."""
    global _store_down_until
    _memory.storage.reset()
    _store_down_until = 0.0
