"""The life of an idea, in one table.

Every status change goes through `check_transition`, so the table below is the whole truth: who
may make the change (its authors, or the review team), in which phases of the edition, and
whether a public reason is required. Tests walk every pair of statuses against it.

    draft ─submit─▶ submitted ─▶ not_admissible (reason)
                       │   └───▶ admissible ─▶ infeasible (reason)
                       │               └─────▶ feasible (a project is created)
                       └─ submitted / admissible / feasible ─merge─▶ merged (into a project)
    draft / submitted / admissible / feasible ─withdraw─▶ withdrawn (by an author, before the vote)
    not_admissible ─reopen─▶ submitted, infeasible ─reopen─▶ admissible (review team, with reason)
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from pb.editions.models import Phase
from pb.errors import PbError
from pb.ideas.models import IdeaStatus as S

AUTHOR = "author"  # an author of the idea (or staff acting for a holder without an account)
REVIEW = "review"  # the review team (assigned reviewer, administrator)
SYSTEM = "system"  # the platform itself (a merge, a project withdrawn with its idea)


@dataclass(frozen=True)
class Transition:
    by: str
    phases: tuple[Phase, ...]
    reason_required: bool = False
    verb: str = ""


BEFORE_VOTE = (Phase.SUBMISSION, Phase.REVIEW)

TRANSITIONS: dict[tuple[S, S], Transition] = {
    (S.DRAFT, S.SUBMITTED): Transition(AUTHOR, (Phase.SUBMISSION,), verb="submit"),
    (S.SUBMITTED, S.NOT_ADMISSIBLE): Transition(REVIEW, BEFORE_VOTE, reason_required=True, verb="decide"),
    (S.SUBMITTED, S.ADMISSIBLE): Transition(REVIEW, BEFORE_VOTE, verb="decide"),
    (S.ADMISSIBLE, S.INFEASIBLE): Transition(REVIEW, (Phase.REVIEW,), reason_required=True, verb="decide"),
    (S.ADMISSIBLE, S.FEASIBLE): Transition(REVIEW, (Phase.REVIEW,), verb="decide"),
    (S.SUBMITTED, S.MERGED): Transition(REVIEW, (Phase.REVIEW,), reason_required=True, verb="merge"),
    (S.ADMISSIBLE, S.MERGED): Transition(REVIEW, (Phase.REVIEW,), reason_required=True, verb="merge"),
    (S.FEASIBLE, S.MERGED): Transition(REVIEW, (Phase.REVIEW,), reason_required=True, verb="merge"),
    (S.NOT_ADMISSIBLE, S.SUBMITTED): Transition(REVIEW, BEFORE_VOTE, reason_required=True, verb="reopen"),
    (S.INFEASIBLE, S.ADMISSIBLE): Transition(REVIEW, (Phase.REVIEW,), reason_required=True, verb="reopen"),
    (S.DRAFT, S.WITHDRAWN): Transition(AUTHOR, BEFORE_VOTE, verb="withdraw"),
    (S.SUBMITTED, S.WITHDRAWN): Transition(AUTHOR, BEFORE_VOTE, verb="withdraw"),
    (S.ADMISSIBLE, S.WITHDRAWN): Transition(AUTHOR, BEFORE_VOTE, verb="withdraw"),
    (S.FEASIBLE, S.WITHDRAWN): Transition(AUTHOR, BEFORE_VOTE, verb="withdraw"),
}

# Statuses in which authors may still edit the text of their idea (until the deadline).
EDITABLE = (S.DRAFT, S.SUBMITTED)
# Statuses that are final: no transition leaves them.
FINAL = tuple(s for s in S if not any(src == s for src, _dst in TRANSITIONS))
# Statuses shown to the public (drafts belong to their authors).
PUBLIC = tuple(s for s in S if s is not S.DRAFT)


class InvalidTransition(PbError):
    code = "invalid_transition"
    status = 409
    message = _l("An idea cannot go from “%(current)s” to “%(target)s”.")


class TransitionNotAllowed(PbError):
    code = "transition_not_allowed"
    status = 403
    message = _l("You cannot make this change to the idea: %(who)s.")


class PhaseClosed(PbError):
    code = "phase_closed"
    status = 409
    message = _l("This is not possible during the phase “%(phase)s” of the edition (possible during: %(phases)s).")


class ReasonRequired(PbError):
    code = "reason_required"
    status = 422
    message = _l("A public reason is required for this decision.")

    def __init__(self) -> None:
        super().__init__()
        self.field = "public_reason"


WHO = {AUTHOR: _l("only its authors can do it"), REVIEW: _l("only the review team can do it"),
       SYSTEM: _l("only the platform does it")}


def check_transition(current: S, target: S, *, by: str, phase: Phase, reason: str = "") -> Transition:
    """The transition, or the named refusal: unknown transition, wrong actor, wrong phase,
    missing reason (in this order, so the message names the first obstacle)."""
    transition = TRANSITIONS.get((current, target))
    if transition is None:
        raise InvalidTransition(current=current.label, target=target.label)
    if by != transition.by and by != SYSTEM:
        raise TransitionNotAllowed(who=WHO[transition.by])
    if phase not in transition.phases:
        raise PhaseClosed(phase=phase.label, phases=", ".join(p.label for p in transition.phases))
    if transition.reason_required and not reason.strip():
        raise ReasonRequired()
    return transition


def allowed_targets(current: S, *, by: str, phase: Phase) -> list[S]:
    """What a person of kind `by` may do with an idea in `current` status during `phase`."""
    return [dst for (src, dst), t in TRANSITIONS.items()
            if src == current and (t.by == by or by == SYSTEM) and phase in t.phases]
