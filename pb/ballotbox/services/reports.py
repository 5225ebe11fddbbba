"""The procès-verbal of a station: entered twice, compared, signed off, locked.

Each of two officers keys the report independently (`first`, `second`): envelopes found in the
box, blank, spoilt, and either totals per project or every ballot keyed one by one. The
server refuses figures that do not add up. The two entries are compared field by field (and
ballot by ballot); once they agree an officer signs the report off: the keyed ballots are
checked by the online ballot's own validation (`pb.voting.rules`), those it refuses are kept
as spoilt with their reason, the valid ones become paper ballots of the count, and the report
is locked. Only an administrator can change it afterwards, giving a reason (audited)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.ballotbox import errors
from pb.ballotbox.models import EntryKind, PaperBallot, PollingStation, ReportEntry, StationReport
from pb.ballotbox.services.stations import is_closed
from pb.db import utcnow
from pb.editions.models import Edition
from pb.errors import PbError
from pb.projects.services import project_costs
from pb.voting import rules
from pb.voting.services.casting import districts_of, parse_payload

FIELDS = ("envelopes", "blank", "spoilt")
# Rules that need every ballot, not totals per project.
BALLOT_RULES = ("mes", "mj")


def needs_ballots(edition: Edition) -> bool:
    return (str(edition.ballot_type) in ("majority_judgment", "cumulative")
            or any(edition.aggregation_rule.startswith(prefix) for prefix in BALLOT_RULES))


def _count(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise errors.ReportMalformed(detail=f"{name} must be a whole number")
    if value < 0 or value > 10_000_000:
        raise errors.ReportMalformed(detail=f"{name} must be between 0 and 10,000,000")
    return value


def station_projects(session: Session, station: PollingStation) -> dict[int, tuple[int, int]]:
    """{project id: (district id, cost)} of the projects on this station's ballot papers."""
    costs = project_costs(session, station.edition_id)
    if station.district_id is None:
        return costs
    citywide = {d.id for d in station.edition.districts if d.is_citywide}
    return {p: c for p, c in costs.items() if c[0] == station.district_id or c[0] in citywide}


def _parse(session: Session, station: PollingStation, body: dict[str, Any]) -> dict[str, Any]:
    """The entry as stored, or a refusal: the counts, then totals or ballots (not both)."""
    counts = {name: _count(body, name) for name in FIELDS}
    has_totals, has_ballots = body.get("totals") is not None, body.get("ballots") is not None
    if has_totals == has_ballots:
        raise errors.ReportMalformed(detail="give either totals or ballots")
    edition = station.edition
    projects = station_projects(session, station)
    if has_totals:
        if needs_ballots(edition):
            raise errors.BallotsRequired()
        totals = body["totals"]
        if not isinstance(totals, dict):
            raise errors.ReportMalformed(detail="totals must be an object {project id: votes}")
        clean: dict[str, int] = {}
        for key, value in totals.items():
            if not str(key).strip().isdigit() or int(key) not in projects:
                raise errors.ReportInconsistent(detail=_("project %(id)s is not on this station's ballot", id=key))
            clean[str(int(key))] = _count(totals, key)
        valid = counts["envelopes"] - counts["blank"] - counts["spoilt"]
        if valid < 0:
            raise errors.ReportInconsistent(detail=_("blank and spoilt ballots outnumber the envelopes"))
        for pid, votes in clean.items():
            if votes > valid:
                raise errors.ReportInconsistent(detail=_("project %(id)s has more votes (%(votes)s) than valid ballots "
                                                         "(%(valid)s)", id=pid, votes=votes, valid=valid))
        by_district: dict[int, int] = defaultdict(int)
        for pid, votes in clean.items():
            by_district[projects[int(pid)][0]] += votes
        if edition.max_choices is not None:
            for votes in by_district.values():
                if votes > valid * edition.max_choices:
                    raise errors.ReportInconsistent(detail=_("more votes than %(valid)s valid ballots of at most "
                                                             "%(max)s choices allow", valid=valid, max=edition.max_choices))
        return {**counts, "totals": clean, "ballots": None}
    ballots = body["ballots"]
    if not isinstance(ballots, list) or len(ballots) > 100_000:
        raise errors.ReportMalformed(detail="ballots must be a list")
    if counts["envelopes"] != counts["blank"] + counts["spoilt"] + len(ballots):
        raise errors.ReportInconsistent(detail=_("%(envelopes)s envelopes, but %(blank)s blank + %(spoilt)s spoilt + "
                                                 "%(keyed)s keyed ballots", keyed=len(ballots), **counts))
    return {**counts, "totals": None, "ballots": [_canonical(b) for b in ballots]}


