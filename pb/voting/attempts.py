"""Failed attempts at the ballot box, counted per address and per code (the JSON API's vote).

Only failures count, so a town-hall kiosk where hundreds vote from one address is never
blocked; a request is refused (TooManyAttempts: 429 `too_many_requests`) once its address or
its code has used up `rate_limit_tokens` within the window. On the vote's path this costs one
lookup of both keys before the vote (dict lookups in memory, one MGET in Redis) and nothing
more after a success; a failure adds one increment per key. (Flask-Limiter's decorators, which
the web pages keep, cost several times as much per request: limit resolution, a context,
headers computed from the store, a round trip per limit.)

The counts live in Flask-Limiter's store (RATELIMIT_STORAGE_URI: Redis in production, shared by
every process), as fixed windows (Flask-Limiter's default strategy). When the store cannot be
reached, they are kept in this process's memory until it answers again (retried every
STORE_RETRY_SECONDS): a Redis outage never refuses a ballot, and never lifts the limit either."""

from __future__ import annotations

import functools
import logging
import time
from typing import Callable, TypeVar

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisSentinelStorage, RedisStorage, Storage

from pb.extensions import limiter
from pb.voting import errors

SCOPE = "voting_api.cast"
STORE_RETRY_SECONDS = 30.0
log = logging.getLogger("pb.voting")

_memory = MemoryStorage()
_store_down_until = 0.0
T = TypeVar("T")


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _keys(address: str, credential_key: str) -> tuple[RateLimitItem, list[str]]:
    item = _limit(current_app.config["PB_SETTINGS"].rate_limit_tokens)
    return item, [item.key_for(SCOPE, "address", address), item.key_for(SCOPE, "credential", credential_key)]


def _with_store(action: Callable[[Storage], T]) -> T:
    """`action` on Flask-Limiter's store; on this process's memory while the store is down."""
    global _store_down_until
    if time.monotonic() >= _store_down_until:
        try:
            return action(limiter.storage)
        except Exception:  # noqa: BLE001 - the store is down: count in memory, never refuse for it
            log.warning("rate-limit store unreachable: failed attempts counted in memory for %ss",
                        STORE_RETRY_SECONDS, exc_info=True)
            _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
    return action(_memory)


def _counts(store: Storage, names: list[str]) -> list[int]:
    """The failed attempts of each key in the current window (a fixed window, as Flask-Limiter's
    default): both keys in one round trip (MGET) in Redis, dict lookups in memory."""
    if type(store) in (RedisStorage, RedisSentinelStorage):  # not a cluster: its keys may sit on two nodes
        return [int(v or 0) for v in store.get_connection(readonly=True).mget([store.prefixed_key(n) for n in names])]
    return [store.get(name) for name in names]


def check(address: str, credential_key: str) -> None:
    """Refuse (429 too_many_requests) a request whose address or code has no failed attempt left."""
    if not limiter.enabled:
        return
    item, names = _keys(address, credential_key)
    if any(count >= item.amount for count in _with_store(lambda store: _counts(store, names))):
        raise errors.TooManyAttempts()


def failed(address: str, credential_key: str) -> None:
    """Count a failed attempt against the address and the code."""
    if not limiter.enabled:
        return
    item, names = _keys(address, credential_key)
    for name in names:
        _with_store(lambda store: store.incr(name, item.get_expiry()))  # noqa: B023 - called at once


def reset_memory() -> None:
    """Forget the in-memory counts and retry the store at once (tests)."""
    global _store_down_until
    _memory.reset()
    _store_down_until = 0.0
