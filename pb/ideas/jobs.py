"""Background jobs of the ideas domain: e-mails to authors when their idea changes status."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import selectinload

from pb.db import db
from pb.ideas.models import Idea, IdeaStatus, IdeaStatusChange
from pb.jobs import job
from pb.mail import queue_email
from pb.web.urls import external_url


def _body(change: IdeaStatusChange, idea: Idea, name: str) -> tuple[str, str]:
    status = change.to_status.label
    subject = _("Your idea “%(title)s”: %(status)s", title=idea.title, status=status)
    lines = [_("Hello %(name)s,", name=name), ""]
    if change.to_status is IdeaStatus.SUBMITTED:
        lines.append(_("Your idea “%(title)s” is submitted. The city's services will study it after the submission "
                       "phase; you will be told of every step.", title=idea.title))
    elif change.to_status is IdeaStatus.FEASIBLE and idea.project is not None:
        lines.append(_("Good news: your idea “%(title)s” is feasible. It becomes project no. %(number)s, with a cost "
                       "estimated by the services at %(cost)s.", title=idea.title, number=idea.project.reference,
                       cost=_money(idea.project.cost_cents)))
    elif change.to_status is IdeaStatus.MERGED and idea.project is not None:
        lines.append(_("Your idea “%(title)s” has been merged with similar ideas into project no. %(number)s "
                       "“%(project)s”.", title=idea.title, number=idea.project.reference, project=idea.project.title))
    else:
        lines.append(_("The status of your idea “%(title)s” is now: %(status)s.", title=idea.title, status=status))
    if change.public_reason:
        lines += ["", _("Reason given:"), change.public_reason]
    lines += ["", _("Follow your idea: %(link)s", link=external_url("ideas.show", slug=idea.edition.slug, idea_id=idea.id))]
    return subject, "\n".join(lines)


def _money(cents: int) -> str:
    from pb.web.format import money

    return money(cents)


@job
def notify_status_change(change_id: int) -> None:
    """One e-mail per author (and co-author) with an address, each in their language."""
    with db.session_scope() as session:
        change = session.get(IdeaStatusChange, change_id)
        if change is None:
            return
        idea = session.get(Idea, change.idea_id, options=[selectinload(Idea.authors)])
        assert idea is not None
        default = current_app.config["PB_SETTINGS"].default_locale
        for author in idea.authors:
            email = author.contact_email
            if not email:
                continue
            locale = author.user.locale if author.user is not None else default
            with force_locale(locale):
                subject, body = _body(change, idea, author.user.display_name if author.user else author.name)
            queue_email(session, email, subject, body)


@job
def notify_project_status(project_id: int, status: str | None = None) -> None:
    """A project changed status (on the ballot, held back, winner, in works...): the holders of
    the ideas it came from are told, each in their language."""
    import sqlalchemy as sa

    from pb.projects.models import Project, ProjectStatus

    with db.session_scope() as session:
        project = session.get(Project, project_id)
        if project is None:
            return
        new = ProjectStatus(status) if status else project.status
        ideas = session.scalars(sa.select(Idea).where(
            Idea.project_id == project_id, Idea.status.in_((IdeaStatus.FEASIBLE, IdeaStatus.MERGED)))
            .options(selectinload(Idea.authors), selectinload(Idea.edition))).all()
        default = current_app.config["PB_SETTINGS"].default_locale
        sent: set[str] = set()
        for idea in ideas:
            for author in idea.authors:
                email = author.contact_email
                if not email or email in sent:
                    continue
                sent.add(email)
                with force_locale(author.user.locale if author.user is not None else default):
                    subject = _("Project no. %(number)s “%(title)s”: %(status)s", number=project.reference,
                                title=project.title, status=new.label)
                    lines = [_("Hello %(name)s,", name=author.user.display_name if author.user else author.name), ""]
                    if new is ProjectStatus.ON_BALLOT:
                        lines.append(_("Your project will be put to the vote, at a cost of %(cost)s.",
                                       cost=_money(project.cost_cents)))
                    else:
                        lines.append(_("The status of your project is now: %(status)s.", status=new.label))
                    if project.status_reason and project.status is new:
                        lines += ["", _("Reason given:"), project.status_reason]
                    lines += ["", _("Follow your project: %(link)s", link=external_url(
                        "ideas.project", slug=idea.edition.slug, number=project.number))]
                queue_email(session, email, subject, "\n".join(lines))
