"""Plain data of the tally: projects, ballots, elections and outcomes.

These are frozen values with no database behind them, so a rule is a pure function of them and a
test can build one in a line. Money is exact: ``int`` or ``fractions.Fraction`` (some Pabulib
files have budgets in grosze, such as 748772.64), never ``float``.

Ballots are stored column-wise (CSR arrays of project positions) rather than one Python object per
voter: a city-wide vote has 10^5-10^6 ballots and the rules only ever need counts and groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Union

import numpy as np

from pb.tally.errors import InvalidElection

Money = Union[int, Fraction]
VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")
# META keys that the Election holds as typed fields or derives from its content.
STRUCTURAL_META = ("budget", "vote_type", "num_projects", "num_votes")


def as_money(value: Any) -> Money:
    """Return ``value`` as an exact amount (int when whole). Floats are refused: they are not exact."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount of money")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (Fraction, Decimal, str)):
        frac = Fraction(value.strip() if isinstance(value, str) else value)
        return int(frac) if frac.denominator == 1 else frac
    if isinstance(value, np.integer):
        return int(value)
    raise TypeError(f"{value!r} is not an exact amount (use int, Fraction, Decimal or str)")


def format_money(value: Money) -> str:
    """Write an amount as Pabulib writes it: an integer, or a finite decimal ("748772.64")."""
    value = as_money(value)
    if isinstance(value, int):
        return str(value)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{value} has no finite decimal expansion and cannot be written")
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    text = str(abs(int(scaled))).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def _text_or_none(value: str | None) -> str | None:
    """Blank text and the Pabulib ``none`` both mean "no value"."""
    if value is None or str(value).strip().lower() in ("", "none"):
        return None
    return str(value)


@dataclass(frozen=True)
class Project:
    """One project on the ballot.

    ``selected`` is the outcome a Pabulib file announced (1 funded, 0 not, 2/3 special cases), kept
    so that tests can compare pb's result with the city's. ``fields`` holds every other PROJECTS
    column (category, latitude...) as text, None where the file had ``none`` or nothing.
    """

    id: str
    cost: Money
    name: str | None = None
    selected: int | None = None
    fields: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or self.id != self.id.strip():
            raise InvalidElection(f"project id {self.id!r} must be a non-empty string without surrounding spaces")
        object.__setattr__(self, "cost", as_money(self.cost))
        if self.cost < 0:
            raise InvalidElection(f"project {self.id}: cost {self.cost} is negative")
        # Same normal form as the Pabulib reader: blank and "none" mean missing.
        object.__setattr__(self, "name", _text_or_none(self.name))
        # A missing value and an absent column are the same thing.
        fields = {str(k): _text_or_none(v) for k, v in dict(self.fields).items()}
        object.__setattr__(self, "fields", {k: v for k, v in fields.items() if v is not None})

    def __hash__(self) -> int:
        return hash((self.id, self.cost))


