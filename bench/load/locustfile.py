"""Locust clients for bench/load/run.py: each posts 30-post threads to /v1/score, half of
them repeated (a fixed set the server has scored before: its cache answers) and half new
(a post changed, so the whole thread is scored again), with a think time between requests.

Every request is written to LOAD_LOG (one JSON line: time, kind, status, ms) so that
run.py computes its own percentiles, apart for served (200) and shed (503) requests.
Settings come from the environment, as run.py sets them: LOAD_WAIT_MIN/MAX (seconds of
think time), LOAD_POSTS (posts per thread), LOAD_REPEATED (how many fixed threads).
"""

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.inputs import posts as bench_posts  # noqa: E402 - the repository's own post sets

POSTS = int(os.environ.get("LOAD_POSTS", "30"))
TEXTS, SOURCE = bench_posts("typical", 400)  # the data holds 446 of this length
REPEATED = [[TEXTS[(n * POSTS + i) % len(TEXTS)] for i in range(POSTS)] for n in range(int(os.environ.get("LOAD_REPEATED", "8")))]
_fresh = itertools.count()
_log = open(os.environ.get("LOAD_LOG", os.devnull), "a", buffering=1)


def body(texts, title):
    return {"thread": {"title": title},
            "posts": [{"id": f"p{i}", "text": text, "parent_id": None if i == 0 else "p0"} for i, text in enumerate(texts)]}


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **_):
    status = getattr(response, "status_code", 0) if exception is None or response is not None else 0
    _log.write(json.dumps({"t": time.time(), "kind": name, "status": status or 0, "ms": round(response_time, 1),
                           "error": type(exception).__name__ if exception and not status else None}) + "\n")


class Moderator(HttpUser):
    wait_time = between(float(os.environ.get("LOAD_WAIT_MIN", "5")), float(os.environ.get("LOAD_WAIT_MAX", "15")))

    @task
    def repeated(self):
        n = random.randrange(len(REPEATED))
        self._post(body(REPEATED[n], f"Repeated thread {n}"), "repeated")

    @task
    def new(self):
        n = next(_fresh)
        texts = random.sample(TEXTS, POSTS)
        texts[0] = f"{texts[0]} (thread {os.getpid()}-{n})"  # never seen: the cache misses
        self._post(body(texts, f"New thread {n}"), "new")

    def _post(self, payload, kind):
        with self.client.post("/v1/score", json=payload, name=kind, catch_response=True, timeout=180) as response:
            if response.status_code in (200, 503):
                response.success()  # a 503 is counted by run.py as shed, not as an error
