"""Fixtures for the service tests (flaskr style): `app`, `client`, and their real-model twins.

`app`/`client` carry a fake scorer with the Scorer contract, so the many tests of
validation, auth, limits and error shapes run in milliseconds; every happy path is also
tested with the real model (`real_app`/`real_client`, on the root `scorer` fixture).
"""

import itertools

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


# --- the verdict store (server/store.py), on SQLite and on a real PostgreSQL server ------


def started_or_skipped(start, unavailable, what: str, why_not: str):
    """`start()`'s real server; where it cannot start the test is skipped, except in CI,
    which must test `what` on it and fails instead."""
    import os

    try:
        return start()
    except unavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test {what}, and it could not start: {error}")
        pytest.skip(why_not.format(error=error))


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the session; skipped where it cannot start, except in CI."""
    from postgres_server import PostgresServer, PostgresUnavailable

    server = started_or_skipped(lambda: PostgresServer().start(), PostgresUnavailable, "the verdict store on PostgreSQL",
                                "PostgreSQL could not be started here ({error}); scripts/test installs it")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, then a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'verdicts.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"modlens_{next(_DATABASE_NUMBERS)}")


_DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture
def make_feedback_app(make_app, database_url):
    """create_app with feedback on and the store migrated to the newest schema."""
    from flask_migrate import upgrade

    from server.store import MIGRATIONS

    made = []

    def make(**config):
        app = make_app(FEEDBACK="on", DATABASE_URL=database_url, **config)
        with app.app_context():
            upgrade(directory=str(MIGRATIONS))
        made.append(app)
        return app

    yield make
    from server.store import db

    for app in made:  # close the pools: a PostgreSQL server takes 100 connections at most
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def feedback_app(make_feedback_app):
    return make_feedback_app()


@pytest.fixture
def feedback_client(feedback_app):
    return feedback_app.test_client()


# --- Redis (the shared rate limit and the shared post cache), a real server --------------


@pytest.fixture
def redis_server():
    """A private redis-server for one test; skipped where it cannot start, except in CI."""
    from redis_server import RedisServer, RedisUnavailable

    server = started_or_skipped(lambda: RedisServer().start(), RedisUnavailable,
                                "the rate limit and the shared post cache on a real Redis", "{error}; scripts/test installs it")
    yield server
    server.kill()