@dataclass(frozen=True, eq=False)
class Ballots:
    """All ballots of an election, column-wise.

    Ballot ``i`` names the projects ``indices[indptr[i]:indptr[i+1]]`` (positions in
    ``Election.projects``), in the voter's order (it matters for ordinal ballots). ``points`` is
    aligned with ``indices`` (cumulative and scoring ballots, or ordinal ballots whose file gave
    explicit points), else None. ``voter_ids`` None means "1", "2", ... ``voter_fields`` maps an
    optional voter column (age, sex, voting_method, district...) to one value per ballot.
    """

    indptr: np.ndarray
    indices: np.ndarray
    points: np.ndarray | None = None
    voter_ids: tuple[str, ...] | None = None
    voter_fields: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        if indptr.ndim != 1 or len(indptr) < 1 or indptr[0] != 0 or indptr[-1] != len(indices):
            raise InvalidElection("ballots: indptr must start at 0 and end at len(indices)")
        if np.any(np.diff(indptr) < 0):
            raise InvalidElection("ballots: indptr must be non-decreasing")
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        if self.points is not None:
            points = np.ascontiguousarray(self.points, dtype=np.int64)
            if points.shape != indices.shape:
                raise InvalidElection("ballots: points must be aligned with indices")
            if len(points) and points.min() < 0:
                raise InvalidElection("ballots: points must be non-negative integers")
            object.__setattr__(self, "points", points)
        n = len(indptr) - 1
        if self.voter_ids is not None:
            ids = tuple(self.voter_ids)
            if len(ids) != n:
                raise InvalidElection("ballots: one voter id per ballot")
            if len(set(ids)) != n:
                raise InvalidElection("ballots: voter ids must be unique")
            object.__setattr__(self, "voter_ids", ids)
        fields = {}
        for key, column in dict(self.voter_fields).items():
            column = tuple(column)
            if len(column) != n:
                raise InvalidElection(f"ballots: voter field {key!r} needs one value per ballot")
            fields[key] = tuple(_text_or_none(v) for v in column)
        object.__setattr__(self, "voter_fields", fields)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @property
    def ids(self) -> tuple[str, ...]:
        """The voter ids, generated as "1", "2", ... when none were given."""
        if self.voter_ids is not None:
            return self.voter_ids
        return tuple(str(i) for i in range(1, len(self) + 1))

    def ballot(self, i: int) -> tuple[int, ...]:
        """Positions of the projects ballot ``i`` names, in the voter's order."""
        return tuple(int(x) for x in self.indices[self.indptr[i] : self.indptr[i + 1]])

    def ballot_points(self, i: int) -> tuple[int, ...] | None:
        if self.points is None:
            return None
        return tuple(int(x) for x in self.points[self.indptr[i] : self.indptr[i + 1]])

    @cached_property
    def rows(self) -> np.ndarray:
        """The ballot number of each entry of ``indices``."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.indptr))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ballots):
            return NotImplemented
        if len(self) != len(other) or not np.array_equal(self.indptr, other.indptr):
            return False
        if not np.array_equal(self.indices, other.indices):
            return False
        if (self.points is None) != (other.points is None):
            return False
        if self.points is not None and not np.array_equal(self.points, other.points):
            return False
        if self.voter_ids != other.voter_ids and self.ids != other.ids:
            return False
        return dict(self.voter_fields) == dict(other.voter_fields)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_lists(
        cls,
        ballots: Sequence[Sequence[int]],
        points: Sequence[Sequence[int]] | None = None,
        voter_ids: Sequence[str] | None = None,
        voter_fields: Mapping[str, Sequence[str | None]] | None = None,
    ) -> Ballots:
        """Build from Python lists of project positions (and points), e.g. in tests."""
        lengths = [len(b) for b in ballots]
        indptr = np.zeros(len(ballots) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = [p for b in ballots for p in b]
        pts = None
        if points is not None:
            if [len(p) for p in points] != lengths:
                raise InvalidElection("ballots: one point per named project")
            pts = np.array([x for p in points for x in p], dtype=np.int64)
        return cls(
            indptr,
            np.array(flat, dtype=np.int32),
            pts,
            tuple(voter_ids) if voter_ids is not None else None,
            {k: tuple(v) for k, v in (voter_fields or {}).items()},
        )


@dataclass(frozen=True)
class Election:
    """Everything a rule needs: projects, ballots, the envelope, the vote type, the file's META.

    ``meta`` holds the META entries other than the structural ones (``budget``, ``vote_type``,
    ``num_projects``, ``num_votes``), which are fields here or derived from the content; the
    Pabulib writer puts them back. ``meta["rule"]`` is what ``--rule auto`` reads.
    """

    projects: tuple[Project, ...]
    ballots: Ballots
    budget: Money
    vote_type: str = "approval"
    meta: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        projects = tuple(self.projects)
        object.__setattr__(self, "projects", projects)
        object.__setattr__(self, "budget", as_money(self.budget))
        if self.budget < 0:
            raise InvalidElection(f"the budget {self.budget} is negative")
        if self.vote_type not in VOTE_TYPES:
            raise InvalidElection(f"vote type {self.vote_type!r} is not one of {', '.join(VOTE_TYPES)}")
        ids = [p.id for p in projects]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise InvalidElection(f"duplicate project ids: {', '.join(dup)}")
        meta = {str(k).strip(): str(v).strip() for k, v in dict(self.meta).items() if str(k).strip() not in STRUCTURAL_META}
        object.__setattr__(self, "meta", meta)
        ballots = self.ballots
        if len(ballots.indices) and (ballots.indices.min() < 0 or ballots.indices.max() >= len(projects)):
            raise InvalidElection("a ballot names a project position outside the project list")
        if self.vote_type in ("cumulative", "scoring") and ballots.points is None:
            raise InvalidElection(f"{self.vote_type} ballots need points")
        self._check_no_duplicates()
        if self.vote_type == "choose-1" and len(ballots) and np.diff(ballots.indptr).max() > 1:
            raise InvalidElection("a choose-1 ballot names more than one project")

    def _check_no_duplicates(self) -> None:
        b = self.ballots
        if not len(b.indices):
            return
        keys = np.sort(b.rows * max(len(self.projects), 1) + b.indices)  # sort: much faster than np.unique
        if np.any(keys[1:] == keys[:-1]):
            raise InvalidElection("a ballot names the same project twice")

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ derived data
    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    @cached_property
    def index(self) -> dict[str, int]:
        """Project id -> position in ``projects``."""
        return {p.id: i for i, p in enumerate(self.projects)}

    @cached_property
    def costs(self) -> tuple[Money, ...]:
        return tuple(p.cost for p in self.projects)

    @cached_property
    def votes(self) -> np.ndarray:
        """Number of ballots naming each project (the Pabulib ``votes`` column)."""
        return np.bincount(self.ballots.indices, minlength=len(self.projects)).astype(np.int64)

    @cached_property
    def scores(self) -> np.ndarray:
        """The Pabulib ``score`` column: the sum of points (cumulative, scoring, ordinal with
        explicit points), positional points for ordinal ballots without points (a ballot of k
        projects gives k, k-1, ..., 1), the number of votes otherwise."""
        from pb.tally.profile import entry_points

        pts = entry_points(self)
        if pts is None:
            return self.votes
        return np.bincount(self.ballots.indices, weights=pts, minlength=len(self.projects)).astype(np.int64)

    def total_cost(self, positions: Iterable[int]) -> Money:
        return as_money(sum((self.projects[i].cost for i in positions), 0))

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        projects: Sequence[Project | tuple[Any, ...]],
        ballots: Sequence[Sequence[str] | Mapping[str, int]],
        budget: Any,
        vote_type: str = "approval",
        meta: Mapping[str, str] | None = None,
        voter_ids: Sequence[str] | None = None,
        voter_fields: Mapping[str, Sequence[str | None]] | None = None,
    ) -> Election:
        """Build an election from project ids, the friendly way (tests, imports).

        ``projects``: ``Project`` objects or tuples ``(id, cost[, name])``. ``ballots``: for
        approval/choose-1/ordinal a sequence of project ids (in the voter's order); for
        cumulative/scoring (or ordinal with explicit points) a mapping id -> points.
        """
        plist = [p if isinstance(p, Project) else Project(str(p[0]), p[1], *(p[2:3])) for p in projects]
        index = {p.id: i for i, p in enumerate(plist)}
        rows: list[list[int]] = []
        pts: list[list[int]] = []
        with_points = any(isinstance(b, Mapping) for b in ballots)
        for n, ballot in enumerate(ballots):
            ids = list(ballot.keys()) if isinstance(ballot, Mapping) else list(ballot)
            try:
                rows.append([index[str(i)] for i in ids])
            except KeyError as exc:
                raise InvalidElection(f"ballot {n + 1} names unknown project {exc.args[0]!r}") from None
            if with_points:
                if not isinstance(ballot, Mapping):
                    raise InvalidElection(f"ballot {n + 1} has no points while others have")
                pts.append([int(v) for v in ballot.values()])
        return cls(
            tuple(plist),
            Ballots.from_lists(rows, pts if with_points else None, voter_ids, voter_fields),
            budget,
            vote_type,
            dict(meta or {}),
        )


@dataclass(frozen=True)
class Outcome:
    """What a rule decided.

    ``selected``: the funded project ids in the order the rule funded them. ``explanation``: the
    rule's own account (see ``pb.tally.explain``), shown in words on the results page.
    ``details``: the numbers a rule variant used (per-voter budget reached by add1, comparison
    counts...), JSON-ready.
    """

    rule: str
    tie_break: str
    selected: tuple[str, ...]
    spent: Money
    budget: Money
    explanation: Any = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.rule, self.tie_break, self.selected))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (money as int, or float when the amount has decimals)."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "tie_break": self.tie_break,
            "selected": list(self.selected),
            "budget": money_json(self.budget),
            "spent": money_json(self.spent),
        }
        if self.details:
            out["details"] = {k: jsonable(v) for k, v in self.details.items()}
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


def money_json(value: Money) -> int | float:
    """JSON has no exact decimals: whole amounts stay ints; other amounts become the nearest float
    (Pabulib amounts have at most a few decimals, which survive the round trip to text)."""
    return value if isinstance(value, int) else float(value)


def jsonable(value: Any) -> Any:
    """Turn exact numbers, tuples and dataclass-like values into JSON-ready ones."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)
