"""The open datasets of an edition, as a French city publishes them.

People's files (projects, ideas, implementation) go through the French CSV writer
(pb.web.csv: `;`, BOM, French column names and values, ISO dates); the projects CSV follows the
Paris open-data model of participatory-budget projects. The budget follows the SCDL `budget`
schema (schema.data.gouv.fr/scdl/budget), a file for machines: its columns, `,` and `.` decimals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from pb.barometer.export import profile
from pb.barometer.models import Dataset
from pb.editions.models import Edition, Phase
from pb.editions.services import get_territory
from pb.ideas.models import CHANNEL_LABELS as IDEA_CHANNELS
from pb.ideas.models import Idea, IdeaStatus, theme_label
from pb.projects.models import Project, ProjectStatus
from pb.results.services import published_run
from pb.tracking.models import ImplementationUpdate
from pb.tracking.services import implementation_dates
from pb.voting.models import Participation, Scope
from pb.web.csv import french_csv, in_french


def _vote_end(edition: Edition) -> dt.date | None:
    window = edition.window(Phase.VOTE)
    return window.ends_at.date() if window else None


# -- projects (the Paris open-data model) -----------------------------------------------------------

PROJECT_COLUMNS = [
    "coll_siret", "edition", "identifiant_projet", "titre", "theme", "arrondissement", "adresse", "latitude",
    "longitude", "budget", "statut_instruction", "avancement", "motif_refus", "nb_votants", "nb_votes", "canal",
    "date_vote", "date_debut_travaux", "date_livraison",
]
_REVIEW_WORDS = {ProjectStatus.HELD_BACK: "Écarté du vote", ProjectStatus.WITHDRAWN: "Retiré par ses porteurs"}
_WITH_REASON = (ProjectStatus.HELD_BACK, ProjectStatus.ABANDONED, ProjectStatus.WITHDRAWN)


def _votes(session: Session, edition: Edition) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    """Votes per project and voters per (district, scope): once the results are published."""
    tally = published_run(session, edition)
    if tally is None:
        return {}, {}
    votes: dict[int, int] = {}
    for result in tally.districts:
        votes.update({int(pid): int(score) for pid, score in result.scores.items()})
    P = Participation
    voters = {(d, str(getattr(s, "value", s))): int(n) for d, s, n in session.execute(
        sa.select(P.district_id, P.scope, sa.func.count()).where(P.edition_id == edition.id)
        .group_by(P.district_id, P.scope))}
    return votes, voters


def _channels(session: Session, project_ids: list[int]) -> dict[int, str]:
    """project id -> the channels its ideas came through, in French ("En ligne, Réunion publique")."""
    found: dict[int, set[str]] = {}
    if project_ids:
        for pid, channel in session.execute(sa.select(Idea.project_id, Idea.channel).distinct()
                                            .where(Idea.project_id.in_(project_ids))):
            found.setdefault(pid, set()).add(in_french(IDEA_CHANNELS[channel]))
    return {pid: ", ".join(sorted(names)) for pid, names in found.items()}


def projects_csv(session: Session, edition: Edition) -> str:
    siret = profile(session).siret
    projects = list(session.scalars(sa.select(Project).where(Project.edition_id == edition.id)
                                    .options(joinedload(Project.district)).order_by(Project.number)))
    ids = [p.id for p in projects]
    votes, voters = _votes(session, edition)
    dates = implementation_dates(session, ids)
    channels = _channels(session, ids)
    vote_end = _vote_end(edition)
    rows = []
    for p in projects:
        started, delivered = dates.get(p.id, (None, None))
        scope = Scope.CITYWIDE.value if p.district.is_citywide else Scope.DISTRICT.value
        rows.append([
            siret, edition.name, p.public_id, p.title, in_french(theme_label(p.theme)) if p.theme else "",
            p.district.name, p.address, p.latitude, p.longitude, p.cost_cents / 100,
            _REVIEW_WORDS.get(p.status, "Faisable"), in_french(p.status.label),
            p.status_reason if p.status in _WITH_REASON else "",
            voters.get((p.district_id, scope)) if votes else None, votes.get(p.id) if votes else None,
            channels.get(p.id, ""), vote_end, started, delivered,
        ])
    return french_csv(PROJECT_COLUMNS, rows)


# -- ideas and their review outcome -----------------------------------------------------------------

IDEA_COLUMNS = ["coll_siret", "edition", "identifiant_idee", "titre", "theme", "arrondissement", "canal", "date_depot",
                "statut", "motif", "identifiant_projet"]


def ideas_csv(session: Session, edition: Edition) -> str:
    """Every submitted idea that is not hidden, with the review's outcome and public reason (no
    author: personal data stay out of open data)."""
    siret = profile(session).siret
    ideas = session.scalars(
        sa.select(Idea).where(Idea.edition_id == edition.id, Idea.submitted_at.is_not(None), Idea.hidden_at.is_(None),
                              Idea.status != IdeaStatus.DRAFT)
        .options(joinedload(Idea.district), joinedload(Idea.project)).order_by(Idea.id))
    rows = [[siret, edition.name, i.id, i.title, in_french(i.theme_label) if i.theme else "", i.district.name,
             in_french(i.channel.label), i.submitted_at.date() if i.submitted_at else None, in_french(i.status.label),
             i.status_reason, i.project.public_id if i.project else ""] for i in ideas]
    return french_csv(IDEA_COLUMNS, rows)


# -- implementation ---------------------------------------------------------------------------------

IMPLEMENTATION_COLUMNS = ["coll_siret", "edition", "identifiant_projet", "titre", "date", "avancement",
                          "pourcentage_avancement", "depense", "note"]


def implementation_csv(session: Session, edition: Edition) -> str:
    siret = profile(session).siret
    U = ImplementationUpdate
    updates = session.scalars(sa.select(U).join(Project, Project.id == U.project_id)
                              .where(Project.edition_id == edition.id).options(joinedload(U.project))
                              .order_by(Project.number, U.happened_on, U.id))
    rows = [[siret, edition.name, u.project.public_id, u.project.title, u.happened_on, in_french(u.status.label),
             u.progress, None if u.spent_cents is None else u.spent_cents / 100, u.note] for u in updates]
    return french_csv(IMPLEMENTATION_COLUMNS, rows)


# -- budget (SCDL) ------------------------------------------------------------------------------------

SCDL_COLUMNS = [
    "BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL", "BGT_NATURE",
    "BGT_NATURE_LABEL", "BGT_FONCTION", "BGT_FONCTION_LABEL", "BGT_OPERATION", "BGT_SECTION", "BGT_OPBUDG",
    "BGT_CODRD", "BGT_MTREAL", "BGT_MTBUDGPREC", "BGT_MTRARPREC", "BGT_MTPROPNOUV", "BGT_MTPREV", "BGT_CREDOUV",
    "BGT_MTRAR3112", "BGT_ARTSPE",
]
# The account of a participatory-budget project: an investment in progress (M57/M14 chapter 23).
SCDL_ACCOUNT = ("2315", "Installations, matériel et outillage techniques (immobilisations en cours)")
SCDL_CHAPTER = ("23", "Immobilisations en cours")
FUNDED = (ProjectStatus.WINNER, ProjectStatus.IN_STUDY, ProjectStatus.IN_WORKS, ProjectStatus.DELIVERED)


def budget_rows(session: Session, edition: Edition) -> list[dict[str, str]]:
    """One SCDL budget line per funded project: the voted amount (BGT_MTPREV) in the
    investment section, as an expense, under the edition's operation."""
    siret = profile(session).siret
    name = get_territory(session).name
    projects = session.scalars(sa.select(Project).where(Project.edition_id == edition.id, Project.status.in_(FUNDED))
                               .order_by(Project.number))
    return [{
        "BGT_NATDEC": "budget primitif", "BGT_ANNEE": str(edition.year), "BGT_SIRET": siret, "BGT_NOM": name,
        "BGT_CONTNAT": SCDL_ACCOUNT[0], "BGT_CONTNAT_LABEL": SCDL_ACCOUNT[1], "BGT_NATURE": SCDL_CHAPTER[0],
        "BGT_NATURE_LABEL": SCDL_CHAPTER[1], "BGT_FONCTION": "", "BGT_FONCTION_LABEL": "",
        "BGT_OPERATION": f"{edition.name} – projet {p.public_id} : {p.title}", "BGT_SECTION": "investissement",
        "BGT_OPBUDG": "réel", "BGT_CODRD": "dépense", "BGT_MTREAL": "", "BGT_MTBUDGPREC": "", "BGT_MTRARPREC": "",
        "BGT_MTPROPNOUV": "", "BGT_MTPREV": f"{p.cost_cents / 100:.2f}", "BGT_CREDOUV": "", "BGT_MTRAR3112": "",
        "BGT_ARTSPE": "",
    } for p in projects]


