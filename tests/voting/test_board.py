"""The public board: a hash chain that verifies, and detects a tampered, removed or inserted entry."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from pb.voting.models import BoardEntry, BoardHead
from pb.voting.services import seal_board, verify_board
from pb.voting.services.board import GENESIS, entry_hash, sign_head

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


# -- issue 10 §5: what a rewrite of the board cannot hide ------------------------------------------------

def _rechain(session, edition_id: int) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with write access does after a change: recompute every hash."""
    previous = GENESIS
    for entry in session.scalars(sa.select(BoardEntry).where(BoardEntry.edition_id == edition_id,
                                                             BoardEntry.position.is_not(None)).order_by(BoardEntry.position)):
        entry.previous_hash = previous
        entry.entry_hash = previous = entry_hash(previous, edition_id, entry.position, entry.tracker)
    session.commit()


def _signed_world(client, session, build, voters: int = 6):  # type: ignore[no-untyped-def]
    world = build(voters=voters)
    _vote_all(client, world)
    head = sign_head(session, world.edition)
    session.commit()
    assert head is not None and head.position == voters
    check = verify_board(session, world.edition.id)
    assert check.ok and check.heads_checked == [voters] and check.online_voters == voters
    return world, head


def test_deleting_the_last_entries_is_detected(client, session, build) -> None:
    world, _head = _signed_world(client, session, build)
    _tamper(session, "DELETE FROM board_entry WHERE position >= 5")
    check = verify_board(session, world.edition.id)
    assert not check.ok and "fewer than the head at position 6" in check.problem
    # Without any signed head, the count of online voters still tells.
    session.execute(sa.delete(BoardHead))
    session.commit()
    check = verify_board(session, world.edition.id)
    assert not check.ok and "4 entries for 6 online voters" in check.problem


def test_changing_a_tracker_and_recomputing_the_hashes_is_detected(client, session, build) -> None:
    world, head = _signed_world(client, session, build)
    _tamper(session, "UPDATE board_entry SET tracker = 'ZZZZ-ZZZZ-ZZZZ' WHERE position = 2")
    _rechain(session, world.edition.id)
    check = verify_board(session, world.edition.id)
    assert not check.ok and check.first_bad_position == 6 and "signed head at position 6 has another hash" in check.problem
    # Rewriting the published head too breaks its signature.
    new_head = session.scalar(sa.select(BoardEntry.entry_hash).where(BoardEntry.position == 6))
    _tamper(session, f"UPDATE board_head SET entry_hash = '{new_head}'")
    check = verify_board(session, world.edition.id)
    assert not check.ok and "signature of the head published at position 6 is not valid" in check.problem
    # And deleting the published heads leaves the head a citizen kept.
    session.execute(sa.delete(BoardHead))
    session.commit()
    assert verify_board(session, world.edition.id).ok  # the chain and the count alone cannot see it...
    kept = verify_board(session, world.edition.id, [(head.position, head.entry_hash)])
    assert not kept.ok and "head given at position 6" in kept.problem  # ...the kept head does


def test_inserting_a_fake_tracker_is_detected(client, session, build) -> None:
    world, _head = _signed_world(client, session, build)
    session.add(BoardEntry(edition_id=world.edition.id, tracker="FAKE-FAKE-FAKE"))
    session.commit()
    seal_board(session, world.edition.id)  # chained after the head, as any pending entry
    session.commit()
    check = verify_board(session, world.edition.id)
    assert not check.ok and "7 entries for 6 online voters: entries were inserted" in check.problem
    # Inserted in the middle and re-chained: the signed head disagrees.
    _tamper(session, "DELETE FROM board_entry WHERE tracker = 'FAKE-FAKE-FAKE'")
    _tamper(session, "UPDATE board_entry SET position = -(position + 1) WHERE position >= 3")
    _tamper(session, "UPDATE board_entry SET position = -position WHERE position < 0")
    session.add(BoardEntry(edition_id=world.edition.id, tracker="FAKE-FAKE-FAKE", position=3))
    _tamper(session, "DELETE FROM board_entry WHERE position = 7")  # keep the count right
    _rechain(session, world.edition.id)
    check = verify_board(session, world.edition.id)
    assert not check.ok and "signed head at position 6" in check.problem


