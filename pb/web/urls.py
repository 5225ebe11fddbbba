"""Links that leave the site (e-mails, printed letters, CSV of voting codes) are built from the
`base_url` setting, not from the request: a job or a command has no request, and a link in a
letter must not depend on which host name a staff member happened to use."""

from __future__ import annotations

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("pb.invalid", url_scheme="https")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PB_SETTINGS"].base_url.rstrip("/") + path
