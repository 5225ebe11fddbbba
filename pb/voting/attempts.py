"""Failed attempts with a voting code or token: the one limiter (pb/attempts.py) under the scope
"vote", for the web pages (/vote/<token>, the code form) and the API's vote (route and fast lane)
alike, so a code has one budget wherever it is tried.

The credential key is a hash of the submitted code or token (`identity.attempt_key`: codes
normalised first, so "7kq2 m9xd 4rtb" and "7KQ2-M9XD-4RTB" share a budget): the store never holds
a usable credential. The refusal is the vote's own `TooManyAttempts` (429 `too_many_requests`)."""

from __future__ import annotations

from pb.attempts import limiter_of
from pb.voting import errors, identity

SCOPE = "vote"


def key_of(credential: str) -> str:
    return identity.attempt_key(credential or "")


def check(address: str, credential_key: str) -> None:
    """Refuse (429) a code or an address that has no failed attempt left."""
    limiter_of().check(SCOPE, address, credential_key, errors.TooManyAttempts)


def failed(address: str, credential_key: str) -> None:
    """Count a failed attempt against the code and the address."""
    limiter_of().failed(SCOPE, address, credential_key)
