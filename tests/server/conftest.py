"""Fixtures for the service tests (flaskr style): `app`, `client`, and their real-model twins.

`app`/`client` carry a fake scorer with the Scorer contract, so the many tests of
validation, auth, limits and error shapes run in milliseconds; every happy path is also
tested with the real model (`real_app`/`real_client`, on the root `scorer` fixture).
"""

import pytest
from service_helpers import FakeScorer

from server import create_app


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    # A developer's own MODLENS_* settings must not change what the tests see.
    import os

    for name in list(os.environ):
        if name.startswith("MODLENS_") or name == "PROMETHEUS_MULTIPROC_DIR":
            monkeypatch.delenv(name)


@pytest.fixture
def fake_scorer():
    return FakeScorer()


@pytest.fixture
def make_app(fake_scorer):
    """create_app with the fake scorer, no rate limit, and any overrides given."""

    def make(**config):
        return create_app({"TESTING": True, "SCORER": fake_scorer, "RATELIMIT_ENABLED": False, **config})

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def real_app(scorer):
    return create_app({"TESTING": True, "SCORER": scorer, "RATELIMIT_ENABLED": False})


@pytest.fixture
def real_client(real_app):
    return real_app.test_client()
