"""Load test of the online ballot box in the production configuration: PB_ENV=production,
PostgreSQL, Redis for the rate-limit counters and the rq queue (each voter on the register has an
e-mail address, so each vote queues its receipt job to Redis; no worker runs, as the bench measures
the vote), served as README documents (`gunicorn -k sync -w 6 --backlog 2048 wsgi:app`), driven
by concurrent HTTP clients. In the same run, the same votes against the other servers named by
--servers (variants, e.g. granian), and the statements the app sends for one vote sent directly
through psycopg with the same concurrency (the baseline). Ratios are against the first server and
against the baseline of the same run: the machine is shared, absolute figures move with its load.

    .venv/bin/python bench/vote_load.py --votes 3000 --runs 3             # gunicorn, granian
    .venv/bin/python bench/vote_load.py --servers gunicorn --config development   # the old setup

Per vote it prints the CPU of the server processes, of PostgreSQL (its server processes but the
backends of other databases), of Redis and of the load generator (this process). It drops and
recreates the database `pb_bench` (PB_BENCH_DATABASE_URL) and empties Redis db 9
(PB_BENCH_REDIS_URL). Results and the machine go in docs/performance.md (## Voting)."""

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pb_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
AFTER_CHAOS = 200  # votes sent 3 s after the kill-and-restart pass: is the server whole again?
BIN = Path(sys.executable).parent
# The servers compared, each started as an operator would ({workers} is --workers), with the
# settings it adds to the production environment.
GUNICORN = [str(BIN / "gunicorn"), "-k", "sync", "-w", "{workers}", "--backlog", "2048", "--keep-alive", "30",
            "--log-level", "warning", "-b", "127.0.0.1:{port}", "wsgi:app"]
SERVERS: dict[str, tuple[list[str], dict[str, str]]] = {
    # README, ## Production: the documented command.
    "gunicorn": (GUNICORN, {}),
    # The same, every vote through the Flask route (the setting vote_lane off).
    "gunicorn-no-lane": (GUNICORN, {"PB_VOTE_LANE": "false"}),
    # A WSGI server written in Rust: the same number of processes, one request at a time in each.
    "granian": ([str(BIN / "granian"), "--interface", "wsgi", "--workers", "{workers}", "--blocking-threads", "1",
                 "--backlog", "2048", "--respawn-failed-workers", "--log-level", "warning", "--host", "127.0.0.1", "--port", "{port}", "wsgi:app"], {}),
}


