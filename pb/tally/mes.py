"""The Method of Equal Shares and the completions cities used.

* ``mes``: MES with cost utilities, no completion (pabutools ``method_of_equal_shares`` with
  ``Cost_Sat``; with points for cumulative/scoring/ordinal ballots, utility = points x cost).
* ``mes-add1``: Pabulib ``equalshares/add1``, what Wieliczka 2023, Świecie 2023 and Assen 2024 ran:
  the per-voter budget starts at floor(envelope / voters) and rises one currency unit at a time;
  the outcome is the last one whose cost fits the envelope (no stop at the first exhaustive one).
* ``mes-add1e``: pabutools' own completion (``voter_budget_increment``): start at envelope /
  voters, stop at the first exhaustive outcome (or before the first that does not fit).
* ``mes-add1-greedy``: ``mes-add1``, then greedy by votes with the money left (equalshares.net
  "Add1U").
* ``mes-add1-comparison``: Wieliczka's comparison step: keep ``mes-add1`` unless strictly more
  voters have more of their projects funded by greedy than by it.

A zero-cost project that someone supports is funded first: it takes no money from anyone.
(pabutools never funds it under ``Cost_Sat``, whose utility is then 0; pb's choice is documented in
docs/tally.md.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from pb.tally.explain import MESExplanation, MESFunded, MESNotFunded
from pb.tally.greedy import fund_in_order, greedy, greedy_scores, ranking
from pb.tally.mes_engine import MESEngine, MESRun
from pb.tally.model import Election, Money, Outcome, as_money
from pb.tally.profile import build_profile
from pb.tally.tiebreak import TieBreak


def memo(election: Election) -> dict:
    """Results derived from an election, kept on it: an Election is immutable, so they stay valid
    (the grouped profile, and add1's outcome that mes-add1-greedy and -comparison reuse)."""
    return election.__dict__.setdefault("_tally_memo", {})


class _Setup:
    """What every MES variant needs, computed once per election."""

    def __init__(self, election: Election, tie_break: TieBreak, utility: str, ordinal_points: Sequence[int] | None) -> None:
        self.election = election
        self.tie_break = tie_break
        self.ranks = tie_break.ranks(election)
        points = tuple(ordinal_points) if ordinal_points is not None else None
        self.key = (tie_break.spec(), utility, points)
        profiles = memo(election)
        if ("profile", utility, points) not in profiles:
            profiles[("profile", utility, points)] = build_profile(election, utility, ordinal_points)
        self.profile = profiles[("profile", utility, points)]
        self.engine = MESEngine(self.profile, election.costs, self.ranks)
        self.weight = self.profile.utility_weight()
        self.supporters = self.profile.supporter_counts()
        supported_free = [i for i, p in enumerate(election.projects) if p.cost == 0 and self.weight[i] > 0]
        self.free = sorted(supported_free, key=lambda i: self.ranks[i])
        self.utility = "cost" if self.profile.points is None else "points x cost"
        self.n = election.num_voters

    def cost(self, run: MESRun) -> Money:
        return self.election.total_cost(run.selected)

    def exhaustive(self, run: MESRun) -> bool:
        """No supported, not funded project fits in what the outcome leaves (pabutools' test)."""
        left = self.election.budget - self.cost(run)
        funded = set(run.selected)
        return all(self.election.projects[p].cost > left for p in self.engine.candidates if p not in funded)

    def outcome(self, rule: str, run: MESRun, explain: bool, completion: Sequence[int] = (), details: dict | None = None) -> Outcome:
        e = self.election
        order = self.free + run.selected + list(completion)
        explanation = None
        if explain:
            funded = tuple(
                MESFunded(e.projects[p].id, e.projects[p].cost, int(self.supporters[p]), cap / Fraction(e.projects[p].cost), cap, poor)
                for p, cap, poor in zip(run.selected, run.caps, run.poor)
            )
            not_funded = None
            if run.leftover is not None:
                later = set(completion)
                rows = [(p, money) for p, money in run.leftover.items() if p not in later]
                rows.sort(key=lambda r: (-int(self.supporters[r[0]]), self.ranks[r[0]]))
                not_funded = tuple(MESNotFunded(e.projects[p].id, e.projects[p].cost, int(self.supporters[p]), money) for p, money in rows)
            explanation = MESExplanation(
                Fraction(run.per_voter),
                self.utility,
                tuple(e.projects[i].id for i in self.free),
                funded,
                not_funded,
                completion=tuple(e.projects[i].id for i in completion),
            )
        all_details = {"per_voter_budget": run.per_voter}
        all_details.update(details or {})
        return Outcome(rule, self.tie_break.spec(), tuple(e.projects[i].id for i in order), e.total_cost(order), e.budget, explanation, all_details)

    def empty(self) -> MESRun:
        return MESRun(0, [], [], [], None)


def _increment(increment: Money) -> Money:
    inc = as_money(increment)
    if inc <= 0:
        raise ValueError("the add1 increment must be a positive amount")
    return inc


def mes(election: Election, tie_break: TieBreak, *, utility: str = "points", ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    """MES with cost utilities and no completion: each voter starts with envelope / voters."""
    s = _Setup(election, tie_break, utility, ordinal_points)
    if s.n == 0:
        return s.outcome("mes", s.empty(), explain)
    return s.outcome("mes", s.engine.run(Fraction(election.budget, 1) / s.n, explain), explain)


def _add1(s: _Setup, increment: Money) -> tuple[MESRun, int]:
    """Pabulib's add1: the last outcome whose cost fits, the per-voter budget rising by
    ``increment`` from floor(envelope / voters) (rounded down to a multiple of the increment)."""
    inc = _increment(increment)
    key = ("add1", *s.key, inc)
    cache = memo(s.election)
    if key not in cache:
        cache[key] = _add1_loop(s, inc)
    return cache[key]


def _add1_loop(s: _Setup, inc: Money) -> tuple[MESRun, int]:
    e = s.election
    start = math.floor(Fraction(e.budget) / s.n / inc) * inc
    if e.total_cost(s.engine.candidates) <= e.budget:
        # Every supported project fits: once each voter alone can pay for everything, MES funds
        # them all, at every larger budget, so that limit is the last outcome that fits.
        return s.engine.run(max(start, e.total_cost(s.engine.candidates))), 0
    b, last, runs = start, None, 0
    while True:
        run = s.engine.run(b)
        runs += 1
        if s.cost(run) > e.budget:
            break
        last, b = run, b + inc
    assert last is not None  # the first run spends at most voters x floor(envelope / voters)
    return last, runs


def mes_add1(election: Election, tie_break: TieBreak, *, increment: Money = 1, utility: str = "points", ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    """Pabulib ``equalshares/add1`` (Wieliczka 2023, Świecie 2023, Assen 2024)."""
    s = _Setup(election, tie_break, utility, ordinal_points)
    if s.n == 0:
        return s.outcome("mes-add1", s.empty(), explain)
    run, runs = _add1(s, increment)
    if explain:
        run = s.engine.run(run.per_voter, explain=True)
    return s.outcome("mes-add1", run, explain, details={"increment": as_money(increment), "runs": runs})


def mes_add1e(election: Election, tie_break: TieBreak, *, increment: Money = 1, utility: str = "points", ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    """pabutools' completion: from envelope / voters up by ``increment`` per voter, until the
    outcome is exhaustive (kept) or no longer fits (the previous one is kept)."""
    s = _Setup(election, tie_break, utility, ordinal_points)
    if s.n == 0:
        return s.outcome("mes-add1e", s.empty(), explain)
    inc = _increment(increment)
    b: Money = Fraction(election.budget, 1) / s.n
    previous, runs = s.empty(), 0
    while True:
        run = s.engine.run(b)
        runs += 1
        if s.cost(run) > election.budget:
            run = previous
            break
        if s.exhaustive(run):
            break
        previous, b = run, b + inc
    if explain and run.selected:
        run = s.engine.run(run.per_voter, explain=True)
    return s.outcome("mes-add1e", run, explain, details={"increment": inc, "runs": runs})


def mes_add1_greedy(election: Election, tie_break: TieBreak, *, increment: Money = 1, utility: str = "points", ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    """``mes-add1`` completed by greedy with the money left (equalshares.net "Add1U")."""
    s = _Setup(election, tie_break, utility, ordinal_points)
    if s.n == 0:
        return s.outcome("mes-add1-greedy", s.empty(), explain)
    run, runs = _add1(s, increment)
    if explain:
        run = s.engine.run(run.per_voter, explain=True)
    scores = greedy_scores(election, utility, ordinal_points)
    done = set(s.free) | set(run.selected)
    order = [i for i in ranking(scores, s.ranks) if i not in done]
    extra, _ = fund_in_order(election, order, scores, election.budget - s.cost(run))
    return s.outcome("mes-add1-greedy", run, explain, completion=extra, details={"increment": as_money(increment), "runs": runs})


def mes_add1_comparison(election: Election, tie_break: TieBreak, *, increment: Money = 1, utility: str = "points", ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    """Wieliczka's comparison step between ``mes-add1`` and ``greedy``: each voter counts how many
    of the projects they voted for each outcome funds; greedy's outcome is kept only if strictly
    more voters have more projects with greedy than with MES."""
    mes_out = mes_add1(election, tie_break, increment=increment, utility=utility, ordinal_points=ordinal_points, explain=explain)
    greedy_out = greedy(election, tie_break, utility=utility, ordinal_points=ordinal_points, explain=explain)
    b = election.ballots
    counts = []
    for out in (mes_out, greedy_out):
        funded = np.zeros(len(election.projects), dtype=np.float64)
        funded[[election.index[i] for i in out.selected]] = 1.0
        counts.append(np.bincount(b.rows, weights=funded[b.indices], minlength=len(b)))
    prefer_mes = int(np.sum(counts[0] > counts[1]))
    prefer_greedy = int(np.sum(counts[1] > counts[0]))
    chosen = greedy_out if prefer_greedy > prefer_mes else mes_out
    details = dict(mes_out.details)
    details.update(prefer_mes=prefer_mes, prefer_greedy=prefer_greedy, chosen="greedy" if chosen is greedy_out else "mes-add1")
    return Outcome("mes-add1-comparison", tie_break.spec(), chosen.selected, chosen.spent, chosen.budget, chosen.explanation, details)
