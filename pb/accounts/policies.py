from __future__ import annotations

from typing import Any

from pb.accounts.models import STAFF_ROLES
from pb.authz import has_role, policy


@policy("authenticated")
def _authenticated(user: Any, obj: Any) -> bool:
    return True


@policy("admin")
def _admin(user: Any, obj: Any) -> bool:
    """Global administrator (no scope): territory, staff, audit log."""
    return has_role(user, "admin")


@policy("staff.manage")
def _staff_manage(user: Any, obj: Any) -> bool:
    return has_role(user, "admin")


@policy("audit.view")
def _audit_view(user: Any, obj: Any) -> bool:
    """The whole log: global administrators (it spans every edition)."""
    return has_role(user, "admin")


@policy("staff.dashboard")
def _staff_dashboard(user: Any, obj: Any) -> bool:
    return any(has_role(user, role, anywhere=True) for role in STAFF_ROLES)


@policy("account.block")
def _block(user: Any, obj: Any) -> bool:
    """Moderators (of any scope) and administrators block accounts; nobody blocks an administrator."""
    if obj is not None and has_role(obj, "admin", anywhere=True):
        return False
    return has_role(user, "moderator", anywhere=True) or has_role(user, "admin", anywhere=True)
