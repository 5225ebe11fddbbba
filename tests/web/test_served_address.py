"""Every link pb writes (e-mails, letters, CSVs of codes, the demo's voting links) is built from
the base_url setting; left at its default, it follows the port the app is served on."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pb.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _script(path: Path, text: str) -> None:
    path.write_text("#!/bin/sh\n" + text + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_make_run_with_a_port_gives_links_on_that_port(tmp_path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    calls = tmp_path / "calls"
    _script(venv / "bin" / "python", "true")
    _script(venv / "bin" / "pb", f'echo "$PB_BASE_URL $*" >> {calls}')
    (venv / ".installed-app").touch()
    env = {k: v for k, v in os.environ.items() if k != "PB_BASE_URL"}
    subprocess.run(["make", "-s", "-C", str(ROOT), "run", "PORT=5173", f"VENV={venv}"], env=env, check=True,
                   capture_output=True)
    lines = calls.read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["i18n compile", "db upgrade", "demo --if-empty",
                                                         "run --host 127.0.0.1 --port 5173"]
    assert all(line.startswith("http://127.0.0.1:5173 ") for line in lines)
    # A base_url given by the city wins.
    calls.unlink()
    subprocess.run(["make", "-s", "-C", str(ROOT), "run", "PORT=5173", f"VENV={venv}"], check=True,
                   env={**env, "PB_BASE_URL": "https://budget.ville.example"}, capture_output=True)
    assert all(line.startswith("https://budget.ville.example ") for line in calls.read_text().splitlines())


@pytest.fixture
def served(monkeypatch) -> dict[str, str]:
    """`pb run` up to the server's start: what the app it serves writes as links."""
    seen: dict[str, str] = {}

    def run_simple(host, port, app, **kwargs) -> None:
        from pb.app import create_app
        from pb.web.urls import external_url

        with create_app().app_context():
            seen["link"] = external_url("voting.start", token="T")

    monkeypatch.setattr("flask.cli.run_simple", run_simple)
    monkeypatch.delenv("PB_BASE_URL", raising=False)
    monkeypatch.delenv("PB_CONFIG_FILE", raising=False)
    monkeypatch.setenv("PB_ENV", "development")
    return seen


def test_pb_run_writes_links_on_the_port_it_serves(served, monkeypatch) -> None:
    result = CliRunner().invoke(main, ["run", "--port", "5100", "--no-reload"])
    assert result.exit_code == 0, result.output
    assert served["link"] == "http://127.0.0.1:5100/vote/T"
    monkeypatch.setenv("PB_BASE_URL", "https://budget.ville.example")
    CliRunner().invoke(main, ["run", "--port", "5100", "--no-reload"])
    assert served["link"] == "https://budget.ville.example/vote/T"


def test_every_written_link_goes_through_external_url() -> None:
    """Links built from the request (url_for(_external=True), request.host_url) would depend on
    the host name a staff member used; pb.web.urls.external_url is the one way."""
    patterns = ("_external=True", "host_url", "url_root", "127.0.0.1:5000")
    found = [f"{p.relative_to(ROOT)}: {pattern}" for folder in ("pb", "templates") for p in (ROOT / folder).rglob("*")
             if p.suffix in (".py", ".html", ".txt") and p.name != "config.py"
             for pattern in patterns if pattern in p.read_text(encoding="utf-8")]
    assert found == []
