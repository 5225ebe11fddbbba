"""The database: one declarative base with one naming convention, typed helpers (UTC datetimes,
money in cents), and the session that a request, a command or a job uses.

The commit is in one place: `pb.app` commits at the end of a request that did not raise, the CLI
and jobs commit through `session_scope()`. Services only flush. Jobs registered with
`pb.jobs.enqueue_after_commit` run after that commit succeeds."""

from __future__ import annotations

import datetime as dt
import enum
import time
from contextlib import contextmanager
from typing import Any, Iterator

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in Python; timestamptz on PostgreSQL, UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def enum_type(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """A string column limited to the enum's values by a CHECK constraint (portable, and new
    values are a plain migration, not an ALTER TYPE)."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: sa.JSON()}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Money = sa.BigInteger  # integer cents, always


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pb.config import ROOT
            from pathlib import Path

            p = Path(path)
            if not p.is_absolute():
                p = ROOT / p
                url = "sqlite:///" + str(p)
            p.parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, **kwargs)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    engine = sa.create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _ping_when_idle)
    return engine


# A connection idle in the pool for longer than this is checked ("SELECT 1") before use.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Disconnects (a restarted PostgreSQL): check a pooled connection before use only if it sat
    idle, instead of SQLAlchemy's pool_pre_ping, which costs a round trip on every checkout (a
    fifth of a vote's). Under load, a restart fails the statements of the requests that hold, or
    take, a connection of the old server before the first failure is seen; SQLAlchemy then
    renews the whole pool. The vote retries its own transaction (pb.voting.services.casting)."""
    now = time.monotonic()
    last = record.info.get("pb_checked_out_at")
    record.info["pb_checked_out_at"] = now
    if last is None or now - last < IDLE_PING_SECONDS:
        return
    try:
        # In autocommit: no transaction to end (a ROLLBACK would also drop psycopg's prepared statements).
        autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            dbapi_connection.autocommit = autocommit
    except Exception as error:  # noqa: BLE001 - any failure: the server most likely restarted
        raise sa.exc.InvalidatePoolError() from error  # so renew every pooled connection, then retry


class Database:
    """Hands out the session of the current app context. Each app (tests make several) keeps its
    own engine and session factory in `app.extensions["pb.db"]`."""

    def init_app(self, app: Flask, url: str) -> None:
        engine = make_engine(url)
        app.extensions["pb.db"] = sessionmaker(engine, expire_on_commit=False)
        app.teardown_appcontext(self._teardown)

    @property
    def engine(self) -> Engine:
        return self.factory.kw["bind"]

    @property
    def factory(self) -> sessionmaker[Session]:
        return current_app.extensions["pb.db"]

    @property
    def session(self) -> Session:
        if "_pb_session" not in g:
            g._pb_session = self.factory()
        return g._pb_session

    def _teardown(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("_pb_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A fresh session committed at the end (CLI commands, jobs)."""
        session = self.factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


db = Database()


def get_or_404(session: Session, model: type[Any], ident: Any) -> Any:
    from werkzeug.exceptions import NotFound

    obj = session.get(model, ident)
    if obj is None:
        raise NotFound()
    return obj
