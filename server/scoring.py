"""The scoring engine inside the service: loaded once per process, reached through `get_scorer`.

`init_app` starts loading `models.Scorer` in a background thread, so a gunicorn worker
answers /healthz at once and /readyz says 503 until the weights are in (flaskr `db.py`:
`init_app` / `get_db`). A test may put any object with the Scorer contract in
`SCORER`; it is used as it is. Loading never happens in gunicorn's master process: the
app is created in each worker (no preload_app), since torch hangs in forked children.
"""

import logging
import threading

from flask import current_app

from .errors import APIError

log = logging.getLogger("modlens.scoring")


class ModelSlot:
    """Holds the process's scorer, or the reason it is not there yet."""

    def __init__(self):
        self.scorer = None
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


def init_app(app):
    slot = ModelSlot()
    app.extensions["modlens"] = slot
    if app.config["SCORER"] is not None:
        slot.fill(app.config["SCORER"])
        return
    thread = threading.Thread(target=_load, args=(slot,), name="modlens-model-load", daemon=True)
    thread.start()


def _load(slot):
    try:
        from models import Scorer

        scorer = Scorer.load()
    except Exception as error:  # noqa: BLE001 - any failure is reported by /readyz, not lost
        log.exception("the model failed to load")
        slot.fail(f"{type(error).__name__}: {error}")
        return
    log.info("model loaded: %s", model_info(scorer))
    slot.fill(scorer)


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
    """Score a validated thread with the server's thresholds.

    In: `thread` as `models.Scorer.score_thread` takes it; `attributes`, the names asked
    for; `thresholds`, attribute -> flag threshold (the server's config).
    Out: one dict per post, in order: `id`, `scores` (the asked attributes), `flags` (those
    at or over their threshold), `spans` (the sentences behind each flag) and `quotes`
    (each quote's own scores and flags: quoted text never counts against the post).
    """
    results = get_scorer().score_thread(thread, attributes=attributes, thresholds=thresholds)
    return [_plain(result, post["id"], attributes) for result, post in zip(results, thread["posts"])]


def _plain(result, post_id, attributes):
    # Only JSON-native values leave the service, whatever number types the scorer used.
    return {
        "id": post_id,
        "scores": {name: float(result["scores"][name]) for name in attributes},
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
            }
            for quote in result.get("quotes", [])
        ],
    }
