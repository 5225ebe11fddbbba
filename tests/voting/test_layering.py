"""voting/views.py stays thin (issue 12): no queries and no ballot rules in the views; they live
in the services (pb/voting/services/pages.py, access.py, requests.py)."""

from __future__ import annotations

import ast
import pathlib

import pb.voting.views as views

FORBIDDEN_MODULES = {"sqlalchemy", "pb.voting.rules", "pb.voting.models", "pb.projects.services", "pb.editions.describe"}
QUERY_METHODS = {"execute", "scalar", "scalars", "query", "get", "add", "delete", "flush"}


def test_the_voting_views_hold_no_query_and_no_rule() -> None:
    tree = ast.parse(pathlib.Path(views.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert not imported & FORBIDDEN_MODULES, imported & FORBIDDEN_MODULES
    queries = [ast.unparse(node) for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr in QUERY_METHODS
               and ast.unparse(node.value) in ("db.session", "session_", "db.session()")]
    assert queries == []
