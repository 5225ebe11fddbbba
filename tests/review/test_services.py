from __future__ import annotations

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.editions.models import Phase
from pb.errors import Forbidden, ValidationFailed
from pb.ideas import rules
from pb.ideas.models import IdeaStatus
from pb.projects.models import Project, ProjectStatus
from pb.review import dashboard, services
from pb.review.models import Decision


def _yes(session, edition, **overrides):
    return {i.id: overrides.get(i.label, True) for i in services.checklist(session, edition)}


def test_the_default_checklist_then_edited_before_the_review(session, cycle, make) -> None:
    edition = cycle.edition()
    items = services.checklist(session, edition)
    from pb.ideas.text import stored

    # Stored in the city's language (French), whatever the language of who opened the page first.
    assert [i.label for i in items] == [stored(label) for label, _help in services.DEFAULT_CHECKLIST]
    assert items[0].label == "Intérêt général" and len(items) == 5
    admin = make.admin()
    with pytest.raises(Forbidden):
        services.save_checklist(session, make.user(roles=["reviewer"]), edition, [("Intérêt général", "")])
    new = services.save_checklist(session, admin, edition, [("Intérêt général", "Pour tous"), ("Sur l'espace public", ""),
                                                             ("intérêt général", "doublon"), ("", "vide")])
    assert [(i.label, i.help) for i in new] == [("Intérêt général", "Pour tous"), ("Sur l'espace public", "")]
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.checklist")).after["items"] == [
        "Intérêt général", "Sur l'espace public"]
    cycle.phase(edition, Phase.REVIEW)
    with pytest.raises(services.ChecklistLocked):
        services.save_checklist(session, admin, edition, [("Autre", "")])


def test_each_edition_has_its_own_checklist(session, cycle, make) -> None:
    a, b = cycle.edition(), cycle.edition()
    services.save_checklist(session, make.admin(), a, [("Un seul critère", "")])
    assert len(services.checklist(session, a)) == 1 and len(services.checklist(session, b)) == 5


def test_bulk_assignment_and_reviewer_scoping(session, cycle, make) -> None:
    edition = cycle.edition()
    admin = make.admin()
    rita, remi, outsider = (make.user(roles=["reviewer"]) for _ in range(3))
    team = services.save_team(session, admin, name="Espaces verts", member_emails=[remi.email])
    ideas = [cycle.idea(edition) for _ in range(5)]
    assert services.assign(session, admin, edition, [i.id for i in ideas[:2]], reviewer_id=rita.id) == 2
    assert services.assign(session, admin, edition, [ideas[2].id], team_id=team.id) == 1

    def queue(user):
        return [i.id for i in session.scalars(services.review_queue(session, user, edition)).unique()]

    assert queue(rita) == [ideas[0].id, ideas[1].id]
    assert queue(remi) == [ideas[2].id]
    assert queue(outsider) == []
    assert queue(admin) == [i.id for i in ideas]
    assert services.get_for_review(session, rita, ideas[0].id) is ideas[0]
    with pytest.raises(Forbidden):
        services.get_for_review(session, rita, ideas[2].id)
    with pytest.raises(Forbidden):
        services.save_review(session, outsider, ideas[0], answers=_yes(session, edition))
    with pytest.raises(Forbidden):
        services.assign(session, rita, edition, [ideas[3].id], reviewer_id=rita.id)
    with pytest.raises(ValidationFailed):
        services.assign(session, admin, edition, [ideas[3].id], reviewer_id=make.user().id)
    # A reviewer of one district is given that district's ideas only.
    d1, d2 = edition.districts
    local = make.user(roles=[("reviewer", d1)])
    elsewhere = cycle.idea(edition, district=d2)
    with pytest.raises(ValidationFailed):
        services.assign(session, admin, edition, [ideas[3].id, elsewhere.id], reviewer_id=local.id)
    assert services.assignments_of(session, [ideas[3].id, elsewhere.id]) == {}
    assert services.assign(session, admin, edition, [ideas[3].id], reviewer_id=local.id) == 1
    # Reassigning moves the idea (and is in the audit log with before and after).
    services.assign(session, admin, edition, [ideas[0].id], reviewer_id=outsider.id)
    assert queue(rita) == [ideas[1].id] and queue(outsider) == [ideas[0].id]
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "review.assign")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"reviewer_id": rita.id, "team_id": None}


def test_a_feasible_decision_creates_the_project(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice, cost=12_000_00)
    cycle.phase(edition, Phase.REVIEW)
    session.commit()
    outbox.clear()
    reviewer = make.user(roles=["reviewer"])
    services.assign(session, make.admin(), edition, [idea.id], reviewer_id=reviewer.id)
    review = services.save_review(session, reviewer, idea, answers=_yes(session, edition), reviewed_cost_cents=18_500_00,
                                  decision="feasible", public_reason="Faisable avec un arrosage automatique.",
                                  internal_note="Voir avec la régie.")
    assert idea.status is IdeaStatus.FEASIBLE and review.decision is Decision.FEASIBLE
    project = idea.project
    assert (project.cost_cents, project.title, project.district_id, project.status) == (
        18_500_00, idea.title, idea.district_id, ProjectStatus.FEASIBLE)
    assert [(h.from_status, h.to_status) for h in idea.history][-2:] == [
        (IdeaStatus.SUBMITTED, IdeaStatus.ADMISSIBLE), (IdeaStatus.ADMISSIBLE, IdeaStatus.FEASIBLE)]
    session.commit()
    assert len(outbox) == 2 and all(m["To"] == alice.email for m in outbox)
    assert f"/ideas/{idea.id}" in outbox[-1].get_content()
    assert project.reference in outbox[-1].get_content()
    with pytest.raises(services.ReviewClosed):
        services.save_review(session, reviewer, idea, answers=_yes(session, edition))


