"""Tie-breaking rules: deterministic, documented, reproducible by anyone.

A rule only consults the tie-break when two projects are exactly equal for it (same votes for
greedy, same price per unit of utility for MES, same majority gauge for MJ). Each tie-break gives
every project a rank; among tied projects the lower rank wins. The sentence ``describe(lang)``
returns is the one the results page prints, in French or English.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pb.tally.errors import UnknownTieBreak

if TYPE_CHECKING:
    from pb.tally.model import Election


class TieBreak(Protocol):
    """What a rule needs from a tie-break."""

    name: str

    def ranks(self, election: Election) -> np.ndarray:
        """Rank of each project (by position); lower wins a tie. All ranks are distinct."""
        ...

    def spec(self) -> str:
        """A short text that identifies the tie-break and its parameters (``cost-votes-draw:2024``)."""
        ...

    def describe(self, lang: str = "fr") -> str:
        """The sentence shown on the results page."""
        ...


def _ranks_from_keys(keys: list[tuple]) -> np.ndarray:
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys), dtype=np.int64)
    return ranks


@dataclass(frozen=True)
class Lexicographic:
    """The project whose id comes first as a string wins ("10" before "9").

    This is pabutools' default and the default of ``pb tally`` on a Pabulib file, so that pb
    reproduces the reference library exactly.
    """

    name: str = "lexicographic"

    def ranks(self, election: Election) -> np.ndarray:
        return _ranks_from_keys([(p.id,) for p in election.projects])

    def spec(self) -> str:
        return self.name

    def describe(self, lang: str = "fr") -> str:
        if lang == "fr":
            return (
                "En cas d'égalité, le projet dont l'identifiant vient en premier dans l'ordre "
                "lexicographique l'emporte (comparaison caractère par caractère : « 10 » passe avant « 9 »)."
            )
        return (
            "In a tie, the project whose identifier comes first in lexicographic order wins "
            '(compared character by character: "10" comes before "9").'
        )


def draw_key(seed: str, project_id: str) -> str:
    """The public draw: SHA-256 of ``seed:project_id`` in hexadecimal; the smaller wins.

    Anyone can recompute it, e.g. ``printf '%s' '2024:P12' | sha256sum``.
    """
    return hashlib.sha256(f"{seed}:{project_id}".encode()).hexdigest()


@dataclass(frozen=True)
class CostVotesDraw:
    """Lower cost wins; then more votes (ballots naming the project); then a public draw with a
    published seed (equalshares.net's recommendation)."""

    seed: str
    name: str = "cost-votes-draw"

    def __post_init__(self) -> None:
        if not isinstance(self.seed, str) or not self.seed:
            raise UnknownTieBreak("cost-votes-draw needs a non-empty published seed")

    def ranks(self, election: Election) -> np.ndarray:
        votes = election.votes
        keys = [
            (p.cost, -int(votes[i]), draw_key(self.seed, p.id), p.id)
            for i, p in enumerate(election.projects)
        ]
        return _ranks_from_keys(keys)

    def spec(self) -> str:
        return f"{self.name}:{self.seed}"

    def describe(self, lang: str = "fr") -> str:
        if lang == "fr":
            return (
                "En cas d'égalité, le projet le moins cher l'emporte ; à coût égal, celui qui a reçu le "
                "plus de voix ; s'il reste une égalité, un tirage au sort public départage : chaque projet "
                f"reçoit l'empreinte SHA-256 du texte « {self.seed}:identifiant » (graine publiée : "
                f"« {self.seed} ») et la plus petite empreinte l'emporte."
            )
        return (
            "In a tie, the cheaper project wins; at equal cost, the one with more votes; if still tied, "
            "a public draw decides: each project gets the SHA-256 digest of the text "
            f'"{self.seed}:identifier" (published seed: "{self.seed}") and the smallest digest wins.'
        )


TIE_BREAKS = ("lexicographic", "cost-votes-draw")


def get(name: str | TieBreak | None, seed: str | None = None) -> TieBreak:
    """Resolve a tie-break by name (``None`` -> lexicographic). ``cost-votes-draw`` needs ``seed``;
    ``cost-votes-draw:SEED`` is accepted too (the form ``spec()`` returns)."""
    if name is None:
        return Lexicographic()
    if not isinstance(name, str):
        return name
    if name.startswith("cost-votes-draw:") and seed is None:
        name, seed = "cost-votes-draw", name.split(":", 1)[1]
    if name == "lexicographic":
        return Lexicographic()
    if name == "cost-votes-draw":
        if not seed:
            raise UnknownTieBreak("the cost-votes-draw tie-break needs a published seed (--seed)")
        return CostVotesDraw(seed)
    raise UnknownTieBreak(f"unknown tie-break {name!r}; choose one of: {', '.join(TIE_BREAKS)}")
