"""Roles × scope × action: the policy table answers as the documentation says."""

from __future__ import annotations

import pytest

from pb.authz import SYSTEM, can, has_role, is_staff, require, staff_policy
from pb.errors import Forbidden


@pytest.fixture
def world(make):
    edition, other = make.edition(districts=2), make.edition(districts=1)
    people = {
        "anonymous": None,
        "resident": make.user(),
        "admin": make.admin(),
        "edition_admin": make.user(roles=[("admin", edition)]),
        "moderator": make.user(roles=["moderator"]),
        "district_reviewer": make.user(roles=[("reviewer", edition.districts[0])]),
    }
    return edition, other, people


MATRIX = [
    # action, object, who may
    ("admin", None, {"admin"}),
    ("staff.manage", None, {"admin"}),
    ("audit.view", None, {"admin"}),
    ("territory.manage", None, {"admin"}),
    ("edition.create", None, {"admin"}),
    ("edition.manage", "edition", {"admin", "edition_admin"}),
    ("edition.manage", "other", {"admin"}),
    ("staff.dashboard", None, {"admin", "edition_admin", "moderator", "district_reviewer"}),
    ("authenticated", None, {"resident", "admin", "edition_admin", "moderator", "district_reviewer"}),
]


@pytest.mark.parametrize(("action", "target", "allowed"), MATRIX, ids=[f"{a}-{t}" for a, t, _ in MATRIX])
def test_policy_matrix(world, action, target, allowed) -> None:
    edition, other, people = world
    obj = {"edition": edition, "other": other, None: None}[target]
    granted = {name for name, user in people.items() if can(user, action, obj)}
    assert granted == allowed
    assert can(SYSTEM, action, obj)


def test_require_raises_forbidden(world) -> None:
    _edition, _other, people = world
    with pytest.raises(Forbidden):
        require(people["resident"], "edition.create")
    require(people["admin"], "edition.create")


def test_blocked_staff_lose_their_powers(world, session) -> None:
    from pb.db import utcnow

    _edition, _other, people = world
    people["admin"].blocked_at = utcnow()
    assert not can(people["admin"], "edition.create")


def test_scopes(world) -> None:
    edition, other, people = world
    reviewer = people["district_reviewer"]
    d0, d1 = edition.districts
    check = staff_policy("reviewer")
    assert check(reviewer, d0) and not check(reviewer, d1) and not check(reviewer, other.districts[0])
    assert check(reviewer, None)  # the guard question: reviewer somewhere
    assert is_staff(people["edition_admin"], "reviewer", edition.id, d1.id)  # an edition admin can review there
    assert not is_staff(people["edition_admin"], "reviewer", other.id)
    assert has_role(people["admin"], "admin", other.id, other.districts[0].id)


def test_unknown_policy_is_a_programming_error(world) -> None:
    with pytest.raises(KeyError):
        can(world[2]["admin"], "no.such.policy")
