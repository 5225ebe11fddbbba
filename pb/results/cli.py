"""`pb import-pabulib`, `pb export-pabulib`, `pb results run|publish`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from pb.authz import SYSTEM
from pb.db import db
from pb.errors import PbError


def _fail(error: PbError | Exception) -> None:
    raise click.ClickException(error.text() if isinstance(error, PbError) else str(error)) from None


@click.command("import-pabulib")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Short address of the new edition (default: from the file's META).")
@click.option("--name", help="Name of the new edition (default: unit, subunit and instance).")
@with_appcontext
def import_command(file: Path, slug: str | None, name: str | None) -> None:
    """Create an edition from a Pabulib file: projects, envelope, ballots with their channel.
    The edition ends in the results phase, ready to count (`pb results run`)."""
    from pb.results.importer import import_pabulib
    from pb.tally import TallyError

    try:
        with db.session_scope() as session:
            edition = import_pabulib(session, SYSTEM, file, slug=slug, name=name)
            click.echo(f"{edition.slug} (id {edition.id}): phase {edition.phase.value}, "
                       f"rule {edition.aggregation_rule}; count it with `pb results run {edition.slug}`")
    except (PbError, TallyError) as error:
        _fail(error)


@click.command("export-pabulib")
@click.argument("edition")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder to write one .pb file per district envelope into.")
@with_appcontext
def export_command(edition: str, out: Path) -> None:
    """Write the edition's anonymised ballots as Pabulib files (one per district envelope)."""
    from pb.editions.services import get_edition
    from pb.results import opendata

    try:
        with db.session_scope() as session:
            e = get_edition(session, edition)
            files = opendata.export_pabulib(session, e)
            out.mkdir(parents=True, exist_ok=True)
            for district in e.districts:
                path = out / opendata.file_name(session, e, district)
                path.write_text(files[district.code], encoding="utf-8")
                click.echo(str(path))
    except PbError as error:
        _fail(error)


results_cli = AppGroup("results", help="Count and publish an edition's results.")


@results_cli.command("run")
@click.argument("edition")
def run_command(edition: str) -> None:
    """Count the ballots of a closed vote with the edition's rule; prints the winners."""
    from pb.editions.services import get_edition
    from pb.results.services import run_tally

    try:
        with db.session_scope() as session:
            e = get_edition(session, edition)
            tally = run_tally(session, SYSTEM, e)
            click.echo(f"run {tally.id} ({tally.rule}, {tally.tie_break}), inputs {tally.inputs_hash}")
            for result in tally.districts:
                click.echo(f"  {result.district.code}: {len(result.selected)} funded, "
                           f"{result.spent_cents / 100:.2f} of {result.budget_cents / 100:.2f} EUR, {result.ballots} ballots")
    except PbError as error:
        _fail(error)


@results_cli.command("publish")
@click.argument("edition")
@click.option("--run", "run_id", type=int, help="The run to publish (default: the latest).")
def publish_command(edition: str, run_id: int | None) -> None:
    """Publish a run: winners and not-selected projects, results pages and open data. Final."""
    from pb.editions.services import get_edition
    from pb.results.models import TallyRun
    from pb.results.services import publish_run, runs

    try:
        with db.session_scope() as session:
            e = get_edition(session, edition)
            tally = session.get(TallyRun, run_id) if run_id else next(iter(runs(session, e)), None)
            if tally is None or tally.edition_id != e.id:
                raise click.ClickException("no such run: count first with `pb results run`")
            publish_run(session, SYSTEM, tally)
            click.echo(f"run {tally.id} published")
    except PbError as error:
        _fail(error)


cli = [import_command, export_command, results_cli]
