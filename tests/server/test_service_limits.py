"""Rate limit per key on the scoring routes: 429 JSON with Retry-After."""

import pytest
from service_helpers import assert_error

SCORE = {"posts": [{"id": "p1", "text": "hello"}]}
ANALYZE = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATE_LIMIT="2 per minute", API_KEYS="a,b").test_client()


def test_over_the_limit_is_429_with_retry_after(limited):
    for _ in range(2):
        assert limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "a"}).status_code == 200
    response = limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "a"})
    error = assert_error(response, 429)
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert int(response.headers["Retry-After"]) > 0


def test_the_budget_is_shared_by_the_scoring_routes(limited):
    headers = {"X-API-Key": "a"}
    assert limited.post("/v1/score", json=SCORE, headers=headers).status_code == 200
    assert limited.post("/v1alpha1/comments:analyze", json=ANALYZE, headers=headers).status_code == 200
    assert_error(limited.post("/v1alpha1/comments:analyze", json=ANALYZE, headers=headers), 429)


def test_each_key_has_its_own_budget(limited):
    for _ in range(2):
        limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "a"})
    assert limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "b"}).status_code == 200


def test_health_is_not_limited(limited):
    for _ in range(5):
        assert limited.get("/healthz").status_code == 200


def test_refused_keys_spend_no_budget(limited):
    for _ in range(3):
        assert_error(limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "wrong"}), 401)
    assert limited.post("/v1/score", json=SCORE, headers={"X-API-Key": "a"}).status_code == 200


def test_apps_do_not_share_counters(make_app):
    for _ in range(2):
        client = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT="1 per minute").test_client()
        assert client.post("/v1/score", json=SCORE).status_code == 200
