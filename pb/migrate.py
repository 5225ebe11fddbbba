"""Alembic, driven from `pb db ...` with the app's database URL (no alembic.ini to keep in sync)."""

from __future__ import annotations

from typing import Any, Iterator

import sqlalchemy as sa

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from pb.config import ROOT
from pb.models import load_models

MIGRATIONS = ROOT / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str, rev_id: str, autogenerate: bool = True) -> Any:
    """Revisions are numbered 0001, 0002... so their order reads from the file names."""
    return command.revision(alembic_config(url), message=message, autogenerate=autogenerate, rev_id=rev_id)


COMPARE = {"compare_type": True, "compare_server_default": True}


def differences(engine: Engine, metadata: sa.MetaData | None = None) -> list[Any]:
    """Where the database the migrations built differs from the models: empty when they agree.
    Alembic's autogenerate compares tables, columns, types, indexes and server defaults; it does
    not compare CHECK constraints, and every enum is one (a new value that no migration adds
    passes on SQLite and is refused by PostgreSQL in production): `check_differences` does."""
    metadata = load_models().metadata if metadata is None else metadata
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={**COMPARE, "render_as_batch": True})
        found = list(compare_metadata(context, metadata))
    return found + check_differences(engine, metadata)


def check_differences(engine: Engine, metadata: sa.MetaData) -> list[tuple[str, str, str, str | None, str | None]]:
    """CHECK constraints, named by the naming convention, compared as the database itself writes
    them: the models are created in a scratch place of the same kind (a schema rolled back on
    PostgreSQL, an in-memory database for SQLite) and both are read back by the same reflection.
    Each difference is ("check_constraint", table, name, expected SQL, SQL in the database).
    On PostgreSQL the user needs the CREATE privilege on the database, as for the migrations."""
    found = []
    for table, name, expected, actual in _compare_checks(engine, metadata):
        if expected != actual:
            found.append(("check_constraint", table, name, expected, actual))
    return found


def _compare_checks(engine: Engine, metadata: sa.MetaData) -> Iterator[tuple[str, str, str | None, str | None]]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            actual_schema = connection.dialect.default_schema_name
            transaction = connection.begin()
            try:
                connection.execute(sa.text("CREATE SCHEMA pb_expected"))
                connection.execute(sa.text("SET LOCAL search_path TO pb_expected"))
                metadata.create_all(connection)
                inspector = sa.inspect(connection)
                yield from _pairs(metadata, lambda table: inspector.get_check_constraints(table, schema="pb_expected"),
                                  lambda table: inspector.get_check_constraints(table, schema=actual_schema))
            finally:
                transaction.rollback()
        return
    scratch = sa.create_engine("sqlite://")
    try:
        metadata.create_all(scratch)
        expected, actual = sa.inspect(scratch), sa.inspect(engine)
        yield from _pairs(metadata, expected.get_check_constraints, actual.get_check_constraints)
    finally:
        scratch.dispose()


def _pairs(metadata: sa.MetaData, expected: Any, actual: Any) -> Iterator[tuple[str, str, str | None, str | None]]:
    for table in metadata.sorted_tables:
        want = {c["name"]: _sql(c["sqltext"]) for c in expected(table.name)}
        have = {c["name"]: _sql(c["sqltext"]) for c in actual(table.name)}
        for name in sorted(want.keys() | have.keys(), key=str):
            yield table.name, name, want.get(name), have.get(name)


def _sql(text: str) -> str:
    """One spelling for one constraint: SQLite keeps the text it was given, spaces included."""
    return " ".join(text.split())


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