@pytest.mark.parametrize("decision", ["not_admissible", "infeasible"])
def test_a_negative_decision_needs_a_public_reason(session, cycle, make, decision) -> None:
    edition = cycle.edition(Phase.REVIEW)
    idea = cycle.idea(edition)
    with pytest.raises(rules.ReasonRequired):
        services.save_review(session, SYSTEM, idea, answers=_yes(session, edition), decision=decision)
    assert idea.status is IdeaStatus.SUBMITTED and not idea.history[-1].public_reason
    services.save_review(session, SYSTEM, idea, answers=_yes(session, edition), decision=decision,
                         public_reason="Hors compétence de la ville.")
    assert idea.status is IdeaStatus(decision) and idea.status_reason == "Hors compétence de la ville."


def test_the_checklist_decides_admissibility(session, cycle, make) -> None:
    edition = cycle.edition(Phase.REVIEW)
    idea = cycle.idea(edition)
    items = services.checklist(session, edition)
    failed = {**_yes(session, edition), items[3].id: False}
    with pytest.raises(services.ChecklistFailed) as info:
        services.save_review(session, SYSTEM, idea, answers=failed, reviewed_cost_cents=1, decision="feasible")
    assert items[3].label in info.value.text()
    partial = {**_yes(session, edition), items[0].id: None}
    with pytest.raises(services.ChecklistIncomplete):
        services.save_review(session, SYSTEM, idea, answers=partial, reviewed_cost_cents=1, decision="admissible")
    with pytest.raises(services.CostRequired):
        services.save_review(session, SYSTEM, idea, answers=_yes(session, edition), decision="feasible")
    # Saving without a decision keeps the answers and the cost for later.
    review = services.save_review(session, SYSTEM, idea, answers=failed, reviewed_cost_cents=5_000_00)
    assert idea.status is IdeaStatus.SUBMITTED and review.decision is None
    assert {a.item_id: a.passed for a in review.answers}[items[3].id] is False
    services.save_review(session, SYSTEM, idea, answers=failed, decision="not_admissible",
                         public_reason="Le terrain appartient au Département.")
    assert idea.status is IdeaStatus.NOT_ADMISSIBLE


def test_feasibility_is_decided_during_the_review_phase_only(session, cycle, make) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    with pytest.raises(rules.PhaseClosed):
        services.save_review(session, SYSTEM, idea, answers=_yes(session, edition), reviewed_cost_cents=1,
                             decision="feasible")
    assert idea.status is IdeaStatus.SUBMITTED and idea.project_id is None
    services.save_review(session, SYSTEM, idea, answers=_yes(session, edition), decision="admissible")
    assert idea.status is IdeaStatus.ADMISSIBLE


def test_a_decision_can_be_reopened_with_a_reason(session, cycle, make) -> None:
    edition = cycle.edition(Phase.REVIEW)
    admin = make.admin()
    refused = cycle.idea(edition, status=IdeaStatus.NOT_ADMISSIBLE)
    infeasible = cycle.idea(edition, status=IdeaStatus.INFEASIBLE)
    with pytest.raises(Forbidden):
        services.reopen(session, make.user(roles=["reviewer"]), refused, "Recours")
    services.reopen(session, admin, refused, "Recours accepté : le terrain est bien municipal.")
    services.reopen(session, admin, infeasible, "Nouvelle étude.")
    assert (refused.status, infeasible.status) == (IdeaStatus.SUBMITTED, IdeaStatus.ADMISSIBLE)
    with pytest.raises(rules.InvalidTransition):
        services.reopen(session, admin, refused, "Encore")


def test_progress_per_district_and_reviewer(session, cycle, make) -> None:
    edition = cycle.edition()
    d1, d2 = edition.districts
    admin = make.admin()
    rita = make.user(roles=["reviewer"], name="Rita")
    ideas = [cycle.idea(edition, district=d1) for _ in range(3)] + [cycle.idea(edition, district=d2)]
    cycle.idea(edition, status=IdeaStatus.DRAFT)
    services.assign(session, admin, edition, [ideas[0].id, ideas[3].id], reviewer_id=rita.id)
    cycle.decide(ideas[0], IdeaStatus.FEASIBLE)
    cycle.decide(ideas[1], IdeaStatus.NOT_ADMISSIBLE)
    stats = dashboard.progress(session, admin, edition)
    first, second = stats["districts"]
    assert (first.total, first.open, first.decided, first.percent) == (3, 1, 2, 66)
    assert (second.total, second.open) == (1, 1)
    assert [(r.label, r.total, r.decided) for r in stats["reviewers"]] == [("Rita", 2, 1)]
    assert stats["unassigned"] == 1
    mine = dashboard.progress(session, rita, edition)
    assert [d.total for d in mine["districts"]] == [1, 1] and mine["reviewers"] == []


def test_ballot_projects_are_what_the_voting_code_reads(session, cycle, make) -> None:
    from pb.projects.services import ballot_projects, project_costs
    from pb.review.ballot import build_ballot

    edition = cycle.edition()
    a = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    b = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=edition.districts[1])
    assert ballot_projects(session, edition.id) == []
    build_ballot(session, make.admin(), edition)
    assert [p.id for p in ballot_projects(session, edition.id)] == [a.project_id, b.project_id]
    assert project_costs(session, edition.id) == {a.project_id: (a.district_id, 40_000_00),
                                                  b.project_id: (b.district_id, 40_000_00)}
    assert session.scalar(sa.select(sa.func.count()).select_from(Project)) == 2
