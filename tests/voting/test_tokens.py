"""Tokens: signed with a per-edition salt and a rotating list of keys, single-use, revocable;
the CSV for letters; short codes."""

from __future__ import annotations

import csv

import sqlalchemy as sa
from click.testing import CliRunner

from pb.authz import SYSTEM
from pb.voting import errors
from pb.voting.models import Voter, VotingToken
from pb.voting.services import read_token, revoke_token

from .conftest import post_ballot

import pytest


def _own(world, token):  # type: ignore[no-untyped-def]
    return world.ids(0 if token.district == "q1" else 1)


def test_payload_is_a_random_id_only(world) -> None:
    import base64
    import json

    raw = world.tokens[0].token
    payload = raw.split(".")[0]
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(decoded, str) and 16 <= len(decoded) <= 32
    assert world.tokens[0].voter_ref not in raw


def test_key_rotation_accepts_old_tokens_until_the_key_is_dropped(app, session, world, database_url) -> None:
    from tests.conftest import make_test_app

    old_key, new_key = "old-key-" + "a" * 32, "new-key-" + "b" * 32
    with make_test_app(database_url, voting_keys=[old_key]).app_context():
        from pb.voting.services.tokens import sign

        token_id = session.scalar(sa.select(VotingToken.id).where(VotingToken.voter_id == world.tokens[0].voter_id))
        old_token = sign(world.edition.id, token_id)
    with make_test_app(database_url, voting_keys=[new_key, old_key]).app_context():
        from pb.voting.services.tokens import sign

        assert read_token(world.edition, old_token) == token_id  # still valid during the rotation
        new_token = sign(world.edition.id, token_id)
        assert new_token != old_token
    with make_test_app(database_url, voting_keys=[new_key]).app_context():
        assert read_token(world.edition, new_token) == token_id
        with pytest.raises(errors.TokenInvalid):
            read_token(world.edition, old_token)  # the old key is gone: its tokens are dead


def test_revoke_and_reissue(client, session, world) -> None:
    token = world.tokens[0]
    voter = session.get(Voter, token.voter_id)
    fresh = revoke_token(session, SYSTEM, voter, reason="letter lost")
    session.commit()
    assert fresh is not None and fresh.token != token.token and fresh.code != token.code
    old = post_ballot(client, world, token.token, _own(world, token))
    assert old.status_code == 403 and old.json["error"]["code"] == "token_revoked"
    old_code = post_ballot(client, world, "", _own(world, token), code=token.code)
    assert old_code.json["error"]["code"] == "token_revoked"
    assert post_ballot(client, world, fresh.token, _own(world, token)).status_code == 201
    with pytest.raises(errors.AlreadyVoted):
        revoke_token(session, SYSTEM, session.get(Voter, token.voter_id))


def test_one_active_token_per_voter_is_a_database_rule(session, world) -> None:
    from sqlalchemy.exc import IntegrityError

    voter_id = world.tokens[0].voter_id
    session.add(VotingToken(id="x" * 24, edition_id=world.edition.id, voter_id=voter_id, active_voter_id=voter_id))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_issue_only_to_eligible_voters_without_a_token(session, make) -> None:
    from pb.voting.services import import_text, issue_tokens

    edition = make.edition(min_voter_age=18)
    import_text(session, SYSTEM, edition, "last_name,first_name,birth_date,district\nA,B,1990-01-01,q1\nC,D,1991-01-01,q2\n")
    session.execute(sa.update(Voter).where(Voter.district_id.is_not(None)).values(birth_date=sa.func.current_date())
                    .where(Voter.ref == session.scalar(sa.select(Voter.ref).order_by(Voter.id.desc()).limit(1))))
    first = list(issue_tokens(session, SYSTEM, edition))
    again = list(issue_tokens(session, SYSTEM, edition))
    assert len(first) == 1 and again == []


def test_tokens_issue_command_writes_the_letters_file(app, tmp_path, session, make) -> None:
    from pb.cli import main
    from pb.voting.services import import_text

    from .conftest import register_csv

    edition = make.edition(slug="bp-letters")
    import_text(session, SYSTEM, edition, register_csv(5, [d for d in edition.districts]))
    session.commit()
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory"}
    out = tmp_path / "tokens.csv"
    result = CliRunner().invoke(main, ["tokens", "issue", "bp-letters", "--out", str(out)], env=env)
    assert result.exit_code == 0 and "5 token(s)" in result.output, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig", newline=""), delimiter=";"))  # French Excel
    assert [list(r) for r in rows[:1]] == [["ref_votant", "quartier", "jeton", "lien", "code"]]
    assert len(rows) == 5 and {r["quartier"] for r in rows} == {"q1", "q2"}
    base = app.config["PB_SETTINGS"].base_url  # links in letters come from the base_url setting
    assert all(r["lien"] == f"{base}/vote/{r['jeton']}" and len(r["code"]) == 14 for r in rows), rows[0]
    second = CliRunner().invoke(main, ["tokens", "issue", "bp-letters", "--out", str(tmp_path / "again.csv")], env=env)
    assert "0 token(s)" in second.output
    # Codes are stored only as a keyed hash.
    session.commit()
    stored = session.scalars(sa.select(VotingToken.code_hash)).all()
    assert all(len(h) == 64 for h in stored) and not any(r["code"] in " ".join(stored) for r in rows)


def test_per_edition_salt(session, make) -> None:
    from .conftest import build_world

    a = build_world(session, make)
    b = build_world(session, make)
    with pytest.raises(errors.TokenInvalid):
        read_token(b.edition, a.tokens[0].token)
