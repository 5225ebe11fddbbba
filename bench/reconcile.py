"""Reconciliation at scale: 500 polling stations and 200,000 paper sign-ins on PostgreSQL, every
report signed off (some with a discrepancy, some offline collisions), the count run on 200,000
keyed paper ballots; then `reconcile` (what `pb reconcile`, the staff page and the CSV call)
timed, with the margin of each district. The floor it is set against, in the same run: one
grouped scan of the sign-ins (the query reconcile cannot do without).

    .venv/bin/python bench/reconcile.py [--stations 500] [--signins 200000] [--runs 5]

Uses the database `pb_bench` (dropped and recreated; PB_BENCH_DATABASE_URL to change it)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from vote_load import DEFAULT_URL, in_process_app, machine  # noqa: E402

DISTRICTS = 20
PROJECTS = 30


def prepare(stations: int, signins: int, seed: int = 7) -> int:
    import sqlalchemy as sa

    from pb.authz import SYSTEM
    from pb.ballotbox.models import PaperBallot, PollingStation, SigninCollision, StationReport
    from pb.db import db, utcnow
    from pb.editions import services as editions
    from pb.projects.models import ProjectStatus
    from pb.projects.services import create_project
    from pb.results.services import run_tally
    from pb.voting.models import Participation, Voter

    rng = random.Random(seed)
    with db.session_scope() as session:
        edition = editions.create_edition(session, SYSTEM, name="Rapprochement", slug="bench-reconcile", year=2030)
        for i in range(DISTRICTS):
            editions.save_district(session, SYSTEM, edition, name=f"Quartier {i}", code=f"q{i}",
                                   envelope_cents=1_000_000_00, population=10_000, position=i)
        editions.update_rules(session, SYSTEM, edition, max_choices=5, tie_break="lexicographic")
        projects: dict[int, list[int]] = {}
        for d in edition.districts:
            projects[d.id] = [create_project(session, SYSTEM, edition, d, title=f"Projet {d.code}-{j}",
                                             cost_cents=rng.randrange(50_000_00, 250_000_00, 100),
                                             status=ProjectStatus.ON_BALLOT).id for j in range(PROJECTS)]
        districts = [d.id for d in edition.districts]
        session.execute(sa.insert(PollingStation), [
            {"edition_id": edition.id, "name": f"Bureau {i:03d}", "address": "", "district_id": districts[i % DISTRICTS],
             "offline": i % 50 == 0, "created_at": utcnow()} for i in range(stations)])
        station_rows = session.execute(sa.select(PollingStation.id, PollingStation.district_id).where(
            PollingStation.edition_id == edition.id).order_by(PollingStation.id)).all()
        now = utcnow()
        signed: dict[int, int] = {}
        batch_voters, batch_signins, batch_ballots = [], [], []
        popularity = {d: [rng.random() ** 3 for _ in range(PROJECTS)] for d in districts}

        def flush() -> None:
            if not batch_voters:
                return
            session.execute(sa.insert(Voter), batch_voters)
            session.execute(sa.insert(Participation), batch_signins)
            session.execute(sa.insert(PaperBallot), batch_ballots)
            batch_voters.clear(), batch_signins.clear(), batch_ballots.clear()

        for n in range(signins):
            station_id, district_id = station_rows[n % len(station_rows)]
            key = uuid.uuid4().hex + uuid.uuid4().hex
            batch_voters.append({"edition_id": edition.id, "voter_key": key, "ref": f"B{n:09d}",
                                 "district_id": district_id, "email": "", "phone": "", "source": "import",
                                 "created_at": now})
            batch_signins.append({"edition_id": edition.id, "scope": "district", "district_id": district_id,
                                  "voter_key": key, "channel": "paper", "station_id": station_id, "signed_at": now})
            chosen = rng.choices(range(PROJECTS), weights=popularity[district_id], k=rng.randint(1, 5))
            batch_ballots.append({"station_id": station_id, "edition_id": edition.id, "district_id": district_id,
                                  "choices": {str(projects[district_id][j]): 1 for j in set(chosen)}})
            signed[station_id] = signed.get(station_id, 0) + 1
            if len(batch_voters) == 10_000:
                flush()
        flush()
        reports = []
        for i, (station_id, _d) in enumerate(station_rows):
            extra = 1 if i % 25 == 0 else 0  # one station in 25: a ballot more than sign-ins
            valid = signed.get(station_id, 0)
            reports.append({"station_id": station_id, "envelopes": valid + extra, "blank": extra, "spoilt": 0,
                            "valid": valid, "keyed": valid, "totals": {}, "rejected": [], "signed_off_at": now})
        session.execute(sa.insert(StationReport), reports)
        offline = [s for i, (s, _d) in enumerate(station_rows) if i % 50 == 0]
        session.execute(sa.insert(SigninCollision), [
            {"station_id": s, "line": 2, "voter_ref": "B000000000", "other_channel": "online", "created_at": now}
            for s in offline])
        for phase in ("submission", "review", "vote", "results"):
            editions.set_phase(session, SYSTEM, edition, phase)
        run_tally(session, SYSTEM, edition)
        return edition.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--signins", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("PB_BENCH_DATABASE_URL", DEFAULT_URL)
    print(machine())
    app = in_process_app(url)
    import sqlalchemy as sa

    from pb.authz import SYSTEM
    from pb.ballotbox.services.reconcile import reconcile
    from pb.db import db
    from pb.editions.models import Edition

    with app.app_context():
        t0 = time.perf_counter()
        edition_id = prepare(args.stations, args.signins)
        print(f"prepared {args.stations} stations, {args.signins:,} sign-ins and ballots, counted, "
              f"in {time.perf_counter() - t0:.0f} s")
        with db.session_scope() as session:
            session.execute(sa.text("ANALYZE"))
        times, floors = [], []
        for _ in range(args.runs):
            with db.session_scope() as session:
                t = time.perf_counter()
                session.execute(sa.text("SELECT station_id, count(DISTINCT voter_key) FROM participation "
                                        "WHERE edition_id = :e AND station_id IS NOT NULL GROUP BY station_id"),
                                {"e": edition_id}).all()
                floors.append(time.perf_counter() - t)
            with db.session_scope() as session:
                edition = session.get(Edition, edition_id)
                t = time.perf_counter()
                result = reconcile(session, SYSTEM, edition)
                times.append(time.perf_counter() - t)
        totals = result.totals
        verdicts = [d["verdict"] for d in result.districts]
        print(f"reconcile: median {statistics.median(times):.3f} s (runs {', '.join(f'{x:.3f}' for x in times)}); "
              f"floor (grouped scan of the sign-ins): median {statistics.median(floors):.3f} s; "
              f"ratio {statistics.median(times) / statistics.median(floors):.1f}")
        print(f"  {len(result.stations)} stations, {totals['signins']:,} sign-ins, unexplained {totals['unexplained']}, "
              f"{len(result.districts)} districts: margins "
              f"{sorted(d['margin'] for d in result.districts if d['margin'] is not None)}; "
              f"{sum(d['exact'] for d in result.districts)} exact; "
              f"{verdicts.count('cannot_change')} cannot change, {verdicts.count('could_change')} could change")
        if statistics.median(times) >= 2.0:
            print("OVER BUDGET: reconcile must take under 2 s")
            sys.exit(1)


if __name__ == "__main__":
    main()
