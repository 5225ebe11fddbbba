"""Parts other domains add to a domain's pages, without that domain importing them.

The ideas domain shows a project's council opinions and public meetings, and a not-admissible
idea's failed review criteria; councils and review sit above ideas (they use its models), so
ideas cannot import them without a cycle. Instead each view module may declare
`PAGE_PARTS = {"kind": function}`; the app factory collects them (`pb.app.register_blueprints`),
and the page's view merges what `page_parts(kind, ...)` returns into its template's values.

Kinds: "idea" (session, idea) -> values; "project" (session, project_id) -> values;
"project_list" (session, project_ids) -> values."""

from __future__ import annotations

from typing import Any

from flask import current_app

from pb.db import db


def page_parts(kind: str, *args: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in current_app.extensions["pb.page_parts"].get(kind, ()):
        values.update(part(db.session, *args))
    return values
