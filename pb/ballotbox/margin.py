"""The margin of an outcome: how many ballots would have to be added to the box or taken out of
it for the funded set to change. Pure functions over plain data (scores, costs, the envelope,
the tie-break order); docs/ballotbox.md gives the method and its proof in words.

The model. One ballot added or removed moves each project's score by at most `unit` (1 for
approval and budget ballots, the points of a ballot for cumulative ones). With k ballots, any
score vector whose projects moved by at most k·unit is reachable in this relaxed model, and
what the greedy rule funds depends only on the order of the projects (score, then the tie-break).
Project p can be pushed below q exactly when their key gap is under k·unit (one ballot, at most
one unit of gap), so the orders reachable with k ballots are the linear extensions of the
semiorder "p stays above q when key_p − key_q > k·unit" — and every such extension is reached
by adding ballots only (each project raised from the bottom of the order up, by what it needs).

`greedy_margin` finds the smallest k for which some reachable order makes greedy fund another
set: a search over the order's prefixes (a prefix is a set of projects; while the decisions
agree with the real outcome, the money left is fixed by the prefix), memoised, with the gaps
between pairs as the only values of k worth trying, by bisection (more ballots, more orders).

- It is a lower bound on the real number of ballots (the relaxed model allows more), so
  "cannot change the outcome" (discrepancy < margin) is never said wrongly.
- It is exact when the order found can be produced by real ballots: the ballots added are the
  nested sets {projects raised by at least j}, j = 1..k; `exact` says whether they are valid
  ballots of the edition (number of choices; for budget ballots, cost within the envelope).
- When the search would visit too many prefixes (many projects within k votes of each other),
  it stops and the bound falls back to the smallest gap between two consecutive projects of
  the order: still sound, no longer exact.

Other rules (the Method of Equal Shares, majority judgment, a score threshold) get the trivial
sound bound: one ballot may change their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

MAX_STATES = 200_000


@dataclass(frozen=True)
class Margin:
    ballots: int | None  # None: no number of ballots changes the funded set (all fit, or none does)
    exact: bool
    method: str  # "greedy" | "gap-bound" | "trivial"

    def verdict(self, discrepancy: int) -> bool:
        """True when the discrepancy cannot change the outcome."""
        return self.ballots is None or discrepancy < self.ballots


class _TooMany(Exception):
    pass


def _keys(scores: Sequence[int], tie_order: Sequence[int]) -> list[int]:
    """Sortable keys: score first, then the tie-break (a lower tie position wins)."""
    n = len(scores)
    return [int(scores[i]) * n + (n - 1 - int(tie_order[i])) for i in range(n)]


def greedy_funded(order: Sequence[int], costs: Sequence[int], budget: int, skip: bool = True) -> set[int]:
    remaining = budget
    funded: set[int] = set()
    for i in order:
        if costs[i] <= remaining:
            funded.add(i)
            remaining -= costs[i]
        elif not skip:
            break
    return funded


def _change_exists(k: int, unit: int, keys: list[int], costs: Sequence[int], budget: int, skip: bool,
                   funded: set[int], n_scale: int) -> list[int] | None:
    """A reachable order (with k ballots) whose outcome differs, or None."""
    n = len(keys)
    by_key = sorted(range(n), key=lambda i: -keys[i])
    slack = k * unit * n_scale
    seen: set[int] = set()
    cost_funded = {i: costs[i] if i in funded else 0 for i in range(n)}

    def search(placed: int, path: list[int]) -> list[int] | None:
        if placed in seen:
            return None
        seen.add(placed)
        if len(seen) > MAX_STATES:
            raise _TooMany()
        top = next((i for i in by_key if not placed >> i & 1), None)
        if top is None:
            return None
        remaining = budget - sum(cost_funded[i] for i in path)
        stopped = not skip and any(i not in funded for i in path)
        for e in by_key:
            if placed >> e & 1:
                continue
            if keys[top] - keys[e] > slack:
                break  # e and everything below it are held below `top`
            fund = not stopped and costs[e] <= remaining
            if fund != (e in funded):
                return path + [e] + [i for i in by_key if not placed >> i & 1 and i != e]
            found = search(placed | 1 << e, path + [e])
            if found is not None:
                return found
        return None

    return search(0, [])


def _raises(order: list[int], keys: list[int], n_scale: int) -> list[int]:
    """The least raise (in units of one ballot) of each project that produces `order`."""
    n = len(order)
    raise_by = [0] * len(keys)
    below: int | None = None
    for i in reversed(order):
        value = keys[i]
        j = 0
        while below is not None and value + j * n_scale <= below:
            j += 1
        raise_by[i] = j
        below = value + j * n_scale
    assert n == len(keys)
    return raise_by


def greedy_margin(scores: Sequence[int], costs: Sequence[int], budget: int, tie_order: Sequence[int], *,
                  skip: bool = True, unit: int = 1, min_choices: int = 1, max_choices: int | None = None,
                  max_cost: int | None = None) -> Margin:
    """The margin of the greedy rule (with skipping, or `skip=False` for greedy-no-skip). `unit`:
    the most one ballot moves a score. `min_choices`, `max_choices`, `max_cost` (budget ballots:
    the envelope) describe a valid ballot, to say whether the margin found is exact."""
    n = len(scores)
    if n == 0:
        return Margin(None, True, "greedy")
    keys = _keys(scores, tie_order)
    by_key = sorted(range(n), key=lambda i: -keys[i])
    funded = greedy_funded(by_key, costs, budget, skip)
    gaps = sorted({(keys[p] - keys[q]) // (unit * n) + 1 for p in range(n) for q in range(n) if keys[p] > keys[q]})
    if not gaps:
        return Margin(None, True, "greedy")
    lo, hi = 0, len(gaps) - 1
    witness: list[int] | None = None
    try:
        if _change_exists(gaps[hi], unit, keys, costs, budget, skip, funded, n) is None:
            return Margin(None, True, "greedy")
        while lo < hi:
            mid = (lo + hi) // 2
            if _change_exists(gaps[mid], unit, keys, costs, budget, skip, funded, n) is not None:
                hi = mid
            else:
                lo = mid + 1
        witness = _change_exists(gaps[lo], unit, keys, costs, budget, skip, funded, n)
    except _TooMany:
        consecutive = [(keys[by_key[i]] - keys[by_key[i + 1]]) // (unit * n) + 1 for i in range(n - 1)]
        return Margin(min(consecutive), False, "gap-bound")
    k = gaps[lo]
    assert witness is not None
    return Margin(k, unit == 1 and _realisable(witness, keys, k, costs, n, min_choices, max_choices, max_cost),
                  "greedy")


def _realisable(order: list[int], keys: list[int], k: int, costs: Sequence[int], n: int, min_choices: int,
                max_choices: int | None, max_cost: int | None) -> bool:
    """Can k real ballots (each a valid ballot) raise the projects as `order` needs?"""
    raise_by = _raises(order, keys, n)
    if max(raise_by) > k:
        return False
    for j in range(1, max(raise_by) + 1):
        ballot = [i for i in range(n) if raise_by[i] >= j]
        if len(ballot) < min_choices or (max_choices is not None and len(ballot) > max_choices):
            return False
        if max_cost is not None and sum(costs[i] for i in ballot) > max_cost:
            return False
    return True
