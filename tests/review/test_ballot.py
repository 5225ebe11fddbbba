"""Merges, the public-meeting gate, building the ballot and its freeze when the vote opens."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.councils import services as councils
from pb.db import utcnow
from pb.editions.models import Phase
from pb.errors import Forbidden, ValidationFailed
from pb.ideas.models import IdeaStatus
from pb.ideas.services import BallotFrozen
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project
from pb.review.ballot import HELD_BACK_REASON, build_ballot, overview
from pb.review.projects import InvalidMerge, merge_ideas, update_project


def test_merging_ideas_into_a_new_project(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    holders = [make.user() for _ in range(3)]
    ideas = [cycle.idea(edition, holders[0]), cycle.idea(edition, holders[1], status=IdeaStatus.ADMISSIBLE),
             cycle.idea(edition, holders[2], status=IdeaStatus.FEASIBLE)]
    own_project = ideas[2].project
    session.commit()
    outbox.clear()
    project = merge_ideas(session, make.admin(), edition, [i.id for i in ideas], title="Un jardin partagé au square",
                          district_id=edition.districts[0].id, cost_cents=60_000_00,
                          reason="Trois idées proches pour le même square.")
    assert project.cost_cents == 60_000_00 and project.status is ProjectStatus.FEASIBLE
    for idea in ideas:
        assert idea.status is IdeaStatus.MERGED and idea.project_id == project.id
        assert project.reference in idea.status_reason and "Trois idées proches" in idea.status_reason
    # The project born from the feasible idea has no idea left: withdrawn, saying where it went.
    assert own_project.status is ProjectStatus.WITHDRAWN and project.reference in own_project.status_reason
    session.commit()
    assert sorted(m["To"] for m in outbox) == sorted(h.email for h in holders)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.merge"))
    assert entry.after == {"ideas": [i.id for i in ideas], "withdrawn_projects": [own_project.id]}


def test_merging_into_an_existing_project(session, cycle, make) -> None:
    edition = cycle.edition()
    base = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    other = cycle.idea(edition, status=IdeaStatus.ADMISSIBLE)
    project = merge_ideas(session, make.admin(), edition, [base.id, other.id], project_id=base.project_id)
    assert project.id == base.project_id
    assert base.status is IdeaStatus.FEASIBLE and other.status is IdeaStatus.MERGED
    assert other.project_id == project.id and project.status is ProjectStatus.FEASIBLE


def test_invalid_merges_are_refused(session, cycle, make) -> None:
    edition = cycle.edition()
    admin = make.admin()
    a, b = cycle.idea(edition), cycle.idea(edition)
    refused = cycle.idea(edition, status=IdeaStatus.NOT_ADMISSIBLE)
    with pytest.raises(InvalidMerge):
        merge_ideas(session, admin, edition, [a.id, refused.id], title="Titre du projet", cost_cents=1,
                    district_id=edition.districts[0].id)
    with pytest.raises(InvalidMerge):
        merge_ideas(session, admin, edition, [a.id], title="Titre du projet", cost_cents=1,
                    district_id=edition.districts[0].id)
    with pytest.raises(ValidationFailed):
        merge_ideas(session, admin, edition, [a.id, b.id], title="Titre du projet", cost_cents=None,
                    district_id=edition.districts[0].id)
    with pytest.raises(Forbidden):
        merge_ideas(session, make.user(roles=["reviewer"]), edition, [a.id, b.id], title="Titre du projet",
                    cost_cents=1, district_id=edition.districts[0].id)
    assert (a.status, b.status) == (IdeaStatus.SUBMITTED, IdeaStatus.SUBMITTED)


def _attend(session, edition, idea) -> None:
    meeting = councils.save_meeting(session, SYSTEM, edition, title="Réunion publique de secteur",
                                    starts_at=utcnow() - dt.timedelta(days=3))
    councils.set_attendance(session, SYSTEM, meeting, [idea.holder.id])


def test_the_public_meeting_gate(session, cycle, make, outbox) -> None:
    edition = cycle.edition(public_meeting_required=True)
    present = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    absent = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    imported = create_project(session, SYSTEM, edition, edition.districts[0], title="Projet importé sans porteur",
                              cost_cents=10_000_00)
    _attend(session, edition, present)
    session.commit()
    outbox.clear()
    changes = build_ballot(session, make.admin(), edition)
    assert present.project.status is ProjectStatus.ON_BALLOT
    assert absent.project.status is ProjectStatus.HELD_BACK
    assert absent.project.status_reason == str(HELD_BACK_REASON) and "réunion publique" in absent.project.status_reason
    assert imported.status is ProjectStatus.ON_BALLOT  # no holder: nobody to attend
    assert set(changes) == {present.project_id, absent.project_id, imported.id}
    session.commit()
    assert {m["To"] for m in outbox} == {present.holder.user.email, absent.holder.user.email}
    # The holder attends a later meeting: rebuilding puts the project on the ballot.
    _attend(session, edition, absent)
    build_ballot(session, make.admin(), edition)
    assert absent.project.status is ProjectStatus.ON_BALLOT and absent.project.status_reason == ""


def test_no_gate_when_the_edition_does_not_require_meetings(session, cycle, make) -> None:
    edition = cycle.edition(public_meeting_required=False)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    build_ballot(session, make.admin(), edition)
    assert idea.project.status is ProjectStatus.ON_BALLOT


def test_merged_projects_pass_the_gate_if_any_holder_attended(session, cycle, make) -> None:
    edition = cycle.edition(public_meeting_required=True)
    a, b = cycle.idea(edition), cycle.idea(edition)
    cycle.phase(edition, Phase.REVIEW)
    project = merge_ideas(session, make.admin(), edition, [a.id, b.id], title="Projet fusionné du secteur",
                          district_id=edition.districts[0].id, cost_cents=30_000_00)
    _attend(session, edition, b)
    build_ballot(session, make.admin(), edition)
    assert project.status is ProjectStatus.ON_BALLOT


def test_the_vote_opening_rebuilds_then_freezes_the_ballot(session, cycle, make) -> None:
    edition = cycle.edition(public_meeting_required=True)
    admin = make.admin()
    present = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    absent = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    late = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    build_ballot(session, admin, edition)
    assert present.project.status is ProjectStatus.HELD_BACK
    _attend(session, edition, present)
    cycle.phase(edition, Phase.VOTE)  # the phase hook re-checks attendance
    assert present.project.status is ProjectStatus.ON_BALLOT
    assert absent.project.status is ProjectStatus.HELD_BACK and late.project.status is ProjectStatus.HELD_BACK
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ballot.freeze")) is not None
    with pytest.raises(BallotFrozen):
        build_ballot(session, admin, edition)
    with pytest.raises(BallotFrozen):
        update_project(session, admin, present.project, title="Nouveau titre du projet", summary="",
                       cost_cents=1, district_id=present.project.district_id)
    with pytest.raises(BallotFrozen):
        merge_ideas(session, admin, edition, [late.id], project_id=present.project_id)
    assert present.project.cost_cents == 40_000_00


def test_staff_adjust_a_project_before_the_vote(session, cycle, make) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    admin = make.admin()
    with pytest.raises(Forbidden):
        update_project(session, make.user(roles=["reviewer"]), idea.project, title="Titre", summary="",
                       cost_cents=1, district_id=edition.districts[0].id)
    update_project(session, admin, idea.project, title="Vergers partagés", summary="Dix arbres.",
                   cost_cents=45_000_00, district_id=edition.districts[1].id)
    assert (idea.project.cost_cents, idea.project.district_id) == (45_000_00, edition.districts[1].id)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "project.update"))
    assert entry.before["cost_cents"] == 40_000_00 and entry.after["cost_cents"] == 45_000_00


def test_the_ballot_overview_by_district(session, cycle, make) -> None:
    edition = cycle.edition(public_meeting_required=True)
    d1, d2 = edition.districts
    a = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=d1)
    b = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=d2)
    _attend(session, edition, a)
    build_ballot(session, make.admin(), edition)
    rows = overview(session, edition)
    assert [[p.id for p in r.on_ballot] for r in rows] == [[a.project_id], []]
    assert [[p.id for p in r.held_back] for r in rows] == [[], [b.project_id]]
    assert rows[0].cost_cents == 40_000_00
