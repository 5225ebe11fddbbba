"""The migrations build the schema from an empty database, on SQLite and (in CI) on PostgreSQL,
and agree with the models: autogenerate finds nothing to add."""

from __future__ import annotations

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
