"""Load test of the online ballot box: the real app under gunicorn against PostgreSQL, driven by
concurrent HTTP clients; and, in the same run, the statements the app sends for one vote, sent
directly through psycopg with the same concurrency (the baseline). The ratio app/baseline is
the figure that says how much the web stack costs. The machine may be shared: several runs
(each app then baseline) give ranges.

    .venv/bin/python bench/vote_load.py --votes 6000 --runs 3        # gunicorn -k sync -w 6
    .venv/bin/python bench/vote_load.py --worker-class gthread --workers 4 --threads 2

Per vote it prints the CPU of the gunicorn processes, of PostgreSQL (its server processes but
the backends of other databases) and of the load generator (this process). It drops and
recreates the database `pb_bench` (PB_BENCH_DATABASE_URL to change it). Results and the machine
go in docs/performance.md (## Voting)."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pb_bench"


def recreate_database(url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def environment(url: str, rate_limit_storage: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PB_")}
    env.update(PB_DATABASE_URL=url, PB_ENV="development", PB_SECRET_KEY="bench-secret-" + "s" * 40,
               PB_VOTER_PEPPER="bench-pepper-" + "p" * 40, PB_MAIL_BACKEND="console", PB_REDIS_URL="",
               PB_BASE_URL="http://127.0.0.1", PB_RATE_LIMIT_STORAGE=rate_limit_storage)
    return env


def prepare(url: str, voters: int) -> tuple[str, list[str], list[str], list[tuple[int, list[int]]]]:
    """An edition in its vote, `voters` people on the register, a token each. Returns the slug,
    the signed tokens (for the app), the token ids (for the baseline) and the choices."""
    os.environ.update(environment(url))
    from pb import migrate
    from pb.app import create_app
    from pb.authz import SYSTEM
    from pb.db import db
    from pb.editions import services as editions
    from pb.projects.models import ProjectStatus
    from pb.projects.services import create_project
    from pb.voting.services import import_register, issue_tokens

    migrate.upgrade(url)
    app = create_app()
    with app.app_context(), db.session_scope() as session:
        edition = editions.create_edition(session, SYSTEM, name="Bench", slug="bench", year=2030)
        for i in range(2):
            editions.save_district(session, SYSTEM, edition, name=f"Quartier {i}", code=f"q{i}",
                                   envelope_cents=500_000_00, population=10_000)
        editions.update_rules(session, SYSTEM, edition, ballot_type="approval", min_choices=1, max_choices=3,
                              tie_break="lexicographic")
        projects: dict[str, list[int]] = {}
        for d in edition.districts:
            projects[d.code] = [create_project(session, edition, d, title=f"P{d.code}{k}", cost_cents=10_000_00 + k,
                                               status=ProjectStatus.ON_BALLOT).id for k in range(8)]

        class Rows:
            def __init__(self) -> None:
                self.lines = iter(["last_name,first_name,birth_date,district\n"] + [
                    f"N{i},P{i},19{50 + i % 50}-0{1 + i % 9}-1{i % 9},q{i % 2}\n" for i in range(voters)])

            def readline(self) -> str:
                return next(self.lines, "")

            def __iter__(self):  # type: ignore[no-untyped-def]
                return self.lines

        import_register(session, SYSTEM, edition, Rows())  # type: ignore[arg-type]
        issued = list(issue_tokens(session, SYSTEM, edition, with_codes=False))
        editions.set_phase(session, SYSTEM, edition, "vote")
        from pb.voting.models import VotingToken
        import sqlalchemy as sa

        ids = dict(session.execute(sa.select(VotingToken.voter_id, VotingToken.id)).all())
    choices = [(0, projects[t.district][:2]) for t in issued]
    return "bench", [t.token for t in issued], [ids[t.voter_id] for t in issued], choices


# -- the app under gunicorn ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, worker_class: str,
                   rate_limit_storage: str = "") -> subprocess.Popen[bytes]:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-k", worker_class, "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning",
           "pb.app:create_app()"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environment(url, rate_limit_storage), start_new_session=True)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def drive_app(port: int, slug: str, tokens: list[str], choices: list[tuple[int, list[int]]], clients: int) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    chunks = [list(range(i, len(tokens), clients)) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def connect() -> tuple[socket.socket, Any]:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, sock.makefile("rb")

    def client(indexes: list[int]) -> None:
        # A lean keep-alive HTTP/1.1 client (raw socket): the load generator shares the two
        # cores with the server, so it must cost as little CPU as possible. It reconnects when
        # the server closes (gunicorn's sync workers answer one request per connection).
        sock, reader = connect()
        path = f"/api/v1/editions/{slug}/ballots"
        mine, bad = [], []
        barrier.wait()
        for i in indexes:
            body = json.dumps({"token": tokens[i], "choices": choices[i][1]}).encode()
            request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            t0 = time.perf_counter()
            if sock is None:
                sock, reader = connect()
            sock.sendall(request)
            status = int(reader.readline().split()[1])
            length, close = 0, False
            while (line := reader.readline()) not in (b"\r\n", b""):
                name = line[:16].lower()
                if name.startswith(b"content-length:"):
                    length = int(line[15:])
                elif name.startswith(b"connection:") and b"close" in line.lower():
                    close = True
            data = reader.read(length)
            mine.append(time.perf_counter() - t0)
            if status != 201:
                bad.append(f"{status} {data[:120]!r}")
            if close:
                sock.close()
                sock = None
        if sock is not None:
            sock.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return summary(latencies, failures, elapsed)


def summary(latencies: list[float], failures: list[str], elapsed: float) -> dict[str, float]:
    latencies.sort()
    ok = len(latencies) - len(failures)
    if failures:
        print(f"  {len(failures)} failures, e.g. {failures[0]}", file=sys.stderr)
    return {"accepted": ok, "seconds": elapsed, "per_second": ok / elapsed,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


# -- the baseline: the same statements through psycopg --------------------------------------------------

def drive_baseline(url: str, token_ids: list[str], choices: list[tuple[int, list[int]]], clients: int,
                   edition_id: int, monitor: Any) -> dict[str, float]:
    """The statements the app sends for one vote on PostgreSQL, imported from the app itself
    (pb/voting/services/casting.py), in the same order and the same way (autocommit, BEGIN with
    the close lock), one connection per client: the app's work minus HTTP, Flask, the pool,
    the checks and the JSON."""
    import psycopg
    from sqlalchemy.engine import make_url

    from pb.voting.identity import new_tracker
    from pb.voting.services.casting import _insert_sql, _PostgresVote

    u = make_url(url)
    dsn = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    latencies: list[float] = []
    failures: list[str] = []
    open_connections: list[Any] = []
    lock = threading.Lock()
    chunks = [list(range(i, len(token_ids), clients)) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    insert = _insert_sql(1)

    def client(indexes: list[int]) -> None:
        conn = psycopg.connect(dsn, autocommit=True)
        mine, bad = [], []
        barrier.wait()
        for i in indexes:
            t0 = time.perf_counter()
            now = dt.datetime.now(dt.timezone.utc)
            conn.execute("BEGIN; LOCK TABLE ballot IN ROW EXCLUSIVE MODE")
            row = conn.execute(_PostgresVote.USE_TOKEN, {"now": now, "token": token_ids[i], "edition": edition_id}).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                bad.append("token not usable")
                continue
            key, ref, district = row[0], row[1], row[2]
            conn.execute(insert, {
                "pe0": edition_id, "ps0": "district", "pd0": district, "pk0": key, "pc0": "online", "pt0": now,
                "bi0": uuid.uuid4(), "be0": edition_id, "bd0": district, "bc0": "online",
                "bj0": json.dumps({str(p): 1 for p in choices[i][1]}),
                "te": edition_id, "tt": new_tracker(), "aa": now, "ae": edition_id,
                "ad": json.dumps({"voter": ref, "client": "127.0.0.1", "channel": "online"})})
            conn.execute("COMMIT")
            mine.append(time.perf_counter() - t0)
        with lock:
            open_connections.append(conn)  # closed after the CPU of their backends is read
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    result = summary(latencies, failures, time.perf_counter() - start)
    result["postgres_cpu_total"] = postgres_cpu(monitor, u.database)
    for conn in open_connections:
        conn.close()
    return result


# -- CPU ---------------------------------------------------------------------------------------------------

def cpu_by_pid(pgid: int | None = None, name: str | None = None) -> dict[int, float]:
    """CPU time used so far by each process of a process group (the gunicorn master and
    workers) or of that name (PostgreSQL)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1: text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        if (pgid is not None and int(fields[2]) == pgid) or (name is not None and comm == name):
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_seconds(pgid: int) -> float:
    return sum(cpu_by_pid(pgid=pgid).values())


