"""The citizen cycle in `pb demo`: called for each edition at each phase (see pb/demo.py).

During submission, residents submit ideas in Grenoble's sectors (online, on paper, at meetings),
others comment, a moderator hides a rude comment; during the review the services decide on every
idea (every status appears, some ideas are merged), neighbourhood councils meet and give their
opinions, public meetings record which holders came, and the ballot is built before the vote.
The demo's fictional people are never e-mailed."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.councils import services as councils
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.ideas import comments, moderation, services
from pb.ideas.demo_data import (
    COMMENTS, COORDS, COUNCIL_MEMBERS, FEASIBLE, HOLDERS, INFEASIBLE, NOT_ADMISSIBLE, PLACES, REPLIES,
)
from pb.ideas.models import Comment, Idea, IdeaStatus, IdeaStatusChange
from pb.review import ballot, services as review
from pb.review.models import Decision
from pb.review.projects import merge_ideas

RESIDENTS = ["alice", "bruno", "chloe", "david"]
PARIS = ZoneInfo("Europe/Paris")


def run(session: Session, ctx: Any, edition: Edition, phase: Phase) -> None:
    session.info[services.QUIET] = True
    rng = random.Random(f"{edition.slug}-{phase.value}")
    started = utcnow()
    if phase is Phase.SUBMISSION:
        _submission(session, ctx, edition, rng)
    elif phase is Phase.REVIEW:
        _review(session, ctx, edition, rng)
    else:
        return
    session.flush()
    _backdate(session, edition, phase, started)


# -- submission ---------------------------------------------------------------------------------------

def _submission(session: Session, ctx: Any, edition: Edition, rng: random.Random) -> None:
    window = edition.window(Phase.SUBMISSION)
    now = window.starts_at + dt.timedelta(days=1) if window else None
    full = edition.slug != f"bp-{utcnow().year + 1}"  # the edition still collecting ideas gets fewer
    per_district = 13 if full else 5
    admin = ctx.user("admin")
    created: list[Idea] = []
    for d_index, district in enumerate(edition.districts):
        places = PLACES.get(district.code, PLACES["ville"])
        pool = [("na", t) for t in NOT_ADMISSIBLE] + [("inf", t) for t in INFEASIBLE]
        picks = rng.sample(FEASIBLE, k=min(len(FEASIBLE), per_district))
        # Ideas 2 and 3 are the same wish in two places: the review merges them.
        plan = [rng.choice(pool[:4]), rng.choice(pool[4:]), ("ok", picks[0])] + [("ok", t) for t in picks]
        for n, (kind, template) in enumerate(plan[:per_district]):
            title_start, description, theme, cost = template[:4]
            where, address = places[(n + d_index) % len(places)]
            lat_lon = COORDS.get(district.code)
            fields = {
                "title": f"{title_start} {where}" if kind == "ok" else title_start, "description": description,
                "theme": theme,
                "district_id": district.id, "address": f"{address}, Grenoble" if address else "",
                "latitude": round(lat_lon[0] + rng.uniform(-0.004, 0.004), 5) if lat_lon and address else None,
                "longitude": round(lat_lon[1] + rng.uniform(-0.004, 0.004), 5) if lat_lon and address else None,
                "estimated_cost_cents": round(cost * rng.uniform(0.8, 1.2), -2) * 100 if cost else None,
            }
            channel = ("online", "online", "online", "paper", "meeting")[(n + d_index) % 5]
            if channel == "online":
                author = ctx.user(RESIDENTS[(n + d_index) % len(RESIDENTS)])
                coauthors = [ctx.user(RESIDENTS[(n + d_index + 1) % len(RESIDENTS)]).email] if n % 4 == 1 else []
                idea = services.create_idea(session, author, edition, coauthor_emails=coauthors, now=now,
                                            submit=not (not full and n == per_district - 1), **fields)
            else:
                holder = HOLDERS[(n * 7 + d_index) % len(HOLDERS)]
                idea = services.enter_idea(session, admin, edition, channel=channel, holder_name=holder, **fields)
            idea.demo_kind = kind  # type: ignore[attr-defined]
            created.append(idea)
    _discussion(session, ctx, edition, created, rng)
    submitted = [i for i in created if i.status is IdeaStatus.SUBMITTED]
    # One idea withdrawn by its author.
    online = [i for i in submitted if i.channel.value == "online"]
    if online:
        services.withdraw_idea(session, online[-1].holder.user, online[-1],
                               "Un projet similaire a finalement été financé par la Métropole.")
    if not full:
        # The city checks admissibility as ideas come in ("au fil de l'eau").
        reviewer = ctx.user("services")
        early = [i for i in submitted if i.status is IdeaStatus.SUBMITTED][:8]
        review.assign(session, admin, edition, [i.id for i in early], reviewer_id=reviewer.id)
        for idea in early:
            answers = {item.id: True for item in review.checklist(session, edition)}
            if getattr(idea, "demo_kind", "") == "na":
                reason = next(t[4] for t in NOT_ADMISSIBLE if idea.title.startswith(t[0]))
                answers[review.checklist(session, edition)[2].id] = False
                review.save_review(session, reviewer, idea, answers=answers, decision=Decision.NOT_ADMISSIBLE,
                                   public_reason=reason)
            else:
                review.save_review(session, reviewer, idea, answers=answers, decision=Decision.ADMISSIBLE)


def _discussion(session: Session, ctx: Any, edition: Edition, ideas: list[Idea], rng: random.Random) -> None:
    """Comments and replies; a rude comment hidden by the moderator; reports still pending."""
    people = [ctx.user(r) for r in RESIDENTS]
    public = [i for i in ideas if i.status is IdeaStatus.SUBMITTED]
    for n, idea in enumerate(public):
        if n % 3:
            continue
        first = comments.add_comment(session, people[n % 4], idea=idea, body=rng.choice(COMMENTS))
        comments.add_comment(session, people[(n + 1) % 4], idea=idea, body=rng.choice(COMMENTS))
        if n % 2 == 0:
            comments.add_comment(session, people[(n + 2) % 4], idea=idea, body=rng.choice(REPLIES), parent_id=first.id)
    if len(public) < 3:
        return
    rude = comments.add_comment(session, people[3], idea=public[1], body="Idée complètement débile, comme ceux qui "
                                                                         "la proposent.")
    for person in people[:3]:
        comments.flag(session, person, comment=rude, reason="Propos insultants")
    moderation.hide(session, ctx.user("moderation"), rude, "Les attaques personnelles sont contraires à la charte "
                                                           "du budget participatif.")
    offtopic = comments.add_comment(session, people[2], idea=public[2], body="Venez tous au vide-grenier de "
                                                                            "dimanche, stand 12 !")
    comments.flag(session, people[0], comment=offtopic, reason="Publicité sans rapport avec l'idée")
    comments.flag(session, people[1], idea=public[-1], reason="Doublon d'une autre idée du secteur")


# -- review, councils, meetings, ballot ----------------------------------------------------------------

def _review(session: Session, ctx: Any, edition: Edition, rng: random.Random) -> None:
    admin, reviewer = ctx.user("admin"), ctx.user("services")
    teams = {t.name: t for t in review.list_teams(session)}
    if not teams:
        for name in ("Direction des espaces verts", "Direction de la voirie et des déplacements",
                     "Direction de l'immobilier municipal"):
            teams[name] = review.save_team(session, SYSTEM, name=name, member_emails=[reviewer.email])
    team_list = list(teams.values())
    items = review.checklist(session, edition)
    under_review = list(session.scalars(sa.select(Idea).where(Idea.edition_id == edition.id,
                                                              Idea.status == IdeaStatus.SUBMITTED)
                                        .order_by(Idea.district_id, Idea.id)))
    groups: dict[tuple[int | None, int], list[int]] = {}
    for n, idea in enumerate(under_review):
        groups.setdefault((reviewer.id if n % 2 else None, team_list[n % len(team_list)].id), []).append(idea.id)
    for (reviewer_id, team_id), ids in groups.items():
        review.assign(session, admin, edition, ids, reviewer_id=reviewer_id, team_id=team_id)
    by_district: dict[int, list[Idea]] = {}
    for idea in under_review:
        by_district.setdefault(idea.district_id, []).append(idea)
    for district_ideas in by_district.values():
        merged: list[Idea] = []
        for n, idea in enumerate(district_ideas):
            yes = {item.id: True for item in items}
            na = next((t for t in NOT_ADMISSIBLE if idea.title.startswith(t[0])), None)
            inf = next((t for t in INFEASIBLE if idea.title.startswith(t[0])), None)
            if na is not None:
                review.save_review(session, reviewer, idea, answers={**yes, items[2].id: False},
                                   decision=Decision.NOT_ADMISSIBLE, public_reason=na[4])
            elif inf is not None:
                review.save_review(session, reviewer, idea, answers=yes, decision=Decision.INFEASIBLE,
                                   public_reason=inf[4])
            elif n in (2, 3):
                review.save_review(session, reviewer, idea, answers=yes, decision=Decision.ADMISSIBLE)
                merged.append(idea)
            else:
                estimate = idea.estimated_cost_cents or 10_000_00
                cost = int(round(estimate * rng.uniform(0.9, 1.4) / 100_000)) * 100_000
                review.save_review(session, reviewer, idea, answers=yes, reviewed_cost_cents=max(cost, 2_000_00),
                                   decision=Decision.FEASIBLE, public_reason="Faisable : les services intégreront "
                                   "le projet au programme de travaux de l'année prochaine.")
        if len(merged) == 2:
            common = next((t[0] for t in FEASIBLE if merged[0].title.startswith(t[0])), merged[0].title)
            district = merged[0].district
            where = "toute la ville" if district.is_citywide else district.name.split(" –")[0].lower()
            title = f"{common} – projet commun, {where}"
            cost = sum(i.estimated_cost_cents or 10_000_00 for i in merged)
            merge_ideas(session, admin, edition, [i.id for i in merged], title=title, district_id=merged[0].district_id,
                        cost_cents=int(round(cost / 100_000)) * 100_000,
                        reason="Les deux idées portent sur le même lieu : les services proposent un projet commun.")
    _councils(session, ctx, edition, rng)
    ballot.build_ballot(session, admin, edition)


def _councils(session: Session, ctx: Any, edition: Edition, rng: random.Random) -> None:
    admin, secretary = ctx.user("admin"), ctx.user("conseil")
    window = edition.window(Phase.REVIEW)
    first_day = ((window.starts_at if window else utcnow()) + dt.timedelta(days=12)).date()

    def evening(days: int, hour: int = 18, minute: int = 30) -> dt.datetime:
        local = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=PARIS)
        return local.astimezone(dt.timezone.utc)
    groups = councils.holders(session, edition.id)
    by_district: dict[int, list[Any]] = {}
    for project, authors in groups:
        by_district.setdefault(project.district_id, []).append((project, authors))
    citywide = councils.save_meeting(session, admin, edition, title="Forum des projets – Toute la ville",
                                     starts_at=evening(8, 10, 0), place="Hôtel de Ville, salon d'honneur",
                                     description="Présentation publique des projets à l'échelle de la ville.")
    attended: list[int] = []
    for n, district in enumerate(d for d in edition.districts if not d.is_citywide):
        number = district.name.split(" –")[0].replace("Secteur ", "")
        council = councils.save_council(
            session, admin, edition, name=f"Conseil citoyen indépendant du secteur {number}", district_id=district.id,
            description="Le conseil citoyen réunit des habitants tirés au sort et volontaires du secteur.",
            members="\n".join(COUNCIL_MEMBERS[(n + k) % len(COUNCIL_MEMBERS)] for k in range(5)))
        meeting_at = evening(n)
        record = councils.save_session(
            session, secretary, council, starts_at=meeting_at, place="Maison des habitants du secteur " + number,
            agenda="1. Présentation des projets du budget participatif\n2. Débat\n3. Avis du conseil",
            minutes="Les services ont présenté les projets jugés faisables. Les membres ont débattu de leur intérêt "
                    "pour le secteur et rendu les avis ci-dessous.",
            present_member_ids=[m.id for m in council.members[:4]], public_attendance=8 + 3 * n)
        projects = by_district.get(district.id, [])
        for k, (project, _authors) in enumerate(projects[:4]):
            councils.link_project(session, secretary, record, project, "discussed" if k < 3 else "presented")
        for k, (project, _authors) in enumerate(projects[:3]):
            opinion = ("favourable", "reserved", "unfavourable")[(k + n) % 3]
            text = {"favourable": "", "reserved": "Favorable si l'entretien est assuré par la Ville et les riverains "
                    "consultés.", "unfavourable": "Le conseil estime que l'emplacement gênerait le marché."}[opinion]
            councils.record_opinion(session, secretary, council, project, opinion=opinion, text=text,
                                    session_id=record.id)
        meeting = councils.save_meeting(session, admin, edition, title=f"Réunion publique – Secteur {number}",
                                        starts_at=meeting_at + dt.timedelta(days=7), district_id=district.id,
                                        place=f"Maison des habitants du secteur {number}")
        # Every holder but one per sector comes: that project is held back from the ballot.
        present = [a.id for k, (_p, authors) in enumerate(projects) if k != 1 for a in authors[:1]]
        councils.set_attendance(session, secretary, meeting, present)
        attended += present
    citywide_holders = [a.id for p, authors in groups if p.district.is_citywide for a in authors[:1]]
    councils.set_attendance(session, admin, citywide, citywide_holders)


# -- realistic dates ------------------------------------------------------------------------------------

def _backdate(session: Session, edition: Edition, phase: Phase, started: dt.datetime) -> None:
    """Spread what this run created over the phase's published window (not all "today"), keeping
    the order in which things happened."""
    window = edition.window(phase)
    if window is None:
        return
    finished = utcnow()
    end = min(window.ends_at, finished - dt.timedelta(hours=1))
    span = end - window.starts_at
    if span.total_seconds() <= 0 or finished <= started:
        return

    def moved(at: dt.datetime) -> dt.datetime:
        return window.starts_at + span * ((at - started) / (finished - started))

    changes = session.scalars(sa.select(IdeaStatusChange).join(Idea).where(
        Idea.edition_id == edition.id, IdeaStatusChange.at >= started)).all()
    for row in changes:
        row.at = moved(row.at)
        idea = row.idea
        if row.from_status is None:
            idea.created_at = idea.updated_at = row.at
        if row.to_status is IdeaStatus.SUBMITTED and idea.submitted_at is not None and idea.submitted_at >= started:
            idea.submitted_at = row.at
    for note in session.scalars(sa.select(Comment).where(Comment.edition_id == edition.id,
                                                         Comment.created_at >= started)):
        note.created_at = moved(note.created_at)
        if note.hidden_at is not None:
            note.hidden_at = note.created_at + dt.timedelta(hours=3)
