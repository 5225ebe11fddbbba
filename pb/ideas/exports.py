"""The ideas and comments of an edition as CSV files for councils and services: one row per
idea (drafts excluded: they are private) and one per comment, with the public facts only
(names as shown on the pages, never e-mail addresses); the text of hidden content is left out.

The files open as they are in French Excel: `;`, UTF-8 with a BOM, CRLF, French headers and
values, dates in local time, amounts with a decimal comma, formula-like cells neutralised.
(Written by the shared writer `pb.web.csv.french_csv`; `_cell` gives dates in local time.)"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session, joinedload, selectinload

from pb.authz import require
from pb.editions.models import Edition
from pb.ideas.models import Comment, Idea, IdeaStatus, theme_label
from pb.web.csv import french_csv


def _french_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return french_csv(header, ([_cell(v) for v in row] for row in rows))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        zone = ZoneInfo(current_app.config["PB_SETTINGS"].timezone)
        return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    return str(value)


def _euros(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}".replace(".", ",")


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".replace(".", ",")


def ideas_csv(session: Session, actor: Any, edition: Edition) -> str:
    require(actor, "ideas.export", edition)
    ideas = session.scalars(
        sa.select(Idea).where(Idea.edition_id == edition.id, Idea.status != IdeaStatus.DRAFT)
        .options(joinedload(Idea.district), joinedload(Idea.project), selectinload(Idea.authors))
        .order_by(Idea.id)).unique().all()
    counts = dict(session.execute(sa.select(Comment.idea_id, sa.func.count()).where(
        Comment.edition_id == edition.id, Comment.idea_id.is_not(None), Comment.hidden_at.is_(None))
        .group_by(Comment.idea_id)).all())
    with force_locale(current_app.config["PB_SETTINGS"].default_locale):
        header = [_("No."), _("Title"), _("District"), _("Theme"), _("Status"), _("Received"), _("Submitted on"),
                  _("Authors"), _("Place"), _("Latitude"), _("Longitude"), _("Cost estimated by its authors (€)"),
                  _("Project no."), _("Public reason"), _("Comments"), _("Hidden by the moderators"), _("Description")]
        rows = [[i.id, i.title, i.district.name, theme_label(i.theme), i.status.label, i.channel.label, i.submitted_at,
                 ", ".join(a.name for a in i.authors), i.address, _coordinate(i.latitude), _coordinate(i.longitude),
                 _euros(i.estimated_cost_cents), i.project.reference if i.project else "", i.status_reason,
                 counts.get(i.id, 0), i.is_hidden, "" if i.is_hidden else i.description] for i in ideas]
    return _french_csv(header, rows)


def comments_csv(session: Session, actor: Any, edition: Edition) -> str:
    require(actor, "ideas.export", edition)
    comments = session.scalars(
        sa.select(Comment).where(Comment.edition_id == edition.id)
        .options(joinedload(Comment.author), joinedload(Comment.idea), joinedload(Comment.project))
        .order_by(Comment.created_at, Comment.id)).all()
    with force_locale(current_app.config["PB_SETTINGS"].default_locale):
        header = [_("Comment no."), _("Idea no."), _("Project no."), _("On"), _("In reply to comment no."),
                  _("Author"), _("Written on"), _("Phase"), _("Hidden by the moderators"), _("Text")]
        rows = [[c.id, c.idea_id or "", c.project.reference if c.project else "",
                 c.idea.title if c.idea else (c.project.title if c.project else ""), c.parent_id or "",
                 c.author.display_name if c.author else _("Former participant"), c.created_at, c.phase.label,
                 c.is_hidden, "" if c.is_hidden else c.body] for c in comments]
    return _french_csv(header, rows)
