"""The margin against brute force: on small approval elections, every way of adding or removing
up to DEPTH ballots is tried, and the greedy outcome recomputed (the original outcome by pb's
tally core, an independent oracle). The margin must never exceed the true number (sound: it never
says "cannot change" wrongly) and must equal it when it says it is exact — always, when any
set of projects is a valid ballot."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pb.ballotbox.margin import Margin, greedy_funded, greedy_margin
from pb.tally import Election, Project, run

DEPTH = 4


def _subsets(n: int, max_choices: int | None) -> list[frozenset[int]]:
    top = n if max_choices is None else min(n, max_choices)
    return [frozenset(c) for size in range(1, top + 1) for c in combinations(range(n), size)]


def _funded(scores: list[int], costs: list[int], budget: int, skip: bool) -> frozenset[int]:
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], str(i + 1)))  # lexicographic ids "1".."n"
    return frozenset(greedy_funded(order, costs, budget, skip))


def true_margin(costs: list[int], budget: int, ballots: list[frozenset[int]], max_choices: int | None,
                skip: bool = True) -> int | None:
    """Breadth-first over the profiles reachable by adding any valid ballot or removing a present one."""
    n = len(costs)
    options = _subsets(n, max_choices)
    start = tuple(sorted(tuple(sorted(b)) for b in ballots))

    def scores_of(profile: tuple[tuple[int, ...], ...]) -> list[int]:
        s = [0] * n
        for b in profile:
            for i in b:
                s[i] += 1
        return s

    original = _funded(scores_of(start), costs, budget, skip)
    frontier, seen = {start}, {start}
    for depth in range(1, DEPTH + 1):
        following = set()
        for profile in frontier:
            moves = [tuple(sorted(profile + (tuple(sorted(o)),))) for o in options]
            moves += [profile[:i] + profile[i + 1:] for i in range(len(profile))]
            for nxt in moves:
                if nxt in seen:
                    continue
                seen.add(nxt)
                if _funded(scores_of(nxt), costs, budget, skip) != original:
                    return depth
                following.add(nxt)
        frontier = following
    return None  # more than DEPTH


def _margin(costs: list[int], budget: int, ballots: list[frozenset[int]], max_choices: int | None,
            skip: bool = True) -> Margin:
    n = len(costs)
    scores = [sum(1 for b in ballots if i in b) for i in range(n)]
    tie_order = sorted(range(n), key=lambda i: str(i + 1))
    ranks = [tie_order.index(i) for i in range(n)]
    return greedy_margin(scores, costs, budget, ranks, skip=skip, max_choices=max_choices)


elections = st.integers(2, 3).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 6), min_size=n, max_size=n),
    st.integers(1, 12),
    st.lists(st.frozensets(st.integers(0, n - 1), min_size=1, max_size=n), max_size=6),
))


@settings(max_examples=150, deadline=None)
@given(elections, st.booleans())
def test_margin_equals_brute_force_when_any_set_is_a_ballot(election, skip) -> None:
    costs, budget, ballots = election
    # pb's tally core agrees on the outcome the margin starts from.
    tally = Election.build([Project(str(i + 1), c) for i, c in enumerate(costs)],
                           [[str(i + 1) for i in sorted(b)] for b in ballots], budget, "approval")
    outcome = run(tally, "greedy" if skip else "greedy-no-skip", "lexicographic")
    scores = [sum(1 for b in ballots if i in b) for i in range(len(costs))]
    assert {int(p) - 1 for p in outcome.selected} == _funded(scores, costs, budget, skip)
    margin = _margin(costs, budget, ballots, None, skip)
    truth = true_margin(costs, budget, ballots, None, skip)
    assert margin.exact
    if truth is None:
        assert margin.ballots is None or margin.ballots > DEPTH
    else:
        assert margin.ballots == truth, (margin, truth)


@settings(max_examples=100, deadline=None)
@given(elections)
def test_margin_is_sound_with_a_maximum_of_choices(election) -> None:
    costs, budget, ballots = election
    ballots = [b for b in ballots if len(b) == 1]
    margin = _margin(costs, budget, ballots, 1)
    truth = true_margin(costs, budget, ballots, 1)
    if margin.ballots is not None and truth is not None:
        assert margin.ballots <= truth
        if margin.exact:
            assert margin.ballots == truth
    if truth is not None:
        assert margin.ballots is not None
        assert not margin.verdict(truth)  # a change of the true size is never called harmless


def test_constructed_close_race() -> None:
    # Envelope 100: A (60) and B (50) cannot both be funded. A leads B by 3 votes: 2 extra ballots for B
    # cannot change the outcome, 3 can (B would then tie with A... and lose the tie; 4 would win): margin 4
    # with the tie-break favouring A.
    scores, costs, ranks = [103, 100, 10], [60, 50, 40], [0, 1, 2]
    margin = greedy_margin(scores, costs, 100, ranks)
    assert margin == Margin(4, True, "greedy")
    assert margin.verdict(3) and not margin.verdict(4)
    # The third project is funded after A (60 + 40): lowering it below... it is last anyway; moving B above A
    # is what changes the funded set. With the tie-break favouring B, 3 ballots suffice.
    assert greedy_margin(scores, costs, 100, [1, 0, 2]).ballots == 3


def test_every_project_funded_whatever_the_order_has_no_margin() -> None:
    assert greedy_margin([5, 1, 0], [10, 10, 10], 30, [0, 1, 2]).ballots is None
    assert greedy_margin([], [], 10, []).ballots is None
