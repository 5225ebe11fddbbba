"""Roles × scope × action: the policy table answers as the documentation says."""

from __future__ import annotations

import pytest

from pb.authz import POLICIES, SYSTEM, can, has_role, is_staff, require, staff_policy
from pb.errors import Forbidden


@pytest.fixture
def world(session, make):
    from pb.authz import SYSTEM as system
    from pb.ballotbox.services.stations import create_station, grant_officer
    from pb.councils.services import save_council
    from pb.ideas.services import create_idea
    from pb.projects.services import create_project

    edition, other = make.edition(districts=2), make.edition(districts=1)
    d0, d1 = edition.districts
    people = {
        "anonymous": None,
        "resident": make.user(),
        "admin": make.admin(),
        "edition_admin": make.user(roles=[("admin", edition)]),
        "moderator": make.user(roles=["moderator"]),
        "district_moderator": make.user(roles=[("moderator", d0)]),
        "district_reviewer": make.user(roles=[("reviewer", d0)]),
        "district_secretary": make.user(roles=[("council_secretary", d0)]),
        "polling_officer": make.user(roles=[("polling_officer", edition)]),
    }
    from pb.editions.services import set_phase
    from pb.editions.models import Phase

    set_phase(session, system, edition, Phase.SUBMISSION)
    objects = {
        None: None, "edition": edition, "other": other, "d0": d0, "d1": d1,
        "idea_d0": create_idea(session, people["resident"], edition, title="Une idée du quartier 1",
                               description="Une description assez longue de l'idée.", district_id=d0.id,
                               theme="nature", estimated_cost_cents=10_00, submit=True),
        "draft_d1": create_idea(session, people["resident"], edition, title="Un brouillon du quartier 2",
                                description="Une description assez longue de l'idée.", district_id=d1.id,
                                theme="nature", estimated_cost_cents=10_00, submit=False),
        "project_d1": create_project(session, system, edition, d1, title="Un projet du quartier 2", cost_cents=1),
        "council_d1": save_council(session, system, edition, name="Conseil du quartier 2", district_id=d1.id),
        "station_d0": create_station(session, system, edition, name="Bureau de la mairie de quartier", district=d0.code),
    }
    grant_officer(session, system, objects["station_d0"], people["polling_officer"])
    return objects, people


ALL = {"resident", "admin", "edition_admin", "moderator", "district_moderator", "district_reviewer",
       "district_secretary", "polling_officer"}
EVERYONE = ALL | {"anonymous"}
ADMINS = {"admin", "edition_admin"}

