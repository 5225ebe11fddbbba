"""Ballots collapsed for the rules' inner loops.

Identical ballots are merged into one *group* with a weight (a multiprofile), and the projects'
supporters are listed group by group (a CSR matrix and its transpose). Real elections collapse well
(Łódź 2022: 90,494 ballots, 23,571 distinct; Wrocław 2015: 131,778 choose-1 ballots, 197 distinct),
and MES gives every voter of a group the same payments, so the rules work on groups only.

Grouping hashes each ballot (two independent 64-bit hashes plus its length) and then *verifies*
that every ballot equals its group's first ballot, entry by entry; if a hash collision ever merged
two different ballots, it falls back to exact grouping with Python tuples. So the result is exact.
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


def _sort_within_rows(indptr, indices, pts):
    """Put each ballot's entries in project order (utility does not depend on the voter's order)."""
    if len(indices) < 2:
        return indices, pts
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    same_row = rows[1:] == rows[:-1]
    if np.all(indices[1:][same_row] > indices[:-1][same_row]):
        return indices, pts
    order = np.lexsort((indices, rows))
    return indices[order], (pts[order] if pts is not None else None)


def _group(indptr: np.ndarray, indices: np.ndarray, pts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Group id of each ballot (groups numbered by first appearance) and each group's first ballot."""
    n = len(indptr) - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lens = np.diff(indptr)
    x = indices.astype(np.uint64) << np.uint64(32)
    if pts is not None:
        x = x | pts.astype(np.uint64)
    hashes = []
    for salt in (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD1B54A32D192ED03)):
        with np.errstate(over="ignore"):
            h = _mix(x + salt)
        cs = np.zeros(len(h) + 1, dtype=np.uint64)
        np.cumsum(h, out=cs[1:])
        with np.errstate(over="ignore"):
            hashes.append(cs[indptr[1:]] - cs[indptr[:-1]])
    order = np.lexsort((hashes[1], hashes[0], lens))
    k0, k1, k2 = lens[order], hashes[0][order], hashes[1][order]
    new = np.ones(n, dtype=bool)
    new[1:] = (k0[1:] != k0[:-1]) | (k1[1:] != k1[:-1]) | (k2[1:] != k2[:-1])
    sorted_gid = np.cumsum(new) - 1
    gid = np.empty(n, dtype=np.int64)
    gid[order] = sorted_gid
    # Renumber groups by first appearance, and find each group's first ballot.
    first = np.full(sorted_gid[-1] + 1, n, dtype=np.int64)
    np.minimum.at(first, gid, np.arange(n, dtype=np.int64))
    rank = np.argsort(first, kind="stable")
    renum = np.empty_like(rank)
    renum[rank] = np.arange(len(rank))
    gid, first = renum[gid], first[rank]
    # Verify entry by entry: a hash collision must never merge two different ballots.
    rep = first[gid]
    ref = np.repeat(indptr[rep] - indptr[:-1], lens) + np.arange(len(indices), dtype=np.int64)
    ok = np.array_equal(indices[ref], indices) and (pts is None or np.array_equal(pts[ref], pts))
    if ok:
        return gid, first
    return _group_exact(indptr, indices, pts)  # pragma: no cover - needs a 128-bit collision


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
