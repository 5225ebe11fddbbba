"""The rule registry: names, descriptions, Pabulib labels, and ``run``.

Rule names are what the CLI, the API and the edition settings store. They follow Pabulib's
``rule`` labels where one exists; ``--rule auto`` maps a file's label to a pb rule and refuses,
with a clear error, a label pb does not implement (greedy-exclusive, greedy-custom, unknown...).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pb.tally import tiebreak
from pb.tally.errors import MissingOption, TallyError, UnknownRule, UnsupportedRule
from pb.tally.greedy import greedy
from pb.tally.mes import mes, mes_add1, mes_add1_comparison, mes_add1_greedy, mes_add1e
from pb.tally.mj import mj
from pb.tally.model import Election, Outcome


@dataclass(frozen=True)
class Rule:
    """A rule as the platform shows it: one line in French and in English."""

    name: str
    func: Callable[..., Outcome]
    fr: str
    en: str
    pabulib: str  # the META ``rule`` label pb writes for an outcome of this rule

    def describe(self, lang: str = "fr") -> str:
        return self.fr if lang == "fr" else self.en


def _greedy(election: Election, tb: tiebreak.TieBreak, *, threshold: int | None = None, utility: str = "points",
            ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    return greedy(election, tb, threshold=threshold, utility=utility, ordinal_points=ordinal_points, rule="greedy", explain=explain)


def _greedy_no_skip(election: Election, tb: tiebreak.TieBreak, *, threshold: int | None = None, utility: str = "points",
                    ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    return greedy(election, tb, skip=False, threshold=threshold, utility=utility, ordinal_points=ordinal_points,
                  rule="greedy-no-skip", explain=explain)


def _greedy_threshold(election: Election, tb: tiebreak.TieBreak, *, threshold: int | None = None, utility: str = "points",
                      ordinal_points: Sequence[int] | None = None, explain: bool = True) -> Outcome:
    if threshold is None:
        threshold = file_threshold(election)
    if threshold is None:
        raise MissingOption("greedy-threshold needs a threshold: the file has no min_project_score_threshold")
    return greedy(election, tb, threshold=threshold, utility=utility, ordinal_points=ordinal_points,
                  rule="greedy-threshold", explain=explain)


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("greedy", _greedy,
             "Classement par nombre de voix (ou de points) ; chaque projet est financé s'il tient encore dans l'enveloppe, sinon il est passé.",
             "Ranked by votes (or points); each project is funded if it still fits in the envelope, otherwise skipped.",
             "greedy"),
        Rule("greedy-no-skip", _greedy_no_skip,
             "Classement par nombre de voix (ou de points) ; le financement s'arrête au premier projet qui ne tient plus dans l'enveloppe.",
             "Ranked by votes (or points); funding stops at the first project that no longer fits in the envelope.",
             "greedy-no-skip"),
        Rule("greedy-threshold", _greedy_threshold,
             "Classement par nombre de voix (ou de points) parmi les projets qui atteignent le seuil minimal ; chaque projet est financé s'il tient encore dans l'enveloppe.",
             "Ranked by votes (or points) among projects that reach the minimum threshold; each is funded if it still fits in the envelope.",
             "greedy-threshold"),
        Rule("mes", mes,
             "Méthode des parts égales : chaque votant reçoit une part égale de l'enveloppe et la dépense sur les projets qu'il soutient, le moins cher par soutien d'abord.",
             "Method of Equal Shares: each voter gets an equal share of the envelope and spends it on the projects they support, cheapest per supporter first.",
             "equalshares"),
        Rule("mes-add1", mes_add1,
             "Méthode des parts égales complétée comme à Wieliczka : la part de chaque votant augmente d'une unité tant que le résultat tient dans l'enveloppe.",
             "Method of Equal Shares completed as in Wieliczka: each voter's share rises one unit at a time while the outcome fits in the envelope.",
             "equalshares/add1"),
        Rule("mes-add1e", mes_add1e,
             "Méthode des parts égales complétée comme dans pabutools : la part augmente jusqu'au premier résultat qui épuise l'enveloppe.",
             "Method of Equal Shares completed as in pabutools: the share rises until the first outcome that exhausts the envelope.",
             "mes-add1e"),
        Rule("mes-add1-greedy", mes_add1_greedy,
             "Méthode des parts égales (complétée comme à Wieliczka), puis l'argent restant finance les projets suivants par nombre de voix.",
             "Method of Equal Shares (completed as in Wieliczka), then the money left funds further projects by votes.",
             "mes-add1-greedy"),
        Rule("mes-add1-comparison", mes_add1_comparison,
             "Méthode des parts égales, sauf si strictement plus de votants ont davantage de projets financés avec le classement par voix (étape de comparaison de Wieliczka).",
             "Method of Equal Shares, unless strictly more voters get more of their projects funded by ranking by votes (Wieliczka's comparison step).",
             "equalshares/add1-comparison"),
        Rule("mj", mj,
             "Jugement majoritaire : classement par mention majoritaire (départage par la jauge majoritaire), puis financement dans cet ordre tant que l'enveloppe le permet.",
             "Majority judgment: ranked by majority grade (ties by the majority gauge), then funded in that order while the envelope allows.",
             "mj"),
    )
}  # fmt: skip

# Pabulib META ``rule`` labels -> pb rule; pb's own names are accepted too.
PABULIB_RULES: dict[str, str] = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
    "equalshares/add1-comparison": "mes-add1-comparison",
    **{name: name for name in RULES},
}


def pabulib_label(rule: str) -> str:
    """The META ``rule`` label for an outcome of ``rule``."""
    return RULES[rule].pabulib if rule in RULES else rule


def file_threshold(election: Election) -> int | None:
    """The file's ``min_project_score_threshold``, if any."""
    raw = election.meta.get("min_project_score_threshold", "").strip()
    if not raw or raw.lower() == "none":
        return None
    try:
        return int(raw)
    except ValueError:
        raise MissingOption(f"min_project_score_threshold {raw!r} is not an integer") from None


