"""Staff pages: the register (import with progress and report), voting codes (CSV for letters,
e-mail batches), one voter's token (revoke and re-issue), turnout."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import guard
from pb.db import db
from pb.editions.models import Edition
from pb.errors import PbError
from pb.jobs import TaskRun, enqueue_after_commit, start_task
from pb.voting import jobs
from pb.voting.forms import DecideRequestForm, DecryptForm, FindVoterForm, ImportForm, IssueForm, RevokeForm
from pb.voting.models import Voter
from pb.voting.services import (
    count_voters, find_voter, register_counts, requests, results_open, revoke_token, turnout as voting_turnout,
)
from pb.voting.services.register import REASONS, near_duplicates, reason_text
from pb.voting.services.tokens import active_token, has_voted, send_token_email
from pb.web.forms import form_status, show_error
from pb.web.lookups import staff_edition

bp = Blueprint("voting_admin", __name__, url_prefix="/admin/editions/<int:edition_id>/voting")
EDITION_ADMIN_LINKS = [(_l("Voters and voting codes"), "voting_admin.index", "voting.manage")]



@bp.get("/")
@guard("voting.manage")
def index(edition_id: int) -> str:
    edition = staff_edition(edition_id, "voting.manage")
    counts = register_counts(db.session, edition)
    turnout = voting_turnout(db.session, edition)
    tasks = db.session.query(TaskRun).filter(TaskRun.edition_id == edition.id, TaskRun.kind.like("voting.%")) \
        .order_by(TaskRun.id.desc()).limit(10).all()
    return render_template("voting/admin/index.html", edition=edition, counts=counts, turnout=turnout,
                           voters=count_voters(db.session, edition), tasks=tasks,
                           districts={d.id: d for d in edition.districts})


@bp.route("/import", methods=["GET", "POST"])
@guard("voting.manage")
def import_register(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "voting.manage")
    form = ImportForm()
    if form.validate_on_submit():
        upload = f"upload-{secrets.token_hex(8)}.csv"
        form.file.data.save(jobs.files_dir() / upload)
        task = start_task(db.session, "voting.import", _("Register import"), edition_id=edition.id,
                          started_by_id=current_user.id)
        enqueue_after_commit(db.session, jobs.import_register_job, task.id, edition.id, upload, current_user.id)
        return redirect(url_for("voting_admin.task", edition_id=edition.id, task_id=task.id))
    return render_template("voting/admin/import.html", edition=edition, form=form), form_status(form)


@bp.route("/key", methods=["GET", "POST"])
@guard("voting.manage")
def key(edition_id: int) -> str | Response | tuple[str, int]:
    """The ballot key: its mode and, after the close, the decryption (the trustees' shares)."""
    from pb.voting.services import secrecy

    edition = staff_edition(edition_id, "voting.manage")
    form = DecryptForm()
    if form.validate_on_submit():
        texts = [f.read(64 * 1024).decode("utf-8", errors="replace") for f in form.shares.data or [] if f and f.filename]
        try:
            done = secrecy.decrypt_ballots(db.session, current_user, edition, texts or None)
        except PbError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Votes decrypted: %(votes)s; ballots ready for the count: %(ballots)s.", votes=done.votes,
                    ballots=done.ballots), "success")
            return redirect(url_for("voting_admin.key", edition_id=edition.id))
    return render_template("voting/admin/key.html", edition=edition, form=form,
                           key=secrecy.ballot_key(db.session, edition),
                           encrypted=secrecy.sealed_count(db.session, edition.id),
                           closed=results_open(edition)), form_status(form)


@bp.route("/tokens", methods=["GET", "POST"])
@guard("voting.manage")
def issue(edition_id: int) -> str | Response:
    edition = staff_edition(edition_id, "voting.manage")
    form = IssueForm()
    if form.validate_on_submit():
        task = start_task(db.session, "voting.tokens", _("Voting codes"), edition_id=edition.id,
                          started_by_id=current_user.id)
        enqueue_after_commit(db.session, jobs.issue_tokens_job, task.id, edition.id, bool(form.with_codes.data),
                             current_user.id)
        return redirect(url_for("voting_admin.task", edition_id=edition.id, task_id=task.id))
    return render_template("voting/admin/issue.html", edition=edition, form=form,
                           counts=register_counts(db.session, edition))


@bp.route("/email", methods=["GET", "POST"])
@guard("voting.manage")
def email(edition_id: int) -> str | Response:
    edition = staff_edition(edition_id, "voting.manage")
    form = ConfirmForm()
    if form.validate_on_submit():
        task = start_task(db.session, "voting.email", _("E-mailing voting links"), edition_id=edition.id,
                          started_by_id=current_user.id)
        enqueue_after_commit(db.session, jobs.email_tokens_job, task.id, edition.id, current_user.id)
        return redirect(url_for("voting_admin.task", edition_id=edition.id, task_id=task.id))
    return render_template("voting/admin/email.html", edition=edition, form=form)


def _task(edition: Edition, task_id: int) -> TaskRun:
    task = db.session.get(TaskRun, task_id)
    if task is None or task.edition_id != edition.id or not task.kind.startswith("voting."):
        abort(404)
    return task


