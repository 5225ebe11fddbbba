"""What pb imports is declared in pyproject.toml, what it declares is used, and constraints.txt
(the lock `make lock` generates) pins every declared package to a version its bounds accept;
`make` installs through it. After adding a library: declare it, then `make lock`."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in PROJECT["optional-dependencies"].items()}
# Declared but never imported, and why.
NOT_IMPORTED = {
    "gunicorn": "serves the app (README, ## Production)",
    "email-validator": "WTForms' Email() validator imports it",
    "ruff": "the linter tests/test_lint.py runs",
    "granian": "the server bench/vote_load.py compares with gunicorn",
}


def _imported_distributions(*folders: str) -> dict[str, set[str]]:
    """Distribution name -> the files that import it, for every non-stdlib, non-pb import."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    files = [p for folder in folders for p in (ROOT / folder).rglob("*.py")] if folders else []
    for path in files + ([ROOT / "wsgi.py"] if "pb" in folders else []):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("pb", "tests", "bench", "__future__") \
                        or (ROOT / folder_of(path) / f"{top}.py").exists():
                    continue
                assert top in owners, f"{path.relative_to(ROOT)} imports {top}, which no installed package provides"
                for dist in owners[top]:
                    found.setdefault(canonicalize_name(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def folder_of(path: Path) -> str:
    return str(path.parent.relative_to(ROOT))


def _names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def test_what_the_app_imports_is_a_runtime_dependency() -> None:
    missing = {dist: sorted(files)[:3] for dist, files in _imported_distributions("pb", "migrations").items()
               if dist not in _names(RUNTIME) and dist != "psycopg-binary"}
    assert not missing, f"imported but not in [project].dependencies: {missing}"


def test_what_tests_and_benchmarks_import_is_declared() -> None:
    declared = _names(RUNTIME) | {n for reqs in EXTRAS.values() for n in _names(reqs)}
    missing = {dist: sorted(files)[:3] for dist, files in _imported_distributions("tests", "bench").items()
               if dist not in declared}
    assert not missing, f"imported by tests or benchmarks but not declared: {missing}"


def test_every_declared_package_is_used() -> None:
    used = set(_imported_distributions("pb", "migrations", "tests", "bench")) | set(NOT_IMPORTED)
    runtime_used = set(_imported_distributions("pb", "migrations")) | {"gunicorn", "email-validator"}
    unused = {n for n in _names(RUNTIME) if n not in runtime_used}
    assert not unused, f"runtime dependencies pb never imports (a test-only one goes in the test extra): {unused}"
    unused = {n for reqs in EXTRAS.values() for n in _names(reqs) if n not in used}
    assert not unused, f"declared, imported nowhere: {unused}"
    # Dropped when nothing imported them (nh3 came back with pb/site/pages.py's sanitiser).
    assert not _names(RUNTIME) & {"fakeredis", "requests"}


def test_the_lock_pins_every_declared_package_within_its_bounds() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", (ROOT / "constraints.txt").read_text(), re.M))
    pins = {canonicalize_name(name): version for name, version in pins.items()}
    for requirement in RUNTIME + [r for reqs in EXTRAS.values() for r in reqs]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is declared but not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement.specifier}: run `make lock`"


def test_the_majors_that_break_us_are_bounded() -> None:
    """A fresh install without bounds takes versions no test has run on."""
    for requirement in RUNTIME:
        assert any(spec.operator in ("<", "==", "~=") for spec in requirement.specifier), \
            f"{requirement.name} has no upper bound"


def test_make_and_ci_install_through_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line and "uv" not in line]
    assert installs and all("-c $(LOCK)" in line for line in installs), installs
    assert "LOCK   := constraints.txt" in makefile and "uv pip compile --quiet pyproject.toml --all-extras" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
