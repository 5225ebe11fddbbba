from __future__ import annotations

from typing import Any

from pb.authz import anonymous_ok, can, has_role, policy


@policy("territory.manage")
def _territory(user: Any, obj: Any) -> bool:
    return has_role(user, "admin")


@policy("edition.create")
def _create(user: Any, obj: Any) -> bool:
    return has_role(user, "admin")


@policy("edition.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Global administrators, and administrators of that edition."""
    if obj is None:
        return has_role(user, "admin", anywhere=True)
    return has_role(user, "admin", getattr(obj, "edition_id", None) or obj.id)


@policy("edition.view")
@anonymous_ok
def _view(user: Any, obj: Any) -> bool:
    """Editions in preparation are visible to their administrators only."""
    if obj is None or obj.phase != "draft":
        return True
    return user is not None and getattr(user, "is_authenticated", False) and can(user, "edition.manage", obj)
