"""The benchmarks measure what production runs (they never run inside the tests: this checks
their set-up)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pb import config

ROOT = Path(__file__).resolve().parent.parent


def _bench(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_vote_benchmark_runs_the_production_configuration_by_default() -> None:
    vote_load = _bench("vote_load")
    args = vote_load.arguments([])
    assert args.config == "production" and args.servers.split(",")[0] == "gunicorn"
    env = vote_load.environment("postgresql+psycopg://postgres@127.0.0.1/pb_bench", args.config, vote_load.DEFAULT_REDIS)
    settings = config.load(environ=env)  # production's own checks accept it: nothing is left out
    assert settings.is_production and not settings.is_sqlite and settings.redis_url and settings.vote_lane
    assert settings.mail_backend == "smtp" and not settings.rate_limit_storage  # counters in Redis, receipts queued


def test_the_vote_benchmark_serves_the_app_with_the_documented_command() -> None:
    vote_load = _bench("vote_load")
    template, extra = vote_load.SERVERS["gunicorn"]
    command = " ".join(part.format(workers=6, port=8000) for part in template)
    assert extra == {}
    readme = (ROOT / "README.md").read_text()
    documented = "gunicorn -k sync -w 6 --backlog 2048 wsgi:app"
    assert documented in readme
    for option in ("-k sync", "-w 6", "--backlog 2048"):
        assert option in command
    assert command.endswith("wsgi:app")
