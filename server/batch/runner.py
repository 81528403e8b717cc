"""Score threads, here or on a Dask cluster, and shape each into the record a report shows.

Locally one scorer scores thread after thread. With a scheduler address, whole threads
go to the cluster's workers; each worker process loads the model once (the first task
it runs loads it, the rest reuse it), so results are the same as a local run's.
"""

import importlib
import threading

from models import ATTRIBUTES
from models.language_scoring import score_thread as score_in_english
from models.runtime import undo_small_malloc_trim

from .reports import summarize

# The loader a worker calls to get its scorer: "module:attribute.path", importable on the
# workers. The default is the project's model on the runtime the service would choose
# (models/runtime.py), so a batch runs as fast per core as the service; tests name a stand-in.
DEFAULT_LOADER = "models:Scorer.load_fastest"

# What each post of a report says of its language (models/language_scoring.py).
LANGUAGE_KEYS = ("language", "language_confidence", "language_uncertain", "status", "mixed", "unscored_parts")

_worker_scorers = {}
_worker_lock = threading.Lock()


def scoring_payload(thread):
    """The part of a thread the scorer reads (DESIGN.md: title, url, posts)."""
    posts = []
    for post in thread["posts"]:
        item = {"id": post["id"], "text": post["text"], "parent_id": post.get("parent_id")}
        if post.get("author"):
            item["author"] = post["author"]
        if post.get("quotes"):
            item["quotes"] = [{"author": q.get("author"), "text": q["text"]} for q in post["quotes"]]
        posts.append(item)
    payload = {"title": thread.get("title") or "", "posts": posts}
    if thread.get("url"):
        payload["url"] = thread["url"]
    return payload


def scored_record(thread, scored, model):
    """One thread with its posts' scores, flags, spans, quote scores and languages, and a summary."""
    posts = []
    for post, result in zip(thread["posts"], scored):
        quote_results = result.get("quotes") or []
        quotes = [
            {**quote, "scores": quote_results[i].get("scores", {}) if i < len(quote_results) else {}}
            for i, quote in enumerate(post.get("quotes") or [])
        ]
        posts.append({
            "id": post["id"], "author": post.get("author"), "parent_id": post.get("parent_id"),
            "url": post.get("url"), "text": post["text"], "quotes": quotes,
            "scores": result["scores"], "flags": result["flags"], "spans": result.get("spans", []),
            **{key: result[key] for key in LANGUAGE_KEYS},
        })
    record = {
        "thread_id": thread["thread_id"], "title": thread.get("title") or "", "url": thread.get("url"),
        "site": thread.get("site"), "guessed": bool(thread.get("guessed")), "near_miss": thread.get("near_miss"),
        "source": thread.get("source"),
        "model": model, "posts": posts,
    }
    record["summary"] = summarize(record)
    return record


def load_scorer(loader=DEFAULT_LOADER):
    module_name, _, path = loader.partition(":")
    target = importlib.import_module(module_name)
    for part in path.split("."):
        target = getattr(target, part)
    return target()


def worker_scorer(loader):
    """The scorer of this worker process, loaded on its first task and kept for the rest."""
    with _worker_lock:
        if loader not in _worker_scorers:
            undo_small_malloc_trim()  # Dask's nanny sets one that costs a third of the rate
            _worker_scorers[loader] = load_scorer(loader)
        return _worker_scorers[loader]


def preload(loader=DEFAULT_LOADER):
    """Load this worker's scorer now (e.g. `client.run(preload)` before timing a run)."""
    worker_scorer(loader)
    return True


def score_on_worker(thread, loader, attributes, thresholds):
    scorer = worker_scorer(loader)
    scored = score_in_english(scorer, scoring_payload(thread), attributes=attributes, thresholds=thresholds)
    return scored_record(thread, scored, dict(scorer.model_info))


def score_local(threads, scorer, attributes=None, thresholds=None, reraise=()):
    """Yield (thread, record, None) per thread in order, or (thread, None, reason) when it failed.

    `reraise`: exception types that stop the run instead of failing one thread (the upload
    page's busy model, which is the server's state, not the thread's fault)."""
    model = dict(scorer.model_info)
    for thread in threads:
        try:
            scored = score_in_english(scorer, scoring_payload(thread), attributes=attributes, thresholds=thresholds)
        except reraise:
            raise
        except Exception as error:  # noqa: BLE001 - one thread's failure is reported; the batch goes on
            yield thread, None, f"scoring failed: {type(error).__name__}: {error}"
            continue
        yield thread, scored_record(thread, scored, model), None


def score_on_cluster(threads, address, loader=DEFAULT_LOADER, attributes=None, thresholds=None):
    """As score_local, with the threads scored on the Dask cluster at `address`.

    Connects at once (raising OSError when the scheduler cannot be reached), then returns
    the outcomes as a generator that closes the connection when drained.
    """
    from distributed import Client

    client = Client(address)
    return _cluster_outcomes(client, threads, loader, attributes, thresholds)


def _cluster_outcomes(client, threads, loader, attributes, thresholds):
    with client:
        # pure=False: two identical threads are still two tasks, each with its own result.
        futures = client.map(score_on_worker, threads, loader=loader, attributes=attributes,
                             thresholds=thresholds, pure=False)
        try:
            for thread, future in zip(threads, futures):
                try:
                    yield thread, future.result(), None
                except Exception as error:  # noqa: BLE001 - reported per thread, as locally
                    yield thread, None, f"scoring failed: {type(error).__name__}: {error}"
        finally:
            client.cancel(futures)


def check_attributes(names):
    unknown = [n for n in names or [] if n not in ATTRIBUTES]
    if unknown:
        raise ValueError(f"unknown attribute(s) {', '.join(unknown)}; known: {', '.join(ATTRIBUTES)}")
    return list(names) if names else None
