"""A gunicorn worker's memory does not grow with every new window length (issue #13).

torch runs bf16 matrix products through oneDNN, which compiles a kernel for each input
shape and keeps it, ~300 KB, in its own cache (ONEDNN_PRIMITIVE_CACHE_CAPACITY, 1 024 by
default) and in a cache per thread in torch (LRU_CACHE_CAPACITY, 1 024 per thread). A
window is as long as its post, so the service meets a new shape on most requests: the
10-minute soak grew each worker by 270-300 MB, of which the post and request caches held
~70 MB (RELIABILITY.md). gunicorn.conf.py caps both caches; the test below runs the real
encoder in a child process with the environment gunicorn.conf.py gives a worker, over 60
window lengths spread across as many threads as a worker runs the encoder on (six: four
request threads, two for one request's forward runs). With the libraries' defaults the
same child grew by 106 MB (glibc's bytes in use); capped, by 29.
"""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from models.runtime import bf16_in_hardware
from server.config import DEFAULTS, GUNICORN_SETTINGS

REPO = Path(__file__).resolve().parents[2]
LENGTHS = 60
# The threads that run the encoder in a worker: gunicorn.conf.py's request threads
# (MODLENS_MAX_QUEUE + 2) and the scorer's pool for one request's forward runs.
THREADS = DEFAULTS["MAX_QUEUE"] + 2 + DEFAULTS["PARALLEL_WINDOWS"]
# Capped, oneDNN's cache and each thread's keep at most CAPACITY kernels of at most
# ~400 KB (270-400 KB measured): a bound whatever the lengths. Uncapped, every new
# length costs ~1.8 MB, 106 MB for these 60.
CAPACITY = GUNICORN_SETTINGS["MODLENS_ONEDNN_CACHE_CAPACITY"]
BOUND_MB = CAPACITY * (1 + THREADS) * 0.4

CHILD = r"""
import ctypes, json, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from models import Scorer

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
in_use = lambda: libc.mallinfo2().uordblks / 2**20
encoder = Scorer.load(precision="bf16", runtime="torch").encoder

def forward(length):
    ids = np.full((1, length), 2023, dtype=np.int64)  # one window of `length` tokens
    mask = np.ones((1, length), dtype=np.int64)
    encoder.run_top(encoder.run_trunk(ids, mask), mask, tuned=True)

threads = [ThreadPoolExecutor(1) for _ in range(int(sys.argv[2]))]
for pool in threads:
    pool.submit(forward, 24).result()  # every thread warm, as in a worker that has served
libc.malloc_trim(0)
before = in_use()
for n in range(int(sys.argv[1])):
    threads[n % len(threads)].submit(forward, 30 + n).result()
libc.malloc_trim(0)
print(json.dumps({"grew_mb": in_use() - before}))
"""


def worker_environment(**env):
    """os.environ as gunicorn.conf.py leaves it for the workers it forks."""
    with mock.patch.dict(os.environ, env, clear=False):
        for name in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY", "MODLENS_ONEDNN_CACHE_CAPACITY"):
            if name not in env:
                os.environ.pop(name, None)
        runpy.run_path(str(REPO / "gunicorn.conf.py"))
        return dict(os.environ)


def test_gunicorn_caps_onednns_kernel_caches():
    env = worker_environment()
    assert env["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == env["LRU_CACHE_CAPACITY"] == str(CAPACITY)
    env = worker_environment(MODLENS_ONEDNN_CACHE_CAPACITY="64")
    assert env["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == env["LRU_CACHE_CAPACITY"] == "64"
    # The libraries' own variables, where an operator set them, are left as they are.
    assert worker_environment(LRU_CACHE_CAPACITY="8")["LRU_CACHE_CAPACITY"] == "8"


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_capacity_under_one_stops_gunicorn(value):
    # torch's per-thread cache at capacity 0 ends the worker with SIGSEGV at its first
    # bf16 product: refused at start instead.
    with pytest.raises(ValueError, match="MODLENS_ONEDNN_CACHE_CAPACITY"):
        worker_environment(MODLENS_ONEDNN_CACHE_CAPACITY=value)


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or sys.platform != "linux", reason="reads glibc's malloc counters")
def test_a_worker_does_not_keep_a_kernel_for_every_window_length():
    if not bf16_in_hardware():
        pytest.skip("this CPU has no bf16 products: the service runs fp32 here, which keeps no kernel per shape")
    env = {**worker_environment(), "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(LENGTHS), str(THREADS)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    grew = json.loads(done.stdout.strip().splitlines()[-1])["grew_mb"]
    assert grew < BOUND_MB, f"{LENGTHS} window lengths grew the worker's heap by {grew:.0f} MB"
