"""Greedy rules: rank projects by votes or points, fund down the ranking while money lasts.

This is how most cities count (Pabulib ``greedy``): a project that does not fit in what remains is
skipped and cheaper ones further down may still be funded. ``greedy-no-skip`` stops at the first
project that does not fit; ``greedy-threshold`` only considers projects whose score reaches the
file's ``min_project_score_threshold``. For approval ballots ``greedy`` equals pabutools'
``greedy_utilitarian_welfare`` with ``Cost_Sat``. Scores are integers, so ranking is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pb.tally.explain import GreedyExplanation, GreedyStep
from pb.tally.model import Election, Money, Outcome
from pb.tally.profile import entry_points
from pb.tally.tiebreak import TieBreak


def greedy_scores(election: Election, utility: str = "points", ordinal_points: Sequence[int] | None = None) -> np.ndarray:
    """Votes (approval, choose-1, or ``utility="approval"``) or points (cumulative, scoring,
    ordinal positional points as the city defined them)."""
    if utility == "points" and ordinal_points is None:
        return election.scores
    pts = entry_points(election, utility, ordinal_points)
    if pts is None:
        return election.votes
    return np.bincount(election.ballots.indices, weights=pts, minlength=len(election.projects)).astype(np.int64)


def ranking(scores: np.ndarray, ranks: np.ndarray) -> list[int]:
    """Project positions by decreasing score, ties by the tie-break rank."""
    return [int(i) for i in np.lexsort((ranks, -np.asarray(scores, dtype=np.int64)))]


def fund_in_order(
    election: Election,
    order: Sequence[int],
    scores: Sequence[int],
    budget: Money,
    *,
    skip: bool = True,
    threshold: int | None = None,
) -> tuple[list[int], list[GreedyStep]]:
    """Walk ``order`` and fund each project that fits in what remains (or stop at the first that
    does not, when ``skip`` is False). Projects scoring below ``threshold`` are never funded."""
    remaining = budget
    funded: list[int] = []
    steps: list[GreedyStep] = []
    stopped = False
    for i in order:
        p = election.projects[i]
        score = int(scores[i])
        if threshold is not None and score < threshold:
            status = "below-threshold"
        elif stopped:
            status = "not-reached"
        elif p.cost <= remaining:
            status = "funded"
        else:
            status = "skipped"
            stopped = not skip
        steps.append(GreedyStep(p.id, score, p.cost, status, remaining))
        if status == "funded":
            funded.append(i)
            remaining -= p.cost
    return funded, steps


def greedy(
    election: Election,
    tie_break: TieBreak,
    *,
    skip: bool = True,
    threshold: int | None = None,
    utility: str = "points",
    ordinal_points: Sequence[int] | None = None,
    rule: str = "greedy",
    explain: bool = True,
) -> Outcome:
    """Greedy by votes or points; ``skip=False`` gives greedy-no-skip."""
    scores = greedy_scores(election, utility, ordinal_points)
    order = ranking(scores, tie_break.ranks(election))
    funded, steps = fund_in_order(election, order, scores, election.budget, skip=skip, threshold=threshold)
    by_points = utility == "points" and election.vote_type not in ("approval", "choose-1")
    explanation = GreedyExplanation("points" if by_points else "votes", threshold, tuple(steps)) if explain else None
    return Outcome(
        rule=rule,
        tie_break=tie_break.spec(),
        selected=tuple(election.projects[i].id for i in funded),
        spent=election.total_cost(funded),
        budget=election.budget,
        explanation=explanation,
        details={"threshold": threshold} if threshold is not None else {},
    )
