"""The migrations build the schema from an empty database, on SQLite and (in CI) on PostgreSQL,
and agree with the models: autogenerate finds nothing to add."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pb import migrate
from pb.db import make_engine
from pb.models import load_models

from .conftest import IS_POSTGRES, TEST_DATABASE_URL

DATABASES = ["sqlite"] + (["postgresql"] if IS_POSTGRES else [])


@pytest.fixture(params=DATABASES)
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"pb_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_then_models_and_migrations_agree(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database, poolclass=sa.pool.NullPool)
    try:
        assert migrate.differences(engine) == []
        tables = set(sa.inspect(engine).get_table_names())
        assert set(load_models().metadata.tables) <= tables
        heads = migrate.alembic_config(empty_database)
        from alembic.script import ScriptDirectory

        assert migrate.current(engine) == ScriptDirectory.from_config(heads).get_current_head()
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_again(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database, poolclass=sa.pool.NullPool)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(empty_database)


def test_revisions_form_one_numbered_line() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "two migrations claim the same parent: renumber the newer one"
    revisions = [r.revision for r in script.walk_revisions()]
    assert all(r.isdigit() and len(r) == 4 for r in revisions), revisions


# -- every revision, up and down, with data in the tables -------------------------------------------
# An empty database forgives what a production database does not: a NOT NULL column added without
# a default, a table rebuilt (SQLite's batch mode) without its rows, a CHECK the existing rows break.
# So each revision is applied to a database holding a row in every table, then undone, and every
# row of a table that exists on both sides must still be there.

def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _value(column: sa.Column, table: str, when: dt.datetime) -> object:
    """A value the column's type and the models' CHECK constraints accept (enums: their first
    value, read from the models; times: a day later for a column that ends something, and a
    minute later per column position, so that of two times the one declared after is the later,
    as in "new_end > previous_end")."""
    model = load_models().metadata.tables.get(table)
    declared = model.c.get(column.name) if model is not None else None
    kind = declared.type if declared is not None else column.type
    if isinstance(kind, sa.Enum):
        return kind.enums[0]
    if isinstance(kind, sa.JSON):
        return {}
    try:
        python = kind.python_type if not isinstance(kind, sa.types.TypeDecorator) else kind.impl_instance.python_type
    except NotImplementedError:
        python = str
    if python is uuid.UUID:  # PostgreSQL's uuid, or SQLite's CHAR(32)
        return uuid.uuid4() if isinstance(column.type, sa.Uuid) else uuid.uuid4().hex
    if python is bool:
        return True
    if python is int:
        return 1
    if python is float:
        return 1.0
    if python is dt.datetime:
        position = list(column.table.columns).index(column)
        return when + dt.timedelta(days=1 if "end" in column.name or "until" in column.name else 0,
                                   minutes=position)
    if python is dt.date:
        return when.date()
    if python is bytes:
        return b"x"
    length = getattr(kind, "length", None) or 8
    return ("x" * 8)[:length]


def _fill(url: str) -> dict[str, int]:
    """One row in every table that has none (foreign keys point at the rows of their tables);
    returns the row count of every table."""
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        schema = sa.MetaData()
        schema.reflect(engine)
        when = dt.datetime(2027, 3, 1, 12, 0)
        with engine.begin() as connection:
            for table in schema.sorted_tables:
                if table.name == "alembic_version" or connection.scalar(sa.select(sa.func.count()).select_from(table)):
                    continue
                row = {}
                for column in table.columns:
                    targets = [fk.column for fk in column.foreign_keys]
                    if targets:
                        parent = targets[0].table
                        row[column.name] = None if parent is table else connection.scalar(sa.select(targets[0]).limit(1))
                    elif not (column.primary_key and column.autoincrement in (True, "auto")
                              and isinstance(column.type, sa.Integer)):
                        row[column.name] = _value(column, table.name, when)
                _insert_one(connection, table, row)
            return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) for t in schema.sorted_tables
                    if t.name != "alembic_version"}
    finally:
        engine.dispose()


def _insert_one(connection: sa.Connection, table: sa.Table, full: dict[str, object]) -> None:
    """Every column set; else only the required ones; else a single optional column (a CHECK such
    as "an idea or a project, not both", "totals or ballots"); each of them also with its numbers
    at zero and its texts empty (a CHECK such as "envelopes = blank + spoilt + valid", "siret = ''
    OR length(siret) = 14")."""
    required = {k: v for k, v in full.items() if not table.c[k].nullable}
    optional = [k for k in full if table.c[k].nullable]
    candidates = [full, required] + [{**required, k: full[k]} | {o: sa.null() for o in optional if o != k}
                                     for k in optional if full[k] is not None]

    def blank(key: str, value: object) -> object:
        if table.c[key].foreign_keys or table.c[key].primary_key:
            return value
        if type(value) in (int, float):
            return 0
        if isinstance(value, str) and set(value) == {"x"}:  # a text of _value, not an enum's value
            return ""
        return value

    for row in candidates + [{k: blank(k, v) for k, v in c.items()} for c in candidates]:
        attempt = connection.begin_nested()
        try:
            connection.execute(table.insert().values(**row))
        except sa.exc.IntegrityError:
            attempt.rollback()
            continue
        attempt.commit()
        return
    raise AssertionError(f"no row fits table {table.name}: extend the values of this test")


def test_each_revision_upgrades_and_downgrades_with_data_in_the_tables(empty_database: str) -> None:
    previous = "base"
    before: dict[str, int] = {}
    for revision in _revisions():
        migrate.upgrade(empty_database, revision)
        after = _fill(empty_database)
        assert all(after[t] == n for t, n in before.items() if t in after), f"{revision} lost rows"
        migrate.downgrade(empty_database, previous)
        undone = _fill(empty_database) if previous != "base" else {}
        assert all(undone[t] == after[t] for t in undone if t in before), f"downgrade of {revision} lost rows"
        migrate.upgrade(empty_database, revision)
        before = _fill(empty_database)
        assert all(before[t] >= 1 for t in before), revision
        previous = revision
    engine = make_engine(empty_database, poolclass=sa.pool.NullPool)
    try:
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()


def _models_changed_without_a_migration() -> sa.MetaData:
    """The models as an engineer might change them and forget the migration: a new enum value (a
    CHECK constraint), a tightened CHECK, a server default."""
    models = load_models().metadata
    changed = sa.MetaData(naming_convention=models.naming_convention)
    for table in models.sorted_tables:
        table.to_metadata(changed)
    edition, territory, project = changed.tables["edition"], changed.tables["territory"], changed.tables["project"]
    for table, name in ((edition, "ck_edition_phase"), (territory, "ck_territory_population_positive")):
        table.constraints.remove(next(c for c in table.constraints if c.name == name))
    phases = models.tables["edition"].c.phase.type.enums + ["archived"]
    edition.append_constraint(sa.CheckConstraint(sa.column("phase").in_(phases), name="phase"))
    territory.append_constraint(sa.CheckConstraint("population > 0", name="population_positive"))
    project.c.title.server_default = sa.DefaultClause("Sans titre")
    return changed


def test_differences_catch_check_constraints_enum_values_and_server_defaults(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database, poolclass=sa.pool.NullPool)
    try:
        found = migrate.differences(engine, _models_changed_without_a_migration())
    finally:
        engine.dispose()
    checks = {(d[1], d[2]) for d in found if isinstance(d, tuple) and d[0] == "check_constraint"}
    assert checks == {("edition", "ck_edition_phase"), ("territory", "ck_territory_population_positive")}
    defaults = [d[0] for d in found if isinstance(d, list) and d[0][0] == "modify_default"]
    assert [(d[2], d[3]) for d in defaults] == [("project", "title")]
