"""Demo: the winners of an edition in implementation, at every stage (one abandoned)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.editions.models import Edition, Phase
from pb.projects.models import ProjectStatus as S
from pb.tracking.services import TRACKED, overview, record_update

NOTES = {
    S.IN_STUDY: "Les services techniques ont rencontré les porteurs du projet ; l’étude de faisabilité détaillée est en cours.",
    S.IN_WORKS: "Le chantier a commencé ; fin des travaux prévue au printemps.",
    S.DELIVERED: "Le projet est livré. Merci aux habitantes et aux habitants qui l’ont proposé et choisi !",
    S.ABANDONED: "Le terrain prévu n’est finalement pas disponible ; le montant est reporté sur l’édition suivante.",
}


def run(session: Session, ctx: object, edition: Edition, phase: Phase) -> None:
    if phase is not Phase.IMPLEMENTATION:
        return
    today = dt.date.today()
    for i, row in enumerate(overview(session, edition)):
        project = row.project
        if project.status not in TRACKED:
            continue
        path = [[S.IN_STUDY], [S.IN_STUDY, S.IN_WORKS], [S.IN_STUDY, S.IN_WORKS, S.DELIVERED], [S.WINNER],
                [S.IN_STUDY, S.ABANDONED] if i == 4 else [S.IN_STUDY, S.IN_WORKS]][i % 5]
        for step, status in enumerate(path):
            if status is S.WINNER:
                continue
            day = today - dt.timedelta(days=30 * (len(path) - step))
            progress = {S.IN_STUDY: 10, S.IN_WORKS: 55, S.DELIVERED: 100, S.ABANDONED: 10}[status]
            spent = project.cost_cents * progress // 100 if status is not S.ABANDONED else 0
            record_update(session, SYSTEM, project, status=status, progress=progress, note=NOTES[status],
                          happened_on=day, spent_cents=spent)
