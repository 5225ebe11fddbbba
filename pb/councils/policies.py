from __future__ import annotations

from typing import Any

from pb.authz import is_staff, policy, scope_of


@policy("council.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Administrators create councils and set their members."""
    if obj is None:
        return is_staff(user, "admin", anywhere=True)
    return is_staff(user, "admin", *scope_of(obj))


@policy("council.record")
def _record(user: Any, obj: Any) -> bool:
    """Council secretaries (of the council's district, of its edition, or everywhere) record
    sessions, projects presented or discussed, and opinions; administrators too."""
    if obj is None:
        return is_staff(user, "council_secretary", anywhere=True)
    return is_staff(user, "council_secretary", *scope_of(obj))


@policy("meeting.manage")
def _meetings(user: Any, obj: Any) -> bool:
    """Public meetings and who attended: council secretaries and administrators."""
    if obj is None:
        return is_staff(user, "council_secretary", anywhere=True)
    return is_staff(user, "council_secretary", *scope_of(obj))