def resolve_auto(election: Election) -> tuple[str, dict[str, Any]]:
    """The pb rule (and its options) a file's META ``rule`` names. A greedy variant also honours
    the file's threshold when the file declares one (Gdynia 2020: greedy-no-skip with one)."""
    label = election.meta.get("rule", "").strip()
    if not label:
        raise UnsupportedRule("the file has no META rule; choose one with --rule")
    if label not in PABULIB_RULES:
        raise UnsupportedRule(
            f"the file's rule {label!r} is not implemented by pb; choose one of {', '.join(RULES)} with --rule"
        )
    name = PABULIB_RULES[label]
    options: dict[str, Any] = {}
    if name.startswith("greedy") and file_threshold(election) is not None:
        options["threshold"] = file_threshold(election)
    return name, options


def run(
    election: Election,
    rule: str,
    tie_break: str | tiebreak.TieBreak | None = None,
    *,
    seed: str | None = None,
    explain: bool = True,
    **options: Any,
) -> Outcome:
    """Tally ``election`` with ``rule`` (a name of ``RULES``, or ``"auto"`` to use the file's META
    ``rule``). ``tie_break``: a name (default lexicographic) or a tie-break object; ``seed`` for
    ``cost-votes-draw``. ``options`` go to the rule: ``threshold`` (greedy variants),
    ``increment`` (add1 variants), ``utility`` ("points" or "approval"), ``ordinal_points``
    (e.g. (3, 2, 1)), ``grades`` and ``default_grade`` (mj)."""
    if rule == "auto":
        rule, auto_options = resolve_auto(election)
        options = {**auto_options, **options}
    if rule not in RULES:
        raise UnknownRule(f"unknown rule {rule!r}; choose one of: {', '.join(RULES)}, auto")
    func = RULES[rule].func
    tb = tiebreak.get(tie_break, seed)
    accepted = _accepted_options(func)
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise TallyError(f"rule {rule} does not take option(s): {', '.join(unknown)}")
    return func(election, tb, explain=explain, **options)


def _accepted_options(func: Callable[..., Outcome]) -> set[str]:
    """The keyword options a rule function takes (its keyword-only parameters but ``explain``)."""
    params = inspect.signature(func).parameters.values()
    return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY} - {"explain"}
