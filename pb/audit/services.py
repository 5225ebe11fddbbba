"""Writing to the audit log. Services call `record` in the same transaction as the change, so
a change and its audit line are committed together or not at all."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    actor: Any,
    action: str,
    target: Any = None,
    *,
    edition_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **detail: Any,
) -> AuditEntry:
    actor_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None
    if target is not None and edition_id is None:
        edition_id = getattr(target, "edition_id", None)
        if edition_id is None and type(target).__name__ == "Edition":
            edition_id = target.id
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "id", "")) if target is not None else "",
        edition_id=edition_id,
        before=_plain(before) if before else None,
        after=_plain(after) if after else None,
        detail=_plain(detail) if detail else None,
    )
    session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, for a readable audit line."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def list_entries(session: Session, *, edition_id: int | None = None, action: str | None = None) -> sa.Select[Any]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if edition_id is not None:
        stmt = stmt.where(AuditEntry.edition_id == edition_id)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    return stmt
