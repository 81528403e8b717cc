"""Admission control: a worker's bounded queue for its model, so overload is refused at once.

A worker scores one request at a time (server/scoring.py `OneAtATime`). Without a bound,
every request beyond that waits in line, and under a load the worker cannot serve the
line only grows, until gunicorn's timeout kills the worker with all its requests. Here a
request may wait only while fewer than `max_waiting` others wait, and only `wait_seconds`
long; otherwise it is refused with 503 and Retry-After, in milliseconds, so a client (a
forum calling us inline, with a short timeout of its own) can fail open or retry at once.

Turns are handed over first come, first served: a plain lock lets a newcomer take the
model ahead of requests that have waited, which starves them into the timeout.

The bounds are MODLENS_MAX_QUEUE and MODLENS_QUEUE_TIMEOUT_S (server/config.py says why
their defaults). gunicorn.conf.py gives each worker `max_waiting + 2` request threads: one
scoring, the waiting ones, and one always free for /readyz, cache hits and refusals.
"""

import math
import threading
import weakref
from collections import deque
from contextlib import contextmanager

from .config import DEFAULTS
from .errors import APIError


# Every queue of this process, so that gunicorn's worker (gunicorn.conf.py) can ask
# how busy its model is before it accepts a connection.
_QUEUES = weakref.WeakSet()


def model_load():
    """Requests of this process holding or waiting for its model: 0 when it is idle."""
    return sum(queue.load for queue in list(_QUEUES))


def model_full():
    """Whether a scoring request this process accepted now would be refused at once."""
    return any(queue.full for queue in list(_QUEUES))


class ModelBusy(APIError):
    """503 with Retry-After: this worker's model has a full queue, or no turn came in time."""

    def __init__(self, message, retry_after):
        super().__init__(message, 503, headers={"Retry-After": str(retry_after)})


class ModelQueue:
    """One request holds the model; at most `max_waiting` wait, each at most `wait_seconds`."""

    def __init__(self, max_waiting=DEFAULTS["MAX_QUEUE"], wait_seconds=DEFAULTS["QUEUE_TIMEOUT_S"]):
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.refused = 0  # requests turned away, for the log and the tests
        self._guard = threading.Lock()
        self._held = False
        self._waiting = deque()  # one Event per waiting request, first come first
        _QUEUES.add(self)

    @property
    def load(self):
        """The request holding the model and those waiting; unlocked, as a hint."""
        return int(self._held) + len(self._waiting)

    @property
    def full(self):
        """One request holds the model and `max_waiting` wait: a newcomer is refused. Unlocked, as a hint."""
        return self._held and len(self._waiting) >= self.max_waiting

    @property
    def waiting(self):
        with self._guard:
            return len(self._waiting)

    @property
    def retry_after(self):
        return max(1, math.ceil(self.wait_seconds))

    def refuse_if_full(self):
        """Raise ModelBusy now if a request arriving now could not even wait its turn.

        Checked as a scoring request comes in, before its body is read, validated and its
        posts' languages identified: under overload those steps, hundreds of ms on a busy
        CPU, were what kept the worker's spare thread from refusing the next request at
        once (measured: bench/load/run.py, RELIABILITY.md). `turn` checks again."""
        with self._guard:
            if self.full:
                self.refused += 1
                raise self._full()

    def _full(self):
        return ModelBusy(f"the server is busy: {len(self._waiting)} request(s) already wait for the model "
                         f"in this worker; retry after {self.retry_after} s", self.retry_after)

    @contextmanager
    def turn(self):
        """Hold the model for the `with` block; raise ModelBusy instead of waiting too long."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def _acquire(self):
        with self._guard:
            if not self._held:
                self._held = True
                return
            if len(self._waiting) >= self.max_waiting:
                self.refused += 1
                raise self._full()
            handed = threading.Event()
            self._waiting.append(handed)
        if handed.wait(self.wait_seconds):
            return
        with self._guard:
            if handed.is_set():  # handed over between the timeout and this lock: ours after all
                return
            self._waiting.remove(handed)
            self.refused += 1
        raise ModelBusy(f"the server is busy: no turn at the model within {self.wait_seconds:g} s; "
                        f"retry after {self.retry_after} s", self.retry_after)

    def _release(self):
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()  # the model passes straight to the next in line
            else:
                self._held = False
