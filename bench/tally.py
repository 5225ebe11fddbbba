"""Benchmark of the tally core: pb against pabutools on the stored Pabulib files, plus a generated
election of 1,000,000 approval ballots.

    python bench/tally.py              # the large files + a few medium ones, and the 1M election
    python bench/tally.py --quick      # six small/medium files and a 100,000-ballot election
    python bench/tally.py --all        # every stored file

pb and pabutools tally the same file in the same run; the ratio is pabutools' time over pb's. Each
pabutools run happens in its own process with a time limit (``--timeout``); pabutools is timed on
its plain profile and on its multiprofile (identical ballots merged), and the faster counts, so
the ratio is the least favourable to pb. Reading the file is not counted for either; grouping the
ballots is (pb's profile, pabutools' multiprofile), and pb's cached counts are cleared before each
run. pabutools has no Pabulib ``add1`` (only its own completion, timed as
mes-add1e), so ``mes-add1`` is timed for pb only. Both count a named project as one approval (pabutools'
``Cost_Sat``), also on cumulative and ordinal files. Output is Markdown, ready for
docs/performance.md. Benchmarks never run inside the tests.

The second table is what a user runs, end to end: `pb tally FILE --rule RULE --json` as a whole
process (interpreter start, imports, reading the file, the rule, the output) against a whole
pabutools process that parses the file and applies the rule (its plain profile, as its
documentation shows), both timed from outside by the wall clock (``--e2e-files``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DIR = Path(os.environ.get("PB_PABULIB_DIR") or REPO.parent / "shared" / "data" / "pabulib")
QUICK = [
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Warszawa_2017_Srodmiescie.pb",
    "Poland_Krakow_2023_Nowa_Huta.pb",
    "Poland_Zabrze_2020.pb",
]
LARGE = [
    "Poland_Lodz_2022.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
    "Poland_Wroclaw_2020.pb",
    "Poland_Krakow_2024.pb",
    "Poland_Wroclaw_2017.pb",
    "Poland_Warszawa_2026.pb",
    "Poland_Krakow_2022.pb",
    "Poland_Katowice_2023.pb",
    "Hungary_Budapest_2024.pb",
    "Poland_Gdynia_2020.pb",
    "Poland_Warszawa_2021_Mokotow.pb",
]
RULES = ("greedy", "mes", "mes-add1e", "mes-add1")


# ----------------------------------------------------------------------------------- workers
def worker_pabutools_e2e(path: str, rule: str) -> dict:
    """What a pabutools user runs: parse the file, apply the rule (timed whole, from outside)."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib(path)
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    else:
        raise ValueError(rule)
    return {"selected": sorted(p.name for p in out)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def end_to_end(path: Path, rule: str, timeout: float, pabutools: bool = True) -> dict:
    """Wall-clock and CPU seconds, and funded projects, of a whole `pb tally` process, then of a
    whole pabutools process (its times None past the time limit). On a shared machine the CPU
    time is the steadier figure: the wall clock also counts the waits for a free core."""
    wall, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([str(Path(sys.executable).parent / "pb"), "tally", str(path), "--rule", rule, "--json"],
                          capture_output=True, text=True, check=True, cwd=REPO)
    out = {"pb_wall": time.perf_counter() - wall, "pb_cpu": _children_cpu() - cpu,
           "ours": sorted(str(p) for p in json.loads(done.stdout)["selected"])}
    wall, cpu = time.perf_counter(), _children_cpu()
    theirs = call_worker(["pabutools-e2e", str(path), rule], timeout) if pabutools else None
    out.update(their_wall=time.perf_counter() - wall if theirs else None, their_cpu=_children_cpu() - cpu if theirs else None,
               theirs=theirs and theirs["selected"])
    return out


def worker_pabutools(path: str, rule: str, kind: str, increment: int) -> dict:
    """One pabutools run (in its own process, so that a time limit can stop it)."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib(path)
    start = time.perf_counter()
    if kind == "multiprofile":  # counted: pb's time includes its own grouping of ballots
        profile = profile.as_multiprofile()
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes-add1e":
        out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=increment)
    else:
        raise ValueError(rule)
    return {"seconds": time.perf_counter() - start, "selected": sorted(p.name for p in out)}


def generate(n: int, m: int, seed: int):
    """A synthetic city-wide vote: n approval ballots over m projects, 1-10 choices per ballot
    (1 + Poisson(3)), project popularity following a power law, costs of 10,000 to 500,000, an
    envelope of 15% of the total cost."""
    import numpy as np

    from pb.tally import Ballots, Election, Project

    rng = np.random.default_rng(seed)
    pop = 1.0 / (np.arange(m) + 20.0) ** 1.1
    pop = rng.permutation(pop / pop.sum())
    lens = np.minimum(1 + rng.poisson(3.0, n), 10)
    flat = rng.choice(m, size=int(lens.sum()), p=pop).astype(np.int64)
    keys = np.sort(np.repeat(np.arange(n, dtype=np.int64), lens) * m + flat)
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # a project at most once per ballot
    rows, projects = keys // m, keys % m
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    costs = (rng.integers(10, 501, m) * 1000).tolist()
    plist = tuple(Project(f"P{j}", costs[j]) for j in range(m))
    return Election(plist, Ballots(indptr, projects.astype(np.int32)), sum(costs) * 15 // 100, "approval", {})


def worker_big(n: int, m: int, seed: int, rules: list[str], trace: bool) -> dict:
    """Generate the large election and tally it; report times and peak memory of this process."""
    import tracemalloc

    from pb.tally import run

    result: dict = {}
    start = time.perf_counter()
    e = generate(n, m, seed)
    result["generate"] = time.perf_counter() - start
    result["entries"] = int(len(e.ballots.indices))
    result["rss_after_generate_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for rule in rules:
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        out = run(e, rule, explain=False)
        result[rule] = time.perf_counter() - start
        if trace:
            result[f"{rule}_traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        result[f"{rule}_funded"] = len(out.selected)
        result[f"{rule}_spent_share"] = float(out.spent / e.budget)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def call_worker(args: list[str], timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------- report
def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    from importlib.metadata import version

    import numpy

    return [
        f"- CPU: {cpu}, {len(os.sched_getaffinity(0))} cores available (`nproc`), shared with other jobs",
        f"- RAM: {int(mem) / 2**20:.1f} GiB",
        f"- Python {platform.python_version()}, numpy {numpy.__version__}, pabutools {version('pabutools')}",
        f"- {platform.platform()}",
    ]


def _ratio(theirs: float, ours: float) -> str:
    r = theirs / max(ours, 1e-9)
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


def fresh(e) -> None:
    """Forget the counts an Election caches, so that each timed run computes them."""
    for key in ("votes", "scores", "index", "costs", "_tally_memo"):
        e.__dict__.pop(key, None)
    e.ballots.__dict__.pop("rows", None)


def best_of(fn, repeat: int, e) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        fresh(e)
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="six small files and a 100,000-ballot election")
    parser.add_argument("--all", action="store_true", help="every stored file")
    parser.add_argument("--files", nargs="*", help="file names (in the data directory) to use instead")
    parser.add_argument("--rules", default=",".join(RULES), help="comma-separated rules (default: all four)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="the Pabulib directory")
    parser.add_argument("--timeout", type=float, default=120, help="time limit of one pabutools run, seconds")
    parser.add_argument("--add1e-max-votes", type=int, default=20000, help="time pabutools' mes-add1e only on files with at most this many votes")
    parser.add_argument("--no-pabutools", action="store_true", help="time pb only")
    parser.add_argument("--repeat", type=int, default=3, help="pb runs per measure (the best counts)")
    parser.add_argument("--voters", type=int, default=None, help="ballots of the generated election (default 1,000,000; 100,000 with --quick; 0 to skip)")
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--e2e-files", nargs="*", default=None,
                        help="files timed end to end, pb tally against pabutools (default: Łódź 2022; "
                             "with --quick: Zabrze 2020)")
    parser.add_argument("--e2e-rules", default="greedy,mes")
    parser.add_argument("--worker", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind = args.worker[0]
        if kind == "pabutools-e2e":
            print(json.dumps(worker_pabutools_e2e(args.worker[1], args.worker[2])))
        elif kind == "pabutools":
            print(json.dumps(worker_pabutools(args.worker[1], args.worker[2], args.worker[3], int(args.worker[4]))))
        else:
            rules = [r for r in args.worker[4].split(",") if r]
            print(json.dumps(worker_big(int(args.worker[1]), int(args.worker[2]), int(args.worker[3]), rules, args.worker[5] == "1")))
        return

    from pb.tally import pabulib, run

    refs = json.loads((args.data / "pabutools_results.json").read_text())
    if args.files:
        files = args.files
    elif args.all:
        files = sorted(p.name for p in args.data.glob("*.pb"))
    else:
        files = QUICK if args.quick else LARGE + QUICK[:3]
    rules = [r for r in args.rules.split(",") if r]
    voters = args.voters if args.voters is not None else (100_000 if args.quick else 1_000_000)

    print("## Tally benchmark\n")
    print("Command: `python bench/tally.py " + " ".join(sys.argv[1:]) + "`\n")
    print("\n".join(machine()) + "\n")
    print("| file | votes | rule | pb (s) | pabutools (s) | ratio | same funded set |")
    print("|---|---:|---|---:|---:|---:|---|")
    for name in files:
        path = args.data / name
        start = time.perf_counter()
        e = pabulib.read(path)
        read_s = time.perf_counter() - start
        inc = refs.get(name, {}).get("_params", {}).get("add1_increment_per_voter", 1)
        for rule in rules:
            options: dict = {"utility": "approval"}  # pabutools' Cost_Sat: a named project counts 1
            if rule.startswith("mes-add1"):
                options["increment"] = inc
            pb_s, out = best_of(lambda: run(e, rule, explain=False, **options), 1 if rule.startswith("mes-add1") else args.repeat, e)
            cell_pt, ratio, same = "-", "-", "-"
            skip = args.no_pabutools or rule == "mes-add1" or (rule == "mes-add1e" and e.num_voters > args.add1e_max_votes)
            if not skip:
                times, chosen = [], None
                for kind in ("multiprofile", "plain"):
                    res = call_worker(["pabutools", str(path), rule, kind, str(inc)], args.timeout)
                    if res is not None:
                        times.append(res["seconds"])
                        chosen = res["selected"]
                if times:
                    cell_pt = f"{min(times):.2f}"
                    ratio = _ratio(min(times), pb_s)
                    same = "yes" if chosen == sorted(out.selected) else "NO"
                else:
                    cell_pt, ratio = f"> {args.timeout:.0f}", "> " + _ratio(args.timeout, pb_s)
            note = f" (inc. {inc})" if rule.startswith("mes-add1") and inc != 1 else ""
            print(f"| {name} | {e.num_voters} | {rule}{note} | {pb_s:.3f} | {cell_pt} | {ratio} | {same} |", flush=True)
        print(f"| {name} | {e.num_voters} | (reading the file) | {read_s:.2f} | | | |", flush=True)

    e2e_files = args.e2e_files if args.e2e_files is not None else (
        ["Poland_Zabrze_2020.pb"] if args.quick else ["Poland_Lodz_2022.pb"])
    if e2e_files:
        print("\n### End to end: `pb tally FILE --rule RULE --json` against pabutools (parse + rule), whole processes\n")
        print("| file | votes | rule | pb tally: wall (s) | CPU (s) | pabutools: wall (s) | CPU (s) | ratio (wall, CPU) | same funded set |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---|")
        for name in e2e_files:
            path = args.data / name
            votes = pabulib.read(path).num_voters
            for rule in [r for r in args.e2e_rules.split(",") if r]:
                r = end_to_end(path, rule, args.timeout, not args.no_pabutools)
                if args.no_pabutools:
                    print(f"| {name} | {votes} | {rule} | {r['pb_wall']:.2f} | {r['pb_cpu']:.2f} | - | - | - | - |", flush=True)
                elif r["their_wall"] is None:
                    print(f"| {name} | {votes} | {rule} | {r['pb_wall']:.2f} | {r['pb_cpu']:.2f} | > {args.timeout:.0f} | | "
                          f"> {_ratio(args.timeout, r['pb_wall'])} | - |")
                else:
                    print(f"| {name} | {votes} | {rule} | {r['pb_wall']:.2f} | {r['pb_cpu']:.2f} | {r['their_wall']:.2f} | "
                          f"{r['their_cpu']:.2f} | {_ratio(r['their_wall'], r['pb_wall'])}, {_ratio(r['their_cpu'], r['pb_cpu'])} | "
                          f"{'yes' if r['ours'] == r['theirs'] else 'NO'} |", flush=True)

    if voters:
        print(f"\n### Generated election: {voters:,} approval ballots, {args.projects:,} projects\n")
        timed = call_worker(["big", str(voters), str(args.projects), "1", "greedy,mes", "0"], 3600)
        traced = call_worker(["big", str(voters), str(args.projects), "1", "mes", "1"], 3600)
        gen_only = call_worker(["big", str(voters), str(args.projects), "1", "", "0"], 3600)
        print("| measure | value |")
        print("|---|---:|")
        print(f"| ballot entries (approvals) | {timed['entries']:,} |")
        print(f"| generate the election (numpy) | {timed['generate']:.2f} s |")
        print(f"| greedy | {timed['greedy']:.2f} s |")
        print(f"| mes (grouping ballots included) | {timed['mes']:.2f} s, {timed['mes_funded']} projects, {timed['mes_spent_share']:.0%} of the envelope |")
        print(f"| peak RSS, generate only | {gen_only['peak_rss_mb']:.0f} MB |")
        print(f"| peak RSS, generate + greedy + mes | {timed['peak_rss_mb']:.0f} MB |")
        print(f"| peak memory allocated during mes (tracemalloc) | {traced['mes_traced_peak_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
