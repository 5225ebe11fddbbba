from __future__ import annotations

import json

from pb.cli import main
from pb.editions.models import Edition


def test_create_admin_then_log_in(app, client, session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "create-admin", "maire@ville.example", "--password", "a long password 1"])
    assert result.exit_code == 0, result.output
    assert client.post("/account/login", data={"email": "maire@ville.example", "password": "a long password 1"}).status_code == 302
    assert client.get("/admin/staff").status_code == 200


def test_create_admin_refuses_a_weak_password_without_traceback(app) -> None:
    result = app.test_cli_runner().invoke(main, ["users", "create-admin", "x@ville.example", "--password", "short"])
    assert result.exit_code == 1
    assert "10 characters" in result.output or "10 caract" in result.output
    assert "Traceback" not in result.output


def test_editions_list_json_and_set_phase(app, make, session) -> None:
    edition = make.edition(slug="bp-cli")
    session.commit()
    runner = app.test_cli_runner()
    rows = json.loads(runner.invoke(main, ["editions", "list", "--json"]).output)
    assert rows == [{"id": edition.id, "slug": "bp-cli", "name": edition.name, "phase": "draft"}]
    result = runner.invoke(main, ["editions", "set-phase", "bp-cli", "vote"])
    assert result.exit_code == 0 and "bp-cli: vote" in result.output
    result = runner.invoke(main, ["editions", "set-phase", str(edition.id), "review"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    session.expire_all()
    assert session.get(Edition, edition.id).phase == "vote"
    result = runner.invoke(main, ["editions", "set-phase", "no-such-edition", "vote"])
    assert result.exit_code == 1 and "no-such-edition" in result.output
