"""Reconciliation: station by station and in total, sign-ins against the envelopes found in
the box, the reports' state, the offline collisions, and the unexplained discrepancy
(|envelopes − sign-ins| summed over the stations, plus the offline collisions), and per
district, once the vote is closed, the margin of the count against that discrepancy
(services/margins.py).

Sign-ins are counted in one grouped query over `participation` (its index on station_id), the
reports in one query: the cost does not grow with the number of voters but with the stations
(bench/reconcile.py: 500 stations, 200,000 sign-ins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.authz import require
from pb.ballotbox.models import PollingStation, ReportEntry, SigninCollision, StationReport
from pb.editions.models import Edition
from pb.voting.models import Participation
from pb.web.csv import french_csv


@dataclass
class StationLine:
    id: int
    name: str
    district_id: int | None
    signins: int
    envelopes: int | None
    valid: int | None
    blank: int | None
    spoilt: int | None
    keyed: int | None
    report: str
    collisions: int = 0

    @property
    def difference(self) -> int | None:
        return None if self.envelopes is None else self.envelopes - self.signins

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "district_id": self.district_id, "signins": self.signins,
                "envelopes": self.envelopes, "valid": self.valid, "blank": self.blank, "spoilt": self.spoilt,
                "keyed": self.keyed, "difference": self.difference, "report": self.report,
                "collisions": self.collisions}


@dataclass
class Reconciliation:
    edition: Edition
    stations: list[StationLine]
    collisions: list[dict[str, Any]]
    districts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing_reports(self) -> list[int]:
        return [s.id for s in self.stations if s.report != "signed_off"]

    @property
    def totals(self) -> dict[str, int]:
        keys = ("signins", "envelopes", "valid", "blank", "spoilt", "keyed")
        out = {k: sum(getattr(s, k) or 0 for s in self.stations) for k in keys}
        out["difference"] = sum(s.difference or 0 for s in self.stations)
        out["unexplained"] = sum(abs(s.difference or 0) for s in self.stations) + len(self.collisions)
        out["collisions"] = len(self.collisions)
        return out

    def as_json(self) -> dict[str, Any]:
        return {"edition": self.edition.slug, "stations": [s.as_json() for s in self.stations], "totals": self.totals,
                "missing_reports": self.missing_reports, "collisions": self.collisions,
                "districts": self.districts}


def reconcile(session: Session, actor: Any, edition: Edition) -> Reconciliation:
    require(actor, "ballotbox.manage", edition)
    stations = session.execute(sa.select(PollingStation.id, PollingStation.name, PollingStation.district_id)
                               .where(PollingStation.edition_id == edition.id).order_by(PollingStation.name)).all()
    signins = dict(session.execute(
        sa.select(Participation.station_id, sa.func.count(sa.distinct(Participation.voter_key)))
        .where(Participation.edition_id == edition.id, Participation.station_id.is_not(None))
        .group_by(Participation.station_id)).all())
    signed = {r.station_id: r for r in session.scalars(
        sa.select(StationReport).join(PollingStation, PollingStation.id == StationReport.station_id)
        .where(PollingStation.edition_id == edition.id))}
    entries: dict[int, int] = dict(session.execute(
        sa.select(ReportEntry.station_id, sa.func.count()).join(PollingStation, PollingStation.id == ReportEntry.station_id)
        .where(PollingStation.edition_id == edition.id).group_by(ReportEntry.station_id)).all())
    collided = session.execute(
        sa.select(SigninCollision, PollingStation.name).join(PollingStation, PollingStation.id == SigninCollision.station_id)
        .where(PollingStation.edition_id == edition.id).order_by(SigninCollision.station_id, SigninCollision.line)).all()
    names = {sid: name for sid, name, _d in stations}
    collisions = [{"station_id": c.station_id, "station": name, "line": c.line, "voter_ref": c.voter_ref,
                   "at": c.signed_at.isoformat() if c.signed_at else None, "other_channel": c.other_channel,
                   "other_station": names.get(c.other_station_id) if c.other_station_id else None,
                   "other_at": c.other_signed_at.isoformat() if c.other_signed_at else None} for c, name in collided]
    per_station: dict[int, int] = {}
    for c in collisions:
        per_station[c["station_id"]] = per_station.get(c["station_id"], 0) + 1
    lines = []
    for sid, name, district_id in stations:
        r = signed.get(sid)
        state = "signed_off" if r else {0: "awaiting_first_entry", 1: "awaiting_second_entry"}.get(
            entries.get(sid, 0), "entered")
        lines.append(StationLine(sid, name, district_id, signins.get(sid, 0) + per_station.get(sid, 0),
                                 r.envelopes if r else None, r.valid if r else None, r.blank if r else None,
                                 r.spoilt if r else None, r.keyed if r else None, state, per_station.get(sid, 0)))
    from pb.ballotbox.services.margins import district_margins

    return Reconciliation(edition, lines, collisions, district_margins(session, edition, lines))


# The CSV's columns (French, for the staff's spreadsheet) and the StationLine field of each.
CSV_COLUMNS = {"identifiant": "id", "bureau": "name", "nb_emargements": "signins", "nb_enveloppes": "envelopes",
               "nb_valides": "valid", "nb_blancs": "blank", "nb_nuls": "spoilt", "nb_saisis": "keyed",
               "ecart": "difference", "proces_verbal": "report", "nb_collisions": "collisions"}
# The procès-verbal's state, in words (the page says "signed off" / "not signed off").
_REPORT_WORDS = {"signed_off": "signé", "awaiting_first_entry": "en attente de la première saisie",
                 "awaiting_second_entry": "en attente de la seconde saisie", "entered": "saisi, non signé"}


def as_csv(result: Reconciliation) -> str:
    """The stations' lines, then the totals, for French Excel (pb.web.csv)."""
    rows = []
    for line in result.stations:
        row = line.as_json()
        rows.append([_REPORT_WORDS.get(row[f], row[f]) if f == "report" else row[f] for f in CSV_COLUMNS.values()])
    totals = result.totals
    rows.append(["", "total"] + [totals.get(f) for f in list(CSV_COLUMNS.values())[2:9]] + ["", totals["collisions"]])
    return french_csv(list(CSV_COLUMNS), rows)
