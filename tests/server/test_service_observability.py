"""Request ids, the log line (never the text), and Prometheus metrics per app."""

import logging

SECRET_TEXT = "my private words about the neighbours"
SCORE = {"posts": [{"id": "p1", "text": SECRET_TEXT}, {"id": "p2", "text": "second post"}]}


def test_every_response_has_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    assert client.get("/nowhere").headers["X-Request-ID"]


def test_a_clean_client_request_id_is_kept(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id;x"}).headers["X-Request-ID"] != "bad id;x"


def test_the_log_line_has_counts_and_no_text(client, caplog):
    with caplog.at_level(logging.INFO, logger="modlens"):
        response = client.post("/v1/score?key=abc", json=SCORE, headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    line = next(r.getMessage() for r in caplog.records if r.name == "modlens.access")
    assert "request_id=req-1" in line and "route=/v1/score" in line
    assert "status=200" in line and "posts=2" in line and "ms=" in line
    assert SECRET_TEXT not in caplog.text and "neighbours" not in caplog.text and "key=abc" not in caplog.text


def test_metrics_count_requests_and_posts(client):
    client.post("/v1/score", json=SCORE)
    client.post("/v1alpha1/comments:analyze", json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}})
    client.get("/nowhere")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'modlens_posts_scored_total{route="/v1/score"} 2.0' in text
    assert 'modlens_posts_scored_total{route="/v1alpha1/comments:analyze"} 1.0' in text
    assert 'modlens_http_requests_total{method="POST",route="/v1/score",status="200"} 1.0' in text
    assert 'route="(unmatched)"' in text and "/nowhere" not in text
    assert "modlens_http_request_duration_seconds_bucket" in text


def test_each_app_has_its_own_registry(make_app):
    first, second = make_app().test_client(), make_app().test_client()
    first.post("/v1/score", json=SCORE)
    assert "modlens_posts_scored_total{" not in second.get("/metrics").get_data(as_text=True)
