"""Register import at scale: a generated CSV of N rows (default 1,000,000) imported with
`pb voters import` into a fresh PostgreSQL database, against the same command on 1,000 rows.
Prints the time and the peak memory (RSS) of each: the same peak means the file is streamed.

    .venv/bin/python bench/import_register.py [--rows 1000000]

Uses the database `pb_bench` (dropped and recreated; PB_BENCH_DATABASE_URL to change it)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from vote_load import DEFAULT_URL, environment, recreate_database  # noqa: E402


def write_register(path: Path, rows: int, prefix: str) -> None:
    base = dt.date(1930, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("last_name,first_name,birth_date,district,email\n")
        for i in range(rows):
            email = f"p{i}@ville.example" if i % 4 == 0 else ""
            f.write(f"{prefix}{i},Prénom{i},{(base + dt.timedelta(days=i % 28000)).isoformat()},q{i % 2},{email}\n")


def run_import(env: dict[str, str], path: Path) -> tuple[float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    out = subprocess.run([str(ROOT / ".venv/bin/pb"), "voters", "import", "bench-import", str(path)],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before), out.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("PB_BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    env = environment(url)
    os.environ.update(env)
    from pb import migrate
    from pb.app import create_app
    from pb.authz import SYSTEM
    from pb.db import db
    from pb.editions import services as editions

    migrate.upgrade(url)
    with create_app().app_context(), db.session_scope() as session:
        edition = editions.create_edition(session, SYSTEM, name="Import", slug="bench-import", year=2030)
        for i in range(2):
            editions.save_district(session, SYSTEM, edition, name=f"Q{i}", code=f"q{i}", envelope_cents=0, population=0)
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small.csv", Path(tmp) / "big.csv"
        write_register(small, 1000, "Petit")
        write_register(big, args.rows, "Grand")
        t_small, rss_small, out_small = run_import(env, small)
        t_big, rss_big, out_big = run_import(env, big)
        size = big.stat().st_size
    print(f"{1000:>9} rows: {t_small:7.1f} s, peak RSS {rss_small / 1024:6.0f} MB  ({out_small})")
    print(f"{args.rows:>9} rows: {t_big:7.1f} s, peak RSS {rss_big / 1024:6.0f} MB  ({out_big}); file {size / 1e6:.0f} MB; "
          f"{args.rows / t_big:,.0f} rows/s")


if __name__ == "__main__":
    main()
