"""The edition a view works on, found once for every domain: by the public (a 404 for an edition
still in preparation, as if it did not exist) or by staff (a 403 without the named policy); and
the object a staff page works on (`authorized`): a view never checks a policy by hand, it asks
here, and the policy answers for that object (its district, its edition)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from pb.authz import can, require
from pb.db import db
from pb.editions.models import Edition
from pb.editions.services import get_edition

T = TypeVar("T")


def visible_edition(ref: str | int) -> Edition:
    edition = get_edition(db.session, ref)
    if not can(current_user, "edition.view", edition):
        abort(404)
    return edition


def staff_edition(ref: str | int, policy: str) -> Edition:
    edition = get_edition(db.session, ref)
    require(current_user, policy, edition)
    return edition


def authorized(policy: str, obj: T) -> T:
    """`obj` if the current user passes `policy` on it; otherwise the request ends with a 403
    (`pb.errors.Forbidden`), before anything is read or changed."""
    require(current_user, policy, obj)
    return obj
