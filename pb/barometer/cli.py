"""`pb barometer export EDITION` and `pb barometer aggregate FILE...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from pb.db import db
from pb.errors import PbError

group = AppGroup("barometer", help="Indicators of an edition, exported and aggregated across territories.")


def _write(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")
        click.echo(str(out), err=True)


@group.command("export")
@click.argument("edition")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of the screen.")
@with_appcontext
def export_command(edition: str, fmt: str, out: Path | None) -> None:
    """The indicators of EDITION (id or slug) as a pb-barometer/1 document."""
    from pb.barometer import export
    from pb.editions.services import get_edition

    try:
        with db.session_scope() as session:
            doc = export.document(session, get_edition(session, edition))
    except PbError as error:
        raise click.ClickException(error.text()) from None
    _write(export.to_json(doc) if fmt == "json" else export.to_csv(doc), out)


@group.command("aggregate", with_appcontext=False)  # reads files only: no database, no settings
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of the screen.")
def aggregate_command(files: tuple[Path, ...], fmt: str, out: Path | None) -> None:
    """The national tables of many exports (one per territory; the latest edition of each)."""
    from pb.barometer import aggregate

    try:
        docs = [aggregate.parse(path.name, path.read_bytes()) for path in files]
    except PbError as error:
        raise click.ClickException(error.text()) from None
    result = aggregate.aggregate(docs)
    writers = {"md": aggregate.to_markdown, "csv": aggregate.to_csv, "json": aggregate.to_json}
    _write(writers[fmt](result), out)
cli = group
