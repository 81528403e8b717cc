"""A request id, one log line and the metrics for every request; never the text.

The id is the client's `X-Request-ID` when it is a short token, else a fresh one, and
comes back in the response's `X-Request-ID`. The log line has the id, method, route
(the rule, not the path, so no query string and no key), status, post count and time.
"""

import logging
import re
import time
import uuid

from flask import g, request

from .metrics import get_metrics

log = logging.getLogger("modlens.access")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_app(app):
    app.before_request(_start)
    app.after_request(_finish)


def count_posts(n):
    """Record how many posts this request scored (for the log line and /metrics)."""
    g.modlens_posts = n


def _start():
    supplied = request.headers.get("X-Request-ID", "")
    g.modlens_request_id = supplied if _CLIENT_ID.match(supplied) else uuid.uuid4().hex
    g.modlens_started = time.perf_counter()


def _finish(response):
    request_id = g.get("modlens_request_id") or uuid.uuid4().hex
    seconds = time.perf_counter() - g.get("modlens_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    posts = g.get("modlens_posts", 0)
    metrics = get_metrics()
    metrics.requests.labels(route, request.method, str(response.status_code)).inc()
    metrics.latency.labels(route).observe(seconds)
    if posts:
        metrics.posts.labels(route).inc(posts)
    response.headers["X-Request-ID"] = request_id
    log.info(
        "request_id=%s method=%s route=%s status=%d posts=%d ms=%.1f",
        request_id, request.method, route, response.status_code, posts, seconds * 1000,
    )
    return response
