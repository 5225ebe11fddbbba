"""Invariant 2: nothing joins a person to their choices — not a column, not an index, not a
foreign key, not a sequence, not the order of rows."""

from __future__ import annotations

import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.editions.services import set_phase
from pb.models import load_models
from pb.voting.models import Ballot, Participation

from ..conftest import IS_POSTGRES
from .conftest import post_ballot

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


def test_ballot_ids_are_random_and_order_says_nothing(client, session, build) -> None:
    world = build(voters=12)
    for token in world.tokens:
        mine = world.ids(0 if token.district == "q1" else 1)
        assert post_ballot(client, world, token.token, mine).status_code == 201
    session.commit()
    ids = [str(i) for i in session.scalars(sa.select(Ballot.id))]
    assert len(set(ids)) == 12 and all(len(i) == 36 for i in ids)
    if not IS_POSTGRES:
        stored = [str(i) for i in session.scalars(sa.text("SELECT id FROM ballot"))]
        assert stored == sorted(stored)  # WITHOUT ROWID: stored in key order, i.e. random


def test_closing_the_vote_rewrites_ballots_so_transaction_ids_match_no_participation(client, session, build) -> None:
    world = build(voters=10)
    for token in world.tokens:
        assert post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1)).status_code == 201
    session.commit()
    if IS_POSTGRES:
        linked = "SELECT count(*) FROM ballot b JOIN participation p ON p.xmin::text = b.xmin::text"
        assert session.execute(sa.text(linked)).scalar() == 10  # during the vote: the risk docs/voting.md describes
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 10
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 10
    if IS_POSTGRES:
        assert session.execute(sa.text(linked)).scalar() == 0
        assert session.execute(sa.text("SELECT count(DISTINCT xmin::text) FROM ballot")).scalar() == 1
