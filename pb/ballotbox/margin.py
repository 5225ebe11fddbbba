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
- The cheapest move of a single project up or down the order gives an upper bound first
  (usually the answer); the search then only runs for the gaps below it. When it would visit
  too many prefixes (many projects within k votes of each other), it counts as "a change
  exists": the margin stays a lower bound (sound), marked not exact.

Other rules (the Method of Equal Shares, majority judgment, a score threshold) get the trivial
sound bound: one ballot may change their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

MAX_STATES = 4_000


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
    in_funded = [i in funded for i in range(n)]

    def search(placed: int, path: list[int], remaining: int, stopped: bool) -> list[int] | None:
        if len(seen) > MAX_STATES:
            raise _TooMany()
        top = next((i for i in by_key if not placed >> i & 1), None)
        if top is None:
            return None
        for e in by_key:
            if placed >> e & 1:
                continue
            if keys[top] - keys[e] > slack:
                break  # e and everything below it are held below `top`
            fund = not stopped and costs[e] <= remaining
            if fund != in_funded[e]:
                return path + [e] + [i for i in by_key if not placed >> i & 1 and i != e]
            after = placed | 1 << e
            if after in seen:
                continue
            seen.add(after)
            found = search(after, path + [e], remaining - costs[e] if fund else remaining,
                           stopped or (not skip and not fund))
            if found is not None:
                return found
        return None

    return search(0, [], budget, False)


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


def _single_moves(keys: list[int], costs: Sequence[int], budget: int, skip: bool, funded: set[int],
                  unit: int) -> tuple[int, list[int]] | None:
    """The cheapest change made by moving one project up or down the order (an upper bound on
    the margin, and the usual answer): (ballots, order) or None."""
    n = len(keys)
    by_key = sorted(range(n), key=lambda i: -keys[i])
    best: tuple[int, list[int]] | None = None
    for at, x in enumerate(by_key):
        rest = by_key[:at] + by_key[at + 1:]
        for to in range(n):
            if to == at:
                continue
            other = by_key[to]  # x goes just above `other` (up) or just below it (down)
            cost = (abs(keys[other] - keys[x])) // (unit * n) + 1
            if best is not None and cost >= best[0]:
                continue
            order = rest[:to] + [x] + rest[to:]
            if greedy_funded(order, costs, budget, skip) != funded:
                best = (cost, order)
    return best


def greedy_margin(scores: Sequence[int], costs: Sequence[int], budget: int, tie_order: Sequence[int], *,
                  skip: bool = True, unit: int = 1, min_choices: int = 1, max_choices: int | None = None,
                  max_cost: int | None = None) -> Margin:
    """The margin of the greedy rule (with skipping, or `skip=False` for greedy-no-skip). `unit`:
    the most one ballot moves a score. `min_choices`, `max_choices`, `max_cost` (budget ballots:
    the envelope) describe a valid ballot, to say whether the margin found is exact.

    First the cheapest single move (one project up or down): an upper bound U. Then the search
    over orders for the gaps below U, by bisection. A search that would visit too many prefixes
    counts as "a change exists" (so the margin stays a lower bound) and the result is not exact."""
    n = len(scores)
    if n == 0:
        return Margin(None, True, "greedy")
    keys = _keys(scores, tie_order)
    by_key = sorted(range(n), key=lambda i: -keys[i])
    funded = greedy_funded(by_key, costs, budget, skip)
    gaps = sorted({(keys[p] - keys[q]) // (unit * n) + 1 for p in range(n) for q in range(n) if keys[p] > keys[q]})
    single = _single_moves(keys, costs, budget, skip, funded, unit)
    complete = True

    def change(k: int) -> list[int] | None | bool:
        nonlocal complete
        try:
            return _change_exists(k, unit, keys, costs, budget, skip, funded, n)
        except _TooMany:
            complete = False
            return True

    if single is None:
        if not gaps:
            return Margin(None, True, "greedy")
        if change(gaps[-1]) is None:
            return Margin(None, True, "greedy")
        candidates = gaps
    else:
        candidates = [g for g in gaps if g < single[0]]
        if not candidates or change(candidates[-1]) is None:
            return Margin(single[0], unit == 1 and _realisable(single[1], keys, single[0], costs, n, min_choices,
                                                               max_choices, max_cost), "greedy")
    lo, hi = 0, len(candidates) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if change(candidates[mid]) is not None:
            hi = mid
        else:
            lo = mid + 1
    k = candidates[lo]
    found = change(k)
    if not complete or not isinstance(found, list):
        return Margin(k, False, "greedy")
    return Margin(k, unit == 1 and _realisable(found, keys, k, costs, n, min_choices, max_choices, max_cost),
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
