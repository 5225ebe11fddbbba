"""Ballots collapsed for the rules' inner loops.

Identical ballots are merged into one *group* with a weight (a multiprofile), and the projects'
supporters are listed group by group (a CSR matrix and its transpose). Real elections collapse well
(Łódź 2022: 90,494 ballots, 23,571 distinct; Wrocław 2015: 131,778 choose-1 ballots, 197 distinct),
and MES gives every voter of a group the same payments, so the rules work on groups only.

Grouping hashes each ballot (a 64-bit hash of its entries and length) and then *verifies* that
every ballot equals its group's first ballot, entry by entry; if a hash collision ever merged two
different ballots, it falls back to exact grouping with Python tuples. So the result is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from pb.tally.model import Election

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash (wrap-around arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


@dataclass(frozen=True, eq=False)
class Profile:
    """Groups of identical ballots.

    Group ``g`` stands for ``weights[g]`` voters whose ballot names the projects
    ``indices[indptr[g]:indptr[g+1]]`` (sorted) with utility weights ``points`` (None: all 1).
    ``p_indptr``/``p_groups``/``p_points`` list, for each project, its supporting groups.
    """

    weights: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    points: np.ndarray | None
    num_projects: int
    p_indptr: np.ndarray
    p_groups: np.ndarray
    p_points: np.ndarray | None

    @property
    def num_groups(self) -> int:
        return len(self.weights)

    def supporters(self, p: int) -> tuple[np.ndarray, np.ndarray | None]:
        lo, hi = self.p_indptr[p], self.p_indptr[p + 1]
        return self.p_groups[lo:hi], (self.p_points[lo:hi] if self.p_points is not None else None)

    def supporter_counts(self) -> np.ndarray:
        """Per project: how many voters get some utility from it (and so would pay for it)."""
        owner = np.repeat(np.arange(self.num_projects), np.diff(self.p_indptr))
        return np.bincount(owner, weights=self.weights[self.p_groups], minlength=self.num_projects).astype(np.int64)

    def utility_weight(self) -> np.ndarray:
        """Per project: total utility weight, sum over supporters of weight x points."""
        w = self.weights[self.p_groups]
        if self.p_points is not None:
            w = w * self.p_points
        return np.bincount(
            np.repeat(np.arange(self.num_projects), np.diff(self.p_indptr)), weights=w, minlength=self.num_projects
        ).astype(np.int64)


def entry_points(election: Election, utility: str = "points", ordinal_points: Sequence[int] | None = None) -> np.ndarray | None:
    """Utility weight of each ballot entry, or None when every named project counts 1.

    ``utility="points"``: cumulative/scoring points, ordinal positional points (the file's, the
    city's ``ordinal_points``, or k, k-1, ..., 1); ``"approval"``: a named project counts 1 whatever
    its points (pabutools' ``Cost_Sat`` on such ballots).
    """
    if utility not in ("points", "approval"):
        raise ValueError(f"utility must be 'points' or 'approval', not {utility!r}")
    b = election.ballots
    if utility == "approval" or election.vote_type in ("approval", "choose-1"):
        return None
    if election.vote_type == "ordinal" and (ordinal_points is not None or b.points is None):
        lens = np.diff(b.indptr)
        rank = np.arange(len(b.indices), dtype=np.int64) - np.repeat(b.indptr[:-1], lens)
        if ordinal_points is None:
            return np.repeat(lens, lens) - rank
        table = np.array(list(ordinal_points) + [0], dtype=np.int64)
        return table[np.minimum(rank, len(table) - 1)]
    assert b.points is not None
    return b.points


def build_profile(election: Election, utility: str = "points", ordinal_points: Sequence[int] | None = None) -> Profile:
    """Collapse the election's ballots into groups; entries with zero utility are dropped (a
    project given 0 points brings its voter nothing, so the voter does not pay for it)."""
    b = election.ballots
    m = len(election.projects)
    pts = entry_points(election, utility, ordinal_points)
    indptr, indices = b.indptr, b.indices.astype(np.int64)
    if pts is not None and len(pts) and pts.min() == 0:
        keep = pts > 0
        kept_rows = np.repeat(np.arange(len(b)), np.diff(indptr))[keep]
        indptr = np.zeros(len(b) + 1, dtype=np.int64)
        np.cumsum(np.bincount(kept_rows, minlength=len(b)), out=indptr[1:])
        indices, pts = indices[keep], pts[keep]
    indices, pts = _sort_within_rows(indptr, indices, pts)
    group_of, first = _group(indptr, indices, pts)
    weights = np.bincount(group_of, minlength=len(first)).astype(np.int64)
    lens = np.diff(indptr)[first]
    g_indptr = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(lens, out=g_indptr[1:])
    take = np.repeat(indptr[first] - g_indptr[:-1], lens) + np.arange(g_indptr[-1], dtype=np.int64)
    g_indices = indices[take].astype(np.int32)
    g_points = pts[take] if pts is not None else None
    g_rows = np.repeat(np.arange(len(first), dtype=np.int64), lens)
    order = np.argsort(g_indices, kind="stable")
    p_indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(g_indices, minlength=m), out=p_indptr[1:])
    return Profile(
        weights,
        g_indptr,
        g_indices,
        g_points,
        m,
        p_indptr,
        g_rows[order].astype(np.int32),
        g_points[order] if g_points is not None else None,
    )


def _sort_within_rows(indptr: np.ndarray, indices: np.ndarray, pts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Put each ballot's entries in project order (utility does not depend on the voter's order).
    One sort of ``row x m + project`` (unique keys: a ballot names a project once)."""
    if len(indices) < 2:
        return indices, pts
    m = int(indices.max()) + 1
    keys = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr)) * m + indices
    if pts is None:
        return np.sort(keys) % m, None
    order = np.argsort(keys)
    return indices[order], pts[order]


