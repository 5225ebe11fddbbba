from __future__ import annotations

from typing import Any

from pb.authz import anonymous_ok, can, policy


@policy("barometer.manage")
def _manage(user: Any, obj: Any) -> bool:
    """The questionnaire, the export, publishing datasets: the administrators of the edition."""
    return can(user, "edition.manage", obj)


@policy("barometer.aggregate")
def _aggregate(user: Any, obj: Any) -> bool:
    """Aggregating other territories' exports: administrators."""
    return can(user, "territory.manage", obj)


@policy("barometer.view")
@anonymous_ok
def _view(user: Any, obj: Any) -> bool:
    """The dashboard and the open-data page: whoever can see the edition."""
    return can(user, "edition.view", obj)
