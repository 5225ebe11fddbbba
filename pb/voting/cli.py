"""Voting commands: `pb voters ...`, `pb tokens ...`, `pb board ...`, `pb ballots ...`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from pb.authz import SYSTEM
from pb.cli import fail
from pb.db import db
from pb.errors import PbError

voters_cli = AppGroup("voters", help="The voter register of an edition.")
tokens_cli = AppGroup("tokens", help="Voting tokens and codes.")
board_cli = AppGroup("board", help="The public board of trackers.")
ballots_cli = AppGroup("ballots", help="The ballot box.")


def _edition(session, ref: str):  # type: ignore[no-untyped-def]
    from pb.editions.services import get_edition

    return get_edition(session, ref)


@voters_cli.command("import")
@click.argument("edition")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one line per row (French spreadsheet): ligne, statut, ref_votant, motif.")
def voters_import(edition: str, file: Path, report_path: Path | None) -> None:
    """Import a register FILE.csv into EDITION (id or slug). Streams the file: any size."""
    from pb.voting.services.register import count_lines, import_register, open_register, reason_text

    total = count_lines(file)
    show = total >= 20_000 and sys.stderr.isatty()

    def progress(done: int) -> None:
        if show:
            click.echo(f"\r{done:>10,} / {total:,} lines", nl=False, err=True)

    try:
        with db.session_scope() as session, open_register(file) as stream:
            report = report_path.open("w", newline="", encoding="utf-8") if report_path else None
            try:
                result = import_register(session, SYSTEM, _edition(session, edition), stream, report=report,
                                         progress=progress)
            finally:
                if report:
                    report.close()
    except PbError as error:
        fail(error)
    if show:
        click.echo("", err=True)
    click.echo(f"accepted: {result.accepted}")
    click.echo(f"rejected: {result.rejected}")
    for code, n in result.reasons.most_common():
        click.echo(f"  {n:>8}  {code}: {reason_text(code)}")
    if result.emails_ignored:
        click.echo(f"e-mail addresses ignored (not an address): {result.emails_ignored}")
    if result.near_duplicates:
        click.echo(f"possible duplicates to check (same birth date, close last names): {len(result.near_duplicates)}")
        for refs in result.near_duplicates:
            click.echo("  " + ", ".join(refs))


@voters_cli.command("purge")
@click.argument("edition")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def voters_purge(edition: str, yes: bool) -> None:
    """Erase dates of birth and contact details of EDITION's register (after the appeal period)."""
    from pb.voting.services.register import purge_personal_data

    if not yes:
        click.confirm("Erase dates of birth, e-mail addresses and phone numbers of this register?", abort=True)
    try:
        with db.session_scope() as session:
            n = purge_personal_data(session, SYSTEM, _edition(session, edition))
    except PbError as error:
        fail(error)
    click.echo(f"{n} voter(s) purged")


@voters_cli.command("purge-due")
def voters_purge_due() -> None:
    """Purge every register whose recourse period has ended (run daily by cron or a timer)."""
    from pb.voting.services.register import purge_due

    with db.session_scope() as session:
        done = purge_due(session, SYSTEM)
    for slug, n in done.items():
        click.echo(f"{slug}: {n} voter(s) purged")
    click.echo(f"{len(done)} register(s) purged")


@tokens_cli.command("issue")
@click.argument("edition")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV written (French spreadsheet): ref_votant, quartier, jeton, lien, code.")
@click.option("--codes/--no-codes", default=True, help="Also a short code per voter, for paper letters.")
def tokens_issue(edition: str, out: Path, codes: bool) -> None:
    """Issue a token to every eligible voter of EDITION who has none; write them to --out."""
    from pb.voting.jobs import TOKEN_COLUMNS
    from pb.web.csv import FrenchWriter
    from pb.voting.services.tokens import issue_tokens

    count = 0
    try:
        with db.session_scope() as session, out.open("w", newline="", encoding="utf-8") as f:
            out.chmod(0o600)
            writer = FrenchWriter(f, TOKEN_COLUMNS)
            for issued in issue_tokens(session, SYSTEM, _edition(session, edition), with_codes=codes):
                writer.writerow([issued.voter_ref, issued.district, issued.token, issued.url, issued.code or ""])
                count += 1
    except PbError as error:
        out.unlink(missing_ok=True)
        fail(error)
    click.echo(f"{count} token(s) issued into {out}")


