"""Real outcomes reproduced: on every stored file whose META ``rule`` pb implements and whose
``selected`` column holds only 0 and 1, ``pb tally FILE --rule auto`` funds exactly the projects the
city announced (``selected=1``).

Files excluded, and why (the reasons are checked below, so this list cannot go stale):
"""

from __future__ import annotations

import pytest

from pb.tally import resolve_auto, run
from pb.tally.errors import UnsupportedRule

from .helpers import file_names, load

REPRODUCED = [
    "Netherlands_Assen_2024.pb",  # equalshares/add1
    "Poland_Czestochowa_2024.pb",  # greedy, cumulative (points)
    "Poland_Gdynia_2020.pb",  # greedy-no-skip (with a threshold of 1000 votes)
    "Poland_Katowice_2020.pb",  # greedy-threshold, cumulative
    "Poland_Katowice_2023.pb",  # greedy-threshold, cumulative
    "Poland_Katowice_2023_Ligota_-_Panewniki.pb",  # greedy-threshold, cumulative
    "Poland_Krakow_2022.pb",  # greedy, ordinal (3/2/1 points)
    "Poland_Krakow_2023_Nowa_Huta.pb",  # greedy, ordinal
    "Poland_Krakow_2024.pb",  # greedy, ordinal
    "Poland_Lodz_2022.pb",  # greedy-threshold
    "Poland_Swiecie_2023.pb",  # equalshares/add1
    "Poland_Warszawa_2017_Srodmiescie.pb",  # greedy
    "Poland_Warszawa_2018_Praga-Poludnie.pb",  # greedy-threshold, fractional budget
    "Poland_Warszawa_2019_Ursynow.pb",  # greedy
    "Poland_Warszawa_2020_Praga-Poludnie.pb",  # greedy
    "Poland_Warszawa_2021_Mokotow.pb",  # greedy
    "Poland_Warszawa_2023_Mokotow.pb",  # greedy
    "Poland_Warszawa_2026.pb",  # greedy-threshold
    "Poland_Wieliczka_2023_Green_Budget.pb",  # equalshares/add1-comparison
    "poland_wieliczka_2023_green-budget.pb",  # equalshares/add1 (older export of the same vote)
    "Poland_Wroclaw_2015_150_-_500.pb",  # greedy-no-skip, choose-1
    "Poland_Wroclaw_2017.pb",  # greedy-no-skip
    "Poland_Wroclaw_2020.pb",  # greedy-no-skip, choose-1
]

NO_SELECTED = "no selected column: the file does not say which projects the city funded"
EXCLUDED = {
    "Hungary_Budapest_2023_VIII_Jozsefvaros.pb": "rule 'unknown': the file does not say how the winners were chosen",
    "Hungary_Budapest_2024.pb": "rule 'unknown': the file does not say how the winners were chosen",
    "Poland_Poznan_2023.pb": "rule 'greedy-custom' (Poznań's 80% rule) is not implemented",
    "Poland_Poznan_2023_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald.pb": "rule 'greedy-custom' is not implemented, and selected holds 2 and 3",
    "Poland_Warszawa_2024_Mokotow.pb": "rule 'greedy-exclusive' (mutually exclusive projects) is not implemented",
    **{
        name: NO_SELECTED
        for name in (
            "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
            "France_Toulouse_2022_6_-_Saint-Cyprien.pb",
            "France_Toulouse_2024.pb",
            "Netherlands_Amsterdam_309.pb",
            "Poland_Czestochowa_2020.pb",
            "Poland_Gdansk_2020.pb",
            "Poland_Gdansk_2020_Piecki_Migowo.pb",
            "Poland_Zabrze_2020.pb",
            "Switzerland_Zurich_D10.pb",
            "Switzerland_Zurich_D5.pb",
            "Switzerland_Zurich_S5.pb",
            "Switzerland_Zurich_S5D10.pb",
            "Switzerland_Zurich_S5R.pb",
            "Switzerland_Zurich_SN.pb",
            "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb",
            "Worldwide_Mechanical_Turk_Knapsack_3.pb",
            "Worldwide_Mechanical_Turk_Ranking_value_3.pb",
            "Worldwide_Mechanical_Turk_Threshold_3.pb",
            "Worldwide_Mechanical_Turk_Utilities_3.pb",
        )
    },
}
__doc__ += "\n".join(f"\n* {name}: {reason}" for name, reason in EXCLUDED.items())


@pytest.mark.parametrize("name", REPRODUCED)
def test_auto_reproduces_the_announced_winners(name):
    e = load(name)
    assert {p.selected for p in e.projects} == {0, 1}
    announced = {p.id for p in e.projects if p.selected == 1}
    outcome = run(e, "auto", explain=False)
    assert set(outcome.selected) == announced
    assert len(outcome.selected) == len(announced)
    assert outcome.spent <= e.budget


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_exclusion_reason_holds(name):
    e = load(name)
    values = {p.selected for p in e.projects}
    if EXCLUDED[name] == NO_SELECTED:
        assert values == {None}
        return
    with pytest.raises(UnsupportedRule, match="not implemented by pb"):
        resolve_auto(e)
    assert e.meta["rule"] in EXCLUDED[name]
    if "2 and 3" in EXCLUDED[name]:
        assert {2, 3} <= values
    else:
        assert values == {0, 1}


def test_every_stored_file_is_reproduced_or_excluded():
    assert sorted(REPRODUCED + list(EXCLUDED)) == file_names()
    assert not set(REPRODUCED) & set(EXCLUDED)


def test_the_variants_matter():
    """Plain greedy does not reproduce the cities that declared a variant (README of the data)."""
    for name in ("Poland_Gdynia_2020.pb", "Poland_Warszawa_2026.pb"):
        e = load(name)
        announced = {p.id for p in e.projects if p.selected == 1}
        assert set(run(e, "greedy", explain=False).selected) != announced
    wieliczka = load("Poland_Wieliczka_2023_Green_Budget.pb")
    assert len(run(wieliczka, "mes-add1e", explain=False).selected) == 31  # pabutools' completion
    outcome = run(wieliczka, "auto", explain=False)
    assert len(outcome.selected) == 30
    assert (outcome.details["prefer_mes"], outcome.details["prefer_greedy"]) == (1615, 873)
