"""`pb stations ...` (polling stations, officers, keys, closing) and `pb reconcile`."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup

from pb.authz import SYSTEM
from pb.cli import fail
from pb.db import db
from pb.errors import PbError

stations_cli = AppGroup("stations", help="Polling stations (paper ballot boxes) of an edition.")


def _edition(session, ref: str):  # type: ignore[no-untyped-def]
    from pb.editions.services import get_edition

    return get_edition(session, ref)


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time (2027-03-14T08:00+01:00)") from None
    if parsed.tzinfo is None:
        from pb.voting.services.common import settings
        import zoneinfo

        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(settings().timezone))
    return parsed


@stations_cli.command("create")
@click.argument("edition")
@click.option("--name", required=True)
@click.option("--address", default="")
@click.option("--district", default=None, help="District code (none: a city-wide station).")
@click.option("--opens", default=None, help="ISO date and time (none: the vote window); local time if no offset.")
@click.option("--closes", default=None)
@click.option("--offline", is_flag=True, help="The desk has no connection: its sign-in list is uploaded after the close.")
@click.option("--json", "as_json", is_flag=True)
def stations_create(edition: str, name: str, address: str, district: str | None, opens: str | None,
                    closes: str | None, offline: bool, as_json: bool) -> None:
    """Create a polling station in EDITION."""
    from pb.ballotbox.services.stations import create_station

    try:
        with db.session_scope() as session:
            station = create_station(session, SYSTEM, _edition(session, edition), name=name, address=address,
                                     district=district, opens=_when(opens), closes=_when(closes), offline=offline)
            out = {"id": station.id, "name": station.name, "district": station.district.code if station.district else None,
                   "offline": station.offline}
    except PbError as error:
        fail(error)
    click.echo(json.dumps(out) if as_json else f"station {out['id']} created: {out['name']}")


@stations_cli.command("officer")
@click.argument("edition")
@click.argument("station_id")
@click.argument("email")
@click.option("--create", is_flag=True, help="Create the account (with --password).")
@click.option("--password", default=None)
def stations_officer(edition: str, station_id: str, email: str, create: bool, password: str | None) -> None:
    """Make the account EMAIL an officer of STATION_ID."""
    from pb.ballotbox.services.stations import create_officer_account, find_user, get_station, grant_officer

    if create and not password:
        fail("--create needs --password")
    try:
        with db.session_scope() as session:
            station = get_station(session, _edition(session, edition), station_id)
            user = create_officer_account(session, SYSTEM, station, email, password or "") if create \
                else find_user(session, email)
            grant_officer(session, SYSTEM, station, user)
            line = f"{user.email} is an officer of station {station.id} ({station.name})"
    except PbError as error:
        fail(error)
    click.echo(line)


@stations_cli.command("key")
@click.argument("edition")
@click.argument("station_id")
@click.option("--officer", "email", required=True, help="The officer the key acts for.")
@click.option("--json", "as_json", is_flag=True)
def stations_key(edition: str, station_id: str, email: str, as_json: bool) -> None:
    """Print a new bearer key for the desk of STATION_ID (shown once; stored only as a hash)."""
    from pb.ballotbox.services.stations import create_key, find_user, get_station

    try:
        with db.session_scope() as session:
            station = get_station(session, _edition(session, edition), station_id)
            key, raw = create_key(session, SYSTEM, station, find_user(session, email), label="command line")
            key_id = key.id
    except PbError as error:
        fail(error)
    click.echo(json.dumps({"key": raw, "id": key_id}) if as_json else raw)


@stations_cli.command("revoke-key")
@click.argument("edition")
@click.argument("station_id")
@click.argument("key_id", type=int)
def stations_revoke_key(edition: str, station_id: str, key_id: int) -> None:
    """Revoke a station key (it stops working at once)."""
    from pb.ballotbox.services.stations import get_station, revoke_key

    try:
        with db.session_scope() as session:
            revoke_key(session, SYSTEM, get_station(session, _edition(session, edition), station_id), key_id)
    except PbError as error:
        fail(error)
    click.echo("revoked")


@stations_cli.command("close")
@click.argument("edition")
@click.argument("station_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def stations_close(edition: str, station_id: str, yes: bool) -> None:
    """Close STATION_ID now (nobody can be signed in there afterwards)."""
    from pb.ballotbox.services.stations import close_station, get_station

    if not yes:
        click.confirm("Close this station now? Nobody can be signed in there afterwards.", abort=True)
    try:
        with db.session_scope() as session:
            close_station(session, SYSTEM, get_station(session, _edition(session, edition), station_id))
    except PbError as error:
        fail(error)
    click.echo("closed")


@stations_cli.command("list")
@click.argument("edition")
@click.option("--json", "as_json", is_flag=True)
def stations_list(edition: str, as_json: bool) -> None:
    """The stations of EDITION, with their state."""
    from pb.ballotbox.services.stations import stations_of, state

    with db.session_scope() as session:
        rows = [{"id": s.id, "name": s.name, "district": s.district.code if s.district else None,
                 "offline": s.offline, "state": state(s), "officers": [o.user.email for o in s.officers]}
                for s in stations_of(session, _edition(session, edition))]
    if as_json:
        click.echo(json.dumps(rows))
    else:
        for r in rows:
            click.echo(f"{r['id']:>5}  {r['state']:<9} {r['name']}  ({r['district'] or 'city-wide'})")




@click.command("reconcile")
@click.argument("edition")
@click.option("--json", "as_json", is_flag=True)
def reconcile_command(edition: str, as_json: bool) -> None:
    """Station by station: sign-ins against envelopes, reports, offline collisions."""
    from pb.ballotbox.services.reconcile import reconcile

    try:
        with db.session_scope() as session:
            result = reconcile(session, SYSTEM, _edition(session, edition)).as_json()
    except PbError as error:
        fail(error)
    if as_json:
        click.echo(json.dumps(result))
        return
    for s in result["stations"]:
        click.echo(f"{s['id']:>5}  {s['name'][:30]:<30} sign-ins {s['signins']:>6}  envelopes "
                   f"{'-' if s['envelopes'] is None else s['envelopes']:>6}  difference "
                   f"{'-' if s['difference'] is None else s['difference']:>5}  {s['report']}")
    for d in result["districts"]:
        margin = "none" if d["margin"] is None else f"{d['margin']}{'' if d['exact'] else ' (at least)'}"
        click.echo(f"district {d['district']}: {d['ballots']} ballots, margin {margin}, discrepancy {d['discrepancy']}: "
                   f"{d['words']}")
    t = result["totals"]
    click.echo(f"total: sign-ins {t['signins']}, envelopes {t['envelopes']}, unexplained {t['unexplained']}, "
               f"collisions {t['collisions']}, missing reports {len(result['missing_reports'])}")


cli = [stations_cli, reconcile_command]
