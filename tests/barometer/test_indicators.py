"""Each indicator on a constructed edition whose values are known by hand (tests/barometer/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pb.authz import SYSTEM
from pb.barometer import indicators
from pb.barometer.export import indicator_values
from pb.barometer.services import publish_dataset, save_profile
from pb.editions.models import Verification

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_every_indicator_of_a_counted_edition(session, known):
    edition, _p = known
    save_profile(session, SYSTEM, kind="commune", siret="21380185500019", licence="Licence Ouverte 2.0", licence_url="")
    publish_dataset(session, SYSTEM, edition, "budget")
    publish_dataset(session, SYSTEM, edition, "projects")
    v = indicator_values(session, edition)
    assert v["B1"] is True
    assert v["B2"] is True
    assert v["B2s"] == 0.25  # 1 of the 4 ballot projects has a council opinion
    assert v["B3"] is False and v["B4"] is True
    assert v["B5"] == "both"
    assert v["B6"] == "register_tokens"
    assert v["B7"] == pytest.approx(4 / 6, abs=1e-6)  # 4 of 6 submitted ideas online (the draft excluded)
    assert v["B8"] == ["projects", "budget"]  # in the catalogue's order
    assert v["Q1"] == 400_000  # two districts of 100 000 € and the city-wide 200 000 €
    assert v["Q2"] == 10.0  # per inhabitant of 40 000
    assert v["Q4"] == {"submitted": 6, "admissible": 4, "feasible": 2, "merged": 1, "on_ballot": 4, "funded": 3}
    assert v["Q8"] == {"total": 6, "online": 4, "paper": 2}
    assert v["Q9"]["total"] == pytest.approx(6 / 40_000)
    assert v["Q9"]["districts"] == {"q1": pytest.approx(2 / 10_000), "q2": pytest.approx(3 / 10_001)}
    assert v["Q10"] == pytest.approx(4 / 6, abs=1e-6)
    assert v["Q11"] == {"total": 9, "per_voter": 1.5}
    assert v["Q12"] == {"median": 2.5, "max": 3}
    assert v["Q13"] == {"already_voted": 1, "token_used": 2}
    assert v["Q15"] == {"funded": 3, "delivered": 1, "rate": pytest.approx(1 / 3, abs=1e-6), "months_median": 6.0}
    assert v["Q16"] == 4  # u1, u2, Marie Dupont (twice, any case), Paul; the draft's author excluded
    assert v["G4"] == "low"
    assert set(v) == set(indicators.CATALOGUE)


def test_during_the_vote_counts_only(session, voting):
    """During the vote: participation counts, never anything that tells how people voted."""
    edition, _p = voting
    v = indicator_values(session, edition)
    assert v["Q8"] == {"total": 6, "online": 4, "paper": 2}
    assert v["Q11"] is None and v["Q12"] is None  # ballot lines would be partial results
    assert v["Q4"]["funded"] is None
    assert v["Q15"] is None


def test_before_the_vote(session, make):
    edition = make.edition(online_voting=True, paper_voting=False)
    v = indicator_values(session, edition)
    assert v["B5"] == "online"  # no one voted yet: the planned channels
    assert v["B6"] == "register_tokens"
    for code in ("Q8", "Q9", "Q10", "Q11", "Q12", "Q13", "Q15", "G4", "B2s", "B7"):
        assert v[code] is None, code
    assert v["B8"] == [] and v["Q16"] == 0


def test_channels_come_from_the_participation_rows(session, voting):
    """Paper rows (ballotbox) make B5 `both` whatever the rules planned; online only: B5 online."""
    edition, _p = voting
    edition.paper_voting = False  # the rules no longer matter once people voted
    assert indicator_values(session, edition)["B5"] == "both"


@pytest.mark.parametrize("online,paper,expected", [(True, False, "online"), (False, True, "paper"),
                                                   (True, True, "both"), (False, False, "none")])
def test_b5_b6_without_votes(online, paper, expected):
    facts = indicators.Facts(online_voting=online, paper_voting=paper)
    values = indicators.compute(facts)
    assert values["B5"] == expected
    assert values["B6"] == ("register_tokens" if online else None)


def test_every_verification_mode_has_its_fraud_control():
    """A verification mode added to editions must say how it controls the vote (B6)."""
    for mode in Verification:
        assert indicators.VERIFICATION_CONTROL[mode.value] in indicators.CONTROLS


@pytest.mark.parametrize("rate,expected", [(None, None), (0.0, "low"), (0.0199, "low"), (0.02, "normal"),
                                           (0.04, "normal"), (0.0799, "normal"), (0.08, "high"), (0.2, "high")])
def test_g4_level_against_the_reference(rate, expected):
    assert indicators.level(rate) == expected


def test_every_code_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for code, item in indicators.CATALOGUE.items():
        assert re.search(rf"^### {re.escape(code)}\b", text, re.M), f"{code} has no section in docs/indicators.md"
        assert item.label_fr in text and item.label_en in text, code
