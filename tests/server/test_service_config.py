"""create_app's configuration: defaults, MODLENS_* from the environment, and the model's readiness."""

import threading

import models
import pytest
from service_helpers import FakeScorer, assert_error

from models import DEFAULT_THRESHOLDS
from server import ConfigError, create_app

SCORE = {"posts": [{"id": "p1", "text": "You idiot."}]}


def test_environment_sets_limits_and_thresholds(monkeypatch, fake_scorer):
    monkeypatch.setenv("MODLENS_MAX_POSTS", "1")
    monkeypatch.setenv("MODLENS_THRESHOLDS__toxicity", "0.95")
    app = create_app({"TESTING": True, "SCORER": fake_scorer})
    assert app.config["MAX_POSTS"] == 1
    client = app.test_client()
    thresholds = {a["name"]: a["threshold"] for a in client.get("/v1/attributes").get_json()["attributes"]}
    assert thresholds["toxicity"] == 0.95 and thresholds["insult"] == DEFAULT_THRESHOLDS["insult"]
    # The fake scores "idiot" 0.9 on toxicity: under the raised threshold, so no flag.
    flags = client.post("/v1/score", json=SCORE).get_json()["posts"][0]["flags"]
    assert "toxicity" not in flags and "insult" in flags
    # The defaults themselves are untouched for the next app.
    assert DEFAULT_THRESHOLDS["toxicity"] == 0.5
    monkeypatch.delenv("MODLENS_THRESHOLDS__toxicity")
    assert create_app({"TESTING": True, "SCORER": fake_scorer}).config["THRESHOLDS"]["toxicity"] == 0.5


def test_threshold_names_in_capitals(monkeypatch, fake_scorer):
    monkeypatch.setenv("MODLENS_THRESHOLDS__TOXICITY", "0.8")
    assert create_app({"SCORER": fake_scorer}).config["THRESHOLDS"]["toxicity"] == 0.8


def test_thresholds_as_json(monkeypatch, fake_scorer):
    monkeypatch.setenv("MODLENS_THRESHOLDS", '{"OFF_TOPIC": 0.8}')
    assert create_app({"SCORER": fake_scorer}).config["THRESHOLDS"]["off_topic"] == 0.8


@pytest.mark.parametrize("config, message", [
    ({"THRESHOLDS": {"rudeness": 0.5}}, "unknown attribute"),
    ({"THRESHOLDS": {"toxicity": 2}}, "from 0 to 1"),
    ({"MAX_POSTS": 0}, "MAX_POSTS"),
    ({"MAX_TEXT_BYTES": "big"}, "MAX_TEXT_BYTES"),
    ({"API_KEYS": {"a": 1}}, "API_KEYS"),
    ({"PARALLEL_WINDOWS": 0}, "PARALLEL_WINDOWS"),
])
def test_bad_settings_refuse_to_start(fake_scorer, config, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"SCORER": fake_scorer, **config})


class SlowScorer:
    """Stands in for models.Scorer while a test holds its load."""

    release = threading.Event()
    fail = False

    @classmethod
    def load(cls, *args, **options):  # the service may pass options such as precision
        cls.release.wait(10)
        if cls.fail:
            raise OSError("weights missing")
        return FakeScorer()


@pytest.fixture
def slow_model(monkeypatch):
    SlowScorer.release = threading.Event()
    SlowScorer.fail = False
    monkeypatch.setattr(models, "Scorer", SlowScorer, raising=False)
    return SlowScorer


def test_not_ready_until_the_model_loads(slow_model):
    app = create_app({"TESTING": True, "MODEL_WAIT_SECONDS": 0.05})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert_error(response, 503, "still loading")
    assert response.headers["Retry-After"]
    assert_error(client.post("/v1/score", json=SCORE), 503, "still loading")
    slow_model.release.set()
    assert app.extensions["modlens"].loaded.wait(5)
    assert client.get("/readyz").get_json()["status"] == "ready"
    assert client.post("/v1/score", json=SCORE).status_code == 200


def test_a_request_waits_for_a_model_that_is_loading(slow_model):
    client = create_app({"TESTING": True, "MODEL_WAIT_SECONDS": 5}).test_client()
    threading.Timer(0.2, slow_model.release.set).start()
    assert client.post("/v1/score", json=SCORE).status_code == 200


def test_a_failed_load_is_reported(slow_model):
    slow_model.fail = True
    slow_model.release.set()
    app = create_app({"TESTING": True})
    assert app.extensions["modlens"].loaded.wait(5)
    client = app.test_client()
    assert_error(client.get("/readyz"), 503, "weights missing")
    assert_error(client.post("/v1/score", json=SCORE), 503, "failed to load")


def test_the_worker_loads_its_model_with_the_parallel_windows_setting(monkeypatch):
    seen = {}

    class Recording(SlowScorer):
        @classmethod
        def load(cls, *args, **options):
            seen.update(options)
            return FakeScorer()

    monkeypatch.setattr(models, "Scorer", Recording, raising=False)
    monkeypatch.setenv("MODLENS_PARALLEL_WINDOWS", "3")
    app = create_app()
    assert app.config["PARALLEL_WINDOWS"] == 3
    client = app.test_client()
    for _ in range(100):
        if client.get("/readyz").status_code == 200:
            break
        threading.Event().wait(0.05)
    assert seen.get("parallel_windows") == 3
