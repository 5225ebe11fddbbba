"""Invariant 2: nothing joins a person to their choices — not a column, not an index, not a
foreign key, not a sequence, not the order of rows."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.editions.services import set_phase
from pb.models import load_models
from pb.voting import keys
from pb.voting.models import Ballot, BallotKey, EncryptedBallot, Participation, Voter
from pb.voting.services import sealed_ballots, turnout
from pb.voting.services.secrecy import key_folder

from ..conftest import IS_POSTGRES
from .conftest import opened_ballots, post_ballot

ALLOWED = {"id", "edition_id", "district_id", "channel", "choices"}


def test_ballot_schema_cannot_join_a_voter(session) -> None:
    inspector = sa.inspect(session.get_bind())
    columns = {c["name"]: c for c in inspector.get_columns("ballot")}
    assert set(columns) == ALLOWED, "a new ballot column needs a secrecy review"
    assert not any(isinstance(c["type"], (sa.DateTime, sa.Date)) for c in columns.values())
    foreign = {fk["referred_table"] for fk in inspector.get_foreign_keys("ballot")}
    assert foreign == {"edition", "district"}
    for index in inspector.get_indexes("ballot"):
        assert set(index["column_names"]) <= {"edition_id", "district_id"}, index
    assert inspector.get_pk_constraint("ballot")["constrained_columns"] == ["id"]
    # No table points at a ballot (a tracker or a participation would be a receipt).
    for table in load_models().metadata.sorted_tables:
        assert all(fk.column.table.name != "ballot" for fk in table.foreign_keys), table.name
    # The key is random, not a sequence.
    assert not columns["id"].get("autoincrement") or columns["id"]["type"].__class__.__name__ in ("UUID", "Uuid", "CHAR")
    if IS_POSTGRES:
        sequences = session.execute(sa.text(
            "SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
            "WHERE c.relkind = 'S' AND d.refobjid = 'ballot'::regclass")).scalar()
        assert sequences == 0
    else:
        sql = session.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'ballot'")).scalar()
        assert "WITHOUT ROWID" in sql.upper()  # no hidden insertion counter


def test_participation_has_the_voter_and_not_the_choices(session) -> None:
    columns = {c["name"] for c in sa.inspect(session.get_bind()).get_columns("participation")}
    assert "choices" not in columns and "ballot_id" not in columns and "tracker" not in columns
    uniques = sa.inspect(session.get_bind()).get_unique_constraints("participation")
    assert any(set(u["column_names"]) == {"edition_id", "scope", "voter_key"} for u in uniques)


def test_encrypted_ballot_schema_holds_a_box_and_nothing_else(session) -> None:
    inspector = sa.inspect(session.get_bind())
    assert {c["name"] for c in inspector.get_columns("encrypted_ballot")} == {"id", "edition_id", "box"}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("encrypted_ballot")} == {"edition"}
    if not IS_POSTGRES:
        sql = session.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'encrypted_ballot'")).scalar()
        assert "WITHOUT ROWID" in sql.upper()


def _vote_all(client, session, world) -> dict[str, list[int]]:
    """Every voter votes; returns {voter_key: the project ids they chose}."""
    chosen = {}
    for i, token in enumerate(world.tokens):
        mine = world.ids(0 if token.district == "q1" else 1, 1 + i % 2)
        assert post_ballot(client, world, token.token, mine).status_code == 201
        chosen[session.get(Voter, token.voter_id).voter_key] = mine
    session.commit()
    return chosen


LINKS = {
    # The attack of issue 10 §1: rows written by one transaction share xmin ...
    "xmin": "SELECT p.voter_key, b.* FROM participation p JOIN {table} b ON p.xmin::text = b.xmin::text",
    # ... and their physical order.
    "order": "SELECT p.voter_key, b.* FROM (SELECT voter_key, row_number() OVER (ORDER BY ctid) AS n FROM participation) p "
             "JOIN (SELECT *, row_number() OVER (ORDER BY ctid) AS n FROM {table}) b ON b.n = p.n",
}


# SQLite has no xmin; its encrypted ballots have no rowid: storage order is the random key's.
SQLITE_LINKS = {"order": "SELECT p.voter_key, b.* FROM (SELECT voter_key, row_number() OVER (ORDER BY rowid) AS n "
                         "FROM participation) p JOIN (SELECT *, row_number() OVER () AS n FROM {table}) b ON b.n = p.n"}


def test_during_the_vote_what_links_to_a_voter_is_only_ciphertext(client, session, build) -> None:
    world = build(voters=10)
    chosen = _vote_all(client, session, world)
    assert session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0  # nothing readable in the box
    boxes = list(session.scalars(sa.select(EncryptedBallot.box)))
    assert len(boxes) == 10 and len({len(b) for b in boxes}) == 1  # padded: the size says nothing
    for box in boxes:
        with pytest.raises(ValueError):
            json.loads(bytes(box))
    for name, sql in (LINKS if IS_POSTGRES else SQLITE_LINKS).items():
        rows = session.execute(sa.text(sql.format(table="encrypted_ballot"))).mappings().all()
        assert len(rows) == 10, name  # a link (true on PostgreSQL, random on SQLite) ...
        for row in rows:  # ... leads only to a box that does not open without the key
            assert set(row) - {"n"} == {"voter_key", "id", "edition_id", "box"}, name
    # What the attacker gets is useless; what the close reads is what each voter chose.
    opened = sorted(sorted(c) for _d, c in opened_ballots(session, world.edition))
    assert opened == sorted(sorted(v) for v in chosen.values())


def test_the_sign_in_row_does_not_reveal_the_ballot_under_the_choice_rule(client, session, build) -> None:
    world = build(voters=4, citywide=True, residence_rule="choice")
    city = world.projects[world.citywide.id][0].id
    bodies = [world.ids(0), world.ids(1) + [city], [city], world.ids(1)]
    for token, choices in zip(world.tokens, bodies):
        assert post_ballot(client, world, token.token, choices).status_code == 201
    session.commit()
    rows = session.execute(sa.select(Participation.voter_key, Participation.scope, Participation.district_id)).all()
    register = dict(session.execute(sa.select(Voter.voter_key, Voter.district_id)).all())
    # Every voter: both scopes, the register's district; whatever district and scopes they chose.
    assert sorted((k, s.value) for k, s, _d in rows) == sorted((k, s) for k in register for s in ("citywide", "district"))
    assert all(d == register[k] for k, _s, d in rows)
    # Turnout per chosen district comes from the counted ballots, after the close.
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    by_district = {(t.district_id, t.scope.value): t.count for t in turnout(session, world.edition)}
    assert by_district == {(world.districts[0].id, "district"): 1, (world.districts[1].id, "district"): 2,
                           (world.citywide.id, "citywide"): 2}


def test_closing_the_vote_writes_the_ballots_so_that_nothing_links(client, session, build) -> None:
    world = build(voters=10)
    chosen = _vote_all(client, session, world)
    key = session.get(BallotKey, world.edition.id)
    key_file = keys.key_path(key_folder(), world.edition.id, key.public_key, "ballot")
    assert key_file.exists()
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(EncryptedBallot)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 10
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 10
    counted = sorted(sorted(b.choices) for b in sealed_ballots(session, world.edition))
    assert counted == sorted(sorted(v) for v in chosen.values())
    assert not key_file.exists()  # mode server: the key is erased once used
    if IS_POSTGRES:
        for name, sql in LINKS.items():
            linked = session.execute(sa.text(sql.format(table="encrypted_ballot"))).all()
            assert linked == [], name
        xmin = "SELECT count(*) FROM ballot b JOIN participation p ON p.xmin::text = b.xmin::text"
        assert session.execute(sa.text(xmin)).scalar() == 0
        assert session.execute(sa.text("SELECT count(DISTINCT xmin::text) FROM ballot")).scalar() == 1
