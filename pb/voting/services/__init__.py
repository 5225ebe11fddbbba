"""The voting services (one module per part, re-exported here):

- register: import the register (streamed CSV), find a voter by identity, purge after the vote
- tokens: sign, verify, issue, revoke and re-issue, e-mail voting tokens; short codes
- casting: `cast_ballot`, the one vote transaction (web page and API alike)
- board: the public board of trackers, sealed into a hash chain, and its verification
- results: `sealed_ballots` (for the count, after close only), turnout, the shuffle at close
- secrecy: the edition's keys (ceremony), the decryption of the sealed ballots
- access: opening a ballot with a token or a code; requests: residents asking for a code, and
  the staff queue; pages: what the resident's voting pages show and send
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pb.editions.models import Edition, Phase
from pb.editions.services import phase_hook
from pb.voting.services.board import board_entries, board_size, find_tracker, seal_board, seal_pending, verify_board
from pb.voting.services.casting import Receipt, ballot_preview, cast_ballot, districts_of, parse_payload, record_ballot
from pb.voting.services.register import (
    ImportReport, find_voter, import_register, import_text, purge_personal_data, register_counts,
)
from pb.voting.services.results import (
    SealedBallot, Turnout, close_ballot_box, count_participations, count_voters, results_open, sealed_ballots,
    shuffle_ballots, turnout,
)
from pb.voting.services.tokens import (
    IssuedToken, email_tokens, issue_one, issue_tokens, read_token, resolve_credential, revoke_token, sign,
)

__all__ = [
    "ImportReport", "IssuedToken", "Receipt", "SealedBallot", "Turnout", "ballot_preview", "board_entries", "board_size",
    "cast_ballot", "close_ballot_box", "count_participations", "count_voters", "districts_of", "email_tokens",
    "find_tracker", "find_voter", "import_register", "import_text", "issue_one", "issue_tokens", "parse_payload",
    "purge_personal_data", "read_token", "record_ballot", "register_counts", "resolve_credential", "results_open",
    "revoke_token", "seal_board", "seal_pending", "sealed_ballots", "shuffle_ballots", "sign", "turnout", "verify_board",
]


@phase_hook
def _on_phase_change(session: Session, edition: Edition, old: Phase, new: Phase) -> None:
    """Opening the vote: the edition's keys (a server key if there was no ceremony). Leaving it:
    wait for the votes in flight, seal the board, decrypt (key mode server)."""
    from pb.voting.services.secrecy import ensure_ballot_key

    if old.rank < Phase.VOTE.rank <= new.rank:
        ensure_ballot_key(session, edition)
    if old.rank <= Phase.VOTE.rank < new.rank:
        close_ballot_box(session, edition)