MATRIX = [
    # action, object, who may
    ("admin", None, {"admin"}),
    ("staff.manage", None, {"admin"}),
    ("audit.view", None, {"admin"}),
    ("territory.manage", None, {"admin"}),
    ("edition.create", None, {"admin"}),
    ("edition.manage", "edition", ADMINS),
    ("edition.manage", "other", {"admin"}),
    ("edition.view", "edition", EVERYONE),  # in preparation? see test_drafts_are_seen_by_their_admins
    ("staff.dashboard", None, ALL - {"resident"}),
    ("authenticated", None, ALL),
    ("account.block", "resident", ADMINS | {"moderator", "district_moderator"}),  # accounts span editions
    ("account.block", "admin", set()),
    # ideas
    ("idea.view", "idea_d0", EVERYONE),
    ("idea.view", "draft_d1", {"resident"} | ADMINS),  # its author, the edition's administrators
    ("idea.create", "edition", ALL),
    ("idea.edit", "idea_d0", {"resident"}),  # online ideas: their authors only
    ("idea.edit", None, ALL),
    ("idea.enter", "edition", ADMINS | {"moderator", "district_moderator"}),
    ("idea.enter", "d1", ADMINS | {"moderator"}),
    ("idea.see_hidden", "idea_d0", {"resident", "moderator", "district_moderator"} | ADMINS),
    ("comment.create", "idea_d0", ALL),
    ("flag.create", "idea_d0", ALL),
    ("moderation.act", "idea_d0", {"moderator", "district_moderator"} | ADMINS),
    ("moderation.act", "draft_d1", {"moderator"} | ADMINS),
    # review, projects
    ("review.view", "edition", ADMINS | {"district_reviewer"}),
    ("review.view", "other", {"admin"}),
    ("review.manage", "edition", ADMINS),
    ("review.decide", "idea_d0", ADMINS),  # reviewers: only what is assigned to them (test_review)
    ("review.teams", None, {"admin"}),
    ("checklist.manage", "edition", ADMINS),
    ("ballot.build", "edition", ADMINS),
    ("project.edit", "project_d1", ADMINS),
    ("project.create", "d0", ADMINS | {"district_reviewer"}),
    ("project.create", "d1", ADMINS),
    ("project.status", "project_d1", ADMINS),
    ("tracking.update", "project_d1", ADMINS),
    ("results.manage", "edition", ADMINS),
    ("results.manage", "other", {"admin"}),
    ("voting.manage", "edition", ADMINS),
    ("voting.manage", "other", {"admin"}),
    # councils
    ("council.manage", "edition", ADMINS),
    ("council.manage", "council_d1", ADMINS),
    ("council.record", "edition", ADMINS | {"district_secretary"}),
    ("council.record", "council_d1", ADMINS),
    ("council.record", "project_d1", ADMINS),
    ("meeting.manage", "d0", ADMINS | {"district_secretary"}),
    ("meeting.manage", "d1", ADMINS),
    # polling stations: the desk is the station's own officers'
    ("ballotbox.manage", "station_d0", ADMINS),
    ("ballotbox.manage", "other", {"admin"}),
    ("ballotbox.desk", "station_d0", {"polling_officer"}),
    ("ballotbox.report", "station_d0", ADMINS | {"polling_officer"}),
    ("ballotbox.close", "station_d0", ADMINS | {"polling_officer"}),
    # barometer, site, exports
    ("barometer.manage", "edition", ADMINS),
    ("barometer.manage", "other", {"admin"}),
    ("barometer.aggregate", None, {"admin"}),
    ("barometer.view", "edition", EVERYONE),
    ("site.manage", None, {"admin"}),
    ("ideas.export", "edition", ADMINS | {"moderator", "district_moderator", "district_secretary"}),
    ("ideas.export", "other", {"admin", "moderator"}),
]


@pytest.mark.parametrize(("action", "target", "allowed"), MATRIX, ids=[f"{a}-{t}" for a, t, _ in MATRIX])
def test_policy_matrix(world, action, target, allowed) -> None:
    objects, people = world
    obj = people[target] if target in people else objects[target]
    granted = {name for name, user in people.items() if can(user, action, obj)}
    assert granted == allowed
    assert can(SYSTEM, action, obj)


def test_the_matrix_covers_every_policy() -> None:
    assert sorted(set(POLICIES) - {action for action, _t, _a in MATRIX}) == []


def test_drafts_are_seen_by_their_admins(world, session) -> None:
    from pb.editions.models import Phase

    objects, people = world
    objects["other"].phase = Phase.DRAFT
    assert {name for name, user in people.items() if can(user, "edition.view", objects["other"])} == {"admin"}


def test_require_raises_forbidden(world) -> None:
    _objects, people = world
    with pytest.raises(Forbidden):
        require(people["resident"], "edition.create")
    require(people["admin"], "edition.create")


def test_blocked_staff_lose_their_powers(world, session) -> None:
    from pb.db import utcnow

    _objects, people = world
    people["admin"].blocked_at = utcnow()
    assert not can(people["admin"], "edition.create")


def test_scopes(world) -> None:
    objects, people = world
    edition, other = objects["edition"], objects["other"]
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
        can(world[1]["admin"], "no.such.policy")
