"""Fixtures for the batch tests: an app whose scorer is the hash stand-in (shapes and
plumbing), and its twin on the real model (the root `scorer` fixture)."""

from pathlib import Path

import pytest
from batch_doubles import HashScorer

from server import create_app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    # A developer's own MODLENS_* settings must not change what the tests see.
    import os

    for name in list(os.environ):
        if name.startswith("MODLENS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def hash_scorer():
    return HashScorer()


@pytest.fixture
def batch_app(hash_scorer):
    return create_app({"TESTING": True, "SCORER": hash_scorer, "RATELIMIT_ENABLED": False,
                       "BATCH_SCORER_LOADER": "batch_doubles:load"})


@pytest.fixture
def score(batch_app):
    """Run `flask score ARGS...` on the stand-in; returns click's Result (.stdout and .stderr apart)."""
    runner = batch_app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["score", "--no-progress", *map(str, args)])

    return invoke


@pytest.fixture
def fixtures_dir():
    return FIXTURES

