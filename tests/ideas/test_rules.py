"""Every pair of statuses against the transitions table: allowed ones pass with the right
actor, phase and reason; each missing condition gives its named refusal; the rest are refused."""

from __future__ import annotations

import itertools

import pytest

from pb.editions.models import Phase
from pb.ideas import rules
from pb.ideas.models import IdeaStatus

PAIRS = list(itertools.permutations(IdeaStatus, 2))


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_every_pair_of_statuses(app, current: IdeaStatus, target: IdeaStatus) -> None:
    with app.test_request_context():
        transition = rules.TRANSITIONS.get((current, target))
        if transition is None:
            for by in (rules.AUTHOR, rules.REVIEW):
                for phase in Phase:
                    with pytest.raises(rules.InvalidTransition):
                        rules.check_transition(current, target, by=by, phase=phase, reason="because")
            return
        phase = transition.phases[0]
        assert rules.check_transition(current, target, by=transition.by, phase=phase, reason="because") is transition
        other = rules.REVIEW if transition.by == rules.AUTHOR else rules.AUTHOR
        with pytest.raises(rules.TransitionNotAllowed):
            rules.check_transition(current, target, by=other, phase=phase, reason="because")
        for closed in (p for p in Phase if p not in transition.phases):
            with pytest.raises(rules.PhaseClosed):
                rules.check_transition(current, target, by=transition.by, phase=closed, reason="because")
        if transition.reason_required:
            with pytest.raises(rules.ReasonRequired):
                rules.check_transition(current, target, by=transition.by, phase=phase, reason="  ")
        else:
            assert rules.check_transition(current, target, by=transition.by, phase=phase) is transition


def test_the_table_matches_the_design() -> None:
    S = IdeaStatus
    decisions = {(src, dst) for (src, dst), t in rules.TRANSITIONS.items() if t.verb == "decide"}
    assert decisions == {(S.SUBMITTED, S.NOT_ADMISSIBLE), (S.SUBMITTED, S.ADMISSIBLE),
                         (S.ADMISSIBLE, S.INFEASIBLE), (S.ADMISSIBLE, S.FEASIBLE)}
    # A negative decision is public and explained.
    for pair in [(S.SUBMITTED, S.NOT_ADMISSIBLE), (S.ADMISSIBLE, S.INFEASIBLE)]:
        assert rules.TRANSITIONS[pair].reason_required
    # Authors withdraw before the vote only, never once the vote has opened.
    withdrawals = [t for (src, dst), t in rules.TRANSITIONS.items() if dst is S.WITHDRAWN]
    assert withdrawals and all(Phase.VOTE not in t.phases and t.by == rules.AUTHOR for t in withdrawals)
    assert set(rules.FINAL) == {S.MERGED, S.WITHDRAWN}
    assert S.DRAFT not in rules.PUBLIC


def test_allowed_targets_depend_on_actor_and_phase() -> None:
    S = IdeaStatus
    assert rules.allowed_targets(S.SUBMITTED, by=rules.AUTHOR, phase=Phase.SUBMISSION) == [S.WITHDRAWN]
    assert set(rules.allowed_targets(S.SUBMITTED, by=rules.REVIEW, phase=Phase.SUBMISSION)) == {
        S.NOT_ADMISSIBLE, S.ADMISSIBLE}
    assert set(rules.allowed_targets(S.ADMISSIBLE, by=rules.REVIEW, phase=Phase.REVIEW)) == {
        S.INFEASIBLE, S.FEASIBLE, S.MERGED}
    assert rules.allowed_targets(S.FEASIBLE, by=rules.AUTHOR, phase=Phase.VOTE) == []
