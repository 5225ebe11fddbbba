"""Jobs leave after the commit, never before; a failure to enqueue never reaches the person who
clicked; with a real Redis (CI) the job waits in the queue for a worker."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from pb import jobs, mail
from pb.jobs import JobOutbox, TaskRun, enqueue_after_commit, report_progress, start_task

from .conftest import TEST_REDIS_URL, make_test_app


def test_email_is_sent_only_after_commit_and_dropped_on_rollback(session, outbox) -> None:
    mail.queue_email(session, "a@ville.example", "Hello", "Body")
    session.flush()
    assert outbox == []
    session.rollback()
    assert outbox == []
    mail.queue_email(session, "b@ville.example", "Hello", "Body")
    session.commit()
    assert [m["To"] for m in outbox] == ["b@ville.example"]


def test_a_savepoint_rollback_keeps_the_outer_jobs(session, outbox) -> None:
    mail.queue_email(session, "outer@ville.example", "Hello", "Body")
    nested = session.begin_nested()
    nested.rollback()
    session.commit()
    assert [m["To"] for m in outbox] == ["outer@ville.example"]


def test_only_declared_jobs_can_be_queued(session) -> None:
    with pytest.raises(TypeError):
        enqueue_after_commit(session, print, "x")


MAIL_SERVER = {"up": False, "sent": []}


@jobs.job
def _failing_job(x: int) -> None:
    if not MAIL_SERVER["up"]:
        raise RuntimeError(f"mail server down ({x})")
    MAIL_SERVER["sent"].append(x)


def test_a_failing_job_goes_to_the_outbox_and_can_be_retried(session, monkeypatch) -> None:
    enqueue_after_commit(session, _failing_job, 7)
    session.commit()  # no exception for the caller
    row = session.query(JobOutbox).one()
    assert row.func.endswith("_failing_job") and row.args == [7] and "mail server down" in row.error
    # Still down: the retry keeps it, counting attempts.
    assert jobs.retry_outbox(session) == (0, 1)
    session.commit()
    assert session.query(JobOutbox).one().attempts == 1
    # Once the cause is fixed, `pb jobs retry` sends it.
    monkeypatch.setitem(MAIL_SERVER, "up", True)
    monkeypatch.setitem(MAIL_SERVER, "sent", [])
    assert jobs.retry_outbox(session) == (1, 0)
    session.commit()
    assert MAIL_SERVER["sent"] == [7]
    assert session.query(JobOutbox).count() == 0


def test_redis_down_keeps_the_job_in_the_outbox(database_url, session) -> None:
    app = make_test_app(database_url, redis_url="redis://127.0.0.1:1/0")
    with app.app_context():
        from pb.db import db

        mail.queue_email(db.session, "c@ville.example", "Receipt", "Body")
        db.session.commit()
    session.expire_all()
    assert session.query(JobOutbox).one().func == "pb.mail.send_email"


def test_progress_of_a_long_task_is_visible_from_another_session(session) -> None:
    task = start_task(session, "import", "Voter register", total=200)
    session.commit()
    report_progress(task.id, 50)
    session.expire_all()
    assert session.get(TaskRun, task.id).percent == 25
    report_progress(task.id, 200, status="done", report={"rejected": 3})
    session.expire_all()
    task = session.get(TaskRun, task.id)
    assert task.status == "done" and task.finished_at is not None and task.report == {"rejected": 3}


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs a Redis server: set PB_TEST_REDIS_URL (CI does)")
def test_with_redis_the_job_waits_for_a_worker(database_url, session) -> None:
    app = make_test_app(database_url, redis_url=TEST_REDIS_URL)
    connection = Redis.from_url(TEST_REDIS_URL)
    queue = Queue("pb", connection=connection)
    queue.empty()
    with app.app_context():
        from pb.db import db

        mail.queue_email(db.session, "d@ville.example", "Receipt", "Your tracker")
        db.session.commit()
    assert mail.outbox == []  # queued, not sent
    assert queue.count == 1
    job = queue.jobs[0]
    assert job.func_name == "pb.mail.send_email" and job.args == ("d@ville.example", "Receipt", "Your tracker")
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    assert [m["To"] for m in mail.outbox] == ["d@ville.example"]


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs a Redis server: set PB_TEST_REDIS_URL (CI does)")
def test_a_worker_process_builds_its_own_app_from_the_environment(database_url, monkeypatch, tmp_path) -> None:
    """What `rq worker` does in production: no Flask app around; the job builds one from PB_*."""
    app = make_test_app(database_url, redis_url=TEST_REDIS_URL)
    connection = Redis.from_url(TEST_REDIS_URL)
    queue = Queue("pb", connection=connection)
    queue.empty()
    with app.app_context():
        from pb.db import db

        mail.queue_email(db.session, "e@ville.example", "Receipt", "Body")
        db.session.commit()
    for key, value in {"PB_ENV": "test", "PB_DATABASE_URL": database_url, "PB_REDIS_URL": TEST_REDIS_URL,
                       "PB_MAIL_BACKEND": "folder", "PB_MAIL_FOLDER": str(tmp_path / "mail")}.items():
        monkeypatch.setenv(key, value)
    jobs._worker_app.cache_clear()
    try:
        SimpleWorker([queue], connection=connection).work(burst=True)  # outside any app context
    finally:
        jobs._worker_app.cache_clear()
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and b"e@ville.example" in files[0].read_bytes()


class _RecordingSMTP:
    """Stands for the SMTP server: records what is sent, and whether a response was still open."""

    def __init__(self, sent: list[str], open_responses: list[int]) -> None:
        self.sent, self.open_responses = sent, open_responses

    def __enter__(self) -> "_RecordingSMTP":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self, **kwargs: object) -> None:
        return None

    def send_message(self, msg: object) -> None:
        from flask import has_request_context

        assert not has_request_context(), "an e-mail was sent inside a request"
        assert self.open_responses == [], "an e-mail was sent before the response was complete"
        self.sent.append(msg["To"])  # type: ignore[index]


def _smtp_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, list[str], list[int]]:
    sent: list[str] = []
    open_responses: list[int] = []
    monkeypatch.setattr(mail.smtplib, "SMTP", lambda *args, **kwargs: _RecordingSMTP(sent, open_responses))
    return make_test_app(database_url, mail_backend="smtp", smtp_host="smtp.ville.example"), sent, open_responses


def _serve(app: object, open_responses: list[int], **request: object) -> tuple[str, list[object]]:
    """One request as a WSGI server runs it: call, read the body, then close (after sending)."""
    from werkzeug.test import EnvironBuilder

    statuses: list[str] = []
    body = app(EnvironBuilder(**request).get_environ(), lambda status, headers, exc_info=None: statuses.append(status))  # type: ignore[operator]
    open_responses.append(1)
    chunks = list(body)
    open_responses.clear()
    return statuses[0], [body, chunks]


def test_no_request_sends_mail_itself_it_leaves_after_the_response(database_url, session, make, monkeypatch) -> None:
    """Without Redis (a laptop), the e-mails a request committed are sent once its response has
    been sent, by the WSGI close, never while the person waits (DESIGN: the vote waits on nothing
    but the database)."""
    app, sent, open_responses = _smtp_app(database_url, monkeypatch)
    make.user("kim@ville.example")
    session.commit()
    status, (body, _) = _serve(app, open_responses, path="/account/forgot", method="POST",
                               data={"email": "kim@ville.example"})
    assert status.startswith("302") and sent == []
    body.close()  # what the server does once the response is out
    assert sent == ["kim@ville.example"]


def test_the_vote_receipt_leaves_after_the_vote_answered(database_url, session, make, monkeypatch) -> None:
    from .voting.conftest import build_world

    app, sent, open_responses = _smtp_app(database_url, monkeypatch)
    world = build_world(session, make, emails=True)
    token = next(t for t in world.tokens if t.email)
    choices = world.ids(0 if token.district == "q1" else 1, 1)
    status, (body, chunks) = _serve(app, open_responses, path=f"/api/v1/editions/{world.slug}/ballots", method="POST",
                                    json={"token": token.token, "choices": choices})
    assert status.startswith("201"), chunks
    assert sent == []
    body.close()
    assert sent == [token.email]


def test_a_job_failing_after_the_response_is_kept_in_the_outbox(database_url, session, make, monkeypatch) -> None:
    app, sent, open_responses = _smtp_app(database_url, monkeypatch)
    monkeypatch.setattr(mail.smtplib, "SMTP", lambda *args, **kwargs: (_ for _ in ()).throw(OSError("SMTP down")))
    make.user("kim@ville.example")
    session.commit()
    status, (body, _) = _serve(app, open_responses, path="/account/forgot", method="POST",
                               data={"email": "kim@ville.example"})
    body.close()  # never raises into the server
    assert status.startswith("302")
    session.expire_all()
    row = session.query(JobOutbox).one()
    assert row.func == "pb.mail.send_email" and "SMTP down" in row.error
