"""Editions: territory settings, editions, districts, the phase calendar and the rules.

The rule that matters most here: what changes the outcome (ballot type and limits, envelopes,
who may vote, the aggregation rule and its tie-break) is frozen once the vote has opened, and
stays frozen after it closed. `RulesFrozen` says so, whoever asks."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from pb import audit
from pb.authz import can, require
from pb.db import utcnow
from pb.editions.models import (
    AGGREGATION_RULES, CALENDAR_PHASES, FROZEN_PHASES, OUTCOME_RULES, TIE_BREAKS, BallotType, District, Edition, Phase,
    PhaseWindow, ResidenceRule, Territory, Verification, VoteExtension,
)
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.slugs import slugify


class RulesFrozen(PbError):
    code = "rules_frozen"
    status = 409
    message = _l("The vote has opened: the rules that decide the outcome can no longer change (%(fields)s).")


class InvalidPhaseChange(PbError):
    code = "invalid_phase_change"
    status = 409
    message = _l("The edition cannot go from phase “%(current)s” to “%(target)s”.")


class EditionNotReady(PbError):
    code = "edition_not_ready"
    status = 422
    message = _l("The vote cannot open: %(reason)s")


RULE_FIELDS = OUTCOME_RULES + (
    "comments_before_review", "comments_during_review", "comments_during_vote", "public_meeting_required",
)
MAX_ID = 2 ** 31 - 1  # an integer column: a larger id finds nothing (and must not reach the database)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Other domains react to phase changes (freeze the ballot when the vote opens, ...) and may veto
# the vote's opening by raising EditionNotReady. Each hook: fn(session, edition, old, new).
PhaseHook = Callable[[Session, Edition, Phase, Phase], None]
PHASE_HOOKS: list[PhaseHook] = []


def phase_hook(fn: PhaseHook) -> PhaseHook:
    PHASE_HOOKS.append(fn)
    return fn


# -- territory --------------------------------------------------------------------------------------

def get_territory(session: Session) -> Territory:
    territory = session.scalar(sa.select(Territory).order_by(Territory.id).limit(1))
    if territory is None:
        territory = Territory(name="Ma ville", insee_code="", population=0)
        session.add(territory)
        session.flush()
    return territory


def update_territory(session: Session, actor: Any, *, name: str, insee_code: str, population: int,
                     website: str = "") -> Territory:
    require(actor, "territory.manage")
    insee_code = insee_code.strip().upper()
    if insee_code and not re.fullmatch(r"[0-9][0-9AB][0-9]{3}", insee_code):
        raise ValidationFailed(_l("An INSEE code has five characters, for example 38185 or 2A004."),
                               field="insee_code")
    if population < 0:
        raise ValidationFailed(_l("The population cannot be negative."), field="population")
    territory = get_territory(session)
    fields = ("name", "insee_code", "population", "website")
    before = audit.snapshot(territory, fields)
    territory.name, territory.insee_code, territory.population, territory.website = (
        name.strip(), insee_code, population, website.strip())
    audit.record(session, actor, "territory.update", territory, **_changed(before, territory, fields))
    return territory


def _changed(before: dict[str, Any], obj: Any, fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    old, new = audit.changes(before, audit.snapshot(obj, tuple(fields)))
    return {"before": old, "after": new}


# -- editions -----------------------------------------------------------------------------------------

def list_editions(session: Session, viewer: Any = None) -> list[Edition]:
    editions = session.scalars(
        sa.select(Edition).options(selectinload(Edition.districts)).order_by(Edition.year.desc(), Edition.id.desc())
    ).all()
    return [e for e in editions if can(viewer, "edition.view", e)]


def get_edition(session: Session, ref: str | int) -> Edition:
    """By id or slug (the command line and the API accept both)."""
    number = ref if isinstance(ref, int) else None
    if isinstance(ref, str) and re.fullmatch(r"[0-9]+", ref):
        number = int(ref) if len(ref) <= 10 else -1  # 5,000 digits is no id (and no slug)
    if number is not None:
        edition = session.get(Edition, number) if 0 < number <= MAX_ID else None
    else:
        edition = session.scalar(sa.select(Edition).where(Edition.slug == ref))
    if edition is None:
        raise NotFoundError(_l("No edition “%(ref)s”."), ref=ref)
    return edition


def _check_slug(session: Session, slug: str, edition_id: int | None = None) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationFailed(_l("Use lower-case letters, digits and dashes, for example bp-2027."), field="slug")
    clash = session.scalar(sa.select(Edition.id).where(Edition.slug == slug, Edition.id != (edition_id or 0)))
    if clash is not None:
        raise ValidationFailed(_l("Another edition already uses this address."), field="slug")
    return slug


def create_edition(session: Session, actor: Any, *, name: str, slug: str, year: int, description: str = "") -> Edition:
    require(actor, "edition.create")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_l("Give a year between 2000 and 2100."), field="year")
    edition = Edition(name=name.strip(), slug=_check_slug(session, slug or slugify(name, max_length=64)), year=year,
                      description=description,
                      tie_break_seed=secrets.token_hex(8))
    session.add(edition)
    session.flush()
    audit.record(session, actor, "edition.create", edition, after={"name": edition.name, "slug": edition.slug})
    return edition


def update_edition(session: Session, actor: Any, edition: Edition, *, name: str, slug: str, year: int,
                   description: str) -> Edition:
    require(actor, "edition.manage", edition)
    fields = ("name", "slug", "year", "description")
    before = audit.snapshot(edition, fields)
    edition.name = name.strip()
    edition.slug = _check_slug(session, slug or slugify(name, max_length=64), edition.id)
    edition.year = year
    edition.description = description
    audit.record(session, actor, "edition.update", edition, **_changed(before, edition, fields))
    return edition


def validate_rules(values: dict[str, Any]) -> None:
    """Coherence of a full set of rules; raises ValidationFailed naming the field."""
    ballot = BallotType(values["ballot_type"])
    rule = values["aggregation_rule"]
    if rule not in AGGREGATION_RULES:
        raise ValidationFailed(_l("Unknown counting rule."), field="aggregation_rule")
    if values["tie_break"] not in TIE_BREAKS:
        raise ValidationFailed(_l("Unknown tie-break rule."), field="tie_break")
    min_c, max_c = values["min_choices"], values["max_choices"]
    if min_c < 0 or (ballot is not BallotType.MAJORITY_JUDGMENT and ballot is not BallotType.KNAPSACK and min_c < 1):
        raise ValidationFailed(_l("A voter must choose at least one project."), field="min_choices")
    if max_c is not None and max_c < min_c:
        raise ValidationFailed(_l("The maximum number of projects cannot be below the minimum."), field="max_choices")
    if not 0 <= values["knapsack_min_share"] <= 100:
        raise ValidationFailed(_l("The minimum share is a percentage between 0 and 100."), field="knapsack_min_share")
    if ballot is BallotType.CUMULATIVE and not (values.get("cumulative_points") or 0) >= 1:
        raise ValidationFailed(_l("Give the number of points each voter shares out."), field="cumulative_points")
    if ballot is BallotType.MAJORITY_JUDGMENT:
        if not 2 <= (values.get("grade_count") or 0) <= 7:
            raise ValidationFailed(_l("A grading scale has between 2 and 7 grades."), field="grade_count")
        if rule != "mj":
            raise ValidationFailed(_l("A majority-judgment ballot is counted by majority judgment."),
                                   field="aggregation_rule")
    elif rule == "mj":
        raise ValidationFailed(_l("Majority judgment needs a majority-judgment ballot."), field="aggregation_rule")
    if rule.startswith("mes") and ballot not in (BallotType.APPROVAL, BallotType.KNAPSACK):
        raise ValidationFailed(_l("The Method of Equal Shares counts approval or budget ballots."),
                               field="aggregation_rule")
    if rule == "greedy-threshold" and not (values.get("min_project_score") or 0) >= 1:
        raise ValidationFailed(_l("Give the minimum number of votes a project needs."), field="min_project_score")
    if values["tie_break"] == "cost-votes-draw" and not values.get("tie_break_seed"):
        raise ValidationFailed(_l("A public draw needs a published seed."), field="tie_break_seed")
    if not (values["online_voting"] or values["paper_voting"]):
        raise ValidationFailed(_l("Choose at least one way to vote: online or paper."), field="online_voting")
    if not 0 <= values["min_voter_age"] <= 120:
        raise ValidationFailed(_l("Give a minimum age between 0 and 120."), field="min_voter_age")
    ResidenceRule(values["residence_rule"])
    Verification(values["verification"])


def update_rules(session: Session, actor: Any, edition: Edition, **changes: Any) -> Edition:
    require(actor, "edition.manage", edition)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"not rule fields: {sorted(unknown)}")
    before = audit.snapshot(edition, RULE_FIELDS)
    proposed = {**before, **{k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}}
    frozen = [f for f in OUTCOME_RULES if proposed[f] != before[f]]
    if edition.is_frozen and frozen:
        raise RulesFrozen(fields=", ".join(frozen))
    validate_rules(proposed)
    for key, value in changes.items():
        setattr(edition, key, value)
    audit.record(session, actor, "edition.rules", edition, **_changed(before, edition, RULE_FIELDS))
    return edition


# -- districts ----------------------------------------------------------------------------------------

def save_district(session: Session, actor: Any, edition: Edition, district: District | None = None, *,
                  name: str, code: str, envelope_cents: int, population: int, is_citywide: bool = False,
                  position: int = 0) -> District:
    require(actor, "edition.manage", edition)
    code = code.strip().lower()
    if not SLUG_RE.match(code):
        raise ValidationFailed(_l("Use lower-case letters, digits and dashes, for example centre-ville."),
                               field="code")
    if envelope_cents < 0:
        raise ValidationFailed(_l("The envelope cannot be negative."), field="envelope")
    if population < 0:
        raise ValidationFailed(_l("The population cannot be negative."), field="population")
    for other in edition.districts:
        if other is district:
            continue
        if other.code == code:
            raise ValidationFailed(_l("Another district of this edition already uses this code."), field="code")
        if other.name.strip().lower() == name.strip().lower():
            raise ValidationFailed(_l("Another district of this edition already has this name."), field="name")
        if is_citywide and other.is_citywide:
            raise ValidationFailed(_l("An edition has at most one city-wide scope."), field="is_citywide")
    fields = ("name", "code", "envelope_cents", "population", "is_citywide", "position")
    if district is None:
        if edition.is_frozen:
            raise RulesFrozen(fields="districts")
        district = District(edition=edition, name=name.strip(), code=code, envelope_cents=envelope_cents,
                            population=population, is_citywide=is_citywide, position=position)
        session.add(district)
        session.flush()
        audit.record(session, actor, "district.create", district, after=audit.snapshot(district, fields))
        return district
    if district.edition_id != edition.id:
        raise NotFoundError()
    if edition.is_frozen and (envelope_cents != district.envelope_cents or is_citywide != district.is_citywide
                              or code != district.code):
        raise RulesFrozen(fields="envelope")
    before = audit.snapshot(district, fields)
    district.name, district.code, district.envelope_cents = name.strip(), code, envelope_cents
    district.population, district.is_citywide, district.position = population, is_citywide, position
    audit.record(session, actor, "district.update", district, **_changed(before, district, fields))
    return district


def delete_district(session: Session, actor: Any, district: District) -> None:
    edition = district.edition
    require(actor, "edition.manage", edition)
    if edition.is_frozen:
        raise RulesFrozen(fields="districts")
    audit.record(session, actor, "district.delete", district, before={"name": district.name, "code": district.code})
    edition.districts.remove(district)
    session.flush()


# -- calendar and phases ----------------------------------------------------------------------------

def set_calendar(session: Session, actor: Any, edition: Edition,
                 windows: dict[Phase, tuple[dt.datetime, dt.datetime] | None]) -> Edition:
    """The published dates of each phase; phases follow each other without overlapping."""
    require(actor, "edition.manage", edition)
    previous_end: dt.datetime | None = None
    previous_phase: Phase | None = None
    for phase in CALENDAR_PHASES:
        window = windows.get(phase)
        if window is None:
            continue
        start, end = window
        if end <= start:
            raise ValidationFailed(_l("A phase must end after it starts."), field=f"{phase.value}_ends")
        if previous_end is not None and start < previous_end:
            raise ValidationFailed(_l("“%(phase)s” starts before “%(previous)s” ends."), field=f"{phase.value}_starts",
                                   phase=phase.label, previous=previous_phase.label if previous_phase else "")
        previous_end, previous_phase = end, phase
    before = {w.phase.value: [w.starts_at, w.ends_at] for w in edition.phase_windows}
    existing = {w.phase: w for w in edition.phase_windows}
    if edition.is_frozen:
        moved = [phase.value for phase in FROZEN_PHASES
                 if (windows.get(phase) and tuple(windows[phase])) != (
                     (existing[phase].starts_at, existing[phase].ends_at) if phase in existing else None)]
        if moved:
            raise RulesFrozen(fields=", ".join(moved))
        vote_end = existing[Phase.VOTE].ends_at if Phase.VOTE in existing else None
        for phase in (Phase.RESULTS, Phase.IMPLEMENTATION):
            window = windows.get(phase)
            if window is not None and vote_end is not None and window[0] < vote_end:
                raise ValidationFailed(_l("“%(phase)s” starts before “%(previous)s” ends."),
                                       field=f"{phase.value}_starts", phase=phase.label, previous=Phase.VOTE.label)
    for phase in CALENDAR_PHASES:
        window = windows.get(phase)
        if window is None:
            if phase in existing:
                edition.phase_windows.remove(existing[phase])
            continue
        if phase in existing:
            existing[phase].starts_at, existing[phase].ends_at = window
        else:
            edition.phase_windows.append(PhaseWindow(phase=phase, starts_at=window[0], ends_at=window[1]))
    session.flush()
    after = {w.phase.value: [w.starts_at, w.ends_at] for w in edition.phase_windows}
    audit.record(session, actor, "edition.calendar", edition, before=before, after=after)
    return edition


class VoteNotExtendable(PbError):
    code = "vote_not_extendable"
    status = 409
    message = _l("Only a vote in progress, with a published closing time, can be extended.")


def extend_vote(session: Session, actor: Any, edition: Edition, new_end: dt.datetime, reason: str) -> VoteExtension:
    """The one calendar change allowed once the vote has opened: a later closing time, with a
    reason, recorded in the audit log and published on the edition's page and API."""
    require(actor, "edition.manage", edition)
    window = edition.window(Phase.VOTE)
    if edition.phase != Phase.VOTE or window is None:
        raise VoteNotExtendable()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason for the extension: it is published."), field="reason")
    if len(reason) > 500:
        raise ValidationFailed(_l("The reason is too long (500 characters at most)."), field="reason")
    if new_end <= window.ends_at:
        raise ValidationFailed(_l("The new closing time must be later than the current one."), field="ends_at")
    following = [w for w in edition.phase_windows if w.phase.rank > Phase.VOTE.rank and w.starts_at < new_end]
    if following:
        raise ValidationFailed(_l("“%(phase)s” starts before “%(previous)s” ends."), field="ends_at",
                               phase=following[0].phase.label, previous=Phase.VOTE.label)
    extension = VoteExtension(edition_id=edition.id, previous_end=window.ends_at, new_end=new_end, reason=reason,
                              created_by_id=getattr(actor, "id", None))
    session.add(extension)
    window.ends_at = new_end
    session.flush()
    audit.record(session, actor, "edition.vote_extended", edition, before={"ends_at": extension.previous_end},
                 after={"ends_at": new_end, "reason": reason})
    return extension


