"""Alembic, driven from `pb db ...` with the app's database URL (no alembic.ini to keep in sync)."""

from __future__ import annotations

from typing import Any

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


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would write: empty when the models and the migrations agree."""
    metadata = load_models().metadata
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, metadata)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
