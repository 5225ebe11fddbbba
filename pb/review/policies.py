from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from pb.authz import has_role, is_staff, policy, scope_of, works_in


def _admin(user: Any, obj: Any) -> bool:
    if obj is None:
        return is_staff(user, "admin", anywhere=True)
    return is_staff(user, "admin", *scope_of(obj))


@policy("review.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Administrators of the edition assign ideas, merge them, reopen decisions, see everything."""
    return _admin(user, obj)


@policy("review.view")
def _view(user: Any, obj: Any) -> bool:
    """Reviewers of the edition or of one of its districts (what they see is limited to their
    assignments) and administrators open the review pages."""
    return works_in(user, "reviewer", obj)


@policy("review.decide")
def _decide(user: Any, idea: Any) -> bool:
    """A reviewer reviews the ideas of their scope assigned to them or to one of their city
    services; the edition's administrators review any idea."""
    if idea is None:
        return is_staff(user, "reviewer", anywhere=True)
    if _admin(user, idea):
        return True
    if not has_role(user, "reviewer", *scope_of(idea)):
        return False
    from pb.review.services import is_assigned

    session = object_session(idea)
    return session is not None and is_assigned(session, user, idea.id)


@policy("review.teams")
def _teams(user: Any, obj: Any) -> bool:
    """City services span editions: global administrators define them."""
    return has_role(user, "admin")


policy("checklist.manage")(_admin)
policy("ballot.build")(_admin)
policy("project.edit")(_admin)
