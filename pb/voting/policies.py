from __future__ import annotations

from typing import Any

from pb.authz import is_staff, policy, scope_of


@policy("voting.manage")
def _manage(user: Any, obj: Any) -> bool:
    """The register, the tokens and turnout: administrators of the edition (or global ones)."""
    if obj is None:
        return is_staff(user, "admin", anywhere=True)
    edition_id, _district = scope_of(obj)
    return is_staff(user, "admin", edition_id)
