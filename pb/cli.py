"""The `pb` command: a Flask CLI group, the entry point for every command.

    pb run                      serve (development server; gunicorn in production)
    pb db upgrade               bring the database to the latest revision
    pb users create-admin EMAIL create the first administrator
    pb demo                     load the demo territory
    pb editions list [--json]   list editions;  pb editions set-phase EDITION PHASE
    pb jobs retry               enqueue again the jobs kept in the outbox
    pb i18n compile|update|check
Each domain adds its commands through COMMANDS below."""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, run_command as flask_run_command

from pb.app import create_app
from pb.authz import SYSTEM
from pb.config import load as load_settings
from pb.db import db
from pb.errors import PbError

# Modules defining a click command or group named `cli` (added to `pb`), in this order; `cli`
# may also be a list of commands or groups (a domain with several top-level groups).
COMMANDS: list[str] = ["pb.review.cli", "pb.voting.cli", "pb.results.cli", "pb.ballotbox.cli", "pb.barometer.cli"]


def _create_app() -> object:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """pb: the participatory-budgeting platform."""


@main.command("run", params=list(flask_run_command.params), help=flask_run_command.help)
@click.pass_context
def run(ctx: click.Context, **options: Any) -> None:
    # Links pb writes (e-mails, letters, CSVs of codes) use the base_url setting. Left at its
    # default, it follows the address served here: `pb run --port 5100` writes links on 5100.
    # The variable is inherited by the reloader's process, where the app is created.
    if "PB_BASE_URL" not in os.environ and links_follow_the_server(load_settings()):
        host = options["host"] if options["host"] not in ("0.0.0.0", "::") else "127.0.0.1"
        scheme = "https" if options.get("cert") else "http"
        os.environ["PB_BASE_URL"] = f"{scheme}://{host}:{options['port']}"
    ctx.invoke(flask_run_command, **options)


def links_follow_the_server(settings: Any) -> bool:
    """Development, and base_url left at the default of config/defaults.toml."""
    from pb.config import Settings

    return settings.env != "production" and settings.base_url == Settings.base_url


def fail(error: PbError | str) -> None:
    """A refusal on the command line: the message, exit code 2, no traceback."""
    message = error.text() if isinstance(error, PbError) else error
    raise click.ClickException(message) from None


# -- db -----------------------------------------------------------------------------------------------
db_cli = AppGroup("db", help="Database migrations (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database to REVISION (default: the latest)."""
    from pb import migrate

    migrate.upgrade(current_app.config["PB_SETTINGS"].database_url, revision)
    click.echo(f"database at {migrate.current(db.engine)}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Go back to REVISION (use with care: data in dropped tables is lost)."""
    from pb import migrate

    migrate.downgrade(current_app.config["PB_SETTINGS"].database_url, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--rev-id", required=True, help="The next number: 0002, 0003...")
@click.option("--empty", is_flag=True, help="Do not autogenerate from the models.")
def db_revision(message: str, rev_id: str, empty: bool) -> None:
    """Write a new revision from the difference between the models and the (upgraded) database."""
    from pb import migrate

    migrate.revision(current_app.config["PB_SETTINGS"].database_url, message, rev_id, autogenerate=not empty)


@db_cli.command("check")
def db_check() -> None:
    """Exit 1 if the models and the migrated database differ."""
    from pb import migrate

    diff = migrate.differences(db.engine)
    for item in diff:
        click.echo(repr(item))
    sys.exit(1 if diff else 0)


main.add_command(db_cli)

# -- users ----------------------------------------------------------------------------------------------
users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", envvar="PB_ADMIN_PASSWORD", help="Asked for when not given (or PB_ADMIN_PASSWORD).")
@click.option("--name", default="Administrator")
def create_admin(email: str, password: str | None, name: str) -> None:
    """Create (or promote) a global administrator."""
    from pb.accounts.services import create_admin as create

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with db.session_scope() as session:
            user = create(session, email, password, name)
            click.echo(f"administrator {user.email} (id {user.id}) ready")
    except PbError as error:
        fail(error)


main.add_command(users_cli)

# -- editions ----------------------------------------------------------------------------------------------
editions_cli = AppGroup("editions", help="Editions and their phases.")


@editions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array: id, slug, name, phase.")
def editions_list(as_json: bool) -> None:
    from pb.editions.services import list_editions

    with db.session_scope() as session:
        editions = list_editions(session, SYSTEM)
        rows = [{"id": e.id, "slug": e.slug, "name": e.name, "phase": e.phase.value} for e in editions]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['id']:>4}  {row['slug']:<24} {row['phase']:<15} {row['name']}")


@editions_cli.command("set-phase")
@click.argument("edition")
@click.argument("phase", type=click.Choice(["draft", "submission", "review", "vote", "results", "implementation"]))
def editions_set_phase(edition: str, phase: str) -> None:
    """Move EDITION (id or slug) to PHASE; opening the vote freezes the rules."""
    from pb.editions.services import get_edition, set_phase

    try:
        with db.session_scope() as session:
            e = get_edition(session, edition)
            set_phase(session, SYSTEM, e, phase)
            click.echo(f"{e.slug}: {e.phase.value}")
    except PbError as error:
        fail(error)


main.add_command(editions_cli)

# -- jobs -------------------------------------------------------------------------------------------------
jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("retry")
def jobs_retry() -> None:
    """Enqueue again the jobs that could not be enqueued (Redis down) or failed in synchronous mode."""
    from pb.jobs import retry_outbox

    with db.session_scope() as session:
        ok, failed = retry_outbox(session)
    click.echo(f"{ok} job(s) enqueued, {failed} still failing")


main.add_command(jobs_cli)

# -- i18n -------------------------------------------------------------------------------------------------
i18n_cli = click.Group("i18n", help="Translations (French catalogues per domain).")


@i18n_cli.command("compile")
def i18n_compile() -> None:
    from pb.i18n import compile_catalogs

    for mo in compile_catalogs():
        click.echo(f"compiled {mo}")


@i18n_cli.command("update")
@click.argument("domain", required=False)
def i18n_update(domain: str | None) -> None:
    """Add DOMAIN's new texts to its French catalogue (no DOMAIN: the shared layout)."""
    from pb.i18n import update_catalogue

    po, missing = update_catalogue(domain)
    click.echo(f"{po}: {len(missing)} text(s) to translate")
    for msgid in missing:
        click.echo(f"  {msgid}")


@i18n_cli.command("check")
def i18n_check() -> None:
    """Exit 1 if a text has no French translation."""
    from pb.i18n import untranslated

    missing = untranslated()
    for msgid, places in sorted(missing.items()):
        click.echo(f"{places[0]}: {msgid}")
    sys.exit(1 if missing else 0)


main.add_command(i18n_cli)


# -- demo ---------------------------------------------------------------------------------------------------
@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if an edition already exists.")
def demo(if_empty: bool) -> None:
    """Load the demo territory: a city, its districts, editions in every phase, accounts."""
    from pb.demo import load_demo

    with db.session_scope() as session:
        summary = load_demo(session, if_empty=if_empty, password=os.environ.get("PB_DEMO_PASSWORD"))
    click.echo(summary)


# `pb tally FILE.pb --rule RULE [--json]` needs no database: a plain click command.
from pb.tally.cli import tally_command  # noqa: E402

main.add_command(tally_command, "tally")

for _module in COMMANDS:
    _commands = importlib.import_module(_module).cli
    for _command in _commands if isinstance(_commands, (list, tuple)) else [_commands]:
        main.add_command(_command)
