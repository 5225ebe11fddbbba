"""Copying an edition from last year: a new edition (in preparation) with the same rules,
districts and envelopes; other domains copy what they own through `COPY_HOOKS` (councils and
their members, the review checklist; polling stations where the ballot-box domain is present).

Nothing of the old edition's life is copied: no idea, project, vote, calendar nor register. The
public draw's seed is new (a seed is published once per edition)."""

from __future__ import annotations

import secrets
from typing import Any, Callable

from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.editions.models import Edition
from pb.editions.services import RULE_FIELDS, create_edition, save_district, validate_rules

# fn(session, actor, source, copy, districts: old district id -> new district id) -> what it copied,
# by kind: {"councils": 3}.
CopyHook = Callable[[Session, Any, Edition, Edition, dict[int, int]], dict[str, int]]
COPY_HOOKS: list[CopyHook] = []


def copy_hook(fn: CopyHook) -> CopyHook:
    COPY_HOOKS.append(fn)
    return fn


def copy_edition(session: Session, actor: Any, source: Edition, *, name: str, slug: str, year: int,
                 description: str = "") -> tuple[Edition, dict[str, int]]:
    """The new edition and how many of each kind of thing were copied."""
    require(actor, "edition.manage", source)
    # One savepoint: a refusal half-way (a slug taken, a council's rule) leaves no half edition.
    with session.begin_nested():
        edition = create_edition(session, actor, name=name, slug=slug, year=year,
                                 description=description or source.description)
        values = {field: getattr(source, field) for field in RULE_FIELDS}
        values["tie_break_seed"] = secrets.token_hex(8)
        validate_rules({k: (v.value if hasattr(v, "value") else v) for k, v in values.items()})
        for field, value in values.items():
            setattr(edition, field, value)
        districts = {}
        for d in source.districts:
            new = save_district(session, actor, edition, name=d.name, code=d.code, envelope_cents=d.envelope_cents,
                                population=d.population, is_citywide=d.is_citywide, position=d.position)
            districts[d.id] = new.id
        copied = {"districts": len(districts)}
        for hook in COPY_HOOKS:
            copied.update(hook(session, actor, source, edition, districts))
        session.flush()
    audit.record(session, actor, "edition.copy", edition, after={"from": source.slug, "copied": copied})
    return edition, copied
