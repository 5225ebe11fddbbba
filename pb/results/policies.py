from __future__ import annotations

from typing import Any

from pb.authz import can, policy


@policy("results.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Count and publish: the administrators of the edition."""
    return can(user, "edition.manage", obj)
