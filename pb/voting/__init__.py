"""Voting: the voter register, signed one-time voting tokens, the online ballot box, the
participation (sign-in) list shared with paper voting, trackers and the public board.

docs/voting.md describes the invariants and how each one is enforced."""