def postgres_cpu(monitor: Any, database: str) -> dict[int, float]:
    """CPU so far of the PostgreSQL processes working for the bench: every server process but
    the backends (and autovacuum workers) of other databases, which other people on this shared
    machine may be using. The shared writers (WAL, checkpointer) are counted."""
    others = {pid for (pid,) in monitor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> %s", (database,))}
    return {pid: cpu for pid, cpu in cpu_by_pid(name="postgres").items() if pid not in others}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                        capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, PostgreSQL {pg}"


def line(name: str, r: dict[str, float]) -> str:
    return (f"{name:<30} {r['accepted']:>7} accepted  {r['per_second']:8.0f}/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p99 {r['p99_ms']:6.1f} ms  CPU per vote: app {r['server_cpu_ms']:.2f} ms, PostgreSQL "
            f"{r['postgres_cpu_ms']:.2f} ms, load generator {r['client_cpu_ms']:.2f} ms")


def span(values: list[float], fmt: str = "{:.0f}") -> str:
    low, high = min(values), max(values)
    return fmt.format(low) if fmt.format(low) == fmt.format(high) else f"{fmt.format(low)} – {fmt.format(high)}"


def main() -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=8000, help="ballots per side (app, baseline) and run")
    parser.add_argument("--runs", type=int, default=1, help="runs, each app then baseline (the machine is shared)")
    parser.add_argument("--clients", type=int, default=16)
    # The recommended production setting on 2 cores (docs/performance.md): 6 sync workers.
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k: sync, or gthread (keep-alive)")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1, help="gthread only (sync needs 1)")
    parser.add_argument("--rate-limit-storage", default="",
                        help="the limiter's store, e.g. redis://127.0.0.1:6379/5 (default: each process's memory)")
    args = parser.parse_args()
    url = os.environ.get("PB_BENCH_DATABASE_URL", DEFAULT_URL)
    print(machine())
    recreate_database(url)
    t0 = time.perf_counter()
    warmup = 400
    slug, tokens, token_ids, choices = prepare(url, 2 * args.votes * args.runs + warmup)
    print(f"prepared {len(tokens)} voters and tokens in {time.perf_counter() - t0:.1f}s")
    database = make_url(url).database
    monitor = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}", autocommit=True)
    edition_id = monitor.execute("SELECT id FROM edition WHERE slug = %s", (slug,)).fetchone()[0]
    port = free_port()
    server = start_gunicorn(url, port, args.workers, args.threads, args.worker_class, args.rate_limit_storage)
    print(f"gunicorn -k {args.worker_class} -w {args.workers} --threads {args.threads}, {args.clients} concurrent "
          f"clients, {args.votes} votes per side and run, rate limits in {args.rate_limit_storage or 'memory'}")
    results: list[tuple[dict[str, float], dict[str, float]]] = []
    try:
        drive_app(port, slug, tokens[-warmup:], choices[-warmup:], min(args.clients, 8))
        for run in range(args.runs):
            offset = 2 * args.votes * run
            cpu0, pg0, me0 = cpu_seconds(server.pid), postgres_cpu(monitor, database), time.process_time()
            redis0 = cpu_by_pid(name="redis-server")
            app = drive_app(port, slug, tokens[offset: offset + args.votes], choices[offset: offset + args.votes],
                            args.clients)
            app["server_cpu_ms"] = 1000 * (cpu_seconds(server.pid) - cpu0) / app["accepted"]
            app["redis_cpu_ms"] = 1000 * cpu_delta(redis0, cpu_by_pid(name="redis-server")) / app["accepted"]
            app["postgres_cpu_ms"] = 1000 * cpu_delta(pg0, postgres_cpu(monitor, database)) / app["accepted"]
            app["client_cpu_ms"] = 1000 * (time.process_time() - me0) / app["accepted"]
            pg0, me0 = postgres_cpu(monitor, database), time.process_time()
            base = drive_baseline(url, token_ids[offset + args.votes: offset + 2 * args.votes],
                                  choices[offset + args.votes: offset + 2 * args.votes], args.clients, edition_id,
                                  monitor)
            base["server_cpu_ms"] = 0.0
            base["postgres_cpu_ms"] = 1000 * cpu_delta(pg0, base.pop("postgres_cpu_total")) / base["accepted"]
            base["client_cpu_ms"] = 1000 * (time.process_time() - me0) / base["accepted"]
            results.append((app, base))
            print(f"run {run + 1}")
            print(line("  app (HTTP, gunicorn)", app) + (f", Redis {app['redis_cpu_ms']:.2f} ms" if args.rate_limit_storage else ""))
            print(line("  baseline (psycopg, same SQL)", base))
            print(f"  ratio app/baseline: {app['per_second'] / base['per_second']:.2f}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if len(results) > 1:
        apps, bases = [a for a, _b in results], [b for _a, b in results]
        print(f"over {len(results)} runs: app {span([a['per_second'] for a in apps])}/s, baseline "
              f"{span([b['per_second'] for b in bases])}/s, ratio "
              f"{span([a['per_second'] / b['per_second'] for a, b in results], '{:.2f}')}; CPU per vote: app "
              f"{span([a['server_cpu_ms'] for a in apps], '{:.2f}')} ms, PostgreSQL "
              f"{span([a['postgres_cpu_ms'] for a in apps], '{:.2f}')} ms (baseline "
              f"{span([b['postgres_cpu_ms'] for b in bases], '{:.2f}')}), load generator "
              f"{span([a['client_cpu_ms'] for a in apps], '{:.2f}')} ms (baseline's client "
              f"{span([b['client_cpu_ms'] for b in bases], '{:.2f}')})")


if __name__ == "__main__":
    main()