def test_the_close_signs_the_head_and_the_results_and_pabulib_files_publish_it(client, session, build) -> None:
    from pb.authz import SYSTEM
    from pb.editions.services import set_phase
    from pb.results import opendata, services

    # Every project in the file (fund_unsupported): the checker refuses a file whose envelope funds all
    # its projects, and a max_length above the projects (4 here).
    world = build(voters=5, max_choices=3, fund_unsupported=True)
    _vote_all(client, world)
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    closing = session.scalars(sa.select(BoardHead).where(BoardHead.at_close.is_(True))).one()
    assert closing.position == 5
    board = client.get(f"/api/v1/editions/{world.slug}/board").json
    assert board["signed_heads"][-1]["at_close"] and board["signed_heads"][-1]["hash"] == closing.entry_hash
    page = client.get(f"/editions/{world.slug}/board").get_data(as_text=True)
    assert closing.signature in page and closing.entry_hash in page
    services.publish_run(session, SYSTEM, services.run_tally(session, SYSTEM, world.edition))
    session.commit()
    results = client.get(f"/api/v1/editions/{world.slug}/results").json
    assert results["board_head"]["hash"] == closing.entry_hash and results["board_head"]["at_close"]
    assert closing.signature in client.get(f"/editions/{world.slug}/results").get_data(as_text=True)
    import contextlib
    import io

    from pabulib.checker import Checker

    for text in opendata.export_pabulib(session, world.edition).values():
        assert f"#1: public board of trackers signed at the close: head {closing.position}:{closing.entry_hash}, " \
               f"Ed25519 signature {closing.signature}" in text
        with contextlib.redirect_stdout(io.StringIO()):
            checked = Checker().process_files([text])
        (key,) = [k for k in checked if k not in ("metadata", "summary")]
        assert checked[key]["results"].get("errors") in (None, {}), checked[key]["results"]


def test_the_one_line_check_with_standard_tools(client, session, build, tmp_path) -> None:
    """What docs/voting.md and the board page tell a citizen to run: sha256sum over the board as
    text gives the signed head's hash, and openssl checks its signature."""
    import re
    import subprocess

    world, head = _signed_world(client, session, build, voters=4)
    (tmp_path / "board.txt").write_bytes(client.get(f"/api/v1/editions/{world.slug}/board.txt").data)
    (tmp_path / "board-key.pem").write_bytes(client.get(f"/api/v1/editions/{world.slug}/board-key.pem").data)
    page = client.get(f"/editions/{world.slug}/board").get_data(as_text=True)
    import html

    blocks = [html.unescape(b) for b in re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)]
    chain = blocks[0].splitlines()[1]  # the line after the download
    out = subprocess.run(["bash", "-c", chain], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["4", head.entry_hash]
    verify = blocks[1].splitlines()[1:]
    verify[0] = verify[0].replace("|P|H'", f"|{head.position}|{head.entry_hash}'").replace("echo S", f"echo {head.signature}")
    good = subprocess.run(["bash", "-c", "\n".join(verify)], cwd=tmp_path, capture_output=True, text=True)
    assert good.returncode == 0 and "Signature Verified Successfully" in good.stdout
    forged = subprocess.run(["bash", "-c", "\n".join(verify).replace(f"|{head.position}|", "|3|")], cwd=tmp_path,
                            capture_output=True, text=True)
    assert forged.returncode != 0


def test_board_verify_command_checks_a_kept_head(app, client, session, build) -> None:
    from pb.cli import main

    world, head = _signed_world(client, session, build, voters=3)
    runner = CliRunner()
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory"}
    ok = runner.invoke(main, ["board", "verify", world.slug, "--head", f"{head.position}:{head.entry_hash}"], env=env)
    assert ok.exit_code == 0 and "matched at positions 3" in ok.output, ok.output
    bad = runner.invoke(main, ["board", "verify", world.slug, "--head", f"2:{'0' * 64}"], env=env)
    assert bad.exit_code == 1 and "head given at position 2" in bad.output
    beyond = runner.invoke(main, ["board", "verify", world.slug, "--head", f"9:{'0' * 64}"], env=env)
    assert beyond.exit_code == 1 and "fewer than the head at position 9" in beyond.output
    typo = runner.invoke(main, ["board", "verify", world.slug, "--head", "abc"], env=env)
    assert typo.exit_code == 2 and "POSITION:HASH" in typo.output


def test_board_sign_command_signs_the_open_editions(app, client, session, build) -> None:
    from tests.conftest import KEY_FOLDER
    from pb.cli import main

    world = build(voters=3)
    _vote_all(client, world)
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory",
           "PB_BALLOT_KEY_FOLDER": KEY_FOLDER}
    signed = CliRunner().invoke(main, ["board", "sign"], env=env)
    assert signed.exit_code == 0 and f"{world.slug}: head 3:" in signed.output, signed.output
    session.expire_all()
    assert verify_board(session, world.edition.id).heads_checked == [3]
