"""Errors of the tally core.

Every error reads as a fact and, for a Pabulib file, carries the 1-based line number where the
problem is, so that a city clerk fixing a hand-edited export can go straight to it.
"""

from __future__ import annotations


class TallyError(ValueError):
    """Base class of every error the tally core raises on purpose."""


class UnknownRule(TallyError):
    """The rule name is not one pb implements (see ``pb.tally.RULES``)."""


class UnsupportedRule(TallyError):
    """A Pabulib file declares a rule (META ``rule``) that pb does not implement."""


class MissingOption(TallyError):
    """A rule needs a parameter that neither the caller nor the file gave (e.g. a threshold)."""


class UnknownTieBreak(TallyError):
    """The tie-break name is not one pb implements."""


class InvalidElection(TallyError):
    """The plain data given to build an election is inconsistent (duplicate ids, bad ballots...)."""


class PabulibError(TallyError):
    """A Pabulib file is malformed. ``line`` is the 1-based line number (None if unknown)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.detail = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


class MissingSection(PabulibError):
    """A mandatory section (META, PROJECTS or VOTES) is absent or out of order."""


class BadHeader(PabulibError):
    """A section header row is missing or does not start with the mandatory column."""


class WrongColumnCount(PabulibError):
    """A row has more or fewer fields than its section header."""


class BadNumber(PabulibError):
    """A field that must be a number (cost, budget, points, selected...) is not one."""


class MissingField(PabulibError):
    """A mandatory META key or column is missing or empty."""


class UnknownVoteType(PabulibError):
    """META ``vote_type`` is not one of approval, choose-1, cumulative, ordinal, scoring."""


class DuplicateId(PabulibError):
    """Two projects, or two voters, share an id."""


class UnknownProject(PabulibError):
    """A vote names a project that is not in the PROJECTS section."""


class BadBallot(PabulibError):
    """A ballot is inconsistent with the vote type (points count, duplicates, several choices...)."""


class CountMismatch(PabulibError):
    """A declared count (``votes``/``score`` column, ``num_votes``, ``num_projects``) disagrees
    with what the file actually contains."""
