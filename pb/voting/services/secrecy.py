"""The edition's keys and the opening of the sealed ballots (docs/voting.md, "Secrecy during
the vote").

- `set_ballot_key` is the key ceremony, before the vote opens: mode `server` (the private key in
  a file of the key folder) or `trustees` (the private key split K-of-N, one share per member
  of the vote's commission, returned to be handed out and never stored by pb). Either way an
  Ed25519 key to sign the board's heads is made, kept in the key folder.
- Opening the vote without a ceremony makes a `server` key.
- `decrypt_ballots` at the close: the private key (the file, or K shares), a check that there
  is one sealed ballot per online voter, every box opened and validated again, the ballots
  written to `ballot` in random order and the boxes deleted, in one transaction. A wrong,
  missing or insufficient key refuses with DecryptionRefused and changes nothing. In mode
  `server` the close does it by itself, and the key file is erased after the commit."""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.jobs import enqueue_after_commit, job
from pb.voting import errors, keys, rules
from pb.voting.models import Ballot, BallotKey, Channel, KeyMode, Participation, EncryptedBallot
from pb.voting.services.common import settings

log = logging.getLogger("pb.voting")


def key_folder() -> Path:
    return settings().path(settings().ballot_key_folder)


def ballot_key(session: Session, edition: Edition) -> BallotKey | None:
    return session.get(BallotKey, edition.id)


@dataclass
class Ceremony:
    key: BallotKey
    shares: list[str]  # the share files' texts (mode trustees), to hand out: pb keeps none


def set_ballot_key(session: Session, actor: object, edition: Edition, mode: KeyMode | str, *, threshold: int = 1,
                   shares: int = 1) -> Ceremony:
    """Make the edition's keys (replacing those of an earlier ceremony, while the vote has not
    opened). Mode trustees: `shares` shares, any `threshold` of which open the ballots."""
    require(actor, "voting.manage", edition)
    mode = KeyMode(mode)
    if edition.vote_opened_at is not None or edition.phase.rank >= Phase.VOTE.rank:
        raise errors.BallotKeyRefused(reason=_("the vote has opened; the key cannot change any more."))
    if mode == KeyMode.TRUSTEES and not (2 <= threshold <= shares <= 16):
        raise errors.BallotKeyRefused(reason=_("the commission needs 2 to 16 shares, and 2 shares or more to open "
                                               "the ballots (at most as many as there are shares)."))
    if mode == KeyMode.SERVER:
        threshold = shares = 1
    box_key, signing_key = keys.new_box_key(), keys.new_signing_key()
    public, verify = keys.public_hex(box_key), keys.verify_hex(signing_key)
    folder = key_folder()
    keys.write_key_file(keys.key_path(folder, edition.id, verify, "signing"), bytes(signing_key))
    texts: list[str] = []
    if mode == KeyMode.SERVER:
        keys.write_key_file(keys.key_path(folder, edition.id, public, "ballot"), bytes(box_key))
    else:
        texts = [keys.share_text(m, edition=f"{edition.name} ({edition.slug})", public_key=public, index=i,
                                 threshold=threshold, shares=shares)
                 for i, m in enumerate(keys.split(bytes(box_key), threshold, shares), start=1)]
    del box_key
    key = session.get(BallotKey, edition.id)
    if key is None:
        key = BallotKey(edition_id=edition.id)
        session.add(key)
    else:  # the files of the key this ceremony replaces are of no use any more: erased after the commit
        enqueue_after_commit(session, erase_unused_key_files, edition.id)
    key.mode, key.public_key, key.signing_key = mode, public, verify
    key.threshold, key.shares, key.created_at, key.decrypted_at = threshold, shares, utcnow(), None
    session.flush()
    audit.record(session, actor, "voting.key", edition, after={"mode": mode.value, "public_key": public,
                                                               "threshold": threshold, "shares": shares})
    return Ceremony(key, texts)


def ensure_ballot_key(session: Session, edition: Edition) -> BallotKey:
    """At the opening: the edition's keys, made now in mode server if there was no ceremony."""
    from pb.authz import SYSTEM

    return ballot_key(session, edition) or set_ballot_key(session, SYSTEM, edition, KeyMode.SERVER).key


def signing_key(key: BallotKey) -> object:
    """The edition's Ed25519 signing key (a file of the key folder)."""
    import nacl.signing

    path = keys.key_path(key_folder(), key.edition_id, key.signing_key, "signing")
    secret = keys.read_key_file(path)
    signer = nacl.signing.SigningKey(secret)
    if keys.verify_hex(signer) != key.signing_key:
        raise keys.KeyProblem(_("%(path)s is not this edition's signing key.", path=path))
    return signer


def sealed_count(session: Session, edition_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(EncryptedBallot).where(
        EncryptedBallot.edition_id == edition_id)) or 0


def online_voters(session: Session, edition_id: int) -> int:
    return session.scalar(sa.select(sa.func.count(sa.distinct(Participation.voter_key))).where(
        Participation.edition_id == edition_id, Participation.channel == Channel.ONLINE)) or 0


@dataclass
class Decrypted:
    ballots: int  # counted ballots written (one per scope filled)
    votes: int  # sealed votes opened
    invalid: int  # votes that opened but failed validation (not counted)


def decrypt_ballots(session: Session, actor: object, edition: Edition, shares: list[str] | None = None) -> Decrypted:
    """Open the sealed ballots of a closed vote (see the module docstring). `shares`: the
    trustees' share files' texts (mode trustees); mode server reads its key file."""
    require(actor, "voting.manage", edition)
    if edition.phase.rank < Phase.RESULTS.rank:
        raise errors.DecryptionRefused(reason=_("the vote is not closed."))
    return _open_ballots(session, actor, edition, shares)


