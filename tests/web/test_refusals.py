"""A refused action leaves nothing behind. A service may write before it finds the rule that
refuses (the review saved its answers, cost and reason, then refused the decision: the next
decision reused them and a resident was told "Non faisable" with the reason "Faisable : …").
Every view shows a refusal through `show_error`, which rolls back what the refused call wrote;
the database is compared table by table before and after refused requests, and every view that
catches a refusal is checked to go through `show_error`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pb.editions.models import Phase
from pb.errors import PbError
from pb.models import load_models
from pb.review import services as review
from tests.ideas import conftest as ideas_fixtures

cycle = ideas_fixtures.cycle  # the citizen cycle fixture

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(session) -> dict[str, list[str]]:
    session.expire_all()
    rows = {}
    for table in load_models().metadata.sorted_tables:
        rows[table.name] = sorted(repr(tuple(r)) for r in session.execute(sa.select(table)))
    session.rollback()
    return rows


def _changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    return {name: {"removed": sorted(set(before[name]) - set(after[name])),
                   "added": sorted(set(after[name]) - set(before[name]))}
            for name in before if before[name] != after[name]}


def _review_form(session, edition, *, answer: str = "yes", **fields: str) -> dict[str, str]:
    items = review.checklist(session, edition)
    session.commit()
    return {**{f"item_{i.id}": answer for i in items}, "reviewed_cost_cents": "12 500",
            "public_reason": "Faisable : le terrain est municipal.", "internal_note": "Vu avec la voirie.", **fields}


def _feasible_outside_the_review_phase(session, cycle, make):
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    return f"/admin/review/ideas/{idea.id}", _review_form(session, edition, decision="feasible")


def _admissible_with_a_failed_criterion(session, cycle, make):
    edition = cycle.edition(Phase.REVIEW)
    idea = cycle.idea(edition)
    return f"/admin/review/ideas/{idea.id}", _review_form(session, edition, answer="no", decision="admissible")


def _feasible_without_a_cost(session, cycle, make):
    edition = cycle.edition(Phase.REVIEW)
    idea = cycle.idea(edition, status="admissible")
    return f"/admin/review/ideas/{idea.id}", _review_form(session, edition, decision="feasible",
                                                          reviewed_cost_cents="")


def _district_added_once_frozen(session, cycle, make):
    edition = cycle.edition(Phase.VOTE)
    return f"/admin/editions/{edition.id}/districts/new", {"name": "Nouveau quartier", "code": "nouveau",
                                                           "envelope_cents": "1 000", "population": "10"}


@pytest.mark.parametrize("scenario", [_feasible_outside_the_review_phase, _admissible_with_a_failed_criterion,
                                      _feasible_without_a_cost, _district_added_once_frozen],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_refused_request_changes_nothing(session, cycle, make, client, auth, scenario) -> None:
    admin = make.admin()
    url, data = scenario(session, cycle, make)
    session.commit()
    auth.login(admin)
    before = _snapshot(session)
    response = client.post(url, data=data)
    assert response.status_code >= 400, response.status_code
    assert _changed(before, _snapshot(session)) == {}


def test_the_next_decision_does_not_reuse_a_refused_one(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    refused = client.post(f"/admin/review/ideas/{idea.id}", data=_review_form(session, edition, decision="feasible"))
    assert refused.status_code >= 400
    # The page shows what was typed (nothing is lost), but nothing of it is stored.
    assert "Faisable : le terrain est municipal." in refused.get_data(as_text=True)
    assert review.review_of(session, idea) is None


def _views_catching_refusals() -> list[tuple[str, int, ast.ExceptHandler]]:
    found = []
    for path in sorted((ROOT / "pb").rglob("*.py")):
        if path.name not in ("views.py", "admin.py") and "views" not in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(node.type)}
                if "PbError" in names:
                    found.append((str(path.relative_to(ROOT)), node.lineno, node))
    return found


# Views that answer a refusal otherwise than on a form, each with why it leaves nothing behind.
OTHER_WAYS = {
    "pb/voting/views.py": "the vote refuses through cast_ballot, which commits the refusal's audit line alone",
}


def test_every_view_shows_a_refusal_through_show_error() -> None:
    handlers = _views_catching_refusals()
    assert len(handlers) >= 30
    missing = []
    for path, line, handler in handlers:
        calls = {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
                 for n in ast.walk(handler) if isinstance(n, ast.Call)}
        reraises = any(isinstance(n, ast.Raise) for n in ast.walk(handler))
        if "show_error" not in calls and not reraises and path not in OTHER_WAYS:
            missing.append(f"{path}:{line}")
    assert missing == []


def test_only_refusals_that_are_records_keep_their_writes() -> None:
    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}

    load_models()
    import pb.app  # noqa: F401 - every domain's errors

    recorded = sorted(c.__name__ for c in subclasses(PbError) if c.recorded)
    assert recorded == ["EmailNotConfirmed", "InvalidCredentials"]
