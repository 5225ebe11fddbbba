"""The export of an edition: one versioned document (schema pb-barometer/1), JSON or CSV.

The JSON Schema ships beside this module (schema/pb-barometer-1.json); the tests validate
exports against it, and `pb barometer aggregate` validates every file it reads."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pb.barometer import indicators
from pb.barometer.models import OpenDataProfile, Questionnaire
from pb.db import utcnow
from pb.editions.models import Edition
from pb.editions.services import get_territory
from pb.web.csv import french_csv

SCHEMA = "pb-barometer/1"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


@cache
def json_schema(name: str = "pb-barometer-1") -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def profile(session: Session) -> OpenDataProfile:
    """The territory's open-data identity (created with its defaults on first use)."""
    row = session.get(OpenDataProfile, 1)
    if row is None:
        row = OpenDataProfile(id=1)
        session.add(row)
        session.flush()
    return row


def questionnaire(session: Session, edition: Edition) -> Questionnaire | None:
    from sqlalchemy import select

    return session.scalar(select(Questionnaire).where(Questionnaire.edition_id == edition.id))


def declared(q: Questionnaire | None) -> dict[str, Any]:
    if q is None:
        return {"managing_service": None, "cost_band": None, "objectives": [], "evaluation": None,
                "low_participation_reasons": []}
    return {"managing_service": q.managing_service or None, "cost_band": q.cost_band.value if q.cost_band else None,
            "objectives": list(q.objectives or []), "evaluation": q.evaluation or None,
            "low_participation_reasons": list(q.low_participation_reasons or [])}


def indicator_values(session: Session, edition: Edition) -> dict[str, Any]:
    from pb.barometer.queries import gather

    return indicators.compute(gather(session, edition))


def document(session: Session, edition: Edition) -> dict[str, Any]:
    territory = get_territory(session)
    p = profile(session)
    from pb.barometer.queries import population

    values = indicator_values(session, edition)
    return {
        "schema": SCHEMA,
        "territory": {"name": territory.name, "kind": p.kind.value, "insee": territory.insee_code or None,
                      "siret": p.siret or None, "population": population(session, edition) or None},
        "edition": {"slug": edition.slug, "name": edition.name, "year": edition.year, "phase": edition.phase.value},
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "indicators": {code: {"value": values[code], "unit": i.unit, "label_fr": i.label_fr, "label_en": i.label_en}
                       for code, i in indicators.CATALOGUE.items()},
        "declared": declared(questionnaire(session, edition)),
    }


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _flat(value: Any) -> list[tuple[str, Any]]:
    """A value as (sub-key, cell) pairs: {"total": 3, "online": 2} -> [("total", 3), ("online", 2)]."""
    if isinstance(value, dict):
        pairs: list[tuple[str, Any]] = []
        for key, sub in value.items():
            pairs += [(f"{key}.{k}" if k else str(key), v) for k, v in _flat(sub)]
        return pairs or [("", None)]
    if isinstance(value, list):
        return [("", ", ".join(str(v) for v in value))]
    return [("", value)]


def to_csv(doc: dict[str, Any]) -> str:
    """One row per indicator value (a compound value gives one row per part), for French Excel."""
    rows = []
    for code, item in doc["indicators"].items():
        for part, value in _flat(item["value"]):
            rows.append([code, part, item["label_fr"], item["unit"], value])
    for key, value in doc["declared"].items():
        rows.append(["declare", key, key, "", ", ".join(value) if isinstance(value, list) else value])
    header = ["code", "detail", "libelle", "unite", "valeur"]
    return french_csv(header, rows)
