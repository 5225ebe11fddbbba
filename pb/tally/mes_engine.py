"""The Method of Equal Shares, exact and fast.

Each voter starts with an equal share ``b0`` of the envelope. In each round, for every project
still affordable (its supporters hold at least its cost), let ``q`` be the smallest payment cap
per point of utility such that supporters paying ``min(budget, q x points)`` cover the cost; MES
funds the project with the smallest ``rho = q / cost`` (utility = points x cost, "cost
utilities"), ties by the edition's tie-break, and charges its supporters. It stops when no
project is affordable.

How it is exact (docs/tally.md has the full argument):

* A voter who ever paid less than the cap gave everything and is *exhausted* (budget exactly 0),
  tracked as a flag. Every other voter's budget is exactly ``b0 - sum_k x_k q_k`` over the funded
  projects k they support (``x_k`` their points): a linear form in the caps ``q_k``, which are
  kept as exact rationals over one common denominator (Python integers).
* Decisions are first taken with float64 budgets, together with a rigorous bound ``E`` on their
  error. A float result is used only when it is *certified*: e.g. a project is declared cheaper
  than another only if the upper end of its certified interval for ``rho`` is below the lower end
  of the other's. Otherwise (a tie or a near-tie) the candidates' ``rho`` are computed exactly.
* The cap ``q`` of the funded project is always computed exactly: groups certainly poor, certainly
  rich, and a thin ambiguous band whose exact budgets are computed one by one; the sum of the poor
  budgets is computed exactly from integer counts (``sum w x_k``) and the exact caps.

Rounds are lazy, as in pabutools: ``rho`` only increases as budgets shrink, so a project's last
certified lower bound stays valid and most projects are not re-evaluated in most rounds.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

from pb.tally.model import Money
from pb.tally.profile import Profile

U = 2.0**-53  # unit roundoff of float64
WINDOW = 2.0**-30  # float near-tie window used to decide which candidates to evaluate together


@dataclass
class _Eval:
    """A candidate evaluated in float this round, with certified bounds on its exact cap."""

    p: int
    q: float  # float root (scaled money per point)
    slope: float  # utility weight of the supporters still paying the full cap at q
    cf: float  # float cost (scaled)
    wn: float  # weight of non-exhausted supporters (whose float budgets may be off by E)
    b: np.ndarray = field(repr=False)  # float budgets of the supporters
    q_lo: float = 0.0  # certified: exact q > q_lo (0 if unknown)
    q_hi: float | None = None  # certified: exact q <= q_hi (None until computed / if unknown)

    @property
    def rho(self) -> float:
        return self.q / self.cf

    @property
    def rho_lo(self) -> float:
        return 0.0 if self.q_lo <= 0 else self.q_lo / self.cf * (1 - 4 * U)


@dataclass
class _Root:
    """The exact cap of a project and how its supporters split."""

    q: Fraction  # scaled money per point
    rich: np.ndarray  # supporter groups (positions in the project's arrays) that pay q x points
    poor: np.ndarray  # non-exhausted supporters that give all they have
    exact_new: dict[int, Fraction]  # ambiguous groups: exact budget after paying


@dataclass
class MESRun:
    """One run of MES at a fixed per-voter budget (amounts in currency units)."""

    per_voter: Money
    selected: list[int]
    caps: list[Fraction]  # payment cap per point of utility, per funded project
    poor: list[int]  # voters who gave all they had left, per funded project
    leftover: dict[int, Fraction] | None = None  # supported, unfunded project -> supporters' money


class _Arrays:
    """A project's supporter groups with their weights and points, as floats and as integers."""

    __slots__ = ("sup", "w", "pts", "wp", "iw", "ipts", "wpts")

    def __init__(self, sup, w, pts, wp, iw, ipts, wpts) -> None:
        self.sup, self.w, self.pts, self.wp, self.iw, self.ipts, self.wpts = sup, w, pts, wp, iw, ipts, wpts

    def subset(self, keep: np.ndarray) -> _Arrays:
        return _Arrays(
            self.sup[keep], self.w[keep], self.pts[keep] if self.pts is not None else None,
            self.wp[keep], self.iw[keep], self.ipts[keep] if self.ipts is not None else None, self.wpts,
        )  # fmt: skip


