"""The French residents read: one translation per text (the catalogues of all domains are merged,
so a text translated twice reads one way everywhere: "Retiré" for an idea), real plurals or none
instead of "(s)", no "de" before a name ("de Alice" instead of "d’Alice"), no repeated words."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from babel.messages.pofile import read_po

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.i18n import catalogue_files
from pb.ideas.models import IdeaStatus
from tests.ideas import conftest as ideas_fixtures

cycle = ideas_fixtures.cycle  # the citizen cycle fixture

NAME_PARAMETERS = ("name", "title", "district", "meeting", "ref", "edition", "territory", "author")


def _messages() -> list[tuple[str, str, str]]:
    found = []
    for po in catalogue_files("fr"):
        with po.open("rb") as f:
            for message in read_po(f, locale="fr"):
                if message.id and isinstance(message.id, str):
                    found.append((str(po.parent.parent.parent.parent.name), message.id, str(message.string)))
    return found


def test_each_text_has_one_french_translation() -> None:
    translations: dict[str, set[str]] = defaultdict(set)
    for _domain, msgid, msgstr in _messages():
        if msgstr:
            translations[msgid].add(msgstr)
    assert {k: v for k, v in translations.items() if len(v) > 1} == {}


def test_no_plural_in_brackets() -> None:
    bracketed = re.compile(r"\w\((s|e|es|x)\)")
    assert [m for _d, msgid, msgstr in _messages() for m in (msgid, msgstr) if bracketed.search(m)] == []


def test_no_de_before_a_name() -> None:
    """"de %(name)s" gives "de Alice": French elides it (d’Alice), and a name can start with a vowel."""
    before_name = re.compile(r"\b(de|que|le|la) %\((" + "|".join(NAME_PARAMETERS) + r")\)s", re.IGNORECASE)
    assert [msgstr for _d, _i, msgstr in _messages() if before_name.search(msgstr)] == []


def test_the_whole_city_is_not_said_twice(client, session, make) -> None:
    edition = make.edition(citywide=True)  # its city-wide scope is named "Toute la ville"
    editions.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    session.commit()
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "Toute la ville" in page and "(toute la ville)" not in page


def test_an_idea_and_its_project_are_not_two_identical_badges(client, session, cycle) -> None:
    edition = cycle.edition(Phase.REVIEW)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    withdrawn = cycle.idea(edition, status=IdeaStatus.WITHDRAWN)
    session.commit()
    page = client.get(f"/editions/{edition.slug}/ideas/{idea.id}").get_data(as_text=True)
    heading = page.split("</h1>", 1)[1].split("</p>", 1)[0]  # the badges under the title
    badges = re.findall(r'<span class="badge [^"]*">([^<]*)</span>', heading)
    assert badges == ["Faisable"], badges
    page = client.get(f"/editions/{edition.slug}/ideas/{withdrawn.id}").get_data(as_text=True)
    assert "Retirée" in page


@pytest.mark.parametrize("minimum, text", [(1, "au moins un projet"), (3, "au moins 3 projets")])
def test_the_ballot_rules_agree_with_the_number(app, make, minimum, text) -> None:
    from pb.editions.describe import ballot_rules

    from pb.editions.models import BallotType

    edition = make.edition(ballot_type=BallotType.APPROVAL, aggregation_rule="greedy", min_choices=minimum,
                           max_choices=None)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        lines = ballot_rules(edition)
    assert any(text in line for line in lines), lines
