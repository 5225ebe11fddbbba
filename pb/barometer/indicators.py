"""The indicators of an edition: pure functions over plain data (`Facts`), no database.

`pb.barometer.queries.gather` fills `Facts` with counts done in the database; `compute(facts)`
turns them into {code: value}; `CATALOGUE` gives each code its unit and labels. Definitions and
formulas: docs/indicators.md (a test checks every code is documented there)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

# -- the catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    unit: str
    label_fr: str
    label_en: str


CATALOGUE: dict[str, Indicator] = {i.code: i for i in [
    Indicator("B1", "bool", "Réunion publique obligatoire pour les porteurs de projets",
              "Public meeting required for project holders"),
    Indicator("B2", "bool", "Lien avec les conseils de quartier (au moins un projet examiné en séance)",
              "Linked to neighbourhood councils (at least one project handled in a session)"),
    Indicator("B2s", "ratio", "Part des projets soumis au vote ayant un avis de conseil",
              "Share of ballot projects with a council opinion"),
    Indicator("B3", "bool", "Commentaires ouverts avant l'étude technique", "Comments open before the technical review"),
    Indicator("B4", "bool", "Commentaires ouverts pendant le vote", "Comments open during the vote"),
    Indicator("B5", "enum", "Canaux de vote", "Voting channels"),
    Indicator("B6", "enum", "Contrôle de la fraude du vote en ligne", "Fraud control of the online vote"),
    Indicator("B7", "ratio", "Part des idées déposées en ligne", "Share of ideas submitted online"),
    Indicator("B8", "list", "Jeux de données publiés en données ouvertes", "Datasets published as open data"),
    Indicator("Q1", "EUR", "Enveloppe", "Envelope"),
    Indicator("Q2", "EUR/inhabitant", "Enveloppe par habitant", "Envelope per inhabitant"),
    Indicator("Q4", "count", "Idées déposées, recevables, faisables, fusionnées, soumises au vote, lauréates",
              "Ideas submitted, admissible, feasible, merged, on the ballot, funded"),
    Indicator("Q8", "count", "Votants uniques, au total et par canal", "Unique voters, total and per channel"),
    Indicator("Q9", "ratio", "Taux de participation (votants ÷ population), au total et par quartier",
              "Participation rate (voters ÷ population), total and per district"),
    Indicator("Q10", "ratio", "Part des votants en ligne", "Online share of voters"),
    Indicator("Q11", "count", "Lignes de bulletins (choix exprimés), au total et par votant",
              "Ballot lines (choices made), total and per voter"),
    Indicator("Q12", "count", "Votes par projet (médiane, maximum)", "Votes per project (median, maximum)"),
    Indicator("Q13", "count", "Bulletins refusés par motif", "Refused ballots by reason"),
    Indicator("Q15", "ratio", "Taux de réalisation des projets lauréats et délai en mois du vote à la livraison",
              "Delivery rate of funded projects and months from the vote to delivery"),
    Indicator("Q16", "count", "Porteurs de projets uniques", "Unique project holders"),
    Indicator("G4", "enum", "Niveau de participation", "Participation level"),
]}

CHANNELS = ("online", "paper", "both", "none")
CONTROLS = ("none", "email", "sms", "postal_code", "register_tokens", "franceconnect")
# The controls the barometer counts as "controlled" (an e-mail address alone is not).
CONTROLLED = ("sms", "postal_code", "register_tokens", "franceconnect")
DATASETS = ("projects", "ballots", "results", "implementation", "indicators", "budget")
LEVELS = ("low", "normal", "high")

# G4: French participatory budgets involve a median of about 4 % of the population, a mean of
# 5 to 8 % (docs/indicators.md gives the sources). Below half the median is low; above the top
# of the usual mean range is high.
REFERENCE_MEDIAN = 0.04
REFERENCE_MEAN = (0.05, 0.08)
LOW_BELOW = 0.02
HIGH_FROM = 0.08

# B6: how each of pb's verification modes (Edition.verification) controls the online vote.
# A new mode must be added here (a test fails for a mode without its control).
VERIFICATION_CONTROL = {
    "register": "register_tokens",  # a code sent to each person on the imported register
    "self_registration": "register_tokens",  # a code asked for, checked against the register
    "declared_email": "email",  # a link sent to an address the resident declares: only the address is checked
}


# -- the facts --------------------------------------------------------------------------------------


@dataclass
class Facts:
    """Everything the indicators need, as plain values (filled by queries.gather)."""

    public_meeting_required: bool = False
    council_linked: bool = False
    ballot_projects: int = 0
    ballot_projects_with_opinion: int = 0
    comments_before_review: bool = False
    comments_during_vote: bool = False
    online_voting: bool = False  # the rules (what is planned)
    paper_voting: bool = False
    verification: str = "register"
    vote_started: bool = False  # the vote phase has been reached
    vote_closed: bool = False  # results phase or later
    ideas_submitted: int = 0
    ideas_online: int = 0
    ideas_admissible: int = 0
    ideas_feasible: int = 0
    ideas_merged: int = 0
    projects_funded: int = 0
    projects_delivered: int = 0
    published: list[str] = field(default_factory=list)
    envelope_cents: int = 0
    population: int = 0
    voters: int = 0
    voters_by_channel: dict[str, int] = field(default_factory=dict)
    # district code -> (voters in the district ballot, population); citywide scopes excluded
    districts: dict[str, tuple[int, int]] = field(default_factory=dict)
    ballot_lines: int = 0
    votes_per_project: list[int] = field(default_factory=list)  # one entry per ballot project
    refusals: dict[str, int] = field(default_factory=dict)
    delivery_months: list[float] = field(default_factory=list)  # per delivered project, when known
    holders: int = 0


# -- the formulas ----------------------------------------------------------------------------------


def ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def channels(online: bool, paper: bool) -> str:
    return "both" if online and paper else "online" if online else "paper" if paper else "none"


def voting_channels(facts: Facts) -> str:
    """B5: the channels people voted through (the participation table); before anyone voted,
    the channels the rules plan."""
    used = {c for c, n in facts.voters_by_channel.items() if n}
    if used:
        return channels("online" in used, "paper" in used)
    return channels(facts.online_voting, facts.paper_voting)


def fraud_control(verification: str, b5: str) -> str | None:
    """B6: the control of the online vote; None without online voting."""
    if b5 not in ("online", "both"):
        return None
    return VERIFICATION_CONTROL[verification]


def level(rate: float | None) -> str | None:
    """G4 against the reference values."""
    if rate is None:
        return None
    return "low" if rate < LOW_BELOW else "high" if rate >= HIGH_FROM else "normal"


def median(values: list[int] | list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def compute(facts: Facts) -> dict[str, Any]:
    """{code: value} for every code of the catalogue (None when it cannot be known yet)."""
    b5 = voting_channels(facts)
    voted = facts.vote_started
    q8 = None
    if voted:
        q8 = {"total": facts.voters, "online": facts.voters_by_channel.get("online", 0),
              "paper": facts.voters_by_channel.get("paper", 0)}
    q9 = None
    if voted and facts.population:
        q9 = {"total": ratio(facts.voters, facts.population),
              "districts": {code: ratio(v, pop) for code, (v, pop) in sorted(facts.districts.items()) if pop}}
    q12 = None
    if voted and facts.votes_per_project:
        q12 = {"median": median(facts.votes_per_project), "max": max(facts.votes_per_project)}
    q15 = None
    if facts.projects_funded:
        q15 = {"funded": facts.projects_funded, "delivered": facts.projects_delivered,
               "rate": ratio(facts.projects_delivered, facts.projects_funded),
               "months_median": None if not facts.delivery_months else round(median(facts.delivery_months) or 0, 1)}
    total_rate = q9["total"] if q9 else None
    return {
        "B1": facts.public_meeting_required,
        "B2": facts.council_linked,
        "B2s": ratio(facts.ballot_projects_with_opinion, facts.ballot_projects),
        "B3": facts.comments_before_review,
        "B4": facts.comments_during_vote,
        "B5": b5,
        "B6": fraud_control(facts.verification, b5),
        "B7": ratio(facts.ideas_online, facts.ideas_submitted),
        "B8": [d for d in DATASETS if d in facts.published],
        "Q1": facts.envelope_cents / 100,
        "Q2": round(facts.envelope_cents / 100 / facts.population, 2) if facts.population else None,
        "Q4": {"submitted": facts.ideas_submitted, "admissible": facts.ideas_admissible,
               "feasible": facts.ideas_feasible, "merged": facts.ideas_merged,
               "on_ballot": facts.ballot_projects, "funded": facts.projects_funded if facts.vote_closed else None},
        "Q8": q8,
        "Q9": q9,
        "Q10": ratio(facts.voters_by_channel.get("online", 0), facts.voters) if voted and facts.voters else None,
        "Q11": {"total": facts.ballot_lines, "per_voter": ratio(facts.ballot_lines, facts.voters)}
        if facts.vote_closed else None,
        "Q12": q12 if facts.vote_closed else None,
        "Q13": dict(sorted(facts.refusals.items())) if voted else None,
        "Q15": q15,
        "Q16": facts.holders,
        "G4": level(total_rate),
    }
