"""Fixtures shared by every test folder.

The real model is loaded once per test session: fast tests use the same small model
the service ships (STYLE.md 9), never a stand-in that could hide a broken pipeline.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def scorer():
    from models import Scorer

    return Scorer.load()


@pytest.fixture(scope="session")
def shared_dir():
    """`../shared` beside the checkout; tests that need it skip with a reason when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: this test reads the project's shared data or pages")
    return SHARED
