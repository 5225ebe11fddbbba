"""The demo shows the dashboard, the open-data page, a filled questionnaire, and exports that
aggregate into a table."""

from __future__ import annotations

import json

import sqlalchemy as sa

from pb.barometer import aggregate, export, services
from pb.demo import load_demo
from pb.editions.models import Edition, Phase


def test_demo_barometer(session, client) -> None:
    summary = load_demo(session)
    session.commit()
    done = session.scalars(sa.select(Edition).where(Edition.phase == Phase.IMPLEMENTATION)).one()
    assert "/dashboard" in summary and "pb barometer aggregate" in summary
    assert len(services.published(session, done)) == 6
    doc = export.document(session, done)
    assert doc["declared"]["cost_band"] == "5k-20k" and doc["declared"]["objectives"]
    assert doc["indicators"]["Q8"]["value"]["total"] > 0 and doc["indicators"]["G4"]["value"] is not None
    page = client.get(f"/editions/{done.slug}/open-data").get_data(as_text=True)
    assert page.count("<section class=\"dataset\"") == 6
    dashboard = client.get(f"/editions/{done.slug}/dashboard")
    assert dashboard.status_code == 200 and dashboard.get_data(as_text=True).count("<svg") >= 5
    docs = [aggregate.parse(e.slug, json.dumps(export.document(session, e)))
            for e in session.scalars(sa.select(Edition).order_by(Edition.year))]
    table = aggregate.aggregate(docs)
    assert table["territories"] == 1  # one city: its latest edition only
    assert "| B1 |" in aggregate.to_markdown(table)
