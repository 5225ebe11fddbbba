"""The voting tables. What joins to what is the point of this module: read docs/voting.md.

- `voter` knows a person only by an HMAC of their normalised identity (`voter_key`).
- `voting_token` belongs to a voter; it is consumed by one conditional UPDATE.
- `participation` is the sign-in list (online and paper): UNIQUE (edition, scope, voter_key). It
  holds what the émargement needs and nothing of the ballot: an online vote signs the voter in
  every scope of the edition, in the district of the register (not a district they chose).
- `encrypted_ballot` is an online vote while the vote is open: a random key and a sealed box (the
  choices encrypted to the edition's public key, padded to a fixed size). The close decrypts it.
- `ballot` has a random key, the scope, the channel and the choices: no voter, no token, no
  time, no tracker, no sequence. Nothing in the schema joins it to anything about a person.
  Online ballots reach it only at the close (decrypted, in random order); paper ballots after.
- `ballot_key` is the edition's key setting: where the private key lives, the public keys.
- `board_entry` lists trackers, chained by hashes once sealed; it does not point at ballots.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import Base, enum_type, utcnow


class VoterSource(enum.StrEnum):
    IMPORT = "import"  # a register file (CSV)
    STAFF = "staff"  # added at a town-hall desk


class Channel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {Channel.ONLINE: _l("Online"), Channel.PAPER: _l("Paper")}


class Scope(enum.StrEnum):
    """Which ballot of the edition: the district one (residence or chosen district) or the
    city-wide one. One person signs in once per scope, whatever the district and the channel."""

    DISTRICT = "district"
    CITYWIDE = "citywide"


class Voter(Base):
    """One person on an edition's register. No name, no address: the identity lives only in
    `voter_key`; `birth_date` (eligibility) and the contact fields are purged after the vote
    (`pb voters purge`)."""

    __tablename__ = "voter"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(sa.String(64))
    # HMAC of the register's own identifier (when it has one): a second row with the same
    # identifier is the same person, whatever its names say.
    external_key: Mapped[str | None] = mapped_column(sa.String(64))
    # Keyed hashes of (birth date, first 3 letters) and (birth date, last 3 letters) of the folded
    # last name: two entries sharing one are listed for staff review (near duplicates).
    near_prefix: Mapped[str | None] = mapped_column(sa.String(16))
    near_suffix: Mapped[str | None] = mapped_column(sa.String(16))
    ref: Mapped[str] = mapped_column(sa.String(16), unique=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"), index=True)
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    source: Mapped[VoterSource] = mapped_column(enum_type(VoterSource, "voter_source"), default=VoterSource.IMPORT)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "voter_key"),
        sa.UniqueConstraint("edition_id", "external_key"),
        sa.Index("ix_voter_near_prefix", "edition_id", "near_prefix"),
        sa.Index("ix_voter_near_suffix", "edition_id", "near_suffix"),
    )

    def __repr__(self) -> str:
        return f"<Voter {self.ref}>"


class CodeRequestKind(enum.StrEnum):
    LETTER = "letter"  # the register has no e-mail address for this voter: a letter or the desk
    NEW_ADDRESS = "new_address"  # declared e-mail: an address other than the one first bound


class CodeRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class CodeRequest(Base):
    """A resident's request for a voting code that staff must handle by hand: a letter to the
    register's postal address, or (declared e-mail) a second address for an identity already
    bound to another one. The request holds the voter, never the name typed."""

    __tablename__ = "code_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("voter.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CodeRequestKind] = mapped_column(enum_type(CodeRequestKind, "code_request_kind"))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    status: Mapped[CodeRequestStatus] = mapped_column(enum_type(CodeRequestStatus, "code_request_status"),
                                                      default=CodeRequestStatus.PENDING)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class VotingToken(Base):
    """A one-time voting credential. `id` is the random payload of the signed token; the short
    code for paper letters is stored only as an HMAC (`code_hash`). `active_voter_id` equals
    `voter_id` while the token is not revoked and NULL afterwards: its UNIQUE constraint allows
    one active token per voter, portably (NULLs never collide)."""

    __tablename__ = "voting_token"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("voter.id", ondelete="CASCADE"), index=True)
    active_voter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voter.id", ondelete="CASCADE"), unique=True)
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    emailed_at: Mapped[dt.datetime | None] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.CheckConstraint("active_voter_id IS NULL OR active_voter_id = voter_id", name="active_is_voter"),
        sa.CheckConstraint("revoked_at IS NULL OR active_voter_id IS NULL", name="revoked_inactive"),
    )


class Participation(Base):
    """The sign-in list: who has voted in which scope, online or at a paper ballot box. The
    database refuses a second row for the same (edition, scope, voter_key): one person, one
    ballot per scope, across channels. Paper sign-in (ballotbox) writes here too."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    scope: Mapped[Scope] = mapped_column(enum_type(Scope, "participation_scope"))
    # The register's district (turnout during the vote); NULL under the choice-of-district rule
    # for a register without districts: never the district a voter chose (that is in the ballot).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"), index=True)
    voter_key: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    station_id: Mapped[int | None] = mapped_column(  # the paper polling station (pb.ballotbox)
        sa.ForeignKey("polling_station.id", ondelete="RESTRICT"), index=True)
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("edition_id", "scope", "voter_key"),)


