"""Paper ballot boxes: polling stations, their officers and keys, the sign-in at a desk, the
procès-verbal with double entry, paper ballots in the count, and the reconciliation
(docs/ballotbox.md; DESIGN.md §3)."""
