"""What each rule did, as data the results page turns into sentences (French and English).

These records are cheap by-products of the rules (nothing is recomputed to build them) and every
amount in them is exact. ``to_dict()`` gives the JSON form; ``describe(lang)`` the sentences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from pb.tally.model import Money, jsonable


def format_amount(value: Money | Fraction, lang: str = "en") -> str:
    """Money for reading: whole units, or two decimals when the amount has cents."""
    value = Fraction(value)
    if value.denominator == 1:
        text = f"{int(value):,}"
    else:
        text = f"{float(value):,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def _todict(obj: Any) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in asdict(obj).items()}


# --------------------------------------------------------------------------------------- greedy
@dataclass(frozen=True)
class GreedyStep:
    """One project in the greedy ranking: ``funded``, ``skipped`` (did not fit in what remained),
    ``below-threshold`` or ``not-reached`` (greedy-no-skip stopped before it)."""

    project_id: str
    score: int
    cost: Money
    status: str
    remaining: Money  # money left when the rule reached this project

    def describe(self, lang: str = "fr") -> str:
        cost, rem = format_amount(self.cost, lang), format_amount(self.remaining, lang)
        fr = {
            "funded": f"financé (coût {cost}, il restait {rem})",
            "skipped": f"non financé : ne tenait pas dans l'enveloppe (coût {cost}, il restait {rem})",
            "below-threshold": "non financé : score sous le seuil minimal",
            "not-reached": "non financé : le classement s'est arrêté au premier projet qui ne tenait pas",
        }
        en = {
            "funded": f"funded (cost {cost}, {rem} remained)",
            "skipped": f"not funded: did not fit (cost {cost}, {rem} remained)",
            "below-threshold": "not funded: score below the minimum threshold",
            "not-reached": "not funded: the ranking stopped at the first project that did not fit",
        }
        return (fr if lang == "fr" else en)[self.status]


@dataclass(frozen=True)
class GreedyExplanation:
    """The ranking greedy followed, project by project."""

    score: str  # what the ranking counts: "votes", "points" or "grades" (majority judgment)
    threshold: int | None
    steps: tuple[GreedyStep, ...]
    kind: str = "greedy"

    def to_dict(self) -> dict[str, Any]:
        return _todict(self)

    def describe(self, lang: str = "fr") -> list[str]:
        fr = lang == "fr"
        unit = {"votes": "voix" if fr else "votes", "points": "points", "grades": ""}[self.score]
        sep = " : " if fr else ": "
        lines = []
        for n, step in enumerate(self.steps, 1):
            label = f" ({step.score} {unit})" if unit else ""
            lines.append(f"{n}. {step.project_id}{label}{sep}{step.describe(lang)}")
        return lines


# ------------------------------------------------------------------------------------------ MES
@dataclass(frozen=True)
class MESFunded:
    """A project MES funded: each supporter paid at most ``max_payment`` per point of utility
    (``rho`` = max_payment / cost is the price per unit of utility the rule minimises); ``poor``
    supporters could not pay that much and gave all they had left."""

    project_id: str
    cost: Money
    supporters: int
    rho: Fraction
    max_payment: Fraction
    poor: int

    def describe(self, lang: str = "fr") -> str:
        pay = format_amount(self.max_payment, lang)
        if lang == "fr":
            tail = f" ; {self.poor} d'entre eux ont donné tout ce qui leur restait" if self.poor else ""
            return f"{self.project_id} financé : chacun de ses {self.supporters} soutiens paie au plus {pay}{tail}."
        tail = f"; {self.poor} of them gave all they had left" if self.poor else ""
        return f"{self.project_id} funded: each of its {self.supporters} supporters pays at most {pay}{tail}."


@dataclass(frozen=True)
class MESNotFunded:
    """A supported project MES did not fund: at the end its supporters had ``supporters_money``
    left between them, less than its cost."""

    project_id: str
    cost: Money
    supporters: int
    supporters_money: Fraction

    def describe(self, lang: str = "fr") -> str:
        money, cost = format_amount(self.supporters_money, lang), format_amount(self.cost, lang)
        if lang == "fr":
            return f"{self.project_id} non financé : ses {self.supporters} soutiens n'avaient plus que {money} à eux tous, pour un coût de {cost}."
        return f"{self.project_id} not funded: its {self.supporters} supporters had only {money} left between them, for a cost of {cost}."


@dataclass(frozen=True)
class MESExplanation:
    """How the Method of Equal Shares spent the envelope: every voter's starting share, then the
    funded projects in order, then the supported projects it could not fund (most votes first)."""

    per_voter_budget: Fraction
    utility: str  # "cost" (approval) or "points x cost"
    free: tuple[str, ...]  # zero-cost projects with supporters, funded first
    funded: tuple[MESFunded, ...]
    not_funded: tuple[MESNotFunded, ...] | None  # None when not computed (explain=False)
    kind: str = "mes"
    completion: tuple[str, ...] = field(default_factory=tuple)  # projects added by a completion

    def to_dict(self) -> dict[str, Any]:
        return _todict(self)

    def describe(self, lang: str = "fr") -> list[str]:
        share = format_amount(self.per_voter_budget, lang)
        head = (
            f"Chaque votant reçoit une part égale de l'enveloppe : {share}."
            if lang == "fr"
            else f"Every voter receives an equal share of the envelope: {share}."
        )
        lines = [head] + [f.describe(lang) for f in self.funded]
        lines += [n.describe(lang) for n in (self.not_funded or ())]
        if self.completion:
            ids = ", ".join(self.completion)
            lines.append(
                f"Complétés par ordre de voix avec l'argent restant : {ids}."
                if lang == "fr"
                else f"Completed by votes with the money left: {ids}."
            )
        return lines


# --------------------------------------------------------------------------- majority judgment
@dataclass(frozen=True)
class MJProject:
    """A project's majority grade and gauge: ``above``/``below`` are the shares of grades strictly
    above/below the median; the gauge sign is ``+`` when above > below."""

    project_id: str
    median: int
    grade: str
    above: Fraction
    below: Fraction
    sign: str

    def describe(self, lang: str = "fr") -> str:
        share = self.above if self.sign == "+" else self.below
        pct = f"{float(share) * 100:.1f}".replace(".", "," if lang == "fr" else ".")
        if lang == "fr":
            side = "au-dessus" if self.sign == "+" else "en dessous"
            return f"{self.project_id} : mention majoritaire « {self.grade} », {pct} % des votants la jugent {side}."
        side = "above" if self.sign == "+" else "below"
        return f"{self.project_id}: majority grade \"{self.grade}\", {pct}% of voters grade it {side}."


@dataclass(frozen=True)
class MJExplanation:
    """The majority-judgment ranking, then the greedy funding that followed it."""

    ranking: tuple[MJProject, ...]
    funding: GreedyExplanation
    kind: str = "mj"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ranking": [_todict(r) for r in self.ranking], "funding": self.funding.to_dict()}

    def describe(self, lang: str = "fr") -> list[str]:
        return [r.describe(lang) for r in self.ranking] + self.funding.describe(lang)