def _group(indptr: np.ndarray, indices: np.ndarray, pts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Group id of each ballot (groups numbered by first appearance) and each group's first ballot."""
    n = len(indptr) - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lens = np.diff(indptr)
    x = indices.astype(np.uint64) << np.uint64(32)
    if pts is not None:
        x = x | pts.astype(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix(x + np.uint64(0x9E3779B97F4A7C15))
        cs = np.zeros(len(h) + 1, dtype=np.uint64)
        np.cumsum(h, out=cs[1:])
        key = (cs[indptr[1:]] - cs[indptr[:-1]]) ^ _mix(lens.astype(np.uint64))
    order = np.argsort(key, kind="stable")  # stable: equal keys keep ballot order
    sorted_key = key[order]
    new = np.ones(n, dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    first = order[new]  # the earliest ballot of each run of equal keys
    appearance = np.argsort(first)  # number groups by first appearance
    renum = np.empty(len(first), dtype=np.int64)
    renum[appearance] = np.arange(len(first), dtype=np.int64)
    gid = np.empty(n, dtype=np.int64)
    gid[order] = renum[np.cumsum(new) - 1]
    first = first[appearance]
    # Verify entry by entry: a hash collision must never merge two different ballots.
    ref = np.repeat(indptr[first[gid]] - indptr[:-1], lens) + np.arange(len(indices), dtype=np.int64)
    if np.array_equal(indices[ref], indices) and (pts is None or np.array_equal(pts[ref], pts)):
        return gid, first
    return _group_exact(indptr, indices, pts)  # pragma: no cover - needs a 64-bit collision


def _group_exact(indptr, indices, pts) -> tuple[np.ndarray, np.ndarray]:
    seen: dict[tuple, int] = {}
    gid = np.empty(len(indptr) - 1, dtype=np.int64)
    first: list[int] = []
    for r in range(len(indptr) - 1):
        lo, hi = indptr[r], indptr[r + 1]
        key = (tuple(indices[lo:hi].tolist()), tuple(pts[lo:hi].tolist()) if pts is not None else ())
        g = seen.setdefault(key, len(seen))
        if g == len(first):
            first.append(r)
        gid[r] = g
    return gid, np.array(first, dtype=np.int64)
