"""The scoring engine inside the service: loaded once per process, reached through `get_scorer`.

`init_app` starts loading `models.Scorer` in a background thread, so a gunicorn worker
answers /healthz at once and /readyz says 503 until the weights are in (flaskr `db.py`:
`init_app` / `get_db`). A test may put any object with the Scorer contract in
`SCORER`; it is used as it is. Loading never happens in gunicorn's master process: the
app is created in each worker (no preload_app), since torch hangs in forked children.

The loaded scorer runs on `RUNTIME` (MODLENS_RUNTIME: auto, torch or onnx) at `PRECISION`
(MODLENS_PRECISION: auto, fp32, bf16 or int8; models/runtime.py says what auto picks)
behind an LRU cache of `CACHE_SIZE` requests (MODLENS_CACHE_SIZE; 0 turns it off;
models/cache.py), with a per-post cache of what the encoder made of each post, bounded at
`POST_CACHE_MB` (MODLENS_POST_CACHE_MB; 0 turns it off) and shared through the Redis of
`CACHE_URL` when one is named (models/post_cache.py), and scores one request at a time per worker, with at most `MAX_QUEUE`
requests waiting their turn for at most `QUEUE_TIMEOUT_S` (server/admission.py); a
request beyond that gets 503 with Retry-After at once. A scorer given in `SCORER` takes
turns the same way, so tests of overload run through the same queue.
"""

import logging
import threading

from flask import current_app, request

from models.language_scoring import score_thread as score_in_english
from models.runtime import glibc

from .admission import ModelQueue
from .config import DEFAULTS
from .errors import APIError

log = logging.getLogger("modlens.scoring")


class ModelSlot:
    """Holds the process's scorer, or the reason it is not there yet, and its queue."""

    def __init__(self):
        self.scorer = None
        self.queue = None
        self.error = None
        self.loaded = threading.Event()

    def fill(self, scorer):
        self.scorer = scorer
        self.loaded.set()

    def fail(self, error):
        self.error = error
        self.loaded.set()

    @property
    def ready(self):
        return self.loaded.is_set() and self.error is None


# The speed settings' defaults and checks live with every other setting, in server/config.py.
DEFAULT_RUNTIME = DEFAULTS["RUNTIME"]
DEFAULT_PRECISION = DEFAULTS["PRECISION"]
DEFAULT_CACHE_SIZE = DEFAULTS["CACHE_SIZE"]


def init_app(app):
    slot = ModelSlot()
    app.extensions["modlens"] = slot
    queue = slot.queue = ModelQueue(app.config["MAX_QUEUE"], app.config["QUEUE_TIMEOUT_S"])
    # Registered after the key check and the rate limit (server/__init__.py's order).
    app.before_request(_refuse_when_full)
    if app.config["SCORER"] is not None:
        # Not trimmed: a stand-in holds no activation buffers worth handing back.
        slot.fill(OneAtATime(app.config["SCORER"], queue, release_memory=False))
        return
    # Checked by server/config.py's finalize, like every setting.
    precision, cache_size, runtime = app.config["PRECISION"], app.config["CACHE_SIZE"], app.config["RUNTIME"]
    post_cache = make_post_cache(app.config)
    # Checked here, before any thread starts: missing, damaged or unpinned weights stop
    # the service with one line (ConfigError) instead of a worker that answers 503 forever.
    folder = check_weights(app.config)
    thread = threading.Thread(target=_load, args=(slot, precision, cache_size, runtime),
                              kwargs={"queue": queue, "folder": folder, "post_cache": post_cache,
                                      "parallel_windows": app.config["PARALLEL_WINDOWS"]},
                              name="modlens-model-load", daemon=True)
    thread.start()


