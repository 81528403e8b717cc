"""Gunicorn settings for Modlens: `gunicorn -c gunicorn.conf.py 'server:create_app()'`.

Every line has a reason (STYLE.md 16). Settings come from the environment: PORT (as
Heroku-style platforms set it), WEB_CONCURRENCY (workers) and MODLENS_TORCH_THREADS.
"""

import importlib.util
import multiprocessing
import os
import sys
import tempfile
import time

from gunicorn.workers.gthread import ThreadWorker

_HERE = os.path.dirname(os.path.abspath(__file__))
# gunicorn may read this file before it puts its working directory on the path; the
# settings' module imports `models` (the attribute table only).
sys.path.insert(0, _HERE)


def _by_path(name, *parts):
    """A module of this repository loaded by its path, not through the `server` package:
    importing that package would load the whole app (Flask, numpy, the store) into the
    master that the workers fork from."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, *parts))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


from models.runtime import cap_onednn_caches  # noqa: E402 - light: json, logging, subprocess

# Defaults come from the one home of every setting (server/config.py).
_settings = _by_path("modlens_config", "server", "config.py")
DEFAULTS, GUNICORN_SETTINGS = _settings.DEFAULTS, _settings.GUNICORN_SETTINGS

_cores = multiprocessing.cpu_count()
_has_keys = bool(os.environ.get("MODLENS_API_KEYS", "").strip() or os.environ.get("MODLENS_API_KEY_HASHES", "").strip())

# Without an API key the service is for this machine only: bind loopback, so nothing
# else can reach it (the app also refuses non-loopback clients). With keys, all
# interfaces, as a platform's router expects.
bind = f"{'0.0.0.0' if _has_keys else '127.0.0.1'}:{os.environ.get('PORT', str(GUNICORN_SETTINGS['PORT']))}"

# torch threads x workers = cores: each worker runs the model on its own threads, and
# more threads than cores only adds contention. One torch thread a worker and one worker
# a core: with two threads every operator waits at an OpenMP barrier for its sibling,
# and when anything else wants the core (the other worker, the OS) that wait is a whole
# time slice; a 30-post thread measured 7-17x slower that way on 2 shared cores
# (bench/RESULTS.md). MODLENS_TORCH_THREADS and WEB_CONCURRENCY override both counts.
torch_threads = int(os.environ.get("MODLENS_TORCH_THREADS", "0")) or GUNICORN_SETTINGS["MODLENS_TORCH_THREADS"]
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or max(1, _cores // torch_threads)
# torch reads these when a worker imports it (the app is loaded in each worker).
os.environ.setdefault("OMP_NUM_THREADS", str(torch_threads))
os.environ.setdefault("MKL_NUM_THREADS", str(torch_threads))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# oneDNN's kernel caches (torch's bf16 products), capped: models/runtime.py says why.
# The library's own variables win where set; a capacity under 1 stops gunicorn here.
onednn_cache = cap_onednn_caches()

# A few threads a worker, so /healthz, /readyz, /metrics and cached pages answer while
# a long thread is being scored; scoring itself takes turns (server/scoring.py), so the
# request threads never put more than torch_threads on the cores. One thread scores, at
# most MODLENS_MAX_QUEUE wait their turn (server/admission.py), and one more is always
# free: a request beyond those is refused (503) by the app at once instead of waiting,
# unseen by the app, in gthread's own queue until the worker times out.
threads = int(os.environ.get("MODLENS_MAX_QUEUE", DEFAULTS["MAX_QUEUE"])) + 2

# The workers accept from one shared socket, and the kernel wakes them all: whichever
# calls accept first takes the connection. A worker whose model is busy won that race as
# often as an idle one, so a request queued behind a long thread, or was refused with 503,
# while the other worker had room (bench/load/balance.py, RELIABILITY.md). So a worker
# waits ACCEPT_YIELD_S for each request holding or waiting for its model before it
# accepts, and the less loaded worker takes the connection first. The wait blocks the
# worker's event loop: 3 ms a request cost 29 % of the requests served at 2.5 times
# capacity; 0.5 ms balanced the bursts as well and served as many as plain gthread.
ACCEPT_YIELD_S = 0.0005
# A worker whose queue is full would refuse whatever it accepts, and 0.5 ms a request is
# a narrow lead: a sibling with room that the kernel wakes a millisecond late still lost
# the race now and then (one 503 with room in a full test run, seventeenth session). So a
# full worker waits 20 ms, longer than any wake-up here; when every worker is full the
# refusal comes that much later, and no admitted request waits for it.
ACCEPT_FULL_YIELD_S = 0.02


class ModlensWorker(ThreadWorker):
    """gthread's worker, which lets a less loaded sibling take a connection first."""

    def accept(self, listener):
        admission = sys.modules.get("server.admission")  # loaded with the app, after the fork
        if workers > 1 and admission is not None:
            load = admission.model_load()
            if load:
                time.sleep(ACCEPT_FULL_YIELD_S if admission.model_full() else ACCEPT_YIELD_S * load)
        super().accept(listener)


worker_class = ModlensWorker

# NOT preload_app: torch (and its OpenMP pool) hangs in children forked after it has
# been imported, so each worker creates the app and loads the model itself.
preload_app = False

# The model loads in a background thread, so boot is quick; a request may still wait
# for a long thread of posts on CPU: allow two minutes before the worker is recycled.
timeout = 120
graceful_timeout = 30
# Behind a proxy or load balancer that keeps connections open between requests.
keepalive = 5

# Gunicorn 25+ opens a control socket at one fixed path per user by default; two
# servers on one machine (the tests, the extension's end-to-end run) would contend for
# it, and nothing here drives gunicornc. Older gunicorns ignore the setting.
control_socket_disable = True

# Gunicorn's access log prints the URL, and Perspective clients put their key in the
# query string: keep it off; the app logs its own line per request (id, route, status,
# counts, time), never a key or a text.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("MODLENS_LOG_LEVEL", GUNICORN_SETTINGS["MODLENS_LOG_LEVEL"])
# Gunicorn merges this over its own defaults key by key, so "root" must be restated to
# name a handler defined here.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "modlens": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
    },
}

# Several workers each count their own requests; Prometheus's multiprocess mode lets any
# worker's /metrics report them all, through files in one folder.
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="modlens-metrics-")
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["MODLENS_METRICS_MULTIPROCESS"] = "true"


def on_starting(server):
    # Missing, damaged or unpinned weights stop gunicorn here, in the master, with one
    # line ("Error: model weights ...") and exit status 1; otherwise each worker would
    # boot, fail to load the model and answer 503 forever. The check is loaded by its path
    # so the master never imports the app, which the workers must import after the fork.
    preflight = _by_path("modlens_preflight", "server", "preflight.py")
    folder = os.environ.get("MODLENS_WEIGHTS_DIR") or preflight.DEFAULT_WEIGHTS_DIR
    digest = preflight.check_weights(folder, os.environ.get("MODLENS_MODEL_SHA256") or None)
    server.log.info("model weights in %s are whole (sha256 %s)", folder, digest)


def child_exit(server, worker):
    # A dead worker's live values must stop counting in the multiprocess sum.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