def close_decrypt(session: Session, edition: Edition) -> None:
    """At the close (the phase is about to leave the vote), mode server: open the ballots now.
    A refusal (a lost key file, a tampered box) does not stop the close: it is logged and
    audited, the ballots stay sealed and the count is refused until `pb ballots decrypt`
    succeeds. Every refusal comes before any write."""
    from pb.authz import SYSTEM

    key = ballot_key(session, edition)
    if key is None or key.mode != KeyMode.SERVER:
        return
    try:
        _open_ballots(session, SYSTEM, edition, None)
    except errors.DecryptionRefused as refusal:
        log.error("ballots of edition %s not decrypted at the close: %s", edition.id, refusal.text())
        audit.record(session, SYSTEM, "voting.decrypt_refused", edition, after={"reason": refusal.text()})


def _open_ballots(session: Session, actor: object, edition: Edition, shares: list[str] | None) -> Decrypted:
    key = ballot_key(session, edition)
    pending = sealed_count(session, edition.id)
    if key is None:
        if pending:
            raise errors.DecryptionRefused(reason=_("this edition has no ballot key."))
        return Decrypted(0, 0, 0)
    if key.decrypted_at is not None and not pending:
        raise errors.DecryptionRefused(reason=_("the ballots are already decrypted."))
    private = _private_key(key, shares)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"LOCK TABLE {EncryptedBallot.__tablename__} IN EXCLUSIVE MODE"))
        pending = sealed_count(session, edition.id)
    online = online_voters(session, edition.id)
    if pending != online:
        raise errors.DecryptionRefused(reason=_(
            "the box does not hold one sealed ballot per online voter (sealed ballots: %(sealed)s, online voters: %(voters)s): it was tampered with.",
            sealed=pending, voters=online))
    box = _box_rules(session, edition)
    counted: list[dict[str, object]] = []
    invalid = 0
    boxes = sa.select(EncryptedBallot.box).where(EncryptedBallot.edition_id == edition.id)
    for box_bytes in session.scalars(boxes.execution_options(yield_per=2000)):
        try:
            opened = keys.unseal(private, box_bytes)
        except keys.KeyProblem as problem:
            raise errors.DecryptionRefused(reason=str(problem)) from None
        checked = revalidate(box, opened)
        if checked is None:
            invalid += 1
            continue
        counted.extend({"district_id": district, "choices": choices} for district, choices in checked)
    secrets.SystemRandom().shuffle(counted)
    if counted:
        session.execute(sa.insert(Ballot), [{"id": uuid.uuid4(), "edition_id": edition.id, "channel": Channel.ONLINE,
                                             **row} for row in counted])
    session.execute(sa.delete(EncryptedBallot).where(EncryptedBallot.edition_id == edition.id))
    key.decrypted_at = utcnow()
    session.flush()
    audit.record(session, actor, "voting.decrypted", edition,
                 after={"votes": pending, "ballots": len(counted), "invalid": invalid})
    if key.mode == KeyMode.SERVER:
        enqueue_after_commit(session, erase_unused_key_files, edition.id)
    return Decrypted(len(counted), pending, invalid)


def _private_key(key: BallotKey, shares: list[str] | None) -> keys.PrivateKey:
    try:
        if key.mode == KeyMode.TRUSTEES:
            if not shares:
                raise keys.KeyProblem(_("no share given: %(k)s of the %(n)s shares are needed.", k=key.threshold,
                                        n=key.shares))
            return keys.combine(shares, key.public_key)
        path = keys.key_path(key_folder(), key.edition_id, key.public_key, "ballot")
        return keys.private_from_bytes(keys.read_key_file(path), key.public_key)
    except keys.KeyProblem as problem:
        raise errors.DecryptionRefused(reason=str(problem)) from None


def _box_rules(session: Session, edition: Edition) -> object:
    from pb.voting.services.snapshot import load

    return load(session, edition)


def revalidate(box: object, opened: list[tuple[int, dict[int, int]]]) -> list[tuple[int, dict[str, int]]] | None:
    """The ballots of one opened vote checked again against the frozen rules, as cast; None if
    they do not pass (a box that anyone could have sealed to the public key)."""
    districts, costs = box.districts, box.costs  # type: ignore[attr-defined]
    if not opened or len({d for d, _c in opened}) != len(opened) or any(d not in districts for d, _c in opened):
        return None
    chosen: dict[int, int] = {}
    for _district, choices in opened:
        chosen.update(choices)
    local = [d for d, _c in opened if not districts[d].is_citywide]
    residence = local[0] if local else next((d.id for d in districts.values() if not d.is_citywide), None)
    try:
        ballots = rules.validate(box.rules, chosen, costs, districts, residence)  # type: ignore[attr-defined]
    except errors.VoteRefused:
        return None
    result = sorted((b.district.id, b.choices) for b in ballots)
    if result != sorted((d, {str(p): v for p, v in sorted(c.items())}) for d, c in opened):
        return None
    return result


@job
def erase_unused_key_files(edition_id: int) -> None:
    """After a commit: erase the edition's key files that no longer serve — those of a key a
    new ceremony replaced, and the ballot key once the ballots are decrypted (it has done its
    work; erased, it can no longer open a backup taken during the vote)."""
    from pb.db import db

    with db.session_scope() as session:
        key = session.get(BallotKey, edition_id)
        if key is None:
            return
        keep = {keys.key_path(key_folder(), edition_id, key.signing_key, "signing")}
        if key.decrypted_at is None or sealed_count(session, edition_id):
            keep.add(keys.key_path(key_folder(), edition_id, key.public_key, "ballot"))
        for path in key_folder().glob(f"edition-{edition_id}-*.key"):
            if path not in keep:
                path.unlink(missing_ok=True)