@tokens_cli.command("revoke")
@click.argument("edition")
@click.argument("voter_ref")
@click.option("--reissue/--no-reissue", default=True)
@click.option("--reason", default="", help="Kept in the audit log.")
def tokens_revoke(edition: str, voter_ref: str, reissue: bool, reason: str) -> None:
    """Revoke the token of VOTER_REF (it stops working at once) and issue a new one."""
    from pb.voting.services import find_voter, revoke_token

    try:
        with db.session_scope() as session:
            e = _edition(session, edition)
            voter = find_voter(session, e, ref=voter_ref)
            if voter is None:
                fail(f"no voter {voter_ref} in {e.slug}")
            issued = revoke_token(session, SYSTEM, voter, reissue=reissue, reason=reason or "command line")
    except PbError as error:
        fail(error)
    if issued:
        click.echo(f"voter_ref: {issued.voter_ref}\ntoken: {issued.token}\nurl: {issued.url}\ncode: {issued.code}")
    else:
        click.echo("revoked")


@tokens_cli.command("email")
@click.argument("edition")
def tokens_email(edition: str) -> None:
    """E-mail a voting link to every eligible voter of EDITION with an address not yet sent one."""
    from pb.voting.services.tokens import email_tokens

    try:
        with db.session_scope() as session:
            sent = email_tokens(session, SYSTEM, _edition(session, edition))
    except PbError as error:
        fail(error)
    click.echo(f"{sent} e-mail(s) queued")


def _head_option(value: tuple[str, ...]) -> list[tuple[int, str]]:
    heads = []
    for text in value:
        position, _sep, digest = text.partition(":")
        if not position.strip().isdigit() or len(digest.strip()) != 64:
            raise click.BadParameter(f"{text!r}: expected POSITION:HASH (a number, a colon, 64 hex digits)")
        heads.append((int(position), digest.strip()))
    return heads


@board_cli.command("verify")
@click.argument("edition")
@click.option("--head", "heads", multiple=True, metavar="POSITION:HASH",
              help="A head kept from the board (page, API, results); may be repeated.")
@click.option("--json", "as_json", is_flag=True)
def board_verify(edition: str, heads: tuple[str, ...], as_json: bool) -> None:
    """Check EDITION's board: the hash chain, every signed head, the heads given, and one entry
    per online voter. Exit 1 if an entry was changed, removed or inserted."""
    from pb.voting.services import verify_board

    kept = _head_option(heads)
    with db.session_scope() as session:
        e = _edition(session, edition)
        check = verify_board(session, e.id, kept)
    if as_json:
        click.echo(json.dumps(check.__dict__))
    elif check.ok:
        click.echo(f"board of {e.slug}: {check.entries} entries, chain verified; head {check.head_hash}"
                   + (f"; {check.pending} not sealed yet" if check.pending else "")
                   + f"; {check.online_voters} online voter(s); signed or given heads matched at positions "
                   + (", ".join(map(str, check.heads_checked)) or "none"))
    else:
        click.echo(f"board of {e.slug}: BROKEN at position {check.first_bad_position}: {check.problem}")
    sys.exit(0 if check.ok else 1)


@board_cli.command("sign")
@click.argument("edition", required=False)
def board_sign(edition: str | None) -> None:
    """Seal and sign the head of EDITION's board; without EDITION, of every edition whose vote
    is open (run it from a scheduler during the vote, e.g. every 15 minutes: docs/voting.md)."""
    import sqlalchemy as sa

    from pb.editions.models import Edition, Phase
    from pb.voting.keys import KeyProblem
    from pb.voting.services.board import sign_head

    with db.session_scope() as session:
        editions = [_edition(session, edition)] if edition else list(
            session.scalars(sa.select(Edition).where(Edition.phase == Phase.VOTE).order_by(Edition.id)))
        for e in editions:
            try:
                head = sign_head(session, e)
            except KeyProblem as problem:
                fail(f"{e.slug}: {problem}")
            click.echo(f"{e.slug}: " + (f"head {head.position}:{head.entry_hash} signed" if head else "empty board"))


