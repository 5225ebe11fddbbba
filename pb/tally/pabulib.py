"""Read and write the Pabulib ``.pb`` format (https://pabulib.org/format).

A file has three sections, each a ``;``-separated table: META (``key;value``), PROJECTS (header
starting with ``project_id``) and VOTES (header starting with ``voter_id``). The reader accepts what
real exports contain: CRLF or mixed line endings, a UTF-8 BOM, quoted fields with doubled quotes,
lower-case section names, ``none`` for a missing value, fractional budgets. Any malformed content
raises a named ``PabulibError`` carrying the line number.

The writer produces the canonical form that the Pabulib checker expects: META keys in the canonical
order, ``votes``/``score`` columns recomputed from the ballots, ``selected`` from an outcome when one
is given; ``read(write(e)) == e`` for every election ``e``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Union

import numpy as np

from pb.tally.errors import (
    BadBallot,
    BadHeader,
    BadNumber,
    CountMismatch,
    DuplicateId,
    InvalidElection,
    MissingField,
    MissingSection,
    PabulibError,
    UnknownProject,
    UnknownVoteType,
    WrongColumnCount,
)
from pb.tally.model import VOTE_TYPES, Ballots, Election, Money, Outcome, Project, as_money, format_money

Source = Union[str, bytes, os.PathLike, IO[str], IO[bytes]]

# Canonical column and key orders, as the Pabulib format and its checker define them. Unknown keys
# are kept, after the known ones, in the order they came.
META_ORDER = (
    "description", "country", "unit", "district", "subunit", "instance", "num_projects",
    "num_votes", "budget", "vote_type", "rule", "date_begin", "date_end", "min_length",
    "max_length", "min_sum_cost", "max_sum_cost", "min_points", "max_points", "min_sum_points",
    "max_sum_points", "default_score", "min_project_cost", "max_project_cost",
    "min_project_score_threshold", "neighborhoods", "subdistricts", "categories", "edition",
    "language", "currency", "fully_funded", "experimental", "comment", "acknowledgments",
    "leftover_budget", "budget_per_category", "budget_per_neighborhood",
    "min_length_per_category", "max_length_per_category", "min_sum_cost_per_category",
    "max_sum_cost_per_category",
)  # fmt: skip
PROJECT_ORDER = (
    "project_id", "cost", "votes", "score", "name", "category", "beneficiaries", "selected",
    "neighborhood", "subunit", "district", "description", "proposer", "public_id", "latitude",
    "longitude",
)  # fmt: skip
VOTE_ORDER = (
    "voter_id", "vote", "points", "age", "sex", "voting_method", "district", "neighborhood",
    "education", "topic_preference_transport", "topic_preference_culture",
    "topic_preference_nature", "district_preference", "time_taken_seconds", "format_easiness",
    "format_expressiveness", "format_rank",
)  # fmt: skip
SECTIONS = ("meta", "projects", "votes")
_DECIMAL = re.compile(r"\d+(\.\d+)?")
_INTEGER = re.compile(r"\d+")
Rows = list[tuple[int, list[str]]]  # (line number, fields)


# ---------------------------------------------------------------------------------------- reading
def _text_of(source: Source) -> str:
    """The file's text, BOM removed. A ``str`` with a line break is the content itself (a Pabulib
    file has at least seven lines); any other ``str`` is a path."""
    if isinstance(source, bytes):
        return source.decode("utf-8-sig")
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source.lstrip("\ufeff")
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes().decode("utf-8-sig")
    data = source.read()
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")


def _missing(value: str) -> bool:
    return value.strip().lower() in ("", "none")


def _money(value: str, line: int, what: str) -> Money:
    text = value.strip()
    if not _DECIMAL.fullmatch(text):
        raise BadNumber(f"{what} {value!r} is not a non-negative decimal number", line)
    return as_money(text)


def _int(value: str, line: int, what: str) -> int:
    text = value.strip()
    if not _INTEGER.fullmatch(text):
        raise BadNumber(f"{what} {value!r} is not a non-negative integer", line)
    return int(text)


class _Rows:
    """csv rows with the 1-based number of the line each row starts on; blank rows skipped."""

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
        self.last_line = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                self.last_line = reader.line_num
                return
            except csv.Error as exc:
                raise PabulibError(f"unreadable row: {exc}", start) from None
            if not row or all(not cell.strip() for cell in row):
                continue
            yield start, row


def read(source: Source, *, check_counts: bool = True) -> Election:
    """Read a Pabulib file (a path, its text, bytes or an open file) into an ``Election``.

    With ``check_counts`` (the default), the ``votes`` and ``score`` columns and the META
    ``num_projects``/``num_votes`` must agree with the ballots, as the Pabulib checker demands.
    """
    rows = _Rows(_text_of(source))
    it = iter(rows)
    section = None
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    project_rows: Rows = []
    vote_rows: Rows = []
    headers: dict[str, tuple[int, list[str]]] = {}
    expect_header = False
    for line, row in it:
        name = row[0].strip().lower()
        if name in SECTIONS and len([c for c in row if c.strip()]) == 1:
            wanted = SECTIONS[SECTIONS.index(section) + 1] if section else "meta"
            if name != wanted:
                raise MissingSection(f"section {name.upper()} found where {wanted.upper()} was expected", line)
            section, expect_header = name, True
            continue
        if section is None:
            raise MissingSection("the file must start with a META section", line)
        if expect_header:
            expect_header = False
            if section == "meta" and [c.strip().lower() for c in row] == ["key", "value"]:
                continue
            if section != "meta":
                header = [c.strip().lower() for c in row]
                first = "project_id" if section == "projects" else "voter_id"
                if header[0] != first:
                    raise BadHeader(f"the {section.upper()} header must start with {first}, not {row[0]!r}", line)
                if len(set(header)) != len(header):
                    raise BadHeader(f"the {section.upper()} header repeats a column", line)
                headers[section] = (line, header)
                continue
        if section == "meta":
            if len(row) != 2 and not (len(row) > 2 and all(not c.strip() for c in row[2:])):
                raise WrongColumnCount(f"a META row must be key;value, found {len(row)} fields", line)
            key = row[0].strip()
            if key in meta:
                raise DuplicateId(f"META key {key!r} appears twice", line)
            meta[key], meta_lines[key] = row[1].strip(), line
        elif section == "projects":
            project_rows.append((line, row))
        else:
            vote_rows.append((line, row))
    end = rows.last_line + 1
    for needed in SECTIONS:
        if needed == "meta" and section is None or needed != "meta" and needed not in headers:
            raise MissingSection(f"the {needed.upper()} section (with its header row) is missing", end)
    return _build(meta, meta_lines, headers, project_rows, vote_rows, check_counts)


def _build(
    meta: dict[str, str],
    meta_lines: dict[str, int],
    headers: dict[str, tuple[int, list[str]]],
    project_rows: Rows,
    vote_rows: Rows,
    check_counts: bool,
) -> Election:
    first_meta_line = min(meta_lines.values(), default=1)
    for key in ("budget", "vote_type"):
        if _missing(meta.get(key, "")):
            raise MissingField(f"META has no {key}", meta_lines.get(key, first_meta_line))
    vote_type = meta["vote_type"].lower()
    if vote_type not in VOTE_TYPES:
        raise UnknownVoteType(f"vote_type {meta['vote_type']!r} is not one of {', '.join(VOTE_TYPES)}", meta_lines["vote_type"])
    budget = _money(meta["budget"], meta_lines["budget"], "budget")

    pline, pheader = headers["projects"]
    if "cost" not in pheader:
        raise MissingField("the PROJECTS header has no cost column", pline)
    projects: list[Project] = []
    declared: list[tuple[int, int | None, int | None]] = []
    for line, row in project_rows:
        if len(row) != len(pheader):
            raise WrongColumnCount(f"a PROJECTS row has {len(row)} fields, the header has {len(pheader)}", line)
        cells = dict(zip(pheader, row))
        pid = cells["project_id"].strip()
        if not pid:
            raise MissingField("a project has an empty project_id", line)
        cost = _money(cells["cost"], line, f"cost of project {pid}")
        selected = None if _missing(cells.get("selected", "")) else _int(cells["selected"], line, "selected")
        if selected is not None and selected > 3:
            raise BadNumber(f"selected must be 0, 1, 2 or 3, not {selected}", line)
        votes = None if _missing(cells.get("votes", "")) else _int(cells["votes"], line, "votes")
        score = None if _missing(cells.get("score", "")) else _int(cells["score"], line, "score")
        name = cells.get("name")
        fields = {k: (None if _missing(v) else v) for k, v in cells.items() if k not in ("project_id", "cost", "votes", "score", "name", "selected")}
        projects.append(Project(pid, cost, None if name is None or _missing(name) else name, selected, fields))
        declared.append((line, votes, score))
    index: dict[str, int] = {}
    for (line, _, _), p in zip(declared, projects):
        if p.id in index:
            raise DuplicateId(f"project id {p.id!r} appears twice", line)
        index[p.id] = len(index)

    ballots, repeats = _read_votes(headers["votes"], vote_rows, index, vote_type)
    try:
        election = Election(tuple(projects), ballots, budget, vote_type, meta)
    except InvalidElection as exc:  # pragma: no cover - the row checks above catch these first
        raise PabulibError(str(exc)) from None
    if check_counts:
        _check_counts(election, meta, meta_lines, declared, repeats)
    return election


def _read_votes(header_info: tuple[int, list[str]], vote_rows: Rows, index: dict[str, int], vote_type: str) -> tuple[Ballots, dict[int, int]]:
    """The ballots, and per project how many repeated mentions were merged (cumulative files)."""
    vline, vheader = header_info
    if "vote" not in vheader:
        raise MissingField("the VOTES header has no vote column", vline)
    has_points = "points" in vheader
    if vote_type in ("cumulative", "scoring") and not has_points:
        raise MissingField(f"{vote_type} ballots need a points column", vline)
    vote_col = vheader.index("vote")
    points_col = vheader.index("points") if has_points else -1
    extra = [(k, i) for i, k in enumerate(vheader) if k not in ("voter_id", "vote", "points")]
    width = len(vheader)
    ids: list[str] = []
    seen: set[str] = set()
    flat: list[int] = []
    pts: list[int] = []
    lengths: list[int] = []
    columns: dict[str, list[str | None]] = {k: [] for k, _ in extra}
    repeats: dict[int, int] = {}  # project -> extra occurrences merged away (cumulative only)
    for line, row in vote_rows:
        if len(row) != width:
            raise WrongColumnCount(f"a VOTES row has {len(row)} fields, the header has {width}", line)
        vid = row[0].strip()
        if not vid:
            raise MissingField("a vote has an empty voter_id", line)
        if vid in seen:
            raise DuplicateId(f"voter id {vid!r} appears twice", line)
        seen.add(vid)
        ids.append(vid)
        names = [x.strip() for x in row[vote_col].split(",")]
        names = [x for x in names if x]
        try:
            chosen = [index[x] for x in names]
        except KeyError as exc:
            raise UnknownProject(f"the vote names project {exc.args[0]!r}, which is not in PROJECTS", line) from None
        if vote_type == "choose-1" and len(chosen) > 1:
            raise BadBallot(f"a choose-1 vote names {len(chosen)} projects", line)
        given: list[int] = []
        if has_points:
            raw = [x for x in row[points_col].split(",") if x.strip()]
            if len(raw) != len(chosen):
                raise BadBallot(f"the vote names {len(chosen)} projects but gives {len(raw)} points", line)
            given = [_int(x, line, "points") for x in raw]
        if len(set(chosen)) != len(chosen):
            if vote_type not in ("cumulative", "scoring"):
                raise BadBallot("the vote names the same project twice", line)
            # Częstochowa 2020 writes 4 points on one project as "579,579,579,579;1,1,1,1": the
            # points add up (and the file's votes column counts each repetition).
            merged: dict[int, int] = {}
            for j, x in zip(chosen, given):
                merged[j] = merged.get(j, 0) + x
                repeats[j] = repeats.get(j, 0) + 1
            for j in merged:
                repeats[j] -= 1
            chosen, given = list(merged), list(merged.values())
        pts.extend(given)
        flat.extend(chosen)
        lengths.append(len(chosen))
        for k, i in extra:
            value = row[i]
            columns[k].append(None if _missing(value) else value)
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ballots = Ballots(
        indptr,
        np.array(flat, dtype=np.int32),
        np.array(pts, dtype=np.int64) if has_points else None,
        tuple(ids),
        {k: tuple(v) for k, v in columns.items()},
    )
    return ballots, repeats


def _check_counts(
    election: Election,
    meta: dict[str, str],
    meta_lines: dict[str, int],
    declared: list[tuple[int, int | None, int | None]],
    repeats: dict[int, int],
) -> None:
    votes, scores = election.votes, election.scores
    for i, (line, v, s) in enumerate(declared):
        pid = election.projects[i].id
        if v is not None and v != votes[i] + repeats.get(i, 0):
            raise CountMismatch(f"project {pid}: the votes column says {v}, the ballots give {votes[i]}", line)
        if s is not None and s != scores[i]:
            raise CountMismatch(f"project {pid}: the score column says {s}, the ballots give {scores[i]}", line)
    for key, actual in (("num_projects", len(election.projects)), ("num_votes", election.num_voters)):
        if not _missing(meta.get(key, "")):
            declared_n = _int(meta[key], meta_lines[key], key)
            if declared_n != actual:
                raise CountMismatch(f"META {key} says {declared_n}, the file contains {actual}", meta_lines[key])


# ---------------------------------------------------------------------------------------- writing
def _ordered(keys: list[str], canonical: tuple[str, ...]) -> list[str]:
    known = [k for k in canonical if k in keys]
    return known + [k for k in keys if k not in canonical]


def write(election: Election, outcome: Outcome | None = None, file: str | os.PathLike | IO[str] | None = None) -> str:
    """Write ``election`` in canonical Pabulib form and return the text (also written to ``file``,
    a path or an open text file, when given).

    With an ``outcome``, the ``selected`` column marks its funded projects, META ``rule`` is the
    outcome's rule (its Pabulib label where one exists) and ``min_project_score_threshold`` the
    threshold it applied, if any.
    """
    from pb.tally.rules import pabulib_label  # late import: rules imports this module's users

    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    meta = dict(election.meta)
    meta.update(
        num_projects=str(len(election.projects)),
        num_votes=str(election.num_voters),
        budget=format_money(election.budget),
        vote_type=election.vote_type,
    )
    if outcome is not None:
        # META must describe the rule that produced ``selected``, threshold included.
        meta["rule"] = pabulib_label(outcome.rule)
        meta.pop("min_project_score_threshold", None)
        if outcome.details.get("threshold") is not None:
            meta["min_project_score_threshold"] = str(outcome.details["threshold"])
    out.writerow(["META"])
    out.writerow(["key", "value"])
    for key in _ordered(list(meta), META_ORDER):
        out.writerow([key, meta[key]])

    funded = set(outcome.selected) if outcome is not None else None
    has_selected = funded is not None or any(p.selected is not None for p in election.projects)
    has_score = election.vote_type in ("cumulative", "ordinal", "scoring")
    has_name = any(p.name is not None for p in election.projects)
    extra: list[str] = []
    for p in election.projects:
        extra.extend(k for k in p.fields if k not in extra)
    columns = ["project_id", "cost", "votes"] + (["score"] if has_score else []) + (["name"] if has_name else [])
    columns += (["selected"] if has_selected else []) + extra
    columns = _ordered(columns, PROJECT_ORDER)
    votes, scores = election.votes, election.scores
    out.writerow(["PROJECTS"])
    out.writerow(columns)
    for i, p in enumerate(election.projects):
        if funded is not None:
            selected: object = 1 if p.id in funded else 0
        else:
            selected = "" if p.selected is None else p.selected
        values = {"project_id": p.id, "cost": format_money(p.cost), "votes": int(votes[i]), "score": int(scores[i]), "name": p.name or "", "selected": selected}
        out.writerow([values[c] if c in values else (p.fields.get(c) or "") for c in columns])

    b = election.ballots
    vcolumns = _ordered(["voter_id", "vote"] + (["points"] if b.points is not None else []) + list(b.voter_fields), VOTE_ORDER)
    out.writerow(["VOTES"])
    out.writerow(vcolumns)
    pid = [p.id for p in election.projects]
    ids = b.ids
    indptr, indices = b.indptr.tolist(), b.indices.tolist()
    points = b.points.tolist() if b.points is not None else None
    for v in range(len(b)):
        lo, hi = indptr[v], indptr[v + 1]
        values = {"voter_id": ids[v], "vote": ",".join(pid[j] for j in indices[lo:hi])}
        if points is not None:
            values["points"] = ",".join(str(x) for x in points[lo:hi])
        out.writerow([values[c] if c in values else (b.voter_fields[c][v] or "") for c in vcolumns])
    text = buf.getvalue()
    if file is not None:
        if isinstance(file, (str, os.PathLike)):
            Path(file).write_text(text, encoding="utf-8")
        else:
            file.write(text)
    return text
