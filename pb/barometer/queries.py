"""The queries that feed the indicators: every count is done by the database (a dozen
statements whatever the size of the edition; bench/barometer.py times them at Paris scale)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.audit.models import AuditEntry
from pb.barometer.indicators import Facts
from pb.barometer.models import PublishedDataset
from pb.councils.models import Council, CouncilOpinion, CouncilSession, SessionProject
from pb.editions.models import Edition, Phase
from pb.editions.services import get_territory
from pb.ideas.models import Idea, IdeaAuthor, IdeaStatus
from pb.projects.models import BALLOT_STATUSES, Project, ProjectStatus
from pb.tracking.models import ImplementationUpdate
from pb.voting.models import Ballot, Channel, Participation, Scope

S = ProjectStatus
# Funded: the projects the count selected, whatever became of them since.
FUNDED = (S.WINNER, S.IN_STUDY, S.IN_WORKS, S.DELIVERED, S.ABANDONED)
ADMISSIBLE = (IdeaStatus.ADMISSIBLE, IdeaStatus.INFEASIBLE, IdeaStatus.FEASIBLE, IdeaStatus.MERGED)
FEASIBLE = (IdeaStatus.FEASIBLE, IdeaStatus.MERGED)
DAYS_PER_MONTH = 365.25 / 12


def population(session: Session, edition: Edition) -> int:
    """The territory's population (INSEE, set by staff); else the sum of its districts'."""
    return get_territory(session).population or edition.population


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _count(session: Session, stmt: sa.Select) -> int:  # type: ignore[type-arg]
    return int(session.scalar(stmt) or 0)


def gather(session: Session, edition: Edition) -> Facts:
    e = edition.id
    facts = Facts(
        public_meeting_required=edition.public_meeting_required,
        comments_before_review=edition.comments_before_review,
        comments_during_vote=edition.comments_during_vote,
        online_voting=edition.online_voting,
        paper_voting=edition.paper_voting,
        verification=str(edition.verification.value),
        vote_started=edition.phase.rank >= Phase.VOTE.rank,
        vote_closed=edition.phase.rank >= Phase.RESULTS.rank,
        envelope_cents=edition.envelope_cents,
        population=population(session, edition),
    )
    _ideas(session, e, facts)
    _projects(session, e, facts)
    facts.published = list(session.scalars(sa.select(PublishedDataset.dataset).where(PublishedDataset.edition_id == e)))
    if facts.vote_started:
        _participation(session, edition, facts)
    if facts.vote_closed:
        _ballots(session, e, facts)
    _delivery(session, edition, facts)
    return facts


def _ideas(session: Session, e: int, facts: Facts) -> None:
    submitted = sa.and_(Idea.edition_id == e, Idea.submitted_at.is_not(None))
    row = session.execute(sa.select(
        sa.func.count(),
        sa.func.count(sa.case((Idea.channel == "online", 1))),
        sa.func.count(sa.case((Idea.status.in_(ADMISSIBLE), 1))),
        sa.func.count(sa.case((Idea.status.in_(FEASIBLE), 1))),
        sa.func.count(sa.case((Idea.status == IdeaStatus.MERGED, 1))),
    ).where(submitted)).one()
    (facts.ideas_submitted, facts.ideas_online, facts.ideas_admissible, facts.ideas_feasible,
     facts.ideas_merged) = (int(v) for v in row)
    # Holders: an account counts once; a holder without an account by name and e-mail.
    A = IdeaAuthor
    who = sa.case((A.user_id.is_not(None), sa.literal("u") + sa.cast(A.user_id, sa.String)),
                  else_=sa.literal("n") + sa.func.lower(A.name) + sa.literal("|") + sa.func.lower(A.email))
    facts.holders = _count(session, sa.select(sa.func.count(sa.distinct(who))).select_from(A)
                           .join(Idea, Idea.id == A.idea_id).where(submitted))


def _projects(session: Session, e: int, facts: Facts) -> None:
    row = session.execute(sa.select(
        sa.func.count(sa.case((Project.status.in_(BALLOT_STATUSES), 1))),
        sa.func.count(sa.case((Project.status.in_(FUNDED), 1))),
        sa.func.count(sa.case((Project.status == S.DELIVERED, 1))),
    ).where(Project.edition_id == e)).one()
    facts.ballot_projects, facts.projects_funded, facts.projects_delivered = (int(v) for v in row)
    with_opinion = (sa.select(sa.func.count(sa.distinct(CouncilOpinion.project_id)))
                    .join(Project, Project.id == CouncilOpinion.project_id)
                    .where(Project.edition_id == e, Project.status.in_(BALLOT_STATUSES)))
    facts.ballot_projects_with_opinion = _count(session, with_opinion)
    in_session = (sa.select(SessionProject.id).join(CouncilSession, CouncilSession.id == SessionProject.session_id)
                  .join(Council, Council.id == CouncilSession.council_id).where(Council.edition_id == e).limit(1))
    opinion = (sa.select(CouncilOpinion.id).join(Project, Project.id == CouncilOpinion.project_id)
               .where(Project.edition_id == e).limit(1))
    facts.council_linked = session.scalar(in_session) is not None or session.scalar(opinion) is not None


def _participation(session: Session, edition: Edition, facts: Facts) -> None:
    P = Participation
    mine = P.edition_id == edition.id
    # The keys are hexadecimal: compared byte by byte on PostgreSQL, they sort several times faster.
    key = P.voter_key.collate("C") if postgres(session) else P.voter_key
    total, online, paper = session.execute(sa.select(
        sa.func.count(sa.distinct(key)),
        sa.func.count(sa.distinct(key)).filter(P.channel == Channel.ONLINE),
        sa.func.count(sa.distinct(key)).filter(P.channel == Channel.PAPER),
    ).where(mine)).one()
    facts.voters = int(total)
    facts.voters_by_channel = {Channel.ONLINE.value: int(online), Channel.PAPER.value: int(paper)}
    per_district = dict(session.execute(
        sa.select(P.district_id, sa.func.count()).where(mine, P.scope == Scope.DISTRICT).group_by(P.district_id)).all())
    facts.districts = {d.code: (int(per_district.get(d.id, 0)), d.population)
                       for d in edition.districts if not d.is_citywide}
    code = AuditEntry.detail["code"].as_string()
    facts.refusals = {str(c): int(n) for c, n in session.execute(
        sa.select(code, sa.func.count()).where(AuditEntry.edition_id == edition.id, AuditEntry.action == "vote.refused")
        .group_by(code))}


def _ballots(session: Session, e: int, facts: Facts) -> None:
    """Lines of the ballots (one per project chosen or graded), in total and per project."""
    if postgres(session):  # the keys alone: faster than json_each, which also parses the values
        keys = sa.select(sa.func.json_object_keys(Ballot.choices).label("key")).where(Ballot.edition_id == e).subquery()
        stmt = sa.select(keys.c.key, sa.func.count()).group_by(keys.c.key)
    else:
        line = sa.func.json_each(Ballot.choices).table_valued("key", "value").alias("line")
        stmt = (sa.select(line.c.key, sa.func.count()).select_from(Ballot).join(line, sa.true())
                .where(Ballot.edition_id == e).group_by(line.c.key))
    per_project = {str(k): int(n) for k, n in session.execute(stmt)}
    facts.ballot_lines = int(sum(per_project.values()))
    ids = session.scalars(sa.select(Project.id).where(Project.edition_id == e, Project.status.in_(BALLOT_STATUSES)))
    facts.votes_per_project = [int(per_project.get(str(pid), 0)) for pid in ids]


def _delivery(session: Session, edition: Edition, facts: Facts) -> None:
    window = edition.window(Phase.VOTE)
    if window is None or not facts.projects_delivered:
        return
    U = ImplementationUpdate
    delivered = session.execute(
        sa.select(U.project_id, sa.func.max(U.happened_on)).join(Project, Project.id == U.project_id)
        .where(Project.edition_id == edition.id, Project.status == S.DELIVERED, U.status == S.DELIVERED)
        .group_by(U.project_id)).all()
    end: dt.date = window.ends_at.date()
    facts.delivery_months = sorted(round(max((day - end).days, 0) / DAYS_PER_MONTH, 1) for _pid, day in delivered)