def _ballot_id() -> uuid.UUID:
    return uuid.uuid4()


class Ballot(Base):
    """One ballot of one scope. Deliberately poor: a random key (no order), the scope's
    district, the channel and the choices {project id: value}. On SQLite the table has no rowid
    (rows are stored in random-key order); on PostgreSQL the rows are rewritten in random order
    at close (`shuffle_ballots`) so neither physical order nor xmin tells when a ballot came."""

    __tablename__ = "ballot"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=_ballot_id)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    choices: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = {"sqlite_with_rowid": False}


class EncryptedBallot(Base):
    """One online vote while the vote is open: every scope's choices in one libsodium sealed box
    to the edition's public key (pb/voting/keys.py). Only a random key beside it; the close
    decrypts the boxes, writes `ballot` rows in random order and deletes these."""

    __tablename__ = "encrypted_ballot"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=_ballot_id)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    box: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = {"sqlite_with_rowid": False}


class KeyMode(enum.StrEnum):
    SERVER = "server"  # the private key in a file on the server, outside the database
    TRUSTEES = "trustees"  # split K-of-N among the vote's commission; nothing on the server


class BallotKey(Base):
    """An edition's keys: the X25519 public key the ballots are sealed to (the private key is in
    a file outside the database, or split among the trustees), and the Ed25519 public key that
    checks the signed heads of the board (its private key is a file beside the other)."""

    __tablename__ = "ballot_key"

    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[KeyMode] = mapped_column(enum_type(KeyMode, "key_mode"), default=KeyMode.SERVER)
    public_key: Mapped[str] = mapped_column(sa.String(64))  # hex
    threshold: Mapped[int] = mapped_column(default=1)  # shares needed (trustees)
    shares: Mapped[int] = mapped_column(default=1)  # shares made (trustees)
    signing_key: Mapped[str] = mapped_column(sa.String(64))  # Ed25519 verify key, hex
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decrypted_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (sa.CheckConstraint("threshold >= 1 AND threshold <= shares", name="threshold_in_shares"),)


class BoardEntry(Base):
    """A tracker on the public board. Written unsealed by the vote (no lock, no ordering);
    `seal_board` later gives pending entries their positions in random order and chains them:
    entry_hash = sha256(previous_hash | edition id | position | tracker)."""

    __tablename__ = "board_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(sa.String(16), unique=True)
    position: Mapped[int | None] = mapped_column()
    previous_hash: Mapped[str | None] = mapped_column(sa.String(64))
    entry_hash: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "position"),
        sa.Index("ix_board_entry_pending", "edition_id", "position"),
    )


class BoardHead(Base):
    """A signed head of the board: (position, hash) signed with the edition's Ed25519 key, at
    regular intervals during the vote (`pb board sign`) and at the close. Published on the board
    page and API, in the results and in the Pabulib file: a head kept by anyone lets
    `pb board verify --head` prove that the board has not lost or changed an entry since."""

    __tablename__ = "board_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    entry_hash: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.String(128))  # hex, Ed25519 over head_message()
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    at_close: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("edition_id", "position"),)