def vote_extensions(session: Session, edition: Edition) -> list[VoteExtension]:
    return list(session.scalars(sa.select(VoteExtension).where(VoteExtension.edition_id == edition.id)
                                .order_by(VoteExtension.created_at, VoteExtension.id)))


def allowed_phases(edition: Edition) -> list[Phase]:
    """Where the edition may go from here: forward to any later phase; back only while the vote
    has never opened (a vote cannot be reopened or undone)."""
    current = edition.phase
    result = []
    for phase in Phase:
        if phase == current:
            continue
        if phase.rank > current.rank:
            result.append(phase)
        elif not edition.is_frozen and phase.rank < Phase.VOTE.rank:
            result.append(phase)
    return result


def phase_choices(edition: Edition) -> list[Phase]:
    """The phases offered, the next one first (the form's default: never a step back), then
    the later ones, then the earlier ones from the nearest."""
    allowed = allowed_phases(edition)
    forward = [p for p in allowed if p.rank > edition.phase.rank]
    backward = sorted((p for p in allowed if p.rank < edition.phase.rank), key=lambda p: -p.rank)
    return forward + backward


def phase_consequences(edition: Edition, target: Phase) -> list[str]:
    """What moving to `target` will do that cannot simply be undone, in words for the staff
    member who asked (empty: the step is ordinary and needs no confirmation)."""
    current, said = edition.phase, []
    if target.rank < current.rank:
        said.append(_l("The edition goes back from “%(current)s” to “%(target)s”. What was done meanwhile stays "
                       "(ideas, comments, decisions); check the calendar's dates afterwards.",
                       current=current.label, target=target.label))
    skipped = [p.label for p in Phase if current.rank < p.rank < target.rank]
    if skipped:
        said.append(_l("These phases are skipped: %(phases)s.", phases=", ".join(skipped)))
    if target.rank >= Phase.VOTE.rank and not edition.is_frozen:
        said.append(_l("The vote opens: the rules, the districts and their envelopes freeze and can no longer "
                       "be changed, and the ballot is built from the feasible projects."))
    if current.rank <= Phase.VOTE.rank < target.rank:
        said.append(_l("The vote closes: no more ballot is accepted, online or on paper, and the vote can never "
                       "be reopened. The ballots can then be counted."))
    return [str(s) for s in said]


