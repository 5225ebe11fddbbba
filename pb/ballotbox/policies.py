from __future__ import annotations

from typing import Any

from pb.authz import can, policy


@policy("ballotbox.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Stations, officers, reconciliation, amending a signed-off report: the edition's administrators."""
    return can(user, "edition.manage", obj)


@policy("ballotbox.desk")
def _desk(user: Any, obj: Any) -> bool:
    """The desk of a station (sign-in, keys, report): that station's officers, and no one else.
    Without a station: is the person an officer of some station (the route guard's question)."""
    if obj is None:
        from pb.ballotbox.models import StationOfficer
        from pb.db import db

        return db.session.query(StationOfficer.id).filter(StationOfficer.user_id == user.id).first() is not None
    return bool(obj.has_officer(getattr(user, "id", None)))


@policy("ballotbox.report")
def _report(user: Any, obj: Any) -> bool:
    """A station's report (read, print): its officers and the edition's administrators."""
    return _desk(user, obj) or _manage(user, obj)


@policy("ballotbox.close")
def _close(user: Any, obj: Any) -> bool:
    """Closing a station before the end of its window: its officers and the edition's administrators."""
    return _desk(user, obj) or _manage(user, obj)