def recreate_database(url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def in_process_app(url: str):  # type: ignore[no-untyped-def]
    """A fresh, migrated database at `url` and the app over it, for benchmarks that call the
    services in this process (no server, mail nor queue)."""
    recreate_database(url)
    os.environ.update(environment(url, "development", ""))
    from pb import migrate
    from pb.app import create_app

    migrate.upgrade(url)
    return create_app()


def environment(url: str, config: str, redis_url: str) -> dict[str, str]:
    """The settings of the app under test: production as README documents it (the default), or the
    development setup of earlier benchmarks (counters in each process, no Redis, no queue)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PB_")}
    env.update(PB_DATABASE_URL=url, PB_SECRET_KEY="bench-secret-" + "s" * 40, PB_VOTER_PEPPER="bench-pepper-" + "p" * 40)
    if config == "production":
        env.update(PB_ENV="production", PB_REDIS_URL=redis_url, PB_BASE_URL="https://budget.bench.example",
                   PB_MAIL_BACKEND="smtp", PB_SMTP_HOST="smtp.bench.invalid", PB_SECURE_COOKIES="true")
    else:
        env.update(PB_ENV="development", PB_MAIL_BACKEND="console", PB_REDIS_URL="", PB_BASE_URL="http://127.0.0.1",
                   PB_RATE_LIMIT_STORAGE="memory://")
    return env


def prepare(url: str, voters: int, env: dict[str, str]) -> tuple[str, list[str], list[str], list[tuple[int, list[int]]]]:
    """An edition in its vote, `voters` people on the register (with an e-mail address each in
    production, so each vote queues a receipt), a token each. Returns the slug, the signed tokens
    (for the app), the token ids (for the baseline) and the choices."""
    os.environ.update(env)
    emails = env["PB_ENV"] == "production"
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
            projects[d.code] = [create_project(session, SYSTEM, edition, d, title=f"P{d.code}{k}", cost_cents=10_000_00 + k,
                                               status=ProjectStatus.ON_BALLOT).id for k in range(8)]

        class Rows:
            def __init__(self) -> None:
                self.lines = iter([f"last_name,first_name,birth_date,district{',email' if emails else ''}\n"] + [
                    f"N{i},P{i},19{50 + i % 50}-0{1 + i % 9}-1{i % 9},q{i % 2}{f',voter{i}@bench.example' if emails else ''}\n"
                    for i in range(voters)])

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


def start_server(name: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    template, extra = SERVERS[name]
    cmd = [part.format(workers=workers, port=port) for part in template]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, **extra, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"{name} did not start")


def drive_app(port: int, slug: str, tokens: list[str], choices: list[tuple[int, list[int]]], clients: int,
              chaos: Any = None) -> dict[str, float]:
    """`chaos`, if given, is called once with the share of votes sent so far (a third, two thirds)."""
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
        for n, i in enumerate(indexes):
            if chaos is not None and indexes is chunks[0] and n in (len(indexes) // 3, 2 * len(indexes) // 3):
                chaos(n / len(indexes))
            body = json.dumps({"token": tokens[i], "choices": choices[i][1]}).encode()
            request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            t0 = time.perf_counter()
            try:
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
            except (OSError, IndexError, ValueError) as error:  # a worker killed under the request
                mine.append(time.perf_counter() - t0)
                bad.append(f"connection: {error!r}")
                if sock is not None:
                    sock.close()
                sock = None
                continue
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
    """The statements the app sends for one vote on PostgreSQL, compiled from the tables' metadata
    by the app itself (pb/voting/writers.py: the token's use, then the four INSERTs in one
    statement), run the same way (autocommit, BEGIN with the close lock, the columns' bind
    processors), with the ballot sealed to the edition's key as at casting; one connection per
    client: the app's work minus HTTP, Flask, the pool, the checks and the JSON."""
    import psycopg
    from sqlalchemy.engine import make_url

    from pb.db import make_engine
    from pb.voting import keys, writers
    from pb.voting.identity import new_tracker
    from pb.voting.models import Channel
    from pb.voting.services.casting import edition_scopes
    from pb.voting.services.snapshot import ballot_box

    u = make_url(url)
    dsn = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    engine = make_engine(url)
    try:
        box = ballot_box(engine, edition_id)  # what each app process reads once (its snapshot)
    finally:
        engine.dispose()
    assert box.public_key, "the edition in its vote has its ballot key"
    scopes = edition_scopes(box.districts)
    writers.compiled_use_token(), writers.compiled_insert(len(scopes))  # compiled once per process, as the app
    latencies: list[float] = []
    failures: list[str] = []
    open_connections: list[Any] = []
    lock = threading.Lock()
    chunks = [list(range(i, len(token_ids), clients)) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(indexes: list[int]) -> None:
        conn = psycopg.connect(dsn, autocommit=True)
        mine, bad = [], []
        barrier.wait()
        for i in indexes:
            t0 = time.perf_counter()
            now = dt.datetime.now(dt.timezone.utc)
            db = writers.PostgresWriter(conn, begin=True)
            row = db.use_token(edition_id, token_ids[i], now)
            if row is None:
                conn.execute("ROLLBACK")
                bad.append("token not usable")
                continue
            voter_key, voter_ref, district_id = row[0], row[1], row[2]
            sealed = keys.seal(box.public_key, [(district_id, {str(p): 1 for p in choices[i][1]})])
            db.insert(writers.vote_rows(edition_id=edition_id, scopes=scopes, district_id=district_id,
                                        voter_key=voter_key, voter_ref=voter_ref, channel=Channel.ONLINE.value,
                                        now=now, box=sealed, tracker=new_tracker(), client="127.0.0.1"))
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


def havoc(share: float, server_pid: int, monitor: Any, database: str) -> None:
    """A third in: every PostgreSQL connection of the bench's database but the monitor's is
    terminated (what a restart does to them). Two thirds in: one worker gets SIGKILL."""
    if share < 0.5:
        monitor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                        "pg_backend_pid()", (database,))
        return
    workers = sorted(pid for pid in cpu_by_pid(pgid=server_pid) if pid != server_pid)
    if workers:
        os.kill(workers[0], signal.SIGKILL)


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


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=3000, help="ballots per server, per baseline and per run")
    parser.add_argument("--runs", type=int, default=3, help="runs, each every server then the baseline (shared machine)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--servers", default="gunicorn,granian",
                        help=f"comma-separated, the first is the reference: {', '.join(SERVERS)}")
    # The recommended production setting on 2 cores (docs/performance.md): 6 sync workers.
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--config", choices=("production", "development"), default="production")
    parser.add_argument("--chaos", action="store_true",
                        help="after the runs, one more pass per server during which PostgreSQL's connections are "
                             "terminated (as in a restart), then a worker is killed (-9): failures and ballots kept")
    return parser.parse_args(argv)


