"""One person, one voter: spellings, register numbers and look-alike letters never make a second
voter (issue 10 §3); near duplicates are listed for staff."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.voting import identity
from pb.voting.models import Voter
from pb.voting.services import find_voter, import_text
from pb.voting.services.register import near_duplicates

PEPPER = "pepper-for-tests-" + "x" * 20
HEADER = "last_name,first_name,birth_date,district,external_id\n"
CYRILLIC_O = "\u043e"
CYRILLIC_ER = "\u0440"  # looks like a Latin p


@pytest.mark.parametrize("a, b", [
    (("Dupont", "JeanPierre"), ("Dupont", "Jean-Pierre")),
    (("Dupont", "Jean Pierre"), ("Dupont", "Jean-Pierre Marie")),
    (("Dupont", "Jean"), ("Dupont", "Jean-Pierre")),
    (("Dup" + CYRILLIC_O + "nt", "Jean"), ("Dupont", "Jean")),
    (("Du" + CYRILLIC_ER + "ont", "Jean"), ("Dupont", "Jean")),
    (("\uff24\uff55\uff50\uff4f\uff4e\uff54", "Jean"), ("Dupont", "Jean")),  # full-width letters
    (("D'Upont", "Jean"), ("Du Pont", "jean")),
    (("Пётр", "Иван"), ("Petr", "Ivan")),  # transliterated
])
def test_separators_transliteration_and_look_alikes_fold_to_one_key(a, b) -> None:
    born = dt.date(1975, 4, 12)
    assert identity.voter_key(PEPPER, *a, born) == identity.voter_key(PEPPER, *b, born)


def test_a_word_wholly_in_another_script_is_transliterated_not_read_as_latin() -> None:
    assert identity.unconfuse("Петр") == "Петр"  # not mixed: left to anyascii
    assert identity.unconfuse("Dup" + CYRILLIC_O + "nt") == "Dupont"


@pytest.mark.parametrize("second", [
    "Dupont,JeanPierre,1975-04-12,q1,",
    "Dupont,Jean-Pierre,1975-04-12,q1,REG-42",  # the same person, now with a register number
    "Dup" + CYRILLIC_O + "nt,Jean-Pierre,1975-04-12,q2,",
    "Martin,Paul,1980-01-01,q1,reg 42",  # another name, the same register number
])
def test_one_person_is_one_voter_whatever_the_second_line_says(session, make, second) -> None:
    edition = make.edition()
    first = import_text(session, SYSTEM, edition, HEADER + "Dupont,Jean-Pierre,1975-04-12,q1,\n" if "reg 42" not in second
                        else HEADER + "Dupont,Jean-Pierre,1975-04-12,q1,REG-42\n")
    again = import_text(session, SYSTEM, edition, HEADER + second + "\n")
    assert (first.accepted, again.accepted, again.rejected) == (1, 0, 1)
    assert session.scalar(sa.select(sa.func.count()).select_from(Voter)) == 1


def test_one_person_is_one_voter_inside_one_file(session, make) -> None:
    edition = make.edition()
    result = import_text(session, SYSTEM, edition, HEADER + "".join(line + "\n" for line in [
        "Dupont,Jean-Pierre,1975-04-12,q1,", "Dupont,JeanPierre,1975-04-12,q1,REG-42",
        "DUP" + CYRILLIC_O.upper() + "NT,jean pierre,1975-04-12,q1,", "Petit,Anne,1970-01-01,q1,REG-42"]))
    assert (result.accepted, result.rejected) == (1, 3)
    assert dict(result.reasons) == {"duplicate": 3}


def test_the_register_number_finds_the_person_but_the_names_are_still_needed(session, make) -> None:
    edition = make.edition()
    result = import_text(session, SYSTEM, edition, HEADER + "Dupont,Jean,1975-04-12,q1,REG-42\n,,1975-04-12,q1,REG-43\n")
    assert (result.accepted, dict(result.reasons)) == (1, {"missing_field": 1})
    voter = find_voter(session, edition, external_id="reg 42")
    assert voter is not None and voter == find_voter(session, edition, last_name="DUPONT", first_name="Jean-Marc",
                                                     birth_date=dt.date(1975, 4, 12))


def test_near_duplicates_are_listed_for_staff(session, make) -> None:
    edition = make.edition()
    result = import_text(session, SYSTEM, edition, HEADER + "".join(line + "\n" for line in [
        "Dupont,Jean,1975-04-12,q1,", "Dupond,Jean,1975-04-12,q1,",  # one letter apart: listed
        "Dupont,Marie,1975-04-13,q1,",  # another day: not listed
        "Lefebvre,Anne,1990-09-09,q2,", "Lefevre,Anne,1990-09-09,q2,",  # same beginning: listed
        "Martin,Luc,1960-01-01,q1,", "Durand,Luc,1960-01-01,q1,",  # nothing alike: not listed
    ]))
    assert result.accepted == 7
    refs = {v.id: v.ref for v in session.scalars(sa.select(Voter).order_by(Voter.id))}
    ordered = list(refs.values())
    groups = [set(g) for g in near_duplicates(session, edition)]
    assert {ordered[0], ordered[1]} in groups and {ordered[3], ordered[4]} in groups
    assert not any(ordered[2] in g or ordered[5] in g or ordered[6] in g for g in groups)
    assert len(result.near_duplicates) == len(groups)
