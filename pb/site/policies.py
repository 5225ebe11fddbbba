from __future__ import annotations

from typing import Any

from pb.authz import has_role, policy


@policy("site.manage")
def _manage(user: Any, obj: Any) -> bool:
    """The site's institutional pages, home text, contact details, logo and colour: global
    administrators."""
    return has_role(user, "admin")
