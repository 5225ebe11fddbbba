from __future__ import annotations

from typing import Any

from pb.authz import is_staff, policy, scope_of


@policy("tracking.update")
def _update(user: Any, obj: Any) -> bool:
    """City services (reviewers) of the project's district, and administrators of its edition."""
    if obj is None:
        return is_staff(user, "reviewer", anywhere=True)
    return is_staff(user, "reviewer", *scope_of(obj))
