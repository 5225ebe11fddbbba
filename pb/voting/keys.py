"""The ballot box's cryptography, as plain functions (no database): docs/voting.md, "Secrecy
during the vote" and "The public board".

- A ballot is sealed at casting to the edition's X25519 public key with a libsodium sealed box
  (PyNaCl): an ephemeral key pair per ballot, so nobody, pb included, can open it without the
  edition's private key. The plaintext is padded to a multiple of PAD bytes, so the size of a
  box does not tell how many projects or scopes a voter chose.
- The private key lives in a file outside the database (mode `server`) or is split K-of-N among
  the vote's commission with Shamir's scheme as SLIP-39 defines it (`shamir-mnemonic`, the
  reference implementation): each share is a list of words with a checksum, and the shares
  carry a digest of the secret, so a mistyped, foreign or insufficient set of shares is refused
  instead of giving a wrong key.
- The board's heads are signed with the edition's Ed25519 key (a file beside the other);
  `head_message` is what is signed, so that anyone can check a signature with openssl."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Iterable

import nacl.exceptions
import nacl.signing
import shamir_mnemonic
from flask_babel import gettext as _
from nacl.public import PrivateKey, PublicKey, SealedBox

PAD = 1024  # bytes: an ordinary ballot (dozens of projects) fits in one block


class KeyProblem(Exception):
    """A key or share that cannot be used (the message says why; services turn it into a named
    PbError)."""


# -- ballots ---------------------------------------------------------------------------------------

def new_box_key() -> PrivateKey:
    return PrivateKey.generate()


def public_hex(key: PrivateKey) -> str:
    return bytes(key.public_key).hex()


@functools.lru_cache(maxsize=64)
def _sealer(public_key: str) -> SealedBox:
    return SealedBox(PublicKey(bytes.fromhex(public_key)))


def seal(public_key: str, ballots: Iterable[tuple[int, dict[str, int]]]) -> bytes:
    """One vote (its scopes' ballots as (district id, {project id: value})) sealed to `public_key`
    (hex), padded with spaces to a multiple of PAD bytes."""
    plain = json.dumps({"b": [[district, choices] for district, choices in ballots]}, separators=(",", ":")).encode()
    plain += b" " * (-len(plain) % PAD)
    return _sealer(public_key).encrypt(plain)


def unseal(key: PrivateKey, box: bytes) -> list[tuple[int, dict[int, int]]]:
    """The ballots of one sealed vote; KeyProblem if it does not open or does not read."""
    try:
        data = json.loads(SealedBox(key).decrypt(bytes(box)))
        return [(int(district), {int(p): int(v) for p, v in choices.items()}) for district, choices in data["b"]]
    except nacl.exceptions.CryptoError:
        raise KeyProblem(_("a sealed ballot does not open with this key.")) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyProblem(_("a sealed ballot opened but does not read as a ballot.")) from None


def private_from_bytes(secret: bytes, public_key: str) -> PrivateKey:
    """The private key whose public key is `public_key`, or KeyProblem."""
    if len(secret) != 32:
        raise KeyProblem(_("a ballot key has 32 bytes."))
    key = PrivateKey(secret)
    if public_hex(key) != public_key:
        raise KeyProblem(_("this key is not the edition's ballot key."))
    return key


# -- the server's key files ------------------------------------------------------------------------

def key_path(folder: Path, edition_id: int, public_key: str, kind: str) -> Path:
    """The file of one edition's key (`ballot` or `signing`), named after its public key, so a
    file of another database (ids are reused) is never taken for this one."""
    return folder / f"edition-{edition_id}-{public_key[:16]}.{kind}.key"


def write_key_file(path: Path, secret: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as f:
        f.write(secret.hex() + "\n")


def read_key_file(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise KeyProblem(_("the key file %(path)s is missing.", path=path)) from None
    except (OSError, ValueError) as error:
        raise KeyProblem(_("the key file %(path)s cannot be read (%(error)s).", path=path, error=error)) from None


# -- trustees' shares (SLIP-39) --------------------------------------------------------------------

def split(secret: bytes, threshold: int, shares: int) -> list[str]:
    """`shares` mnemonics, any `threshold` of which give back `secret`."""
    if not 1 <= threshold <= shares <= 16:
        raise KeyProblem(_("the threshold must be between 1 and the number of shares (16 at most)."))
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], secret)
    return groups[0]


def share_text(mnemonic: str, *, edition: str, public_key: str, index: int, threshold: int, shares: int) -> str:
    return (
        f"# pb: share {index} of {shares} of the ballot key of {edition}\n"
        f"# Any {threshold} of the {shares} shares open the ballot box at the close of the vote.\n"
        f"# Keep this file offline (a USB stick in a sealed envelope); never send it by e-mail.\n"
        f"# Ballot public key: {public_key}\n"
        f"{mnemonic}\n"
    )


def read_share(text: str) -> str:
    """The mnemonic of a share file (lines starting with # are comments)."""
    words = " ".join(line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return " ".join(words.split())


def combine(texts: Iterable[str], public_key: str) -> PrivateKey:
    """The edition's private key from share files' texts, or KeyProblem saying what is wrong."""
    mnemonics = [m for m in (read_share(t) for t in texts) if m]
    if not mnemonics:
        raise KeyProblem(_("no share given."))
    if len(set(mnemonics)) != len(mnemonics):
        raise KeyProblem(_("the same share is given twice."))
    try:
        secret = shamir_mnemonic.combine_mnemonics(mnemonics)
    except shamir_mnemonic.MnemonicError as error:
        raise KeyProblem(_("the shares do not give a key (%(error)s).", error=error)) from None
    except (ValueError, KeyError, IndexError) as error:
        raise KeyProblem(_("a share is not readable (%(error)s).", error=error)) from None
    return private_from_bytes(secret, public_key)


# -- signed heads of the board ---------------------------------------------------------------------

def new_signing_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey.generate()


def verify_hex(key: nacl.signing.SigningKey) -> str:
    return bytes(key.verify_key).hex()


def head_message(edition_id: int, position: int, entry_hash: str) -> bytes:
    """What a signed head signs: `pb-board-head|<edition id>|<position>|<hash>` (UTF-8)."""
    return f"pb-board-head|{edition_id}|{position}|{entry_hash}".encode()


def sign_head(key: nacl.signing.SigningKey, message: bytes) -> str:
    return key.sign(message).signature.hex()


def signature_ok(verify_key: str, message: bytes, signature: str) -> bool:
    try:
        nacl.signing.VerifyKey(bytes.fromhex(verify_key)).verify(message, bytes.fromhex(signature))
        return True
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False


def verify_key_pem(verify_key: str) -> str:
    """The Ed25519 public key as a PEM file (what `openssl pkeyutl -verify -pubin` reads)."""
    import base64

    der = bytes.fromhex("302a300506032b6570032100") + bytes.fromhex(verify_key)
    body = base64.b64encode(der).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"
