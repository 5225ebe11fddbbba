"""Fixtures of the citizen cycle (ideas, review, councils): a factory that walks ideas through
their life with the services, so that set-up obeys the same rules as the application."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.ideas import services as ideas
from pb.ideas.models import IdeaStatus
from pb.review import services as review
from pb.review.models import Decision


class Cycle:
    def __init__(self, session: Any, make: Any) -> None:
        self.session = session
        self.make = make
        self.n = 0

    def edition(self, phase: Phase | str = Phase.SUBMISSION, **kwargs: Any) -> Any:
        edition = self.make.edition(**kwargs)
        self.phase(edition, phase)
        return edition

    def phase(self, edition: Any, phase: Phase | str) -> Any:
        editions.set_phase(self.session, SYSTEM, edition, Phase(phase))
        self.session.flush()
        return edition

    def idea(self, edition: Any, author: Any = None, *, status: IdeaStatus | str = IdeaStatus.SUBMITTED,
             district: Any = None, cost: int = 50_000_00, **fields: Any) -> Any:
        """An idea in `status`, reached through the services (the edition's phase is moved as
        needed and left where the last step needed it)."""
        status = IdeaStatus(status)
        self.n += 1
        author = author or self.make.user()
        original = edition.phase
        if edition.phase is not Phase.SUBMISSION:
            self.phase(edition, Phase.SUBMISSION)
        values = {"title": f"Idée numéro {self.n}", "description": "Une description assez longue de l'idée.",
                  "district_id": (district or edition.districts[0]).id, "theme": "nature",
                  "estimated_cost_cents": cost, **fields}
        idea = ideas.create_idea(self.session, author, edition, submit=status is not IdeaStatus.DRAFT, **values)
        if status in (IdeaStatus.DRAFT, IdeaStatus.SUBMITTED):
            pass
        elif status is IdeaStatus.WITHDRAWN:
            ideas.withdraw_idea(self.session, author, idea)
        else:
            self.decide(idea, status)
        if original is not edition.phase and original.rank >= edition.phase.rank:
            self.phase(edition, original)
        self.session.flush()
        return idea

    def decide(self, idea: Any, status: IdeaStatus, cost: int = 40_000_00) -> Any:
        edition = idea.edition
        items = review.checklist(self.session, edition)
        yes = {i.id: True for i in items}
        if status in (IdeaStatus.INFEASIBLE, IdeaStatus.FEASIBLE, IdeaStatus.MERGED):
            if edition.phase is not Phase.REVIEW:
                self.phase(edition, Phase.REVIEW)
        decision = {IdeaStatus.NOT_ADMISSIBLE: Decision.NOT_ADMISSIBLE, IdeaStatus.ADMISSIBLE: Decision.ADMISSIBLE,
                    IdeaStatus.INFEASIBLE: Decision.INFEASIBLE, IdeaStatus.FEASIBLE: Decision.FEASIBLE,
                    IdeaStatus.MERGED: Decision.ADMISSIBLE}[status]
        review.save_review(self.session, SYSTEM, idea, answers=yes, reviewed_cost_cents=cost, decision=decision,
                           public_reason="Raison publique de la décision.")
        if status is IdeaStatus.MERGED:
            from pb.review.projects import merge_ideas

            target = self.idea(edition, status=IdeaStatus.FEASIBLE, district=idea.district)
            merge_ideas(self.session, SYSTEM, edition, [idea.id], project_id=target.project_id)
        return idea


@pytest.fixture
def cycle(session: Any, make: Any) -> Cycle:
    return Cycle(session, make)


@pytest.fixture
def upload_dir(app: Any, side_app: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Uploaded files go to a temporary folder, with a 1 MB limit (for the test's own services
    and for the app the client calls)."""
    for flask_app in (app, side_app):
        settings = dataclasses.replace(flask_app.config["PB_SETTINGS"], upload_folder=str(tmp_path / "uploads"),
                                       upload_max_mb=1)
        monkeypatch.setitem(flask_app.config, "PB_SETTINGS", settings)
    return tmp_path / "uploads"
