"""Permissions, in one place.

A table of named policies: `POLICIES["edition.manage"](user, obj) -> bool`. Services call
`require(user, "edition.manage", edition)` before they change anything; templates call
`can("edition.manage", edition)` to show a button; views are marked with `@guard(...)` or
`@public`, and a test walks every route and fails if one is neither.

A policy called with `obj=None` answers "may this user do this to some object?": that is what
the route guard asks before the service checks the particular object.

Domains add their own policies in `pb/<domain>/policies.py` with `@policy("name")`; they are
all imported by `load_policies()` so the table is complete before the first request."""

from __future__ import annotations

import functools
import importlib
from typing import Any, Callable, TypeVar

from flask import abort
from flask_login import current_user

from pb.errors import Forbidden, PbError

F = TypeVar("F", bound=Callable[..., Any])
Policy = Callable[[Any, Any], bool]
POLICIES: dict[str, Policy] = {}

# Domains whose policies.py is loaded into the table (in this order).
POLICY_MODULES = [
    "pb.accounts.policies",
    "pb.editions.policies",
    "pb.projects.policies",
    "pb.tracking.policies",
    "pb.results.policies",
    "pb.ideas.policies",
    "pb.review.policies",
    "pb.councils.policies",
    "pb.voting.policies",
    "pb.ballotbox.policies",
    "pb.barometer.policies",
    "pb.site.policies",
]


def policy(name: str) -> Callable[[Policy], Policy]:
    def register(fn: Policy) -> Policy:
        if name in POLICIES:
            raise RuntimeError(f"policy {name!r} defined twice")
        POLICIES[name] = fn
        return fn

    return register


def load_policies() -> None:
    for module in POLICY_MODULES:
        importlib.import_module(module)


class SystemActor:
    """The command line and background jobs act as the system: every policy passes, and the
    audit log records "system" as the actor."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    id = None
    roles: list[Any] = []
    display_name = "system"

    def __repr__(self) -> str:
        return "<system>"


SYSTEM = SystemActor()


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is SYSTEM:
        if action not in POLICIES:
            raise KeyError(f"unknown policy {action!r}")
        return True
    try:
        check = POLICIES[action]
    except KeyError:
        raise KeyError(f"unknown policy {action!r}") from None
    if user is None or not getattr(user, "is_authenticated", False):
        return bool(getattr(check, "anonymous_ok", False)) and check(user, obj)
    if not user.is_active:
        return False
    return check(user, obj)


def require(user: Any, action: str, obj: Any = None, *, error: type[PbError] = Forbidden) -> None:
    """Refuse with `error` (a PbError naming the refusal for the person, Forbidden by default)
    unless policy `action` lets `user` act on `obj`."""
    if not can(user, action, obj):
        raise error()


def anonymous_ok(fn: Policy) -> Policy:
    """Marks a policy that anonymous visitors may pass (it receives user=None or an anonymous user)."""
    fn.anonymous_ok = True  # type: ignore[attr-defined]
    return fn


# -- route marks -----------------------------------------------------------------------------

def public(view: F) -> F:
    """Anyone may open this route (the view or the service still checks objects)."""
    view._pb_access = "public"  # type: ignore[attr-defined]
    return view


def guard(action: str) -> Callable[[F], F]:
    """Login required and policy `action` (with obj=None) must pass; otherwise 401 → login
    page, or 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from pb.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapped._pb_access = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def access_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, "_pb_access", None)


# -- roles -----------------------------------------------------------------------------------

def has_role(user: Any, role: str, edition_id: int | None = None, district_id: int | None = None, *,
             anywhere: bool = False) -> bool:
    """Does `user` hold `role` for an object in (edition, district)? With anywhere=True: does
    the user hold the role at all, whatever its scope (what a route guard asks)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    for assignment in user.roles:
        if assignment.role == role and (anywhere or assignment.covers(edition_id, district_id)):
            return True
    return False


def is_staff(user: Any, role: str, edition_id: int | None = None, district_id: int | None = None, *,
             anywhere: bool = False) -> bool:
    """The role, or administrator of the same scope (administrators can do every staff task)."""
    return has_role(user, role, edition_id, district_id, anywhere=anywhere) or has_role(
        user, "admin", edition_id, district_id, anywhere=anywhere
    )


def scope_of(obj: Any) -> tuple[int | None, int | None]:
    """(edition_id, district_id) of a domain object, for role checks."""
    if obj is None:
        return None, None
    if type(obj).__name__ == "Edition":
        return obj.id, None
    if type(obj).__name__ == "District":
        return obj.edition_id, obj.id
    return getattr(obj, "edition_id", None), getattr(obj, "district_id", None)


def works_in(user: Any, role: str, obj: Any) -> bool:
    """The role (or admin) over `obj`; for an edition, over the edition or any of its districts
    ("may open this edition's pages": each object is then checked on its own district)."""
    if obj is None:
        return is_staff(user, role, anywhere=True)
    if type(obj).__name__ == "Edition":
        return is_staff(user, role, obj.id) or any(is_staff(user, role, obj.id, d.id) for d in obj.districts)
    return is_staff(user, role, *scope_of(obj))


def staff_policy(role: str) -> Policy:
    """A policy: `role` (or admin) covering the object's scope; with no object, the role anywhere."""

    def check(user: Any, obj: Any) -> bool:
        if obj is None:
            return is_staff(user, role, anywhere=True)
        return is_staff(user, role, *scope_of(obj))

    return check
