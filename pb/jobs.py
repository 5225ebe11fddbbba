"""Background jobs with rq.

One place gives a queue: Redis when PB_REDIS_URL is set (run `rq worker` beside the app; production
requires it). Without Redis (a laptop, the tests) jobs run in the process: right after the commit
for a command, and after the response has been sent for a request (`AfterResponse`). Either way
no request ever runs a job itself: a voter never waits on an SMTP server.

Rules (from securedrop and indico): a job receives ids, never objects; it is enqueued only after
the database commit succeeded (`enqueue_after_commit`), so a worker never reads a row that does
not exist yet; a failure to enqueue never becomes an error for the person who clicked: it is
logged and kept in the `job_outbox` table, and `pb jobs retry` enqueues it again.

Long jobs report progress in a `task_run` row that pages can show without JavaScript."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from contextvars import ContextVar
from typing import Any, Callable, Iterable, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from redis import Redis
from rq import Queue, get_current_job
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.wsgi import ClosingIterator

from pb.db import Base, db, utcnow

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class JobOutbox(Base):
    """A job that could not be enqueued (Redis down) or failed in synchronous mode."""

    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list[Any]] = mapped_column(sa.JSON)
    kwargs: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


TASK_STATUSES = {"queued": _l("waiting"), "running": _l("under way"), "done": _l("finished"), "failed": _l("failed")}


class TaskRun(Base):
    """Progress of a long job (an import, a batch of e-mails), shown to the staff who started it."""

    __tablename__ = "task_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")  # queued, running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    report: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def status_label(self) -> str:
        return str(TASK_STATUSES.get(self.status, self.status))

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))


def init_app(app: Flask, redis_url: str) -> None:
    connection = Redis.from_url(redis_url) if redis_url else None
    app.extensions["pb.redis"] = connection
    app.extensions["pb.queue"] = Queue("pb", connection=connection) if connection is not None else None


def get_queue() -> Queue | None:
    """The rq queue, or None when jobs run in the process (no Redis)."""
    return current_app.extensions["pb.queue"]


# The jobs committed while a request is served, when they run in the process: they wait until the
# response has been sent (AfterResponse). None outside a request.
_after_response: ContextVar[list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] | None] = \
    ContextVar("pb_jobs_after_response", default=None)


class AfterResponse:
    """WSGI middleware, outermost: without Redis, the jobs a request committed run once its
    response has been sent (when the server closes the response), in an app context of their own;
    with Redis they were queued at the commit and this costs nothing."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.next = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app.extensions["pb.queue"] is not None:
            return self.next(environ, start_response)
        pending: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        token = _after_response.set(pending)
        try:
            body = self.next(environ, start_response)
        finally:
            _after_response.reset(token)
        if not pending:
            return body

        def run() -> None:
            with self.app.app_context():
                for func, args, kwargs in pending:
                    enqueue_now(func, *args, **kwargs)

        return ClosingIterator(body, run)  # closes the body first, then runs the jobs


def job(func: Callable[P, R]) -> Callable[P, R]:
    """Marks a background job. In a worker (no Flask app yet) the job runs inside an app context
    built once per process from the same settings as the web app."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return func(*args, **kwargs)
        with _worker_app().app_context():
            return func(*args, **kwargs)

    wrapper.pb_job = True  # type: ignore[attr-defined]
    return wrapper


@functools.cache
def _worker_app() -> Flask:
    from pb.app import create_app

    return create_app()


def func_path(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def enqueue_after_commit(session: Session, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    if not getattr(func, "pb_job", False):
        raise TypeError(f"{func_path(func)} is not decorated with @pb.jobs.job")
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, discards the job
    session.info.setdefault("pb_pending_jobs", []).append((func, args, kwargs))


def _enqueue(func: Callable[..., Any], args: Any, kwargs: Any) -> None:
    """Into the Redis queue; without Redis, run it here. Raises if either fails."""
    queue = get_queue()
    if queue is None:
        func(*args, **kwargs)
    else:
        queue.enqueue(func, *args, **kwargs)


def enqueue_now(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue at once; on failure keep the job in the outbox. Never raises."""
    try:
        _enqueue(func, args, kwargs)
    except Exception as exc:  # noqa: BLE001 - the caller must never see a queue failure
        log.exception("job %s could not run; kept in the outbox", func_path(func))
        try:
            with db.session_scope() as s:
                s.add(JobOutbox(func=func_path(func), args=list(args), kwargs=kwargs, error=str(exc)[:2000]))
        except Exception:  # noqa: BLE001
            log.exception("the outbox could not store job %s either", func_path(func))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop("pb_pending_jobs", None)
    if pending and has_app_context():
        deferred = _after_response.get()
        for func, args, kwargs in pending:
            if deferred is not None:  # in a request, without Redis: after the response
                deferred.append((func, args, kwargs))
            else:
                enqueue_now(func, *args, **kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its jobs are void
        session.info.pop("pb_pending_jobs", None)


def retry_outbox(session: Session, limit: int = 1000) -> tuple[int, int]:
    """Enqueue the kept jobs again; returns (retried, still failing)."""
    rows = session.scalars(sa.select(JobOutbox).order_by(JobOutbox.id).limit(limit)).all()
    ok = failed = 0
    for row in rows:
        module, _, name = row.func.rpartition(".")
        func = getattr(importlib.import_module(module), name)
        try:
            _enqueue(func, row.args, row.kwargs)
        except Exception as exc:  # noqa: BLE001
            row.attempts += 1
            row.error = str(exc)[:2000]
            failed += 1
        else:
            session.delete(row)
            ok += 1
    session.flush()
    return ok, failed


# -- progress of long jobs ---------------------------------------------------------------------

def start_task(session: Session, kind: str, label: str, *, edition_id: int | None = None,
               started_by_id: int | None = None, total: int | None = None) -> TaskRun:
    task = TaskRun(kind=kind, label=label, edition_id=edition_id, started_by_id=started_by_id, total=total)
    session.add(task)
    session.flush()
    return task


def report_progress(task_id: int | None, done: int, total: int | None = None, *, status: str = "running",
                    report: dict[str, Any] | None = None) -> None:
    """Writes progress in its own short transaction so pages see it while the job runs."""
    rq_job = get_current_job()
    if rq_job is not None:
        rq_job.meta["progress"] = {"done": done, "total": total}
        rq_job.save_meta()
    if task_id is None:
        return
    with db.session_scope() as s:
        task = s.get(TaskRun, task_id)
        if task is None:
            return
        task.status = status
        task.done = done
        if total is not None:
            task.total = total
        if report is not None:
            task.report = report
        if status in ("done", "failed"):
            task.finished_at = utcnow()
