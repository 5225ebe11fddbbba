"""Links that leave the site (e-mails, printed letters, CSV of voting codes) are built from the
`base_url` setting, not from the request: a job or a command has no request, and a link in a
letter must not depend on which host name a staff member happened to use."""

from __future__ import annotations

from typing import Any

from flask import current_app
from werkzeug.routing import IntegerConverter


def external_url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("pb.invalid", url_scheme="https")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PB_SETTINGS"].base_url.rstrip("/") + path


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: at most a database integer. A path with 5,000 digits or 2**64 is
    a 404, never an overflow in the database (a 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2 ** 31 - 1)
        super().__init__(map, *args, **kwargs)

    regex = r"[0-9]{1,10}"
