"""`pb import-pabulib FILE.pb`: a real election replayed in pb.

The file becomes an edition with one district (its envelope is the file's budget), its projects
on the ballot (keeping the file's identifiers), and its ballots with their channel (the
`voting_method` voter field: paper, or online otherwise). The edition's rule is the file's META
rule when pb implements it. The edition then goes through the vote to the results phase, so it
can be counted and published like any other; the file's voters are anonymous, so no sign-in list
is written."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.editions import services as editions
from pb.editions.models import Edition, Phase
from pb.errors import ValidationFailed
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project
from pb.slugs import slugify
from pb.tally import Election, UnsupportedRule, pabulib, resolve_auto
from pb.voting.models import Ballot, Channel

PAPER = {"paper", "papier", "kiosk", "ballot box"}


def _cents(value: Any, what: str) -> int:
    cents = Fraction(value) * 100
    if cents.denominator != 1:
        raise ValidationFailed(_l("%(what)s has fractions of a cent: %(value)s."), what=what, value=str(value))
    return int(cents)


def _slug(text: str) -> str:
    return slugify(text) or "import"


def ballot_settings(election: Election) -> dict[str, Any]:
    """The edition rules that describe the file's ballot."""
    meta = election.meta
    kind = election.vote_type
    if kind in ("approval", "choose-1"):
        max_len = 1 if kind == "choose-1" else int(meta.get("max_length") or 0) or None
        settings: dict[str, Any] = {"ballot_type": "approval", "min_choices": int(meta.get("min_length") or 1) or 1,
                                    "max_choices": max_len}
        if settings["max_choices"] is not None and settings["max_choices"] < settings["min_choices"]:
            settings["max_choices"] = settings["min_choices"]
        return settings
    if kind == "cumulative":
        points = int(meta.get("max_sum_points") or max((sum(election.ballots.ballot_points(i) or ()) for i in
                                                       range(len(election.ballots))), default=1) or 1)
        return {"ballot_type": "cumulative", "cumulative_points": points, "min_choices": 1, "max_choices": None}
    raise ValidationFailed(_l("pb has no %(kind)s ballot: count this file with `pb tally` instead."), kind=kind)


def import_pabulib(session: Session, actor: Any, source: str | Path, *, slug: str | None = None,
                   name: str | None = None) -> Edition:
    require(actor, "edition.create")
    election = pabulib.read(source)
    meta = election.meta
    settings = ballot_settings(election)
    try:
        rule, options = resolve_auto(election)
    except UnsupportedRule:
        rule, options = "greedy", {}
    if rule == "mj" or (settings["ballot_type"] == "cumulative" and rule.startswith("mes")):
        rule, options = "greedy", {}
    title = name or " ".join(x for x in (meta.get("unit"), meta.get("subunit"), meta.get("instance")) if x) or "Import"
    year_match = re.search(r"(19|20)\d\d", meta.get("instance", "") + " " + meta.get("date_end", ""))
    year = int(year_match.group(0)) if year_match else 2000
    slug = slug or _slug(f"{meta.get('country', '')}-{meta.get('unit', '')}-{meta.get('instance', '')}-{meta.get('subunit', '')}")
    edition = editions.create_edition(session, actor, name=title[:160], slug=slug, year=max(2000, min(year, 2100)),
                                      description=meta.get("description", ""))
    district = editions.save_district(session, actor, edition, name=(meta.get("subunit") or meta.get("unit") or title)[:120],
                                      code="import", envelope_cents=_cents(election.budget, "the budget"), population=0)
    rules: dict[str, Any] = {**settings, "aggregation_rule": rule, "tie_break": "lexicographic",
                             "min_voter_age": 0, "online_voting": True, "paper_voting": True,
                             "fund_unsupported": True}  # a replay counts the file as its city did
    if "threshold" in options:
        rules["min_project_score"] = options["threshold"]
    editions.update_rules(session, actor, edition, **rules)
    projects = []
    for number, p in enumerate(election.projects, start=1):
        lat, lon = p.fields.get("latitude"), p.fields.get("longitude")
        projects.append(create_project(
            session, actor, edition, district, title=(p.name or f"Project {p.id}")[:200], cost_cents=_cents(p.cost, f"project {p.id}"),
            theme=(p.fields.get("category") or "")[:64], status=ProjectStatus.ON_BALLOT, number=number,
            external_ref=p.id, latitude=float(lat) if lat else None, longitude=float(lon) if lon else None))
    window = _vote_window(meta)
    if window is not None:
        editions.set_calendar(session, actor, edition, {Phase.VOTE: window})
    editions.set_phase(session, actor, edition, Phase.VOTE)
    _insert_ballots(session, edition, district.id, election, [p.id for p in projects])
    editions.set_phase(session, actor, edition, Phase.RESULTS)
    audit.record(session, actor, "results.import", edition, after={"file": meta.get("description", ""),
                                                                   "ballots": election.num_voters, "rule": rule})
    return edition


def _vote_window(meta: Mapping[str, str]) -> tuple[dt.datetime, dt.datetime] | None:
    """The file's voting days (dd.mm.yyyy), as a window from the first morning to the last evening."""
    try:
        begin = dt.datetime.strptime(meta.get("date_begin", "").strip(), "%d.%m.%Y")
        end = dt.datetime.strptime(meta.get("date_end", "").strip(), "%d.%m.%Y")
    except ValueError:
        return None
    start, stop = begin.replace(hour=8, tzinfo=dt.timezone.utc), end.replace(hour=20, tzinfo=dt.timezone.utc)
    return (start, stop) if stop > start else None


def _insert_ballots(session: Session, edition: Edition, district_id: int, election: Election, ids: list[int]) -> None:
    b = election.ballots
    methods = b.voter_fields.get("voting_method") or (None,) * len(b)
    indptr, indices = b.indptr.tolist(), b.indices.tolist()
    points = b.points.tolist() if b.points is not None else None
    rows = []
    for i in range(len(b)):
        start, end = indptr[i], indptr[i + 1]
        values = points[start:end] if points is not None else [1] * (end - start)
        choices = {str(ids[j]): int(v) for j, v in zip(indices[start:end], values)}
        channel = Channel.PAPER if (methods[i] or "").strip().lower() in PAPER else Channel.ONLINE
        rows.append({"id": uuid.uuid4(), "edition_id": edition.id, "district_id": district_id,
                     "channel": channel.value, "choices": choices})
        if len(rows) == 5000:
            session.execute(sa.insert(Ballot), rows)
            rows = []
    if rows:
        session.execute(sa.insert(Ballot), rows)
