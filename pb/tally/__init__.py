"""The tally core of pb: aggregation rules as pure functions over plain data, and Pabulib I/O.

Public API (stable, used by the web app, the CLI and the other domains)::

    from pb.tally import pabulib, run, RULES, tie_breaks
    election = pabulib.read("Poland_Wieliczka_2023_Green_Budget.pb")
    outcome = run(election, "mes-add1", tie_break="lexicographic")
    outcome.selected        # funded project ids, in funding order
    pabulib.write(election, outcome, "out.pb")

No database, no Flask: everything here is a function of frozen values.
"""

from pb.tally import pabulib
from pb.tally import tiebreak as tie_breaks
from pb.tally.errors import (
    InvalidElection,
    MissingOption,
    PabulibError,
    TallyError,
    UnknownRule,
    UnknownTieBreak,
    UnsupportedRule,
)
from pb.tally.model import Ballots, Election, Money, Outcome, Project
from pb.tally.rules import RULES, Rule, resolve_auto, run

__all__ = [
    "RULES",
    "Ballots",
    "Election",
    "InvalidElection",
    "MissingOption",
    "Money",
    "Outcome",
    "PabulibError",
    "Project",
    "Rule",
    "TallyError",
    "UnknownRule",
    "UnknownTieBreak",
    "UnsupportedRule",
    "pabulib",
    "resolve_auto",
    "run",
    "tie_breaks",
]
