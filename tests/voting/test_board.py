"""The public board: a hash chain that verifies, and detects a tampered, removed or inserted entry."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from pb.voting.models import BoardEntry
from pb.voting.services import seal_board, verify_board
from pb.voting.services.board import GENESIS, entry_hash

from .conftest import post_ballot


def _vote_all(client, world) -> list[str]:  # type: ignore[no-untyped-def]
    trackers = []
    for token in world.tokens:
        response = post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
        assert response.status_code == 201
        trackers.append(response.json["tracker"])
    return trackers


def test_chain_verifies_and_everyone_can_recompute_it(client, session, build) -> None:
    world = build(voters=8)
    trackers = _vote_all(client, world)
    body = client.get(f"/api/v1/editions/{world.slug}/board").json  # reading seals the pending entries
    assert body["count"] == 8 and body["pending"] == 0
    assert sorted(e["tracker"] for e in body["entries"]) == sorted(trackers)
    previous = GENESIS
    for entry in body["entries"]:
        assert entry["previous_hash"] == previous
        assert entry["hash"] == entry_hash(previous, body["edition_id"], entry["position"], entry["tracker"])
        previous = entry["hash"]
    assert body["head"] == {"position": 8, "hash": previous}
    check = verify_board(session, world.edition.id)
    assert check.ok and check.entries == 8 and check.head_hash == previous


def test_positions_do_not_follow_the_order_of_votes(client, session, build) -> None:
    world = build(voters=20)
    trackers = _vote_all(client, world)
    entries = client.get(f"/api/v1/editions/{world.slug}/board").json["entries"]
    assert [e["tracker"] for e in entries] == sorted(trackers)  # tracker order: random, not arrival


def test_more_votes_extend_the_chain(client, session, build) -> None:
    world = build(voters=6)
    first, second = world.tokens[:3], world.tokens[3:]
    for token in first:
        post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    client.get(f"/api/v1/editions/{world.slug}/board")
    head = verify_board(session, world.edition.id).head_hash
    for token in second:
        post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    assert seal_board(session, world.edition.id) == 3
    session.commit()
    entry4 = session.scalar(sa.select(BoardEntry).where(BoardEntry.position == 4))
    assert entry4.previous_hash == head
    assert verify_board(session, world.edition.id).ok


def _tamper(session, statement: str) -> None:  # type: ignore[no-untyped-def]
    session.execute(sa.text(statement))
    session.commit()


def test_a_changed_tracker_is_detected(client, session, build) -> None:
    world = build(voters=5)
    _vote_all(client, world)
    seal_board(session, world.edition.id)
    session.commit()
    _tamper(session, "UPDATE board_entry SET tracker = 'AAAA-BBBB-CCCC' WHERE position = 3")
    check = verify_board(session, world.edition.id)
    assert not check.ok and check.first_bad_position == 3 and "hash" in check.problem


def test_a_removed_entry_is_detected(client, session, build) -> None:
    world = build(voters=5)
    _vote_all(client, world)
    seal_board(session, world.edition.id)
    session.commit()
    _tamper(session, "DELETE FROM board_entry WHERE position = 2")
    check = verify_board(session, world.edition.id)
    assert not check.ok and check.first_bad_position == 2


def test_a_rehashed_entry_breaks_the_next_link(client, session, build) -> None:
    world = build(voters=5)
    _vote_all(client, world)
    seal_board(session, world.edition.id)
    session.commit()
    entry = session.scalar(sa.select(BoardEntry).where(BoardEntry.position == 2))
    fake = entry_hash(entry.previous_hash, world.edition.id, 2, "ZZZZ-ZZZZ-ZZZZ")
    _tamper(session, f"UPDATE board_entry SET tracker = 'ZZZZ-ZZZZ-ZZZZ', entry_hash = '{fake}' WHERE position = 2")
    check = verify_board(session, world.edition.id)
    assert not check.ok and check.first_bad_position == 3 and "previous" in check.problem


def test_board_verify_command(app, client, session, build) -> None:
    from pb.cli import main

    world = build(voters=4)
    _vote_all(client, world)
    runner = CliRunner()
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory"}
    sealed = runner.invoke(main, ["board", "seal", world.slug], env=env)
    assert sealed.exit_code == 0 and "4" in sealed.output
    ok = runner.invoke(main, ["board", "verify", world.slug], env=env)
    assert ok.exit_code == 0 and "4 entries, chain verified" in ok.output
    _tamper(session, "UPDATE board_entry SET tracker = 'AAAA-BBBB-CCCC' WHERE position = 1")
    broken = runner.invoke(main, ["board", "verify", world.slug], env=env)
    assert broken.exit_code == 1 and "BROKEN at position 1" in broken.output


def test_board_page_finds_a_tracker(client, session, build) -> None:
    world = build(voters=3)
    trackers = _vote_all(client, world)
    page = client.get(f"/editions/{world.slug}/board?tracker={trackers[1].lower().replace('-', ' ')}")
    assert page.status_code == 200 and trackers[1] in page.get_data(as_text=True)
    assert "position" in page.get_data(as_text=True)
    missing = client.get(f"/editions/{world.slug}/board?tracker=AAAA-AAAA-AAAA")
    assert "AAAA-AAAA-AAAA" in missing.get_data(as_text=True)
