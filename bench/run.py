"""Every benchmark of pb, one after the other: `make bench` (or `.venv/bin/python bench/run.py`).

Each prints its own figures and its ratio to a baseline measured in the same run; the latest
figures, the machine and the exact commands are in docs/performance.md. `--quick` runs the short
variants (a few minutes in all)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    runs = [
        ["tally.py", "--quick"] if quick else ["tally.py"],
        ["vote_load.py", "--votes", "500", "--runs", "1"] if quick else ["vote_load.py", "--chaos"],
        ["import_register.py", "--rows", "20000"] if quick else ["import_register.py", "--rows", "1000000"],
        ["reconcile.py", "--stations", "50", "--signins", "20000"] if quick else ["reconcile.py"],
        ["barometer.py", "--voters", "20000"] if quick else ["barometer.py"],
    ]
    failed = 0
    for args in runs:
        print(f"\n=== bench/{' '.join(args)}", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
