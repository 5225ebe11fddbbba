"""Shared helpers of the tally tests: where the real Pabulib elections are, cached readers, the
precomputed pabutools references, and small election builders.

The elections live outside the repository, in ``<repo parent>/shared/data/pabulib`` (override with
``PB_PABULIB_DIR``). When they are missing the tests that need them fail and say where they were
looked for: a silent skip would hide that nothing was checked.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import pytest

from pb.tally import Election, pabulib

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return Path(os.environ.get("PB_PABULIB_DIR") or REPO_ROOT.parent / "shared" / "data" / "pabulib")


def require_data_dir() -> Path:
    path = data_dir()
    if not (path / "pabutools_results.json").is_file():
        pytest.fail(
            f"the Pabulib elections were not found in {path} (expected the shared data directory "
            "next to the repository, or set PB_PABULIB_DIR to it)",
            pytrace=False,
        )
    return path


@lru_cache(maxsize=None)
def load(name: str) -> Election:
    """Read a stored election once per test session."""
    return pabulib.read(require_data_dir() / name)


@lru_cache(maxsize=1)
def references() -> dict:
    return json.loads((require_data_dir() / "pabutools_results.json").read_text(encoding="utf-8"))


def file_names() -> list[str]:
    """The stored files, for parametrisation (collected even when the data is missing, so the
    tests then fail loudly instead of vanishing)."""
    path = data_dir()
    if not path.is_dir():
        return ["<missing data directory>"]
    return sorted(p.name for p in path.glob("*.pb"))