class MESEngine:
    """MES over a fixed profile and costs, runnable at several per-voter budgets (for add1)."""

    def __init__(self, profile: Profile, costs: Sequence[Money], ranks: np.ndarray) -> None:
        self.prof = profile
        self.ranks = [int(r) for r in ranks]
        self.costs = [Fraction(c) for c in costs]
        self.cost_den = math.lcm(*(c.denominator for c in self.costs)) if self.costs else 1
        self.static: dict[int, _Arrays] = {}
        for p in range(profile.num_projects):
            lo, hi = int(profile.p_indptr[p]), int(profile.p_indptr[p + 1])
            if hi == lo or self.costs[p] <= 0:
                continue
            sup = profile.p_groups[lo:hi].astype(np.int64)
            iw = profile.weights[sup]
            ipts = profile.p_points[lo:hi] if profile.p_points is not None else None
            w = iw.astype(np.float64)
            pts = ipts.astype(np.float64) if ipts is not None else None
            wp = w * pts if pts is not None else w
            wpts = int(np.dot(iw, ipts)) if ipts is not None else int(iw.sum())
            self.static[p] = _Arrays(sup, w, pts, wp, iw, ipts, wpts)
        self.candidates = sorted(self.static)

    # ------------------------------------------------------------------ exact helpers
    def _coef(self, groups: np.ndarray) -> tuple[int, np.ndarray]:
        """For non-exhausted ``groups``: their total weight and, per funded project k, the sum of
        weight x points over those of them who support k (exact integers)."""
        prof = self.prof
        k_count = len(self.Qn)
        wsum = int(prof.weights[groups].sum())
        if k_count == 0 or len(groups) == 0:
            return wsum, np.zeros(k_count, dtype=np.int64)
        starts = prof.indptr[groups]
        lens = prof.indptr[groups + 1] - starts
        total = int(lens.sum())
        offs = np.cumsum(lens) - lens
        take = np.repeat(starts - offs, lens) + np.arange(total, dtype=np.int64)
        ks = self.fk[prof.indices[take]]
        mask = ks >= 0
        wrep = np.repeat(prof.weights[groups], lens)[mask]
        if prof.points is not None:
            wrep = wrep * prof.points[take][mask]
        coef = np.bincount(ks[mask], weights=wrep.astype(np.float64), minlength=k_count)
        if coef.max(initial=0) >= 2**53:  # pragma: no cover - would need 2^53 voters
            raise OverflowError("too many voters for exact float64 counts")
        return wsum, coef.astype(np.int64)

    def _exact_sum(self, groups: np.ndarray) -> int:
        """Numerator over D of the exact total budget of the non-exhausted ``groups``."""
        wsum, coef = self._coef(groups)
        total = self.B0 * self.D * wsum
        for k in np.flatnonzero(coef).tolist():
            total -= int(coef[k]) * self.Qn[k]
        return total

    def _exact_budgets(self, groups: np.ndarray) -> list[int]:
        """Numerators over D of each non-exhausted group's exact budget (the rare path)."""
        return [self._exact_sum(groups[i : i + 1]) // int(self.prof.weights[g]) for i, g in enumerate(groups.tolist())]

    # ------------------------------------------------------------------ float evaluation
    def _f(self, ev: _Eval, a: _Arrays, q: float) -> tuple[float, float]:
        """Float value of sum w min(b, q x pts) and a rigorous bound on its distance to the exact
        value: budget errors (at most E per non-exhausted voter) plus rounding (a sum of n
        non-negative float terms is within (n - 1)u of its exact value; 12 extra units cover the
        products and the comparisons that follow)."""
        m = np.minimum(ev.b, q * a.pts if a.pts is not None else q)
        f = float(np.dot(a.w, m))
        return f, ev.wn * self.E + 1.02 * (len(m) + 12) * U * f

    def _bound_step(self, ev: _Eval, a: _Arrays) -> float:
        return (ev.wn * self.E + 2 * (len(a.w) + 4) * U * ev.cf) / max(ev.slope, 1.0) + ev.q * 2.0**-50

    def _certify_lower(self, ev: _Eval, a: _Arrays) -> float:
        """A float q_lo with exact cap > q_lo, proven by f(q_lo) < cost; 0 if none found."""
        base = self._bound_step(ev, a)
        for k in range(4):
            q_try = ev.q - base * 8.0**k
            if q_try <= 0:
                return 0.0
            f, mg = self._f(ev, a, q_try)
            if f + mg < ev.cf * (1 - 4 * U):
                return q_try
        return 0.0

    def _certify_upper(self, ev: _Eval) -> float | None:
        """A float q_hi with exact cap <= q_hi, proven by f(q_hi) >= cost; None if none found
        (e.g. the project exactly exhausts its supporters' money)."""
        a = self.arrays[ev.p]
        base = self._bound_step(ev, a)
        for k in range(4):
            q_try = ev.q + base * 8.0**k
            f, mg = self._f(ev, a, q_try)
            if f - mg > ev.cf * (1 + 4 * U):
                return q_try
        return None

    def _evaluate(self, p: int, key: float) -> _Eval | None:
        """Float cap of ``p`` with a certified lower bound, or None if ``p`` is unaffordable."""
        a = self.arrays[p]
        exh = self.exh[a.sup]
        if exh.sum() * 2 > len(a.sup):  # drop exhausted supporters for the rest of this run
            a = self.arrays[p] = a.subset(~exh)
            exh = np.zeros(len(a.sup), dtype=bool)
        b = self.bf[a.sup]
        cf = self.Cf[p]
        wn = float(np.dot(a.w, ~exh))
        tot = float(np.dot(a.w, b))
        err = wn * self.E + 1.02 * (len(b) + 12) * U * (tot + cf)
        if tot + err < cf:
            return None
        if tot - err < cf:  # too close to call in float: decide exactly
            if self._exact_sum(a.sup[~exh]) < self.C[p] * self.D:
                return None
        q = self._float_root(b, a, cf, max(cf / a.wpts, key * cf))
        slope = float(np.dot(a.wp, b > (q * a.pts if a.pts is not None else q)))
        ev = _Eval(p, q, slope, cf, wn, b)
        ev.q_lo = max(self._certify_lower(ev, a), key * cf * (1 - 4 * U))
        return ev

    @staticmethod
    def _float_root(b: np.ndarray, a: _Arrays, cf: float, q: float) -> float:
        """Smallest q with sum w min(b, q pts) = cf, by Newton's method from below (the function
        is concave and piecewise linear), falling back to sorting if it is slow to converge."""
        tol = 4 * (len(b) + 4) * U * cf
        for _ in range(16):
            qp = q * a.pts if a.pts is not None else q
            f = float(np.dot(a.w, np.minimum(b, qp)))
            if cf - f <= tol:
                return q
            slope = float(np.dot(a.wp, b > qp))
            if slope <= 0:
                break
            q_new = q + (cf - f) / slope
            if q_new <= q:
                return q
            q = q_new
        ratio = b / a.pts if a.pts is not None else b
        order = np.argsort(ratio, kind="stable")
        rs, ws, wps = ratio[order], a.w[order], a.wp[order]
        paid = np.concatenate(([0.0], np.cumsum(ws * b[order])))
        used = np.concatenate(([0.0], np.cumsum(wps)))
        f_at = paid[:-1] + rs * (a.wpts - used[:-1])
        j = int(np.searchsorted(f_at, cf))
        if j >= len(rs):
            return float(rs[-1]) if len(rs) else q
        return (cf - paid[j]) / max(a.wpts - used[j], 1e-300)

    # ------------------------------------------------------------------ exact root
    def _exact_root(self, ev: _Eval) -> _Root:
        """The exact cap of ``ev.p``: supporters certainly poor or rich by the float certificate,
        the rest (a thin band) with exact budgets; then the classic poor/rich scan."""
        a = self.arrays[ev.p]
        if ev.q_hi is None:
            ev.q_hi = self._certify_upper(ev)
        live = ~self.exh[a.sup]
        if ev.q_hi is None or ev.q_lo <= 0:
            cpoor = np.zeros(len(a.sup), dtype=bool)
            crich = np.zeros(len(a.sup), dtype=bool)
        else:
            pf = a.pts if a.pts is not None else 1.0
            cpoor = live & ((ev.b + self.E) * (1 + 2 * U) < ev.q_lo * pf * (1 - 4 * U))
            crich = live & ((ev.b - self.E) * (1 - 2 * U) > ev.q_hi * pf * (1 + 4 * U))
        amb_idx = np.flatnonzero(live & ~cpoor & ~crich)
        D = self.D
        CD = self.C[ev.p] * D
        poor_num = self._exact_sum(a.sup[cpoor])
        rich_w = int(np.dot(a.iw[crich], a.ipts[crich])) if a.ipts is not None else int(a.iw[crich].sum())
        items = []
        for j, beta in zip(amb_idx.tolist(), self._exact_budgets(a.sup[amb_idx])):
            pt = int(a.ipts[j]) if a.ipts is not None else 1
            wg = int(a.iw[j])
            items.append((Fraction(beta, pt), beta, wg, pt, j))
            rich_w += wg * pt
        items.sort()
        split = len(items)
        for n, (_, beta, wg, pt, _) in enumerate(items):
            if (CD - poor_num) * pt <= beta * rich_w:
                split = n
                break
            poor_num += wg * beta
            rich_w -= wg * pt
        if rich_w == 0:  # every supporter gives everything: the cap is the largest budget/points
            if poor_num != CD or not items:
                raise AssertionError("MES: inconsistent exact cap (affordability)")
            q = Fraction(items[-1][1], items[-1][3] * D)
        else:
            q = Fraction(CD - poor_num, rich_w * D)
        if ev.q_hi is not None and ev.q_lo > 0 and not (Fraction(ev.q_lo) < q <= Fraction(ev.q_hi)):
            # The float certificate did not hold (it never should): redo with every budget exact.
            ev.q_lo, ev.q_hi = 0.0, None  # pragma: no cover
            return self._exact_root(ev)  # pragma: no cover
        poor_amb = [it[4] for it in items[:split]]
        rich_amb = items[split:]
        poor = np.concatenate([np.flatnonzero(cpoor), np.array(poor_amb, dtype=np.int64)]).astype(np.int64)
        rich = np.concatenate([np.flatnonzero(crich), np.array([it[4] for it in rich_amb], dtype=np.int64)]).astype(np.int64)
        exact_new = {it[4]: Fraction(it[1], D) - q * it[3] for it in rich_amb}
        return _Root(q, rich, poor, exact_new)

    # ------------------------------------------------------------------ one run
    def run(self, per_voter: Money, explain: bool = False) -> MESRun:
        """MES with every voter starting at ``per_voter`` (currency units)."""
        per_voter = Fraction(per_voter)
        self.scale = scale = self.cost_den * per_voter.denominator
        self.B0 = int(per_voter * scale)
        self.C = [int(c * scale) for c in self.costs]
        self.Cf = [float(c) for c in self.C]
        self.D = 1
        self.Qn: list[int] = []
        self.fk = np.full(self.prof.num_projects, -1, dtype=np.int64)
        self.bf = np.full(self.prof.num_groups, float(self.B0))
        self.exh = np.full(self.prof.num_groups, self.B0 == 0, dtype=bool)
        self.E = 2 * U * float(self.B0)
        self.arrays = dict(self.static)
        heap = [((1.0 / self.static[p].wpts) * (1 - 4 * U), self.ranks[p], p) for p in self.candidates]
        heapq.heapify(heap)
        selected: list[int] = []
        caps: list[Fraction] = []
        poor_counts: list[int] = []
        while heap:
            chosen = self._round(heap)
            if chosen is None:
                break
            ev, root = chosen
            poor_counts.append(self._pay(ev, root))
            selected.append(ev.p)
            caps.append(root.q / scale)
        leftover = self._leftover(selected) if explain else None
        money = per_voter if per_voter.denominator != 1 else int(per_voter)
        return MESRun(money, selected, caps, poor_counts, leftover)

    def _round(self, heap: list) -> tuple[_Eval, _Root] | None:
        """One MES round: the affordable project with the smallest rho, certified or exact."""
        evaluated: dict[int, _Eval] = {}
        best: _Eval | None = None

        def better(x: _Eval, y: _Eval | None) -> bool:
            return y is None or (x.rho, self.ranks[x.p]) < (y.rho, self.ranks[y.p])

        while heap and (best is None or heap[0][0] <= best.rho * (1 + WINDOW)):
            key, _, p = heapq.heappop(heap)
            ev = self._evaluate(p, key)
            if ev is not None:
                evaluated[p] = ev
                best = ev if better(ev, best) else best
        if best is None:
            return None
        while True:  # no project left in the heap may be able to beat the best
            if best.q_hi is None:
                best.q_hi = self._certify_upper(best)
            hi = best.q_hi / best.cf * (1 + 4 * U) if best.q_hi is not None else math.inf
            changed = False
            while heap and heap[0][0] <= hi:
                key, _, p = heapq.heappop(heap)
                ev = self._evaluate(p, key)
                if ev is not None:
                    evaluated[p] = ev
                    if better(ev, best):
                        best, changed = ev, True
            if not changed:
                break
        contenders = [ev for ev in evaluated.values() if ev is not best and ev.rho_lo <= hi]
        if contenders or best.q_hi is None:
            roots = [(self._exact_root(ev), ev) for ev in [best, *contenders]]
            root, best = min(roots, key=lambda r: (r[0].q / self.C[r[1].p], self.ranks[r[1].p]))
            for other_root, other in roots:  # an exact cap is the best lower bound there is
                if other is not best:
                    other.q_lo = max(other.q_lo, float(other_root.q) * (1 - 4 * U))
        else:
            root = self._exact_root(best)
        for ev in evaluated.values():
            if ev is not best:
                heapq.heappush(heap, (ev.rho_lo, self.ranks[ev.p], ev.p))
        return best, root

    def _pay(self, ev: _Eval, root: _Root) -> int:
        """Charge the supporters of the funded project; return how many gave all they had."""
        a = self.arrays[ev.p]
        q = root.q
        d_new = math.lcm(self.D, q.denominator)
        if d_new != self.D:
            factor = d_new // self.D
            self.Qn = [x * factor for x in self.Qn]
            self.D = d_new
        self.fk[ev.p] = len(self.Qn)
        self.Qn.append(q.numerator * (d_new // q.denominator))
        qf = float(q)
        rich_groups = a.sup[root.rich]
        charge = qf * a.pts[root.rich] if a.pts is not None else qf
        self.bf[rich_groups] = np.maximum(self.bf[rich_groups] - charge, 0.0)
        for j, value in root.exact_new.items():
            self.bf[a.sup[j]] = float(value)
            if value == 0:
                self.exh[a.sup[j]] = True
        poor_groups = a.sup[root.poor]
        self.bf[poor_groups] = 0.0
        self.exh[poor_groups] = True
        self.E += 4 * U * float(self.B0)
        return int(self.prof.weights[poor_groups].sum())

    def _leftover(self, selected: list[int]) -> dict[int, Fraction]:
        """Exact money left to the supporters of each supported project MES did not fund.

        For every project p: ``b0 x W(p) - sum_k C[p, k] q_k`` over the voters still holding money,
        with ``C[p, k]`` the weight x points, among p's supporters, of the supporters of funded k;
        one gather per funded project builds the whole integer matrix C."""
        prof, m, k_count = self.prof, self.prof.num_projects, len(self.Qn)
        live = ~self.exh
        owner = np.repeat(np.arange(m), np.diff(prof.p_indptr))
        alive = live[prof.p_groups]
        w_live = np.bincount(owner[alive], weights=prof.weights[prof.p_groups[alive]].astype(np.float64), minlength=m)
        coef = np.zeros((m, k_count))
        lens_all = np.diff(prof.indptr)
        for p, k in zip(selected, range(k_count)):
            a = self.static[p]
            keep = live[a.sup]
            groups, x = a.sup[keep], (a.iw * (a.ipts if a.ipts is not None else 1))[keep]
            lens = lens_all[groups]
            offs = np.cumsum(lens) - lens
            take = np.repeat(prof.indptr[groups] - offs, lens) + np.arange(int(lens.sum()), dtype=np.int64)
            coef[:, k] = np.bincount(prof.indices[take], weights=np.repeat(x, lens).astype(np.float64), minlength=m)
        funded = set(selected)
        out: dict[int, Fraction] = {}
        for p in self.candidates:
            if p not in funded:
                total = self.B0 * self.D * int(w_live[p])
                for k in np.flatnonzero(coef[p]).tolist():
                    total -= int(coef[p, k]) * self.Qn[k]
                out[p] = Fraction(total, self.D * self.scale)
        return out
