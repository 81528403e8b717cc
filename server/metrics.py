"""Prometheus metrics: requests, latency, posts scored; served at GET /metrics.

Each app has its own registry, so tests that create many apps never collide on metric
names. Under gunicorn with several workers (METRICS_MULTIPROCESS, set by
gunicorn.conf.py along with PROMETHEUS_MULTIPROC_DIR), every worker writes its values to
that folder and /metrics adds them up, whichever worker answers.
"""

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

bp = Blueprint("metrics", __name__)

# Scoring a thread takes from milliseconds (one short post) to tens of seconds (hundreds
# of long posts on CPU); the buckets span that.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self, multiprocess_mode):
        self.multiprocess_mode = multiprocess_mode
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "modlens_http_requests", "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "modlens_http_request_duration_seconds", "Time to answer a request, by route.",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.posts = Counter(
            "modlens_posts_scored", "Posts (or Perspective comments) scored, by route.",
            ["route"], registry=self.registry,
        )
        self.suggestions = Counter(
            "modlens_suggestions_received", "Perspective suggestscore calls received (stored as verdicts only with feedback on).",
            registry=self.registry,
        )

    def exposition(self):
        if self.multiprocess_mode:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def init_app(app):
    app.extensions["modlens_metrics"] = Metrics(app.config["METRICS_MULTIPROCESS"])
    app.register_blueprint(bp)


def get_metrics():
    return current_app.extensions["modlens_metrics"]


@bp.get("/metrics")
def metrics():
    return Response(get_metrics().exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST)