def _refuse_when_full():
    """A scoring request that could not even wait its turn is refused before any work."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "modlens_rate_limited", False):  # the scoring routes (server/limits.py)
        get_slot().queue.refuse_if_full()


def check_weights(config):
    """The weights folder the service loads, once preflight has found it whole (and, when
    MODEL_SHA256 pins one, the very weights named); raise ConfigError otherwise."""
    from . import preflight
    from .config import ConfigError

    folder = config["WEIGHTS_DIR"] or preflight.DEFAULT_WEIGHTS_DIR
    try:
        preflight.check_weights(folder, config["MODEL_SHA256"] or None)
    except preflight.WeightsError as error:
        raise ConfigError(str(error)) from None
    return folder


def make_post_cache(config):
    """The per-post encoder cache the settings ask for (models/post_cache.py), or None.

    Made here, in the worker, never in gunicorn's master: a Redis connection must not be
    shared by forked processes. Making it opens no connection; the first request does.
    """
    from models.post_cache import PostCache

    size = config.get("POST_CACHE_MB", DEFAULTS["POST_CACHE_MB"])  # checked by server/config.py
    if not size:
        return None
    return PostCache(max_bytes=int(size * 2**20), redis_url=config.get("CACHE_URL") or None)


def _load(slot, precision=DEFAULT_PRECISION, cache_size=DEFAULT_CACHE_SIZE, runtime=DEFAULT_RUNTIME, queue=None, folder=None,
          post_cache=None, parallel_windows=1):
    try:
        from models import Scorer, language
        from models.cache import CachedScorer

        language.load()  # small (0.7 s); loaded here so that no request waits for it
        _limit_arenas()
        where = {"folder": folder} if folder else {}  # the default folder is the scorer's own
        scorer = OneAtATime(Scorer.load(precision=precision, runtime=runtime, post_cache=post_cache,
                                        parallel_windows=parallel_windows, **where), queue or ModelQueue())
        if cache_size:
            scorer = CachedScorer(scorer, cache_size)
    except Exception as error:  # noqa: BLE001 - any failure is reported by /readyz, not lost
        log.exception("the model failed to load")
        slot.fail(f"{type(error).__name__}: {error}")
        return
    log.info("model loaded: %s (%s), cache of %d requests", model_info(scorer), getattr(scorer, "runtime_reason", ""), cache_size)
    slot.fill(scorer)


class OneAtATime:
    """The scorer, scoring one request at a time in this worker.

    torch already spreads one forward pass over all of the worker's threads; gunicorn's
    request threads scoring at once would run that many thread pools on the same cores,
    which measured several times slower than taking turns. Turns come from `queue`
    (server/admission.py), which refuses a request that would wait too long. Cache hits
    do not wait here.
    """

    def __init__(self, scorer, queue=None, release_memory=True):
        self.scorer = scorer
        self.queue = queue or ModelQueue()
        self.trim = release_memory

    def __getattr__(self, name):
        return getattr(self.scorer, name)

    def score_thread(self, *args, **kwargs):
        return self._in_turn(self.scorer.score_thread, *args, **kwargs)

    def score_texts(self, *args, **kwargs):
        return self._in_turn(self.scorer.score_texts, *args, **kwargs)

    def embed(self, *args, **kwargs):
        # A community's re-fitted scores and its stored verdicts read the sentence embedding.
        return self._in_turn(self.scorer.embed, *args, **kwargs)

    def _in_turn(self, method, *args, **kwargs):
        with self.queue.turn():
            try:
                return method(*args, **kwargs)
            finally:
                if self.trim:
                    _release_memory()


_LIBC = glibc()


def _limit_arenas():
    # Each request thread would get its own malloc arena and keep a long thread's
    # activations in it; two arenas are plenty for one scoring at a time.
    if _LIBC is not None:
        _LIBC.mallopt(-8, 2)  # M_ARENA_MAX


def _release_memory():
    # glibc keeps freed activation buffers for reuse; after a long thread that is some
    # 150 MB a worker. Handing them back costs a few milliseconds once per scored
    # request and keeps a worker's resident memory near what the model needs.
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def get_slot():
    return current_app.extensions["modlens"]


def get_scorer():
    """The loaded scorer; waits a little for one still loading, then answers 503."""
    slot = get_slot()
    if not slot.loaded.wait(current_app.config["MODEL_WAIT_SECONDS"]):
        raise APIError("the model is still loading; try again shortly", 503, headers={"Retry-After": "5"})
    if slot.error is not None:
        raise APIError(f"the model failed to load ({slot.error}); see the server log", 503)
    return slot.scorer


def model_info(scorer):
    """What every response names: the model's name, version and weights sha256, and any
    further facts the scorer gives (such as the precision it runs at), all as strings."""
    info = {key: str(value) for key, value in dict(scorer.model_info).items()}
    missing = {"name", "version", "sha256"} - set(info)
    if missing:
        raise RuntimeError(f"the scorer's model_info lacks {', '.join(sorted(missing))}")
    return info


def score_thread(thread, attributes, thresholds):
    """Score a validated thread with the server's thresholds, each post in its language.

    In: `thread` as `models.Scorer.score_thread` takes it; `attributes`, the names asked
    for; `thresholds`, attribute -> flag threshold (the server's config).
    Out: one dict per post, in order: `id`, `scores` (the asked attributes), `flags` (those
    at or over their threshold), `spans` (the words behind each flag), `quotes` (each
    quote's own scores and flags: quoted text never counts against the post), and the
    post's language (models/language_scoring.py): a post in a language the model does not
    read has `status` "language_not_supported" and no scores, flags or spans.
    """
    results = score_in_english(get_scorer(), thread, attributes=attributes, thresholds=thresholds)
    return [_plain(result, post["id"], attributes) for result, post in zip(results, thread["posts"])]


def _language(result):
    return {
        "status": result["status"],
        "language": result["language"],
        "language_confidence": float(result["language_confidence"]),
        "language_uncertain": bool(result["language_uncertain"]),
        "mixed": bool(result["mixed"]),
        "unscored_parts": [{"begin": int(p["begin"]), "end": int(p["end"]), "language": p["language"]}
                           for p in result["unscored_parts"]],
    }


def _plain(result, post_id, attributes):
    # Only JSON-native values leave the service, whatever number types the scorer used.
    return {
        "id": post_id,
        # A post in a language the model does not read has no scores at all.
        "scores": {name: float(result["scores"][name]) for name in attributes} if result["status"] == "scored" else {},
        "flags": [name for name in result["flags"] if name in attributes],
        "spans": [
            {"begin": int(s["begin"]), "end": int(s["end"]), "attribute": s["attribute"], "score": float(s["score"])}
            for s in result["spans"]
            if s["attribute"] in attributes
        ],
        "quotes": [
            {
                "author": quote.get("author"),
                "scores": {name: float(v) for name, v in quote["scores"].items() if name in attributes},
                "flags": [name for name in quote["flags"] if name in attributes],
                **_language(quote),
            }
            for quote in result.get("quotes", [])
        ],
        **_language(result),
    }
