"""Fixtures of the tally tests (the helpers themselves are in ``helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import references, require_data_dir


@pytest.fixture(scope="session")
def pabulib_dir() -> Path:
    return require_data_dir()


@pytest.fixture(scope="session")
def reference() -> dict:
    return references()