def budget_csv(session: Session, edition: Edition) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SCDL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(budget_rows(session, edition))
    return buf.getvalue()


# -- the catalogue of the open-data page --------------------------------------------------------------

CSV_FILES = {  # file name -> (its dataset, its writer)
    "projets": (Dataset.PROJECTS, projects_csv),
    "idees": (Dataset.PROJECTS, ideas_csv),
    "suivi": (Dataset.IMPLEMENTATION, implementation_csv),
    "budget": (Dataset.BUDGET, budget_csv),
}


@dataclass(frozen=True)
class DataFile:
    label: Any
    endpoint: str
    kind: str  # CSV, JSON, ZIP...
    param: str = "slug"  # the endpoint's argument naming the edition
    name: str = ""  # the file's name, for barometer.data_csv

    def url(self, slug: str) -> str:
        from flask import url_for

        return url_for(self.endpoint, **{self.param: slug}, **({"name": self.name} if self.name else {}))


@dataclass(frozen=True)
class DatasetInfo:
    dataset: Dataset
    title: Any
    description: Any
    files: tuple[DataFile, ...]


CATALOGUE = [
    DatasetInfo(Dataset.PROJECTS, _l("Projects and ideas"),
                _l("Every project of the edition with its district, cost, review outcome, votes, channel and "
                   "implementation dates (Paris open-data model); every idea submitted with its review outcome."),
                (DataFile(_l("Projects"), "barometer.data_csv", "CSV", name="projets"),
                 DataFile(_l("Ideas"), "barometer.data_csv", "CSV", name="idees"))),
    DatasetInfo(Dataset.BALLOTS, _l("Anonymised ballots"),
                _l("The ballots as cast, in random order, without anything that identifies a voter (Pabulib format)."),
                (DataFile(_l("Ballots"), "results.pabulib_zip", "ZIP"),)),
    DatasetInfo(Dataset.RESULTS, _l("Results"),
                _l("The published count: per district envelope, the votes of each project and the projects funded."),
                (DataFile(_l("Results"), "results.api_results", "JSON", "edition"),)),
    DatasetInfo(Dataset.IMPLEMENTATION, _l("Implementation"),
                _l("Each dated step of the funded projects' implementation: status, progress, amount spent."),
                (DataFile(_l("Implementation"), "barometer.data_csv", "CSV", name="suivi"),)),
    DatasetInfo(Dataset.INDICATORS, _l("Indicators"),
                _l("The edition's indicators (participation, channels, funnel, delivery), schema pb-barometer/1."),
                (DataFile(_l("Indicators"), "barometer.data_indicators", "JSON"),)),
    DatasetInfo(Dataset.BUDGET, _l("Budget"),
                _l("The funded projects as budget lines, in the SCDL budget format of French open data."),
                (DataFile(_l("Budget"), "barometer.data_csv", "CSV", name="budget"),)),
]
INFO = {info.dataset: info for info in CATALOGUE}


def last_update(session: Session, edition: Edition, dataset: Dataset, published_at: dt.datetime) -> dt.datetime:
    """When the data last changed, or when staff published them, whichever is later."""
    U = ImplementationUpdate
    tally = published_run(session, edition)
    times: list[dt.datetime | None] = [published_at]
    if dataset is Dataset.PROJECTS:
        times.append(session.scalar(sa.select(sa.func.max(Idea.updated_at)).where(Idea.edition_id == edition.id)))
    if dataset in (Dataset.PROJECTS, Dataset.IMPLEMENTATION, Dataset.BUDGET, Dataset.INDICATORS):
        times.append(session.scalar(sa.select(sa.func.max(U.created_at)).join(Project, Project.id == U.project_id)
                                    .where(Project.edition_id == edition.id)))
    if tally is not None:
        times.append(tally.published_at)
    return max(t for t in times if t is not None)
