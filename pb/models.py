"""Imports every model module, so that `Base.metadata` is complete (Alembic, tests, create_all)."""

from __future__ import annotations

import importlib

from pb.db import Base

MODEL_MODULES = [
    "pb.accounts.models",
    "pb.editions.models",
    "pb.projects.models",
    "pb.audit.models",
    "pb.tracking.models",
    "pb.results.models",
    "pb.ideas.models",
    "pb.review.models",
    "pb.councils.models",
    "pb.voting.models",
    "pb.ballotbox.models",
    "pb.barometer.models",
    "pb.site.models",
    "pb.jobs",
]


def load_models() -> type[Base]:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base