def check_vote_ready(edition: Edition) -> None:
    if not edition.districts:
        raise EditionNotReady(reason=_l("the edition has no district."))
    validate_rules(audit.snapshot(edition, RULE_FIELDS))


def set_phase(session: Session, actor: Any, edition: Edition, target: Phase | str) -> Edition:
    require(actor, "edition.manage", edition)
    target = Phase(target)
    current = edition.phase
    if target == current:
        return edition
    if target not in allowed_phases(edition):
        raise InvalidPhaseChange(current=current.label, target=target.label)
    if target.rank >= Phase.VOTE.rank and not edition.is_frozen:
        check_vote_ready(edition)
    for hook in PHASE_HOOKS:
        hook(session, edition, current, target)
    edition.phase = target
    if target.rank >= Phase.VOTE.rank and edition.vote_opened_at is None:
        edition.vote_opened_at = utcnow()
    calendar_before = {w.phase.value: [w.starts_at, w.ends_at] for w in edition.phase_windows}
    align_calendar(edition, utcnow())
    calendar_after = {w.phase.value: [w.starts_at, w.ends_at] for w in edition.phase_windows}
    changed = {"calendar": calendar_after} if calendar_after != calendar_before else {}
    audit.record(session, actor, "edition.phase", edition, before={"phase": current, **({"calendar": calendar_before}
                 if changed else {})}, after={"phase": target, **changed})
    return edition


def align_calendar(edition: Edition, now: dt.datetime) -> None:
    """Staff moved the phase by hand: the published calendar says what happened. The phases
    left behind end now (one that had not started yet never ran, and leaves the calendar); the
    phase entered early starts now. The dates of phases still to come are left as planned."""
    for window in list(edition.phase_windows):
        if window.phase.rank < edition.phase.rank and window.ends_at > now:
            if window.starts_at < now:
                window.ends_at = now
            else:
                edition.phase_windows.remove(window)
        elif window.phase == edition.phase and window.starts_at > now:
            window.starts_at = now


def current_window(edition: Edition) -> PhaseWindow | None:
    return edition.window(edition.phase)
