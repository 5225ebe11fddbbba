from __future__ import annotations

from typing import Any

from pb.authz import is_staff, policy, scope_of, works_in


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
    return works_in(user, "council_secretary", obj)


@policy("meeting.manage")
def _meetings(user: Any, obj: Any) -> bool:
    """Public meetings and who attended: council secretaries and administrators (a meeting of
    one district: that district's secretaries)."""
    return works_in(user, "council_secretary", obj)
