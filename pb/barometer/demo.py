"""Demo: the territory's open-data identity, a filled questionnaire, and every dataset of the
edition in implementation published (so that the dashboard, the open-data page and the exports
have something to show)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.barometer import services
from pb.barometer.models import Dataset
from pb.editions.models import Edition, Phase


def run(session: Session, ctx: Any, edition: Edition, phase: Phase) -> None:
    if phase is Phase.SUBMISSION and not ctx.data.get("opendata_profile"):
        services.save_profile(session, SYSTEM, kind="commune", siret="21380185500019", licence="Licence Ouverte 2.0",
                              licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
        ctx.data["opendata_profile"] = True
    if phase is Phase.IMPLEMENTATION:
        services.save_questionnaire(
            session, SYSTEM, edition, managing_service="Direction de la démocratie locale et de la participation",
            cost_band="5k-20k",
            objectives="Associer les habitants aux choix d'investissement\nToucher des publics qui ne participent pas\n"
                       "Rendre compte de la réalisation des projets",
            evaluation="Questionnaire aux votants et bilan présenté en conseil municipal",
            low_participation_reasons="")
        for dataset in Dataset:
            if services.readiness(session, edition, dataset) is None:
                services.publish_dataset(session, SYSTEM, edition, dataset)
        ctx.notes += [
            f"Barometer: /editions/{edition.slug}/dashboard, /editions/{edition.slug}/open-data, "
            f"/admin/editions/{edition.id}/barometer (questionnaire filled).",
            f"  pb barometer export {edition.slug} --out {edition.slug}.json && pb barometer aggregate *.json",
        ]
