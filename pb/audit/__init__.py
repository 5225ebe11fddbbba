"""Audit: an append-only log of staff actions, and of every accepted or refused vote (never the
choices)."""

from pb.audit.services import changes, record, snapshot

__all__ = ["changes", "record", "snapshot"]
