"""The resident's side: open a voting link or type a code, fill the ballot, review what is left,
confirm, read the tracker; the public board; asking for a code (self-registration).

The raw token never stays in the address bar: /vote/<token> checks it, starts a fresh browser
session holding it, and redirects to the ballot page."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug import Response

from pb.authz import public
from pb.db import db
from pb.editions.models import Edition, Phase, Verification
from pb.errors import PbError
from pb.attempts import limiter_of
from pb.voting import attempts, errors
from pb.voting.forms import CodeForm, DeclaredEmailForm, RequestCodeForm
from pb.voting.services import access, find_tracker, pages, requests, seal_pending
from pb.voting.services.board import signed_heads
from pb.voting.services.casting import cast_ballot
from pb.voting.services.results import results_open
from pb.voting.services.secrecy import ballot_key
from pb.web.forms import form_status
from pb.web.views import no_store
from pb.web.pagination import paginate
from pb.web.lookups import visible_edition

bp = Blueprint("voting", __name__)
EDITION_PAGE_LINKS = [(_l("Vote"), "voting.ballot"), (_l("Public board of trackers"), "voting.board")]
SESSION_MINUTES = 30  # a ballot left open on a shared computer expires


def client_address() -> str:
    return request.remote_addr or ""


def _refused(error: PbError) -> tuple[str, int]:
    return render_template("voting/refused.html", error=error), error.status


def _open_with_limit(credential: str) -> access.OpenBallot:
    """open_ballot behind the failed-attempt limits of the code (one budget with the API's)."""
    key = attempts.key_of(credential)
    attempts.check(client_address(), key)
    try:
        return access.open_ballot(db.session, credential, client=client_address())
    except errors.VoteRefused as error:
        if error.credential:
            attempts.failed(client_address(), key)
        raise


def _start_session(opened: access.OpenBallot, credential: str) -> Response:
    session.clear()  # a new session for the ballot: nothing from before survives
    session["vote"] = {"credential": credential, "edition": opened.edition.id, "since": int(time.time()), "choices": {}}
    return redirect(url_for("voting.ballot", slug=opened.edition.slug))


@bp.get("/vote/<token>")
@public
def start(token: str) -> Response | tuple[str, int]:
    try:
        opened = _open_with_limit(token)
    except PbError as error:
        return _refused(error)
    return _start_session(opened, token)


@bp.route("/vote", methods=["GET", "POST"])
@public
@no_store
def code() -> Response | str | tuple[str, int]:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            opened = _open_with_limit(form.code.data)
        except PbError as error:
            form.code.errors = [error.text()]
            if error.status == 429:
                return render_template("voting/code.html", form=form), 429
        else:
            return _start_session(opened, form.code.data)
    return render_template("voting/code.html", form=form), form_status(form)


def _current_vote(edition: Edition) -> tuple[dict[str, Any] | None, access.OpenBallot | None]:
    data = session.get("vote")
    if not data or data.get("edition") != edition.id:
        return None, None
    if time.time() - data.get("since", 0) > SESSION_MINUTES * 60:
        session.pop("vote", None)
        flash(_("Your ballot was left open too long and has been closed. Open your voting link again."), "warning")
        return None, None
    opened = access.ballot_voter(db.session, edition, data["credential"])
    if opened is None:
        session.pop("vote", None)
        return None, None
    return data, opened


def _ballot_context(edition: Edition, opened: access.OpenBallot, chosen: dict[int, int]) -> dict[str, Any]:
    return pages.ballot_page(db.session, edition, opened.district_id, chosen)


def _choices_from_form(edition: Edition) -> Any:
    kind = str(edition.ballot_type)
    if kind in ("approval", "knapsack"):
        return request.form.getlist("p")
    prefix = "grade-" if kind == "majority_judgment" else "points-"
    values = {}
    for key, value in request.form.items():
        if key.startswith(prefix) and value.strip() != "":
            values[key[len(prefix):]] = value.strip()
    return values


@bp.get("/editions/<slug>/vote")
@public
@no_store
def ballot(slug: str) -> Response | str:
    edition = visible_edition(slug)
    data, opened = _current_vote(edition)
    if opened is None:
        return render_template("voting/closed_or_code.html", edition=edition, form=CodeForm(),
                               is_open=edition.phase == Phase.VOTE)
    chosen = {int(k): int(v) for k, v in data.get("choices", {}).items()}
    return render_template("voting/ballot.html", **_ballot_context(edition, opened, chosen))


@bp.post("/editions/<slug>/vote/review")
@public
@no_store
def review(slug: str) -> Response | str | tuple[str, int]:
    edition = visible_edition(slug)
    data, opened = _current_vote(edition)
    if opened is None:
        return redirect(url_for("voting.ballot", slug=slug))
    chosen, problem = pages.review_choices(db.session, edition, opened.district_id, _choices_from_form(edition))
    data["choices"] = {str(k): v for k, v in chosen.items()}
    session["vote"] = data
    context = _ballot_context(edition, opened, chosen)
    if problem is not None:
        return render_template("voting/ballot.html", problem=problem, **context), 422
    return render_template("voting/review.html", **context)


@bp.post("/editions/<slug>/vote/confirm")
@public
@no_store
def confirm(slug: str) -> Response | str | tuple[str, int]:
    edition = visible_edition(slug)
    data, opened = _current_vote(edition)
    if opened is None:
        return redirect(url_for("voting.ballot", slug=slug))
    stored = data.get("choices", {})
    payload = pages.cast_payload(edition, stored)
    try:
        receipt = cast_ballot(db.session, edition, credential=data["credential"], payload=payload,
                              client=client_address())
    except errors.VoteRefused as error:
        if error.status == 422:
            chosen = {int(k): int(v) for k, v in stored.items()}
            return render_template("voting/ballot.html", problem=error,
                                   **_ballot_context(edition, opened, chosen)), 422
        session.pop("vote", None)
        return _refused(error)
    session.clear()
    session["receipt"] = {"edition": edition.id, "tracker": receipt.tracker}
    return redirect(url_for("voting.receipt", slug=slug))


@bp.get("/editions/<slug>/vote/receipt")
@public
@no_store
def receipt(slug: str) -> str | Response:
    edition = visible_edition(slug)
    data = session.get("receipt")
    if not data or data.get("edition") != edition.id:
        return redirect(url_for("voting.board", slug=slug))
    return render_template("voting/receipt.html", edition=edition, tracker=data["tracker"])


@bp.post("/editions/<slug>/vote/finish")
@public
@no_store
def finish(slug: str) -> Response:
    session.clear()
    flash(_("Thank you for voting. You can close this window."), "success")
    return redirect(url_for("editions.show", slug=slug))


@bp.get("/editions/<slug>/board")
@public
def board(slug: str) -> str:
    edition = visible_edition(slug)
    seal_pending(db.factory, edition.id)
    searched = (request.args.get("tracker") or "").strip()[:40]
    found = find_tracker(db.session, edition.id, searched) if searched else None
    page = paginate(db.session, pages.board_listing(edition.id), request.args.get("page"), per_page=100)
    sealed, pending, head = pages.board_state(db.session, edition.id)
    key = ballot_key(db.session, edition)
    return render_template("voting/board.html", edition=edition, page=page, searched=searched, found=found,
                           sealed=sealed, pending=pending, head=head, closed=results_open(edition),
                           heads=signed_heads(db.session, edition.id), signing_key=key.signing_key if key else None)


@bp.route("/editions/<slug>/vote/request-code", methods=["GET", "POST"])
@public
@no_store
def request_code(slug: str) -> str | Response | tuple[str, int]:
    """The same answer whether or not the identity is on the register (services/requests.py)."""
    edition = visible_edition(slug)
    declared = edition.verification == Verification.DECLARED_EMAIL
    form = DeclaredEmailForm() if declared else RequestCodeForm()
    if form.validate_on_submit():
        try:
            # Every request counts (a failure cannot be told apart without saying who is on the
            # register): per identity asked for, and per address.
            asked = attempts.key_of("|".join([form.last_name.data, form.first_name.data, str(form.birth_date.data)]))
            limiter_of().check("request", client_address(), asked)
            limiter_of().failed("request", client_address(), asked)
            requests.request_token(db.session, edition, last_name=form.last_name.data, first_name=form.first_name.data,
                                   birth_date=form.birth_date.data, email=form.email.data if declared else "",
                                   client=client_address())
        except PbError as error:
            flash(error.text(), "error")
            return render_template("voting/request_code.html", edition=edition, form=form), error.status
        return render_template("voting/request_code.html", edition=edition, form=form, answered=True)
    return render_template("voting/request_code.html", edition=edition, form=form), form_status(form)
