from __future__ import annotations

from typing import Any

from pb.authz import anonymous_ok, is_staff, policy, scope_of, staff_policy, works_in


def _is_author(user: Any, idea: Any) -> bool:
    return idea is not None and idea.is_author(user)


def _staff_over(user: Any, obj: Any, *roles: str) -> bool:
    return any(is_staff(user, role, *scope_of(obj)) for role in roles)


@policy("idea.view")
@anonymous_ok
def _view(user: Any, idea: Any) -> bool:
    """Everyone sees submitted ideas (hidden ones show a notice instead of their text); a draft
    is seen by its authors only (and the edition's administrators)."""
    if idea is None or idea.status != "draft":
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _is_author(user, idea) or is_staff(user, "admin", *scope_of(idea))


@policy("idea.create")
def _create(user: Any, edition: Any) -> bool:
    """Every account proposes ideas online (the phase is checked by the service)."""
    return True


@policy("idea.edit")
def _edit(user: Any, idea: Any) -> bool:
    """Its authors; and the staff who type in paper ideas, for ideas not submitted online."""
    if idea is None:
        return True
    if _is_author(user, idea):
        return True
    return idea.channel != "online" and _staff_over(user, idea, "moderator")


@policy("idea.enter")
def _enter(user: Any, obj: Any) -> bool:
    """Staff of the participation team (moderators, administrators) type in ideas received on
    paper or at a meeting, for the districts they cover."""
    return works_in(user, "moderator", obj)


@policy("idea.see_hidden")
def _see_hidden(user: Any, obj: Any) -> bool:
    """Moderators (and administrators) read hidden content; its author reads it too."""
    if obj is not None and getattr(obj, "author_id", None) is not None and obj.author_id == getattr(user, "id", None):
        return True
    if obj is not None and hasattr(obj, "authors") and _is_author(user, obj):
        return True
    return staff_policy("moderator")(user, obj)


@policy("comment.create")
def _comment(user: Any, obj: Any) -> bool:
    return True


@policy("flag.create")
def _flag(user: Any, obj: Any) -> bool:
    return True


@policy("moderation.act")
def _moderate(user: Any, obj: Any) -> bool:
    """Moderators (and administrators) of the content's district or edition."""
    return works_in(user, "moderator", obj)


@policy("ideas.export")
def _export(user: Any, obj: Any) -> bool:
    """The ideas and comments as files, for the councils and services: moderators, council
    secretaries (and administrators) of the edition."""
    return works_in(user, "moderator", obj) or works_in(user, "council_secretary", obj)