@board_cli.command("seal")
@click.argument("edition")
def board_seal(edition: str) -> None:
    """Chain EDITION's pending board entries now."""
    from pb.voting.services import seal_board

    with db.session_scope() as session:
        n = seal_board(session, _edition(session, edition).id)
    click.echo(f"{n} entr(y/ies) sealed")


@ballots_cli.command("shuffle")
@click.argument("edition")
def ballots_shuffle(edition: str) -> None:
    """Rewrite EDITION's ballot rows in random order (PostgreSQL; e.g. after paper ballots were
    keyed: the online ones are written in random order when they are decrypted)."""
    from pb.voting.services import shuffle_ballots

    with db.session_scope() as session:
        n = shuffle_ballots(session, _edition(session, edition).id)
    _vacuum("ballot")
    click.echo(f"{n} ballot(s) rewritten")


@ballots_cli.command("keys")
@click.argument("edition")
@click.option("--mode", type=click.Choice(["server", "trustees"]), required=True,
              help="server: the private key in a file of the key folder; trustees: split among the commission.")
@click.option("--threshold", "-k", type=int, default=0, help="Trustees: shares needed to decrypt (K).")
@click.option("--shares", "-n", type=int, default=0, help="Trustees: shares made, one per member (N).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Trustees: folder (a removable medium) where the N share files are written.")
def ballots_keys(edition: str, mode: str, threshold: int, shares: int, out: Path | None) -> None:
    """The key ceremony of EDITION, before its vote opens (docs/voting.md): make the key the
    ballots are encrypted to; in mode trustees, write one share file per member of the commission."""
    from pb.voting.services.secrecy import set_ballot_key

    if mode == "trustees" and out is None:
        fail("--out is required in mode trustees: the folder where the share files are written")
    files: list[Path] = []
    if out is not None and mode == "trustees":
        out.mkdir(parents=True, exist_ok=True)
    try:
        with db.session_scope() as session:
            e = _edition(session, edition)
            ceremony = set_ballot_key(session, SYSTEM, e, mode, threshold=threshold, shares=shares)
            for i, text in enumerate(ceremony.shares, start=1):
                path = out / f"{e.slug}-share-{i}-of-{len(ceremony.shares)}.txt"  # type: ignore[operator]
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as f:
                    f.write(text)
                files.append(path)
            public = ceremony.key.public_key
    except FileExistsError as error:
        for path in files:
            path.unlink(missing_ok=True)
        fail(f"{error.filename} exists already: choose an empty folder")
    except PbError as error:
        fail(error)
    click.echo(f"ballot public key of {e.slug}: {public}")
    for path in files:
        click.echo(f"  share file: {path}")
    if files:
        click.echo(f"Give one file to each member of the commission; any {threshold} of them decrypt the ballots. "
                   "Then erase this folder: pb keeps no copy.")


@ballots_cli.command("decrypt")
@click.argument("edition")
@click.argument("shares", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ballots_decrypt(edition: str, shares: tuple[Path, ...]) -> None:
    """Decrypt EDITION's ballots after the close, with K SHARE files (mode trustees) or the key
    file (mode server, if the close could not). Nothing changes if a share is wrong or missing."""
    from pb.voting.services.secrecy import decrypt_ballots

    texts = [path.read_text(encoding="utf-8", errors="replace") for path in shares]
    try:
        with db.session_scope() as session:
            done = decrypt_ballots(session, SYSTEM, _edition(session, edition), texts or None)
    except PbError as error:
        fail(error)
    _vacuum("encrypted_ballot")
    click.echo(f"Votes decrypted: {done.votes}; ballots written in random order: {done.ballots}"
               + (f"; {done.invalid} vote(s) not valid, not counted" if done.invalid else ""))


def _vacuum(table: str) -> None:
    """PostgreSQL: rewrite the table's pages, so deleted rows do not linger in the files."""
    if db.engine.dialect.name == "postgresql":
        import sqlalchemy as sa

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f"VACUUM {table}"))


cli = [voters_cli, tokens_cli, board_cli, ballots_cli]