@bp.get("/tasks/<int:task_id>")
@guard("voting.manage")
def task(edition_id: int, task_id: int) -> Response | str:
    edition = staff_edition(edition_id, "voting.manage")
    task = _task(edition, task_id)
    response = make_response(render_template("voting/admin/task.html", edition=edition, task=task, form=ConfirmForm(),
                                             reasons=REASONS, reason_text=reason_text))
    if task.status in ("queued", "running"):
        response.headers["Refresh"] = "2"  # progress without JavaScript
    return response


def _task_file(task: TaskRun) -> Path:
    name = (task.report or {}).get("file")
    path = jobs.files_dir() / name if name else None
    if path is None or not path.is_file():
        abort(404)
    return path


@bp.get("/tasks/<int:task_id>/file")
@guard("voting.manage")
def task_file(edition_id: int, task_id: int) -> Response:
    edition = staff_edition(edition_id, "voting.manage")
    task = _task(edition, task_id)
    path = _task_file(task)
    from pb import audit

    audit.record(db.session, current_user, "voting.download", edition, after={"task": task.id, "kind": task.kind})
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"{edition.slug}-{task.kind.split('.')[1]}-{task.id}.csv")


@bp.route("/tasks/<int:task_id>/delete", methods=["GET", "POST"])
@guard("voting.manage")
def delete_file(edition_id: int, task_id: int) -> str | Response | tuple[str, int]:
    """Deleting a task's file cannot be undone (codes exist only in it): a page says so first."""
    edition = staff_edition(edition_id, "voting.manage")
    task = _task(edition, task_id)
    path = _task_file(task)
    form = ConfirmForm()
    if form.validate_on_submit():
        path.unlink(missing_ok=True)
        task.report = {k: v for k, v in (task.report or {}).items() if k != "file"}
        flash(_("The file is deleted."), "success")
        return redirect(url_for("voting_admin.task", edition_id=edition.id, task_id=task.id))
    return render_template("voting/admin/delete_file.html", edition=edition, task=task, form=form), form_status(form)


@bp.route("/voters", methods=["GET", "POST"])
@guard("voting.manage")
def find(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "voting.manage")
    form = FindVoterForm()
    if form.validate_on_submit():
        voter = find_voter(db.session, edition, ref=form.ref.data or "", last_name=form.last_name.data or "",
                           first_name=form.first_name.data or "", birth_date=form.birth_date.data,
                           external_id=form.external_id.data or "")
        if voter is not None:
            return redirect(url_for("voting_admin.voter", edition_id=edition.id, voter_id=voter.id))
        flash(_("No voter of this register matches."), "error")
    return render_template("voting/admin/find.html", edition=edition, form=form), 404 if form.is_submitted() else 200


def _voter(edition: Edition, voter_id: int) -> Voter:
    voter = db.session.get(Voter, voter_id)
    if voter is None or voter.edition_id != edition.id:
        abort(404)
    return voter


@bp.get("/voters/<int:voter_id>")
@guard("voting.manage")
def voter(edition_id: int, voter_id: int) -> str:
    edition = staff_edition(edition_id, "voting.manage")
    voter = _voter(edition, voter_id)
    return render_template("voting/admin/voter.html", edition=edition, voter=voter,
                           token=active_token(db.session, voter), voted=has_voted(db.session, voter),
                           districts={d.id: d for d in edition.districts})


@bp.route("/voters/<int:voter_id>/revoke", methods=["GET", "POST"])
@guard("voting.manage")
def revoke(edition_id: int, voter_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "voting.manage")
    voter = _voter(edition, voter_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            issued = revoke_token(db.session, current_user, voter, reason=form.reason.data)
        except PbError as error:
            show_error(form, error)
        else:
            if issued and form.email_it.data and voter.email:
                send_token_email(db.session, edition, voter.email, issued.token)
            return render_template("voting/admin/reissued.html", edition=edition, voter=voter, issued=issued,
                                   emailed=bool(form.email_it.data and voter.email))
    return render_template("voting/admin/revoke.html", edition=edition, voter=voter, form=form), form_status(form)


@bp.get("/requests")
@guard("voting.manage")
def requests_queue(edition_id: int) -> str:
    """Code requests that need a person: letters to post, second addresses (declared e-mail);
    and the register's near duplicates."""
    edition = staff_edition(edition_id, "voting.manage")
    return render_template("voting/admin/requests.html", edition=edition,
                           pending=requests.pending_requests(db.session, current_user, edition),
                           near=near_duplicates(db.session, edition))


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@guard("voting.manage")
def decide(edition_id: int, request_id: int) -> str | Response | tuple[str, int]:
    """The page asks first; approving sends a code (a letter to print, or a link to the new
    address), refusing sends nothing."""
    edition = staff_edition(edition_id, "voting.manage")
    found = requests.get_request(db.session, edition, request_id)  # NotFoundError: the error page, 404
    voter = _voter(edition, found.voter_id)
    form = DecideRequestForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        try:
            issued = requests.decide_request(db.session, current_user, edition, found, approve=approve)
        except PbError as error:
            show_error(form, error)
        else:
            if issued is not None and issued.code:
                return render_template("voting/admin/reissued.html", edition=edition, voter=voter, issued=issued,
                                       emailed=False)
            flash(_("The request is approved: a new voting link was e-mailed.") if approve
                  else _("The request is refused: nothing was sent."), "success")
            return redirect(url_for("voting_admin.requests_queue", edition_id=edition.id))
    return render_template("voting/admin/decide.html", edition=edition, item=found, voter=voter, form=form,
                           voted=has_voted(db.session, voter)), form_status(form)
