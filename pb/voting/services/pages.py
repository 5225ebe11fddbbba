"""What the resident's voting pages show and send (the views parse the request and render; the
queries and the ballot's rules live here): the ballot with what is left, the check of a review,
the payload of a confirmation, the board's listing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.editions import describe
from pb.editions.models import Edition
from pb.projects.services import ballot_projects
from pb.voting import errors, rules
from pb.voting.models import BoardEntry
from pb.voting.services.board import board_entries, board_size
from pb.voting.services.casting import ballot_preview, districts_of

# The key of a ballot's choices in a vote's payload, by ballot type (the API's names).
PAYLOAD_KEYS = {"majority_judgment": "grades", "cumulative": "points"}


def ballot_page(session: Session, edition: Edition, district_id: int | None, chosen: dict[int, int]) -> dict[str, Any]:
    """The ballot of a voter (their district and the city-wide one; every district under the
    choice rule), the projects of each, and what is left given `chosen`."""
    ballot_rules = rules.BallotRules.of(edition)
    infos = districts_of(edition)
    if ballot_rules.residence_rule == "choice":
        shown = list(edition.districts)
    else:
        shown = [d for d in edition.districts if d.id == district_id or d.is_citywide]
    projects = {d.id: ballot_projects(session, edition.id, d.id) for d in shown}
    shown = [d for d in shown if projects[d.id]]
    costs = {p.id: (p.district_id, p.cost_cents) for ps in projects.values() for p in ps}
    summary = rules.summarise(ballot_rules, chosen, costs, [infos[d.id] for d in shown])
    grades = describe.grade_labels(edition.grade_count or 5) if ballot_rules.ballot_type == "majority_judgment" else []
    return {"edition": edition, "districts": shown, "projects": projects, "chosen": chosen,
            "summary": {s.district.id: s for s in summary}, "rules_text": describe.ballot_rules(edition),
            "kind": ballot_rules.ballot_type, "grades": grades, "ballot_rules": ballot_rules}


def review_choices(session: Session, edition: Edition, district_id: int | None,
                   raw: Any) -> tuple[dict[int, int], errors.VoteRefused | None]:
    """The choices read from a form and the first rule they break (None if the ballot is valid
    and may be confirmed). Nothing is written."""
    try:
        chosen = rules.parse_choices(rules.BallotRules.of(edition), raw)
    except errors.VoteRefused as error:
        return {}, error
    try:
        ballot_preview(session, edition, chosen, district_id)
    except errors.VoteRefused as error:
        return chosen, error
    return chosen, None


def cast_payload(edition: Edition, stored: dict[str, int]) -> dict[str, Any]:
    """The vote's payload for the choices kept in the browser session, as the API takes it."""
    key = PAYLOAD_KEYS.get(str(edition.ballot_type), "choices")
    return {key: list(stored) if key == "choices" else stored}


def board_listing(edition_id: int) -> sa.Select[Any]:
    """The sealed entries of the board, in their order (for a paginated page)."""
    return (sa.select(BoardEntry).where(BoardEntry.edition_id == edition_id, BoardEntry.position.is_not(None))
            .order_by(BoardEntry.position))


def board_state(session: Session, edition_id: int) -> tuple[int, int, BoardEntry | None]:
    """(sealed entries, pending entries, the head entry or None)."""
    sealed, pending = board_size(session, edition_id)
    head = board_entries(session, edition_id, after=sealed - 1, limit=1) if sealed else []
    return sealed, pending, head[0] if head else None
