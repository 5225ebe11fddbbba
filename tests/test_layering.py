"""Layering rules that a test keeps (issue 12, "Layering"): the app factory registers what the
domains add (no module edits another's lists at import)."""

from __future__ import annotations

import ast
from pathlib import Path

import pb
from pb.app import BLUEPRINTS

ROOT = Path(pb.__file__).parent
MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault"}


def _modules() -> list[tuple[str, ast.Module]]:
    return [(".".join(p.relative_to(ROOT.parent).with_suffix("").parts), ast.parse(p.read_text(encoding="utf-8")))
            for p in sorted(ROOT.rglob("*.py"))]


def test_no_module_edits_another_modules_lists_at_import() -> None:
    edits = []
    for name, tree in _modules():
        imported = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("pb") for alias in node.names}
        for node in tree.body:
            target = None
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
                if node.value.func.attr in MUTATORS:
                    target = node.value.func.value
            elif isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                target = next((t.value for t in targets if isinstance(t, (ast.Subscript, ast.Attribute))), None)
            while isinstance(target, ast.Attribute):
                target = target.value
            if isinstance(target, ast.Name) and target.id in imported:
                edits.append(f"{name}:{node.lineno} edits {target.id}")
    assert edits == [], "declare it in the module and let pb.app register it"


def test_edition_links_are_registered_by_the_app_factory(app, side_app) -> None:
    import importlib

    page = [link for m in BLUEPRINTS for link in getattr(importlib.import_module(m), "EDITION_PAGE_LINKS", [])]
    admin = [link for m in BLUEPRINTS for link in getattr(importlib.import_module(m), "EDITION_ADMIN_LINKS", [])]
    assert [e for _l, e, *_ in app.extensions["pb.edition_links"]["page"]] == [e for _l, e, *_ in page]
    assert [e for _l, e, _p in app.extensions["pb.edition_links"]["admin"]] == [e for _l, e, _p in admin]
    assert "ideas.index" in [e for _l, e, *_ in page] and "voting_admin.index" in [e for _l, e, _p in admin]
    # Each app holds its own lists: a second app does not add the links a second time.
    assert app.extensions["pb.edition_links"] == side_app.extensions["pb.edition_links"]
    assert app.extensions["pb.edition_links"]["page"] is not side_app.extensions["pb.edition_links"]["page"]


def test_the_edition_pages_show_the_registered_links(client, make, session) -> None:
    from pb.authz import SYSTEM
    from pb.editions.models import Phase
    from pb.editions.services import set_phase

    edition = make.edition()
    set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    admin = make.admin()
    session.commit()
    html = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert f"/editions/{edition.slug}/ideas" in html and f"/editions/{edition.slug}/results" not in html
    client.post("/account/login", data={"email": admin.email, "password": "correct horse battery"})
    html = client.get(f"/admin/editions/{edition.id}").get_data(as_text=True)
    assert f"/admin/editions/{edition.id}/voting/" in html and f"/admin/editions/{edition.id}/review" in html


# -- the citizen cycle: ideas < councils < review -------------------------------------------------------

# A domain imports only the domains below it. `demo.py` modules compose the whole cycle (they are
# loaded by `pb demo`, never by the application).
ORDER = ["ideas", "councils", "review"]


def _domain_imports() -> list[tuple[str, int, str, str, bool]]:
    """(module, line, importing domain, imported domain, inside a function?) across pb's domains."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 2:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.ImportFrom):
                names = [f"pb.{a.name}" for a in node.names] if node.module == "pb" else [node.module or ""]
            else:
                names = [a.name for a in node.names]
            for name in names:
                target = name.split(".")[1] if name.startswith("pb.") else ""
                if (ROOT / target).is_dir() and target != parts[0]:
                    found.append((str(path.relative_to(ROOT)), node.lineno, parts[0], target, id(node) not in top))
    return found


def test_ideas_councils_and_review_import_one_way() -> None:
    upward = [f"{m}:{line} imports pb.{t}" for m, line, d, t, _h in _domain_imports()
              if d in ORDER and t in ORDER and ORDER.index(t) > ORDER.index(d) and not m.endswith("demo.py")]
    assert upward == [], "a lower domain shows what a higher one adds through pb.web.parts (PAGE_PARTS)"


def test_no_import_of_another_domain_hides_inside_a_function() -> None:
    hidden = [f"{m}:{line} imports pb.{t}" for m, line, d, t, inside in _domain_imports()
              if inside and d in ORDER and t in ORDER]
    assert hidden == []


def test_pages_of_ideas_show_the_parts_of_councils_and_review(client, session, make) -> None:
    from pb.authz import SYSTEM
    from pb.councils.services import record_opinion, save_council
    from pb.editions.models import Phase
    from pb.ideas.models import IdeaStatus
    from pb.review import services as review
    from pb.review.models import Decision
    from tests.ideas.conftest import Cycle

    cycle = Cycle(session, make)
    edition = cycle.edition(Phase.SUBMISSION)
    feasible = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    refused = cycle.idea(edition)
    council = save_council(session, SYSTEM, edition, name="Conseil du quartier 1", district_id=edition.districts[0].id)
    record_opinion(session, SYSTEM, council, feasible.project, opinion="reserved", text="Des réserves.")
    first, *rest = review.checklist(session, edition)
    review.save_review(session, SYSTEM, refused, answers={first.id: False, **{i.id: True for i in rest}},
                       decision=Decision.NOT_ADMISSIBLE, public_reason="Hors du champ du budget participatif.")
    session.commit()
    listing = client.get(f"/editions/{edition.slug}/projects").get_data(as_text=True)
    assert 'class="badge opinion-reserved"' in listing
    page = client.get(f"/editions/{edition.slug}/projects/{feasible.project.number}").get_data(as_text=True)
    assert "Des réserves." in page and "Conseil du quartier 1" in page
    idea_page = client.get(f"/editions/{edition.slug}/ideas/{refused.id}").get_data(as_text=True)
    assert first.label in idea_page
