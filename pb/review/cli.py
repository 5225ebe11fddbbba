"""`pb review ...`: the technical review and the ballot from the command line.

    pb review progress EDITION            ideas per district and status
    pb review build-ballot EDITION        place feasible projects on the ballot (before the vote)
    pb review ballot EDITION [--json]     the ballot, district by district
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from pb.authz import SYSTEM
from pb.db import db
from pb.errors import PbError

cli = AppGroup("review", help="Technical review and ballot.")


def _fail(error: PbError) -> None:
    raise click.ClickException(error.text()) from None


@cli.command("progress")
@click.argument("edition")
def progress(edition: str) -> None:
    """Ideas of EDITION (id or slug) per district: to review, decided, and by status."""
    from pb.editions.services import get_edition
    from pb.review.dashboard import progress as compute

    try:
        with db.session_scope() as session:
            stats = compute(session, SYSTEM, get_edition(session, edition))
            for row in stats["districts"]:
                counts = ", ".join(f"{k}={v}" for k, v in sorted(row.counts.items()))
                click.echo(f"{row.label:<60} {row.decided:>4}/{row.total:<4} {row.percent:>3}%  {counts}")
            click.echo(f"not assigned: {stats['unassigned']}")
    except PbError as error:
        _fail(error)


@cli.command("build-ballot")
@click.argument("edition")
def build_ballot(edition: str) -> None:
    """Put EDITION's feasible projects on the ballot (held back without a public meeting when the
    edition requires one). Refused once the vote has opened."""
    from pb.editions.services import get_edition
    from pb.review.ballot import build_ballot as build

    try:
        with db.session_scope() as session:
            changes = build(session, SYSTEM, get_edition(session, edition))
            for project_id, (old, new) in sorted(changes.items()):
                click.echo(f"project {project_id}: {old} -> {new}")
            click.echo(f"{len(changes)} project(s) changed status")
    except PbError as error:
        _fail(error)


@cli.command("ballot")
@click.argument("edition")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per district.")
def show_ballot(edition: str, as_json: bool) -> None:
    """The ballot of EDITION as it stands, district by district."""
    from pb.editions.services import get_edition
    from pb.review.ballot import overview

    try:
        with db.session_scope() as session:
            rows = overview(session, get_edition(session, edition))
            data = [{"district": r.district.code, "envelope_cents": r.district.envelope_cents,
                     "on_ballot": [{"id": p.id, "number": p.number, "title": p.title, "cost_cents": p.cost_cents}
                                   for p in r.on_ballot],
                     "held_back": [{"id": p.id, "number": p.number, "reason": p.status_reason} for p in r.held_back],
                     "not_placed": [p.id for p in r.feasible]} for r in rows]
    except PbError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for row in data:
        click.echo(f"{row['district']}: {len(row['on_ballot'])} on the ballot, {len(row['held_back'])} held back")
        for p in row["on_ballot"]:
            click.echo(f"  {p['number']:>4}  {p['cost_cents'] / 100:>12,.2f}  {p['title']}")
