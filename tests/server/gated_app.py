"""An app factory for gunicorn whose scorer holds each request until the test opens a gate.

`GATE_DIR` names a folder: a worker's scoring request n writes `started-PID-n` there, then waits until a
file `open` appears, then scores with the keyword stand-in. Each worker writes
`booted-PID` once its app is made. The test thereby knows that
the model is busy and for how long, with no sleeps or timing guesses.
"""

import itertools
import os
import threading
import time
from collections import Counter
from pathlib import Path

from service_helpers import FakeScorer

from server import create_app


class GatedScorer(FakeScorer):
    def __init__(self, gate):
        super().__init__()
        self.gate = Path(gate)
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def score_thread(self, thread, attributes=None, thresholds=None):
        with self._lock:
            number = next(self._numbers)
        (self.gate / f"started-{os.getpid()}-{number}").write_text(str(os.getpid()))
        while not (self.gate / "open").exists():
            time.sleep(0.02)
        return super().score_thread(thread, attributes, thresholds)


def started_per_worker(gate):
    """{worker pid: scoring requests it has taken to the model}, from the `started-PID-n` files."""
    return Counter(int(p.name.split("-")[1]) for p in Path(gate).glob("started-*"))


def booted(gate):
    """How many workers have made their app."""
    return len(list(Path(gate).glob("booted-*")))


def create():
    from models import language

    # As the service loads it beside the real model: otherwise each worker's first
    # requests wait for it, seconds on a busy machine, before they reach the gate.
    language.load()
    app = create_app({"SCORER": GatedScorer(os.environ["GATE_DIR"]), "RATELIMIT_ENABLED": False})
    # A worker takes connections only once its app is made: the test waits for every one.
    (Path(os.environ["GATE_DIR"]) / f"booted-{os.getpid()}").touch()
    return app
