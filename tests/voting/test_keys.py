"""The edition's ballot key: the ceremony, the trustees' shares, the decryption after the close
(issue 10 §1). A wrong or missing share refuses with a clear error and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pb.authz import SYSTEM
from pb.editions.services import set_phase
from pb.voting import errors, keys
from pb.voting.models import Ballot, BallotKey, EncryptedBallot, KeyMode
from pb.voting.services import sealed_ballots
from pb.voting.services.secrecy import decrypt_ballots, set_ballot_key

from ..conftest import KEY_FOLDER
from .conftest import post_ballot


# -- the cryptography alone --------------------------------------------------------------------------

def test_a_sealed_vote_opens_only_with_its_key_and_its_size_says_nothing() -> None:
    key, other = keys.new_box_key(), keys.new_box_key()
    small = keys.seal(keys.public_hex(key), [(1, {"5": 1})])
    large = keys.seal(keys.public_hex(key), [(1, {str(p): 1 for p in range(40)}), (2, {"900": 3})])
    assert len(small) == len(large)
    assert keys.unseal(key, small) == [(1, {5: 1})]
    with pytest.raises(keys.KeyProblem, match="does not open"):
        keys.unseal(other, small)


def test_shares_give_the_key_back_and_refuse_everything_else() -> None:
    key = keys.new_box_key()
    public = keys.public_hex(key)
    shares = keys.split(bytes(key), 3, 5)
    for chosen in (shares[:3], shares[2:], [shares[0], shares[2], shares[4]]):
        assert keys.public_hex(keys.combine(chosen, public)) == public
    foreign = keys.split(bytes(keys.new_box_key()), 3, 5)
    words = shares[1].split()
    words[3] = "academic" if words[3] != "academic" else "acid"
    mistyped = " ".join(words)
    for bad, why in ((shares[:2], "Wrong number"), ([shares[0], shares[0], shares[1]], "twice"),
                     ([shares[0], mistyped, shares[2]], "checksum"), ([shares[0], shares[1], foreign[2]], "do not give"),
                     (foreign[:3], "not the edition's ballot key"), ([], "no share"), (["# a comment only"], "no share")):
        with pytest.raises(keys.KeyProblem, match=why):
            keys.combine(bad, public)


# -- the ceremony and the decryption ------------------------------------------------------------------

def _trustees_world(session: Any, build: Any, threshold: int = 3, shares: int = 5) -> tuple[Any, list[str]]:
    world = build(voters=6, phase="draft")
    ceremony = set_ballot_key(session, SYSTEM, world.edition, "trustees", threshold=threshold, shares=shares)
    set_phase(session, SYSTEM, world.edition, "vote")
    session.commit()
    return world, ceremony.shares


def _vote_and_close(client: Any, session: Any, world: Any) -> list[list[int]]:
    chosen = []
    for i, token in enumerate(world.tokens):
        mine = world.ids(0 if token.district == "q1" else 1, 1 + i % 3)
        assert post_ballot(client, world, token.token, mine).status_code == 201
        chosen.append(sorted(mine))
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    return sorted(chosen)


def _state(session: Any, edition_id: int) -> tuple[int, int, Any]:
    session.expire_all()
    count = lambda model: session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return count(EncryptedBallot), count(Ballot), session.get(BallotKey, edition_id).decrypted_at


def test_trustees_key_nothing_on_the_server_and_results_wait_for_the_shares(client, session, build) -> None:
    world, shares = _trustees_world(session, build)
    key = session.get(BallotKey, world.edition.id)
    assert (key.mode, key.threshold, key.shares, len(shares)) == (KeyMode.TRUSTEES, 3, 5, 5)
    assert not keys.key_path(keys.Path(KEY_FOLDER), world.edition.id, key.public_key, "ballot").exists()
    assert all(keys.read_share(text).count(" ") == 32 for text in shares)  # 33 words each
    chosen = _vote_and_close(client, session, world)
    assert _state(session, world.edition.id) == (6, 0, None)  # closed, still encrypted
    with pytest.raises(errors.BallotsEncrypted):
        sealed_ballots(session, world.edition)
    response = client.get(f"/api/v1/editions/{world.slug}/ballots")
    assert response.status_code == 409 and response.json["error"]["code"] == "ballots_encrypted"
    from pb.results.services import run_tally

    with pytest.raises(errors.BallotsEncrypted):
        run_tally(session, SYSTEM, world.edition)
    session.rollback()
    done = decrypt_ballots(session, SYSTEM, world.edition, [shares[4], shares[0], shares[2]])
    session.commit()
    assert (done.votes, done.ballots, done.invalid) == (6, 6, 0)
    assert _state(session, world.edition.id)[:2] == (0, 6)
    assert sorted(sorted(b.choices) for b in sealed_ballots(session, world.edition)) == chosen


@pytest.mark.parametrize("case", ["missing", "too_few", "foreign", "mistyped", "twice"])
def test_a_wrong_or_missing_share_refuses_and_changes_nothing(client, session, build, case) -> None:
    world, shares = _trustees_world(session, build)
    _vote_and_close(client, session, world)
    foreign = keys.split(bytes(keys.new_box_key()), 3, 5)
    words = shares[1].split()
    words[-2] = "academic" if words[-2] != "academic" else "acid"
    given = {"missing": None, "too_few": shares[:2], "foreign": [shares[0], shares[1], foreign[2]],
             "mistyped": [shares[0], " ".join(words), shares[2]], "twice": [shares[0], shares[0], shares[1]]}[case]
    before = _state(session, world.edition.id)
    with pytest.raises(errors.DecryptionRefused) as refused:
        decrypt_ballots(session, SYSTEM, world.edition, given)
    session.rollback()
    assert "rien n’a été modifié" in refused.value.text()
    assert _state(session, world.edition.id) == before == (6, 0, None)


def test_a_forged_box_sealed_to_the_public_key_is_caught_by_the_count(client, session, build) -> None:
    world, shares = _trustees_world(session, build)
    _vote_and_close(client, session, world)
    key = session.get(BallotKey, world.edition.id)
    session.add(EncryptedBallot(edition_id=world.edition.id, box=keys.seal(key.public_key, [(world.districts[0].id,
                                                                                            {str(world.ids(0)[0]): 1})])))
    session.commit()
    with pytest.raises(errors.DecryptionRefused) as refused:
        decrypt_ballots(session, SYSTEM, world.edition, shares[:3])
    session.rollback()
    assert "bulletins chiffrés : 7, votants en ligne : 6" in refused.value.text()
    assert _state(session, world.edition.id) == (7, 0, None)


def test_a_box_that_does_not_pass_the_rules_is_not_counted(client, session, build) -> None:
    world = build(voters=2)
    post_ballot(client, world, world.tokens[0].token, world.ids(0 if world.tokens[0].district == "q1" else 1))
    session.commit()
    # Replace the one real box by one sealed to the right key but naming another district's project.
    key = session.get(BallotKey, world.edition.id)
    box = session.scalars(sa.select(EncryptedBallot)).one()
    box.box = keys.seal(key.public_key, [(world.districts[0].id, {str(world.ids(1)[0]): 1})])
    session.commit()
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    assert _state(session, world.edition.id)[:2] == (0, 0)


def test_the_key_cannot_change_once_the_vote_has_opened(session, build) -> None:
    world = build(voters=2)
    with pytest.raises(errors.BallotKeyRefused):
        set_ballot_key(session, SYSTEM, world.edition, "trustees", threshold=2, shares=3)
    draft = build(voters=2, phase="draft")
    for threshold, shares in ((1, 3), (4, 3), (2, 17)):
        with pytest.raises(errors.BallotKeyRefused):
            set_ballot_key(session, SYSTEM, draft.edition, "trustees", threshold=threshold, shares=shares)


def test_decrypting_before_the_close_is_refused(client, session, build) -> None:
    world, shares = _trustees_world(session, build)
    post_ballot(client, world, world.tokens[0].token, world.ids(0 if world.tokens[0].district == "q1" else 1))
    with pytest.raises(errors.DecryptionRefused) as refused:
        decrypt_ballots(session, SYSTEM, world.edition, shares[:3])
    assert "pas clos" in refused.value.text()


# -- the command line and the admin page --------------------------------------------------------------

def _env(app: Any) -> dict[str, str]:
    return {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory",
            "PB_BALLOT_KEY_FOLDER": KEY_FOLDER}


def test_ceremony_and_decryption_from_the_command_line(app, client, session, build, tmp_path) -> None:
    from pb.cli import main

    world = build(voters=4, phase="draft")
    runner = CliRunner()
    out = tmp_path / "usb"
    made = runner.invoke(main, ["ballots", "keys", world.slug, "--mode", "trustees", "-k", "2", "-n", "3",
                                "--out", str(out)], env=_env(app))
    assert made.exit_code == 0, made.output
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"{world.slug}-share-{i}-of-3.txt" for i in (1, 2, 3)]
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    again = runner.invoke(main, ["ballots", "keys", world.slug, "--mode", "trustees", "-k", "2", "-n", "3",
                                 "--out", str(out)], env=_env(app))
    assert again.exit_code != 0 and "exists already" in again.output
    session.expire_all()
    set_phase(session, SYSTEM, world.edition, "vote")
    session.commit()
    # The refused second ceremony left the first key in place: the shares on the stick still work.
    _vote_and_close(client, session, world)
    one = runner.invoke(main, ["ballots", "decrypt", world.slug, str(files[0])], env=_env(app))
    assert one.exit_code != 0 and "rien n’a été modifié" in one.output
    assert _state(session, world.edition.id)[:2] == (4, 0)
    two = runner.invoke(main, ["ballots", "decrypt", world.slug, str(files[2]), str(files[0])], env=_env(app))
    assert two.exit_code == 0 and "Votes decrypted: 4" in two.output, two.output
    assert _state(session, world.edition.id)[:2] == (0, 4)


def test_admin_page_takes_the_shares(en_client, session, make, auth, build) -> None:
    import io

    world, shares = _trustees_world(session, build, threshold=2, shares=3)
    _vote_and_close(en_client, session, world)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    page = en_client.get(f"/admin/editions/{world.edition.id}/voting/key")
    assert page.status_code == 200 and "2 of which decrypt" in page.get_data(as_text=True)
    url = f"/admin/editions/{world.edition.id}/voting/key"

    def upload(texts: list[str], confirm: bool = True) -> Any:
        data: dict[str, Any] = {"shares": [(io.BytesIO(t.encode()), f"share{i}.txt") for i, t in enumerate(texts)]}
        if confirm:
            data["confirm"] = "y"
        return en_client.post(url, data=data, content_type="multipart/form-data")

    unconfirmed = upload(shares[:2], confirm=False)
    assert unconfirmed.status_code == 422
    wrong = upload(shares[:1])
    assert wrong.status_code == 422 and "nothing was changed" in wrong.get_data(as_text=True)
    assert _state(session, world.edition.id)[:2] == (6, 0)
    done = upload(shares[1:])
    assert done.status_code == 302
    assert _state(session, world.edition.id)[:2] == (0, 6)
    assert "decrypted on" in en_client.get(url).get_data(as_text=True)


def test_a_vote_without_a_ballot_key_is_refused_and_writes_nothing(client, session, build) -> None:
    """An edition upgraded while its vote was open has no key: its votes are refused, named."""
    from pb.voting.services.snapshot import forget

    from .conftest import audit_lines, table_counts

    world = build(voters=2)
    session.execute(sa.delete(BallotKey))
    session.commit()
    forget()
    before = table_counts(session)
    token = world.tokens[0]
    response = post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    assert response.status_code == 503 and response.json["error"]["code"] == "ballot_box_not_ready"
    assert table_counts(session) == before
    assert [line.detail["code"] for line in audit_lines(session, "vote.refused")] == ["ballot_box_not_ready"]


def test_a_lost_server_key_file_does_not_stop_the_close_and_the_restored_file_decrypts(client, session, build) -> None:
    from .conftest import audit_lines

    world = build(voters=3)
    _vote_all_own = [post_ballot(client, world, t.token, world.ids(0 if t.district == "q1" else 1)) for t in world.tokens]
    assert all(r.status_code == 201 for r in _vote_all_own)
    key = session.get(BallotKey, world.edition.id)
    folder = keys.Path(KEY_FOLDER)
    ballot_file = keys.key_path(folder, world.edition.id, key.public_key, "ballot")
    signing_file = keys.key_path(folder, world.edition.id, key.signing_key, "signing")
    kept_ballot, kept_signing = ballot_file.read_bytes(), signing_file.read_bytes()
    ballot_file.unlink()
    signing_file.unlink()
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    assert _state(session, world.edition.id) == (3, 0, None)  # closed, still encrypted
    assert [line.action for line in audit_lines(session, "voting.decrypt_refused")] == ["voting.decrypt_refused"]
    assert len(audit_lines(session, "voting.head_not_signed")) == 1
    ballot_file.write_bytes(kept_ballot)
    signing_file.write_bytes(kept_signing)
    done = decrypt_ballots(session, SYSTEM, world.edition)
    session.commit()
    assert (done.votes, done.ballots) == (3, 3) and _state(session, world.edition.id)[:2] == (0, 3)
    assert not ballot_file.exists()  # erased after the commit


def test_a_new_ceremony_erases_the_files_of_the_key_it_replaces(session, build) -> None:
    world = build(voters=2, phase="draft")
    first = set_ballot_key(session, SYSTEM, world.edition, "server").key
    session.commit()
    folder = keys.Path(KEY_FOLDER)
    old = [keys.key_path(folder, world.edition.id, first.public_key, "ballot"),
           keys.key_path(folder, world.edition.id, first.signing_key, "signing")]
    assert all(path.exists() for path in old)
    set_ballot_key(session, SYSTEM, world.edition, "trustees", threshold=2, shares=3)
    session.rollback()  # a ceremony that fails changes nothing, files included
    assert all(path.exists() for path in old)
    second = set_ballot_key(session, SYSTEM, world.edition, "trustees", threshold=2, shares=3).key
    session.commit()
    assert not any(path.exists() for path in old)
    assert keys.key_path(folder, world.edition.id, second.signing_key, "signing").exists()
    assert not keys.key_path(folder, world.edition.id, second.public_key, "ballot").exists()
