"""Collapsing identical ballots must be exact: same groups as exact tuple grouping."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pb.tally import Election
from pb.tally.profile import _group, _group_exact, build_profile


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), max_size=4, unique=True), max_size=30))
def test_grouping_equals_exact_grouping(rows):
    e = Election.build([(str(i), 1) for i in range(6)], [[str(x) for x in r] for r in rows], 10)
    prof = build_profile(e)
    # Rebuild each group's ballot and weight, compare with Python tuple grouping of sorted ballots.
    expected: dict[tuple, int] = {}
    for r in rows:
        key = tuple(sorted(r))
        expected[key] = expected.get(key, 0) + 1
    got = {tuple(prof.indices[prof.indptr[g] : prof.indptr[g + 1]].tolist()): int(prof.weights[g]) for g in range(prof.num_groups)}
    assert got == expected
    assert int(prof.weights.sum()) == len(rows)


def test_hash_grouping_and_exact_fallback_agree():
    rng = np.random.default_rng(0)
    lens = rng.integers(0, 4, 500)
    indptr = np.concatenate(([0], np.cumsum(lens)))
    indices = rng.integers(0, 3, int(lens.sum()))
    pts = rng.integers(1, 3, int(lens.sum()))
    gid, first = _group(indptr, indices, pts)
    gid2, first2 = _group_exact(indptr, indices, pts)
    assert np.array_equal(gid, gid2) and np.array_equal(first, first2)


def test_points_profile_drops_zero_points_and_transposes():
    e = Election.build([("a", 1), ("b", 1)], [{"a": 0, "b": 2}, {"b": 2, "a": 0}, {"a": 1}], 10, "cumulative")
    prof = build_profile(e)
    assert prof.num_groups == 2
    assert prof.weights.tolist() == [2, 1]
    assert prof.utility_weight().tolist() == [1, 4]
    groups, pts = prof.supporters(1)
    assert groups.tolist() == [0] and pts.tolist() == [2]
    approval = build_profile(e, utility="approval")
    assert approval.points is None and approval.utility_weight().tolist() == [3, 2]
