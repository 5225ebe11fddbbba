"""Tie-breaks: fully specified, reproducible, described in French and English."""

from __future__ import annotations

import hashlib

import pytest

from pb.tally import Election, tie_breaks
from pb.tally.errors import UnknownTieBreak


E = Election.build([("9", 30), ("10", 20), ("b", 20), ("a", 20)], [["9", "b"], ["b"], ["a"]], 100)


def order(tb) -> list[str]:
    ranks = tb.ranks(E)
    return [p.id for _, p in sorted(zip(ranks.tolist(), E.projects))]


def test_lexicographic_compares_ids_as_strings():
    assert order(tie_breaks.Lexicographic()) == ["10", "9", "a", "b"]
    assert tie_breaks.get(None).spec() == "lexicographic"


def test_cost_then_votes_then_public_draw():
    tb = tie_breaks.get("cost-votes-draw", seed="2024")
    # cost 20: b (2 votes), then a and 10 (1 and 0 votes)... then 9 (cost 30)
    assert order(tb) == ["b", "a", "10", "9"]
    assert tb.spec() == "cost-votes-draw:2024"
    same = Election.build([("x", 5), ("y", 5), ("z", 5)], [], 10)
    for seed in ("1", "Paris 2025", "é"):
        tb = tie_breaks.CostVotesDraw(seed)
        expected = sorted("xyz", key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
        assert [same.projects[i].id for i in tb.ranks(same).argsort()] == expected
        assert tie_breaks.draw_key(seed, "x") == hashlib.sha256(f"{seed}:x".encode()).hexdigest()


def test_get_accepts_spec_strings_and_objects():
    assert tie_breaks.get("cost-votes-draw:abc") == tie_breaks.CostVotesDraw("abc")
    tb = tie_breaks.Lexicographic()
    assert tie_breaks.get(tb) is tb
    with pytest.raises(UnknownTieBreak, match="seed"):
        tie_breaks.get("cost-votes-draw")
    with pytest.raises(UnknownTieBreak, match="unknown tie-break"):
        tie_breaks.get("coin")


def test_descriptions_in_both_languages():
    lex = tie_breaks.Lexicographic()
    assert "lexicographique" in lex.describe("fr") and "« 10 » passe avant « 9 »" in lex.describe("fr")
    assert "lexicographic" in lex.describe("en")
    draw = tie_breaks.CostVotesDraw("2024-06-01")
    fr, en = draw.describe("fr"), draw.describe("en")
    assert "moins cher" in fr and "SHA-256" in fr and "2024-06-01" in fr
    assert "cheaper" in en and "SHA-256" in en and "2024-06-01" in en
