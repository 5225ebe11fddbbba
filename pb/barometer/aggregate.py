"""National tables from many territories' exports (schema pb-barometer-aggregate/1): pure
functions over the documents, in the barometer's own form (a share states its denominator)."""

from __future__ import annotations

import json
import statistics
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l

from pb.barometer.export import SCHEMA, json_schema
from pb.barometer.indicators import CATALOGUE, CHANNELS, CONTROLLED, CONTROLS, DATASETS, LEVELS
from pb.errors import PbError
from pb.web.csv import french_csv

AGGREGATE_SCHEMA = "pb-barometer-aggregate/1"
YES_NO = ("B1", "B2", "B3", "B4")
QUANTITATIVE = ("Q9", "Q2", "Q10")


class InvalidExport(PbError):
    code = "invalid_export"
    status = 422
    message = _l("%(name)s is not a pb-barometer/1 export: %(reason)s")


def parse(name: str, data: bytes | str) -> dict[str, Any]:
    """One export read and validated against the shipped JSON Schema; InvalidExport otherwise."""
    import jsonschema

    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise InvalidExport(name=name, reason=str(error)) from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InvalidExport(name=name, reason=f"schema is not {SCHEMA!r}")
    errors = sorted(jsonschema.Draft202012Validator(json_schema()).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(document)"
        raise InvalidExport(name=name, reason=f"{where}: {first.message}")
    return doc


def _territory_key(doc: dict[str, Any]) -> str:
    t = doc["territory"]
    return t.get("siret") or t.get("insee") or t["name"]


def latest_per_territory(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest edition of each territory (by year, then by generation time)."""
    latest: dict[str, dict[str, Any]] = {}
    for doc in docs:
        key = _territory_key(doc)
        if key not in latest or (doc["edition"]["year"], doc["generated_at"]) > (
                latest[key]["edition"]["year"], latest[key]["generated_at"]):
            latest[key] = doc
    return list(latest.values())


def _share(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def _value(doc: dict[str, Any], code: str) -> Any:
    return doc["indicators"][code]["value"]


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "mean": None}
    return {"n": len(values), "median": round(statistics.median(values), 4), "mean": round(statistics.fmean(values), 4)}


def aggregate(docs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = latest_per_territory(docs)
    n = len(rows)
    items: dict[str, Any] = {}
    for code in YES_NO:
        known = [_value(d, code) for d in rows if _value(d, code) is not None]
        yes = sum(1 for v in known if v)
        items[code] = {"yes": yes, "of": len(known), "share": _share(yes, len(known))}
    b5 = {c: sum(1 for d in rows if _value(d, "B5") == c) for c in CHANNELS}
    items["B5"] = {"of": n, **b5, "online_share": _share(b5["online"] + b5["both"], n)}
    online = [d for d in rows if _value(d, "B5") in ("online", "both")]
    levels = {c: sum(1 for d in online if _value(d, "B6") == c) for c in CONTROLS}
    controlled = sum(levels[c] for c in CONTROLLED)
    items["B6"] = {"of": len(online), "controlled": controlled, "share": _share(controlled, len(online)), "levels": levels}
    b7 = [_value(d, "B7") for d in rows if _value(d, "B7") is not None]
    yes7 = sum(1 for v in b7 if v > 0)
    items["B7"] = {"yes": yes7, "of": len(b7), "share": _share(yes7, len(b7))}
    items["B8"] = {"of": n, "datasets": {ds: sum(1 for d in rows if ds in _value(d, "B8")) for ds in DATASETS}}
    q9 = [_value(d, "Q9")["total"] for d in rows if _value(d, "Q9") and _value(d, "Q9")["total"] is not None]
    quantitative = {"Q9": _stats(q9),
                    "Q2": _stats([_value(d, "Q2") for d in rows if _value(d, "Q2") is not None]),
                    "Q10": _stats([_value(d, "Q10") for d in rows if _value(d, "Q10") is not None])}
    g4 = {lv: sum(1 for d in rows if _value(d, "G4") == lv) for lv in LEVELS}
    return {"schema": AGGREGATE_SCHEMA, "territories": n, "items": items, "quantitative": quantitative,
            "levels": {"G4": g4}}


# -- the national table, for people -----------------------------------------------------------------

def table(result: dict[str, Any]) -> list[tuple[str, str, int | None, int, float | None]]:
    """(code, label, count, denominator, share) rows: the barometer's table."""
    items = result["items"]
    rows: list[tuple[str, str, int | None, int, float | None]] = []
    for code in ("B1", "B2", "B3", "B4"):
        rows.append((code, CATALOGUE[code].label_fr, items[code]["yes"], items[code]["of"], items[code]["share"]))
    b5 = items["B5"]
    rows.append(("B5", "Vote en ligne (seul ou avec l'urne papier)", b5["online"] + b5["both"], b5["of"], b5["online_share"]))
    for channel, label in (("online", "Vote en ligne seulement"), ("both", "Vote en ligne et papier"),
                           ("paper", "Vote papier seulement"), ("none", "Pas de vote")):
        rows.append((f"B5.{channel}", label, b5[channel], b5["of"], _share(b5[channel], b5["of"])))
    b6 = items["B6"]
    rows.append(("B6", "Contrôle de la fraude (parmi les territoires votant en ligne)", b6["controlled"], b6["of"],
                 b6["share"]))
    b7 = items["B7"]
    rows.append(("B7", "Dépôt des projets en ligne", b7["yes"], b7["of"], b7["share"]))
    b8 = items["B8"]
    for dataset, k in b8["datasets"].items():
        rows.append((f"B8.{dataset}", f"Données ouvertes : {dataset}", k, b8["of"], _share(k, b8["of"])))
    g4 = result["levels"]["G4"]
    rated = sum(g4.values())
    for lv in LEVELS:
        rows.append((f"G4.{lv}", f"Niveau de participation : {lv}", g4[lv], rated, _share(g4[lv], rated)))
    return rows


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


def to_markdown(result: dict[str, Any]) -> str:
    n = result["territories"]
    lines = [f"# Baromètre des budgets participatifs : {n} territoire{'s' if n > 1 else ''}", "",
             "| Code | Indicateur | Oui | Sur | Part |", "|---|---|---:|---:|---:|"]
    for code, label, k, of, share in table(result):
        lines.append(f"| {code} | {label} | {k} | {of} | {_percent(share)} |")
    lines += ["", "| Code | Indicateur | n | Médiane | Moyenne |", "|---|---|---:|---:|---:|"]
    for code, stats in result["quantitative"].items():
        lines.append(f"| {code} | {CATALOGUE[code].label_fr} | {stats['n']} | {_num(stats['median'])} | "
                     f"{_num(stats['mean'])} |")
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}".replace(".", ",")


def to_csv(result: dict[str, Any]) -> str:
    rows: list[list[Any]] = [[code, label, k, of, share] for code, label, k, of, share in table(result)]
    for code, stats in result["quantitative"].items():
        rows.append([f"{code}.mediane", CATALOGUE[code].label_fr, None, stats["n"], stats["median"]])
        rows.append([f"{code}.moyenne", CATALOGUE[code].label_fr, None, stats["n"], stats["mean"]])
    return french_csv(["code", "indicateur", "nombre", "sur", "part"], rows)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
