"""pb.db.make_engine on PostgreSQL: no ping on every checkout, but a connection that sat idle is
checked before use, and a dead one replaced without the caller noticing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pb import db as pb_db
from pb.db import make_engine

from .conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="connections to a PostgreSQL server")


def _pid(connection: sa.Connection) -> int:
    return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def test_an_idle_connection_that_died_is_replaced_before_use(database_url, session, monkeypatch) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    with engine.connect() as c:
        dead = _pid(c)
    session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})  # as if the server restarted
    session.commit()
    monkeypatch.setattr(pb_db, "IDLE_PING_SECONDS", 0.0)  # the pooled connection counts as idle
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT 1").scalar() == 1  # no error: checked, found dead, replaced
        assert _pid(c) != dead
    engine.dispose()


def test_a_connection_used_recently_is_not_pinged(database_url, session, monkeypatch) -> None:
    """No round trip before using a busy connection (so, here, the dead one fails: the control
    of the test above); SQLAlchemy then renews the pool."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    with engine.connect() as c:
        dead = _pid(c)
    session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    session.commit()
    monkeypatch.setattr(pb_db, "IDLE_PING_SECONDS", 3600.0)
    with pytest.raises(sa.exc.OperationalError), engine.connect() as c:
        c.exec_driver_sql("SELECT 1")
    with engine.connect() as c:  # SQLAlchemy renewed the pool after the failure
        assert c.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_live_idle_connection_is_kept_as_it_was(database_url, monkeypatch) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    with engine.connect() as c:
        first = _pid(c)
    monkeypatch.setattr(pb_db, "IDLE_PING_SECONDS", 0.0)
    with engine.connect() as c:  # pinged, alive: the same connection, out of autocommit again
        assert _pid(c) == first
        assert c.connection.driver_connection.autocommit is False
    engine.dispose()