def _canonical(ballot: Any) -> Any:
    """A keyed ballot as stored and compared: kept as typed (even when invalid, to be kept as
    spoilt), in a canonical form (sorted lists and keys) so that two keyings of one ballot compare equal."""
    if not isinstance(ballot, dict):
        return ballot
    out: dict[str, Any] = {}
    for key, value in ballot.items():
        if isinstance(value, list) and all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in value):
            value = sorted(value, key=lambda v: (str(type(v)), v))
        elif isinstance(value, dict):
            value = {str(k): value[k] for k in sorted(value, key=str)}
        out[str(key)] = value
    return out


def submit_entry(session: Session, actor: Any, station: PollingStation, entry: Any, body: dict[str, Any]) -> ReportEntry:
    """Record (or replace) one officer's entry of the report."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    try:
        kind = EntryKind(entry)
    except ValueError:
        raise errors.ReportMalformed(detail="entry must be first or second") from None
    if not is_closed(station):
        raise errors.StationStillOpen()
    if _signed(session, station) is not None:
        raise errors.ReportSignedOff()
    values = _parse(session, station, body)
    entries = _entries(session, station)
    officer_id = getattr(actor, "id", None)
    other = entries.get(EntryKind.SECOND if kind is EntryKind.FIRST else EntryKind.FIRST)
    if officer_id is not None and other is not None and other.officer_id == officer_id:
        raise errors.SameOfficer()
    row = entries.get(kind)
    if row is None:
        row = ReportEntry(station_id=station.id, entry=kind)
        session.add(row)
    row.officer_id = officer_id
    row.entered_at = utcnow()
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, actor, "station.report_entry", station, after={"entry": kind.value, **{
        n: values[n] for n in FIELDS}, "keyed": len(values["ballots"] or [])})
    return row


def _entries(session: Session, station: PollingStation) -> dict[EntryKind, ReportEntry]:
    return {EntryKind(e.entry): e for e in session.scalars(sa.select(ReportEntry).where(
        ReportEntry.station_id == station.id))}


def _signed(session: Session, station: PollingStation) -> StationReport | None:
    return session.scalar(sa.select(StationReport).where(StationReport.station_id == station.id))


def mismatches(first: ReportEntry, second: ReportEntry) -> list[str]:
    """The fields on which two entries differ: "envelopes", "totals.<project id>", "ballots"
    (their number), "ballots[<n>]" (ballot n, counted from 1)."""
    out = [name for name in FIELDS if getattr(first, name) != getattr(second, name)]
    if (first.totals is None) != (second.totals is None):
        return out + ["mode"]
    if first.totals is not None and second.totals is not None:
        for pid in sorted(set(first.totals) | set(second.totals), key=int):
            if first.totals.get(pid, 0) != second.totals.get(pid, 0):
                out.append(f"totals.{pid}")
        return out
    a, b = first.ballots or [], second.ballots or []
    if len(a) != len(b):
        out.append("ballots")
    for i, (x, y) in enumerate(zip(a, b), start=1):
        if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
            out.append(f"ballots[{i}]")
    return out


@dataclass
class ReportState:
    station_id: int
    state: str  # awaiting_first_entry | awaiting_second_entry | mismatch | agreed | signed_off
    fields: list[str] = field(default_factory=list)
    entries: dict[str, ReportEntry] = field(default_factory=dict)
    report: StationReport | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"station": self.station_id, "state": self.state, "mismatches": self.fields,
                                "entries": {k: {"officer": e.officer.display_name if e.officer else None,
                                                "at": e.entered_at.isoformat()} for k, e in self.entries.items()}}
        if self.report is not None:
            r = self.report
            body["report"] = {"envelopes": r.envelopes, "blank": r.blank, "spoilt": r.spoilt, "valid": r.valid,
                              "keyed": r.keyed, "totals": r.totals, "rejected": r.rejected,
                              "signed_off_at": r.signed_off_at.isoformat()}
        return body


def report_state(session: Session, station: PollingStation) -> ReportState:
    signed = _signed(session, station)
    entries = _entries(session, station)
    named = {k.value: v for k, v in entries.items()}
    if signed is not None:
        return ReportState(station.id, "signed_off", [], named, signed)
    if not entries:
        return ReportState(station.id, "awaiting_first_entry")
    if len(entries) == 1:
        return ReportState(station.id, "awaiting_second_entry", [], named)
    diff = mismatches(entries[EntryKind.FIRST], entries[EntryKind.SECOND])
    return ReportState(station.id, "mismatch" if diff else "agreed", diff, named)


def check_reader(actor: Any, station: PollingStation) -> None:
    require(actor, "ballotbox.report", station, error=errors.NotYourStation)


# -- sign-off --------------------------------------------------------------------------------------

@dataclass
class Counted:
    """A report's figures once its keyed ballots went through the ballot's validation."""

    envelopes: int
    blank: int
    spoilt: int
    valid: int
    keyed: int
    totals: dict[str, int]
    rejected: list[dict[str, Any]]
    ballots: list[tuple[int, dict[str, int]]]  # (district id, choices) of every valid ballot's scopes


def count_entry(session: Session, station: PollingStation, values: dict[str, Any]) -> Counted:
    """Validate the keyed ballots exactly as an online ballot is validated (the station's
    district standing for the voter's residence; a city-wide station takes any one district)."""
    edition = station.edition
    if values.get("ballots") is None:
        totals = {str(k): int(v) for k, v in (values.get("totals") or {}).items()}
        valid = values["envelopes"] - values["blank"] - values["spoilt"]
        return Counted(values["envelopes"], values["blank"], values["spoilt"], valid, 0, totals, [], [])
    ballot_rules = rules.BallotRules.of(edition)
    if station.district_id is None:
        ballot_rules = replace(ballot_rules, residence_rule="choice")
    costs = station_projects(session, station)
    districts = districts_of(edition)
    totals: dict[str, int] = defaultdict(int)
    rejected: list[dict[str, Any]] = []
    ballots: list[tuple[int, dict[str, int]]] = []
    for number, typed in enumerate(values["ballots"], start=1):
        try:
            chosen = parse_payload(ballot_rules, typed)
            scoped = rules.validate(ballot_rules, chosen, costs, districts, station.district_id)
        except PbError as refusal:
            rejected.append({"ballot": number, "code": refusal.code, "reason": refusal.text()})
            continue
        for part in scoped:
            ballots.append((part.district.id, dict(part.choices)))
            for pid, value in part.choices.items():
                totals[pid] += value
    valid = len(values["ballots"]) - len(rejected)
    return Counted(values["envelopes"], values["blank"], values["spoilt"] + len(rejected), valid,
                   len(values["ballots"]), dict(totals), rejected, ballots)


def _entry_values(entry: ReportEntry) -> dict[str, Any]:
    return {"envelopes": entry.envelopes, "blank": entry.blank, "spoilt": entry.spoilt, "totals": entry.totals,
            "ballots": entry.ballots}


def _write(session: Session, station: PollingStation, report: StationReport, counted: Counted) -> None:
    for name in ("envelopes", "blank", "spoilt", "valid", "keyed", "totals", "rejected"):
        setattr(report, name, getattr(counted, name))
    session.execute(sa.delete(PaperBallot).where(PaperBallot.station_id == station.id))
    if counted.ballots:
        session.execute(sa.insert(PaperBallot), [
            {"station_id": station.id, "edition_id": station.edition_id, "district_id": d, "choices": c}
            for d, c in counted.ballots])


def sign_off(session: Session, actor: Any, station: PollingStation) -> StationReport:
    """Lock the agreed report; its valid keyed ballots join the count."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    if _signed(session, station) is not None:
        raise errors.ReportSignedOff()
    current = report_state(session, station)
    if current.state != "agreed":
        raise errors.ReportNotAgreed()
    counted = count_entry(session, station, _entry_values(_entries(session, station)[EntryKind.FIRST]))
    report = StationReport(station_id=station.id, signed_off_by_id=getattr(actor, "id", None), signed_off_at=utcnow())
    _write(session, station, report, counted)
    session.add(report)
    session.flush()
    audit.record(session, actor, "station.report_sign_off", station,
                 after={"envelopes": report.envelopes, "valid": report.valid, "spoilt": report.spoilt,
                        "blank": report.blank, "keyed": report.keyed, "rejected": len(report.rejected)})
    return report


def amend_report(session: Session, actor: Any, station: PollingStation, body: dict[str, Any], reason: str) -> StationReport:
    """An administrator changes a signed-off report, giving a reason: audited with the figures
    before and after."""
    require(actor, "ballotbox.manage", station)
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    report = _signed(session, station)
    if report is None:
        raise errors.ReportNotAgreed()
    before = {"envelopes": report.envelopes, "blank": report.blank, "spoilt": report.spoilt, "valid": report.valid,
              "totals": report.totals}
    counted = count_entry(session, station, _parse(session, station, body))
    _write(session, station, report, counted)
    report.amended_at = utcnow()
    session.flush()
    audit.record(session, actor, "station.report_amend", station, before=before,
                 after={"envelopes": report.envelopes, "blank": report.blank, "spoilt": report.spoilt,
                        "valid": report.valid, "totals": report.totals}, reason=reason)
    return report
