"""The vote's SQL is defined once (pb/voting/writers.py): the PostgreSQL statements and the
SQLite ones come from the same tables and the same rows, so a column cannot change in one path
only (issue 12). The PostgreSQL statements are compiled here whatever the test database."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa

from pb.models import load_models
from pb.voting import writers


def _rows(**changes: Any) -> writers.VoteRows:
    values: dict[str, Any] = dict(edition_id=1, scopes=["district", "citywide"], district_id=2, voter_key="k" * 64,
                                  voter_ref="ABCDE-FGHIJ", channel="online", now=dt.datetime.now(dt.timezone.utc),
                                  box=b"\0" * 1072, tracker="AAAA-BBBB-CCCC", client="127.0.0.1")
    values.update(changes)
    return writers.vote_rows(**values)


def _inserted_columns(sql: str) -> dict[str, list[str]]:
    return {table: [c.strip() for c in columns.split(",")]
            for table, columns in re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", sql)}


def test_every_path_writes_every_column_of_every_table() -> None:
    load_models()
    rows = _rows()
    for table, table_rows in rows.by_table():
        wanted = [c.name for c in writers.written_columns(table)]
        assert all(sorted(row) == sorted(wanted) for row in table_rows), table.name  # the SQLite path's rows
    compiled = writers.compiled_insert(2)
    columns = _inserted_columns(compiled.sql)
    assert set(columns) == {"participation", "encrypted_ballot", "board_entry", "audit_entry"}
    for table, _table_rows in rows.by_table():
        assert columns[table.name] == [c.name for c in writers.written_columns(table)], table.name
    # Each of the rows' values has its parameter in the PostgreSQL statement, and nothing else is sent.
    params = compiled.params(writers.insert_params(rows))
    assert set(params) == compiled.required
    assert params["p1_scope"] == "citywide"
    assert params["a_detail"].obj == {"voter": "ABCDE-FGHIJ", "client": "127.0.0.1", "channel": "online"}


def test_a_column_added_to_a_table_fails_both_paths_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    load_models()
    extra = sa.Column("station_note", sa.String(20))

    def with_extra(table: sa.Table) -> list[Any]:
        return [*[c for c in table.c if c is not table.autoincrement_column], *([extra] if table.name == "participation" else [])]

    monkeypatch.setattr(writers, "written_columns", with_extra)
    monkeypatch.setattr(writers, "_column_names", lambda table: frozenset(c.name for c in with_extra(table)))
    with pytest.raises(RuntimeError, match="station_note"):
        _rows()


def test_the_token_use_returns_the_same_columns_in_both_paths() -> None:
    load_models()
    returned = list(writers.use_token_statement().exported_columns.keys())
    assert returned == [c.name for c in writers.VOTER_COLUMNS]
    sql = writers.compiled_use_token().sql
    assert sql.startswith("UPDATE voting_token SET used_at=") and "RETURNING voter.voter_key" in sql


def test_refusals_are_told_apart_by_constraint_names_that_exist() -> None:
    names = {c.name for table in load_models().metadata.sorted_tables for c in table.constraints}
    assert writers.SIGNED_IN in names and writers.TRACKER_TAKEN in names
    source = open(writers.__file__, encoding="utf-8").read()
    assert "str(error" not in source and ".args" not in source  # never the message text
