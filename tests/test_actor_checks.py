"""Every service that changes data checks its actor (issue 12, "Permissions").

The services' modules are read (not run): a public function writes when it, or a private
function of its module it calls, adds or deletes rows (`session.add/add_all/delete/merge`,
`sa.insert/update/delete`) or assigns an attribute of a parameter typed as a model. Such a
function must take the acting user (`actor`) and call `pb.authz.require` (itself or through a
private function of its module). Writers that call another module's service rely on that one,
which this test reads too.

The few functions that write without an actor are listed below, each with its reason; a new one
fails here until it checks its actor or is listed."""

from __future__ import annotations

import ast
from pathlib import Path

import pb
from pb.models import load_models

ROOT = Path(pb.__file__).parent
NOT_SERVICES = {"views.py", "forms.py", "models.py", "policies.py", "cli.py", "__init__.py", "demo.py", "demo_data.py"}
NOT_SERVICE_PACKAGES = {"web", "tally", "translations"}  # pages' helpers; the pure count (no database)

WITHOUT_ACTOR = {
    # The person acts on their own account, proved by a password, a link or a code; or the command line.
    "accounts.services.register_user": "a visitor creates their own account",
    "accounts.services.reset_password": "the e-mailed link proves the person",
    "accounts.services.change_password": "the current password proves the person",
    "accounts.services.set_password": "called by the two above, after their proof",
    "accounts.services.create_admin": "the first administrator, from the command line",
    "accounts.services.log_out": "the person ends their own sessions (the logout of the signed-in person)",
    "audit.services.record": "writes the log line of an action its caller checked",
    "editions.services.get_territory": "creates the one territory row the first time it is read",
    "review.services.checklist": "creates the default criteria the first time they are read",
    "review.services.create_checklist": "a phase hook: the phase change was checked by set_phase",
    "accounts.rights.delete_account": "the current password proves the person deleting their own account",
    "barometer.export.profile": "creates the one open-data profile row the first time it is read",
    "barometer.export.document": "reads an edition's figures; profile() creates its row the first time",
    "ideas.uploads.create_idea_with_files": "ideas.services.create_idea checks the actor; the files join that new idea",
    "voting.services.requests.request_token": "a resident asks for their own voting link (self-registration)",
    "voting.services.tokens.issue_one": "called by issue_tokens (voting.manage) and request_token (self-registration)",
    "voting.services.board.seal_board": "chains the public board's entries: no person's decision",
    "voting.services.board.seal_pending": "seal_board in a transaction of its own",
    "voting.services.board.sign_head": "signs the board's head at the close or from the command line: no person's decision",
    "voting.services.secrecy.ensure_ballot_key": "a phase hook at the opening: set_phase checked the actor",
    "voting.services.secrecy.close_decrypt": "a phase hook at the close: set_phase checked the actor",
    "voting.writers.use_token_statement": "builds an SQL statement; casting runs it after its checks",
    "voting.writers.insert_statement": "builds an SQL statement; casting runs it after its checks",
    "voting.writers.compiled_use_token": "compiles use_token_statement; casting runs it after its checks",
    "voting.writers.compiled_insert": "compiles insert_statement; casting runs it after its checks",
}


def _modules() -> list[Path]:
    paths = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 2 or parts[0] in NOT_SERVICE_PACKAGES or path.name in NOT_SERVICES:
            continue
        paths.append(path)
    return paths


MODELS = {mapper.class_.__name__ for mapper in load_models().registry.mappers}


def _annotation(arg: ast.arg) -> str:
    return ast.unparse(arg.annotation) if arg.annotation is not None else ""


class _Function:
    def __init__(self, fn: ast.FunctionDef, local: set[str]) -> None:
        args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
        self.params = {a.arg for a in args}
        typed_models = {a.arg for a in args if set(_annotation(a).replace("|", " ").split()) & MODELS}
        self.writes = self.checks = False
        self.calls: set[str] = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                    if f.value.id == "session" and f.attr in {"add", "add_all", "delete", "merge"}:
                        self.writes = True
                    if f.value.id == "sa" and f.attr in {"insert", "update", "delete"}:
                        self.writes = True
                if isinstance(f, ast.Name):
                    self.checks |= f.id == "require"
                    if f.id in local:
                        self.calls.add(f.id)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AugAssign) else []
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in typed_models:
                        self.writes = True


def _unchecked_writers(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    funcs = {name: _Function(fn, set(defs)) for name, fn in defs.items()}

    def reaches(name: str, flag: str, seen: set[str]) -> bool:
        if name in seen:
            return False
        seen.add(name)
        return getattr(funcs[name], flag) or any(reaches(c, flag, seen) for c in funcs[name].calls)

    return [f"{module}.{name}" for name, fn in funcs.items()
            if not name.startswith("_") and reaches(name, "writes", set())
            and not ("actor" in fn.params and reaches(name, "checks", set()))]


def test_every_service_that_writes_checks_its_actor() -> None:
    unchecked = {name for path in _modules()
                 for name in _unchecked_writers(path, ".".join(path.relative_to(ROOT).with_suffix("").parts))}
    missing = sorted(unchecked - set(WITHOUT_ACTOR))
    assert missing == [], "take the actor and call require(actor, ...) in: " + ", ".join(missing)
    assert sorted(set(WITHOUT_ACTOR) - unchecked) == [], "these now check their actor: remove them from the list"


def test_the_reader_finds_a_writer_that_forgets_its_actor(tmp_path) -> None:
    source = tmp_path / "services.py"
    source.write_text(
        "def create_project(session, edition: Edition, *, title):\n"
        "    session.add(Project(edition_id=edition.id, title=title))\n\n"
        "def set_status(session, project: Project, status):\n"
        "    project.status = status\n\n"
        "def rename(session, actor, project: Project, title):\n"
        "    _check(actor, project)\n"
        "    project.title = title\n\n"
        "def _check(actor, project):\n"
        "    require(actor, 'project.edit', project)\n\n"
        "def label(report: object):\n"
        "    report.title = 'x'  # not a model: not a write\n",
        encoding="utf-8")
    assert _unchecked_writers(source, "services") == ["services.create_project", "services.set_status"]