def main() -> None:
    import psycopg
    from redis import Redis
    from sqlalchemy.engine import make_url

    args = arguments()
    servers = args.servers.split(",")
    url = os.environ.get("PB_BENCH_DATABASE_URL", DEFAULT_URL)
    redis_url = os.environ.get("PB_BENCH_REDIS_URL", DEFAULT_REDIS)
    env = environment(url, args.config, redis_url)
    print(machine())
    recreate_database(url)
    redis = Redis.from_url(redis_url)
    if args.config == "production":
        redis.flushdb()
    t0 = time.perf_counter()
    warmup = 300
    per_run = (len(servers) + 1) * args.votes
    slug, tokens, token_ids, choices = prepare(url, per_run * args.runs + warmup * len(servers)
                                               + (len(servers) * (args.votes + AFTER_CHAOS) if args.chaos else 0), env)
    print(f"prepared {len(tokens)} voters and tokens in {time.perf_counter() - t0:.1f}s")
    database = make_url(url).database
    monitor = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}", autocommit=True)
    edition_id = monitor.execute("SELECT id FROM edition WHERE slug = %s", (slug,)).fetchone()[0]
    print(f"config {args.config}; servers {', '.join(servers)} with {args.workers} workers; {args.clients} concurrent "
          f"clients; {args.votes} votes per server and run; rate limits and jobs in "
          f"{redis_url if args.config == 'production' else 'each process (no Redis)'}")
    used = 0

    def next_votes(n: int) -> slice:
        nonlocal used
        used += n
        return slice(used - n, used)

    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    results: list[dict[str, dict[str, float]]] = []
    try:
        for name in servers:
            port = free_port()
            processes[name] = (start_server(name, port, args.workers, env), port)
            part = next_votes(warmup)
            drive_app(port, slug, tokens[part], choices[part], min(args.clients, 8))
        for run in range(args.runs):
            measured: dict[str, dict[str, float]] = {}
            for name in servers[run % len(servers):] + servers[:run % len(servers)]:  # each its turn first
                proc, port = processes[name]
                part = next_votes(args.votes)
                cpu0, pg0, me0 = cpu_seconds(proc.pid), postgres_cpu(monitor, database), time.process_time()
                redis0 = cpu_by_pid(name="redis-server")
                r = drive_app(port, slug, tokens[part], choices[part], args.clients)
                r["server_cpu_ms"] = 1000 * (cpu_seconds(proc.pid) - cpu0) / r["accepted"]
                r["redis_cpu_ms"] = 1000 * cpu_delta(redis0, cpu_by_pid(name="redis-server")) / r["accepted"]
                r["postgres_cpu_ms"] = 1000 * cpu_delta(pg0, postgres_cpu(monitor, database)) / r["accepted"]
                r["client_cpu_ms"] = 1000 * (time.process_time() - me0) / r["accepted"]
                measured[name] = r
            part = next_votes(args.votes)
            pg0, me0 = postgres_cpu(monitor, database), time.process_time()
            base = drive_baseline(url, token_ids[part], choices[part], args.clients, edition_id, monitor)
            base["server_cpu_ms"] = base["redis_cpu_ms"] = 0.0
            base["postgres_cpu_ms"] = 1000 * cpu_delta(pg0, base.pop("postgres_cpu_total")) / base["accepted"]
            base["client_cpu_ms"] = 1000 * (time.process_time() - me0) / base["accepted"]
            measured["baseline"] = base
            results.append(measured)
            print(f"run {run + 1}")
            for name in servers + ["baseline"]:
                r = measured[name]
                label = "baseline (psycopg, same SQL)" if name == "baseline" else f"{name} -w {args.workers}"
                print(line(f"  {label}", r) + f", Redis {r['redis_cpu_ms']:.2f} ms")
            reference = measured[servers[0]]["per_second"]
            print("  ratios: " + ", ".join(f"{name}/{servers[0]} {measured[name]['per_second'] / reference:.2f}"
                                            for name in servers[1:])
                  + f"{', ' if len(servers) > 1 else ''}{servers[0]}/baseline {reference / base['per_second']:.2f}", flush=True)
        if args.chaos:
            print("kill and restart: PostgreSQL's connections terminated after a third of the votes, one worker "
                  "killed with SIGKILL after two thirds")
            for name in servers:
                proc, port = processes[name]
                part = next_votes(args.votes)
                before = monitor.execute("SELECT count(*) FROM ballot").fetchone()[0]
                r = drive_app(port, slug, tokens[part], choices[part], args.clients,
                              chaos=lambda share, pid=proc.pid: havoc(share, pid, monitor, database))
                kept = monitor.execute("SELECT count(*) FROM ballot").fetchone()[0] - before
                time.sleep(3)
                after = next_votes(AFTER_CHAOS)
                healthy = drive_app(port, slug, tokens[after], choices[after], args.clients)
                print(f"  {name}: {r['accepted']} accepted, {args.votes - r['accepted']} failed, {kept} ballots kept "
                      f"(an answer lost with its worker may hide a kept ballot); 3 s later {healthy['accepted']} of "
                      f"{AFTER_CHAOS} accepted, {len(cpu_by_pid(pgid=proc.pid))} processes", flush=True)
        queued = redis.llen("rq:queue:pb") if args.config == "production" else 0
        print(f"receipt jobs waiting in Redis: {queued}")
    finally:
        for proc, _port in processes.values():
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    if len(results) > 1:
        print(f"over {len(results)} runs:")
        for name in servers + ["baseline"]:
            rs = [m[name] for m in results]
            print(f"  {name:<10} {span([r['per_second'] for r in rs])}/s, p99 {span([r['p99_ms'] for r in rs], '{:.1f}')} ms, "
                  f"CPU per vote: server {span([r['server_cpu_ms'] for r in rs], '{:.2f}')} ms, PostgreSQL "
                  f"{span([r['postgres_cpu_ms'] for r in rs], '{:.2f}')} ms, Redis {span([r['redis_cpu_ms'] for r in rs], '{:.2f}')} ms")
        for name in servers[1:]:
            print(f"  {name}/{servers[0]}: {span([m[name]['per_second'] / m[servers[0]]['per_second'] for m in results], '{:.2f}')}")
        print(f"  {servers[0]}/baseline: "
              f"{span([m[servers[0]]['per_second'] / m['baseline']['per_second'] for m in results], '{:.2f}')}")


if __name__ == "__main__":
    main()
