"""The service's settings: defaults, and the checks that turn raw values into usable ones.

`create_app` loads these defaults, then `MODLENS_*` environment variables through Flask's
`from_prefixed_env` (which parses JSON values, so `MODLENS_MAX_POSTS=200` is a number),
then a test override, and finally calls `finalize` once. Every view reads the finished
`app.config`; nothing here or in the views reads `os.environ`.
"""

import hashlib
import re

from models import ATTRIBUTES, DEFAULT_THRESHOLDS
from models.runtime import ONEDNN_CACHE_CAPACITY


_MB = 1024 * 1024


class ConfigError(RuntimeError):
    """A setting that the service cannot start with; the message says which and why."""


DEFAULTS = {
    # "production" refuses to start without API keys; anything else only warns and
    # serves localhost.
    "ENV": "development",
    # Plain keys are for development: they are hashed at start and the plain values
    # dropped. Production configs should carry only API_KEY_HASHES (sha256 hex).
    "API_KEYS": "",
    "API_KEY_HASHES": "",
    # Keys bound to communities: {"sha256 hex of a key": ["community", ...]}. Such a key
    # reads, writes and scores only the communities named; a key not listed serves all
    # (an admin key). MODLENS_API_KEY_COMMUNITIES='{"9f86...": ["ferries-forum"]}'
    "API_KEY_COMMUNITIES": {},
    # Browser origins allowed to call the API (the extension's chrome-extension://ID and
    # moz-extension://ID). Empty: no CORS headers at all. An extension's service worker
    # with host permission for the server needs none.
    "CORS_ORIGINS": "",
    # Perspective allowed comments of at most 20 KB; we take the same limit per post and
    # per quote, counted in UTF-8 bytes as Perspective did.
    "MAX_TEXT_BYTES": 20 * 1024,
    "MAX_POSTS": 500,
    "MAX_QUOTES": 20,
    "MAX_CONTEXT_ENTRIES": 20,
    # Flask's own limit on a request body: a larger one is refused (413) before it is read.
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    # Flag thresholds per attribute; override one with MODLENS_THRESHOLDS__TOXICITY=0.8
    # or all with MODLENS_THRESHOLDS='{"toxicity": 0.8}'.
    "THRESHOLDS": dict(DEFAULT_THRESHOLDS),
    # One budget shared by the scoring routes, per API key (or per address without one).
    # Flask-Limiter reads RATELIMIT_* itself: MODLENS_RATELIMIT_STORAGE_URI=redis://...
    "RATE_LIMIT": "300 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # A shared store that is down must not turn every request into a 500: count in
    # memory until it is back.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_ENABLED": True,
    # Empty: each worker keeps its own per-post encoder cache (models/post_cache.py).
    # redis://HOST:6379/1 shares it across workers and servers; it may be the rate limit's
    # Redis, but give it maxmemory with allkeys-lru, since a post's entry is ~125 KB.
    "CACHE_URL": "",
    # How many proxies in front of the service set X-Forwarded-For; 0 trusts none.
    "TRUSTED_PROXIES": 0,
    # How long a scoring request waits for a model that is still loading before it gets
    # 503 (the first request to a fresh worker otherwise fails for no fault of its own).
    "MODEL_WAIT_SECONDS": 60.0,
    # Admission control (server/admission.py): requests that may wait for a worker's model
    # behind the one it is scoring, and for how long, before 503 with Retry-After. Two
    # waiting: a 30-post thread takes about a second on one core, so a request waits a few
    # seconds at most; more would only turn into timeouts. 5 s: platforms that call a
    # moderation API inline give it a few seconds before failing open. gunicorn.conf.py
    # gives a worker MAX_QUEUE + 2 threads, so one is always free for /readyz and refusals.
    "MAX_QUEUE": 2,
    "QUEUE_TIMEOUT_S": 5.0,
    # The model's folder (empty: models/weights) and, optionally, the sha256 the service
    # must find there (as every response names it); server/preflight.py checks both
    # before the service starts, and refuses to start on missing, damaged or other weights.
    "WEIGHTS_DIR": "",
    "MODEL_SHA256": "",
    # Every response's Content-Security-Policy (server/security.py): no script anywhere,
    # styles inline or from this server, forms post only here, no framing.
    "CONTENT_SECURITY_POLICY": ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    # Gunicorn with several workers sets this so /metrics adds up every worker.
    "METRICS_MULTIPROCESS": False,
    # A Scorer-like object to use instead of loading models.Scorer (tests).
    "SCORER": None,
    # Moderators' verdicts (server/store.py, server/communities.py). Off: nothing a client
    # sends is stored, and no database is opened or created.
    "FEEDBACK": "off",
    # Empty: a SQLite file in the instance folder (one server). Several servers share one
    # PostgreSQL: postgresql://user:password@host/modlens.
    "DATABASE_URL": "",
    # A verdict keeps the post's text (and its parent's and the thread title) only when the
    # operator says so, and then only for this many days (`flask feedback purge`).
    "FEEDBACK_KEEP_TEXT": False,
    "FEEDBACK_RETENTION_DAYS": 30,
    # The encoder's runtime and precision: "auto" takes the fastest choice that keeps
    # quality on this CPU (models/runtime.py); torch/onnx and fp32/bf16/int8 force one.
    "RUNTIME": "auto",
    "PRECISION": "auto",
    # Forward runs of one request that may go at once in a worker, each on one core: a
    # lone request on an idle machine uses the cores the other workers leave free, and
    # under load the runs just take turns. 1: one after the other.
    "PARALLEL_WINDOWS": 2,
    # Whole requests' scores kept per worker; a 30-post page's take about 20 KB: 10 MB in
    # all. 0: no request cache.
    "CACHE_SIZE": 512,
    # Per worker. A typical post's encoder output is ~125 KB (fp32 token states), so 64 MB
    # keeps ~500 posts, about 17 pages of 30; a shared Redis (CACHE_URL) keeps the rest.
    "POST_CACHE_MB": 64,
    # The upload page parses a saved thread in memory; one is rarely over a few MB.
    "BATCH_UPLOAD_MAX_BYTES": 3 * _MB,
    # What one batch input may hold (server/batch/inputs.py InputLimits says why each):
    # a page is parsed whole into a tree; a JSONL/CSV file is streamed; a zip's members
    # together, unpacked; a member's unpacked-to-packed ratio (text compresses 5-20
    # times, a zip bomb thousands of times).
    "BATCH_MAX_PAGE_BYTES": 20 * _MB,
    "BATCH_MAX_FILE_BYTES": 512 * _MB,
    "BATCH_MAX_ARCHIVE_BYTES": 2048 * _MB,
    "BATCH_MAX_RATIO": 100,
}

# Read by gunicorn.conf.py from the environment before any app exists (they size the
# processes, not the app); listed here so that this module names every setting.
GUNICORN_SETTINGS = {
    "MODLENS_TORCH_THREADS": 1,
    # oneDNN kernels (torch's bf16 matrix products) kept per worker, and per request thread
    # in torch's own cache: gunicorn.conf.py says why so few.
    "MODLENS_ONEDNN_CACHE_CAPACITY": ONEDNN_CACHE_CAPACITY,
    "MODLENS_LOG_LEVEL": "info",
    "PORT": 8000,
    "WEB_CONCURRENCY": None,  # cores / torch threads
}

# Internal: set by code (gunicorn.conf.py, tests), never by an operator.
INTERNAL_SETTINGS = {"SCORER", "METRICS_MULTIPROCESS", "RATELIMIT_HEADERS_ENABLED",
                     "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", "RATELIMIT_SWALLOW_ERRORS"}

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def finalize(config):
    """Check and normalise the raw settings in place; raise ConfigError on a bad one."""
    config["ENV"] = str(config["ENV"]).strip().lower()
    hashes = {h.lower() for h in _as_list(config["API_KEY_HASHES"], "API_KEY_HASHES")}
    bad = [h for h in hashes if not _SHA256_HEX.match(h)]
    if bad:
        raise ConfigError(f"MODLENS_API_KEY_HASHES holds {len(bad)} value(s) that are not sha256 hex digests")
    hashes |= {hash_key(k) for k in _as_list(config["API_KEYS"], "API_KEYS")}
    config["API_KEY_HASHES"] = frozenset(hashes)
    config["API_KEYS"] = ""  # plain keys are not kept once hashed
    if config["ENV"] == "production" and not hashes:
        raise ConfigError(
            "MODLENS_ENV=production needs API keys: set MODLENS_API_KEY_HASHES (sha256 hex "
            "of each key, comma-separated) or MODLENS_API_KEYS. Without keys the service "
            "serves localhost only, which is for development."
        )
    config["API_KEY_COMMUNITIES"] = _key_communities(config["API_KEY_COMMUNITIES"], hashes)
    config["CORS_ORIGINS"] = _as_list(config["CORS_ORIGINS"], "CORS_ORIGINS")
    config["THRESHOLDS"] = _thresholds(config["THRESHOLDS"])
    config["FEEDBACK"] = _switch(config["FEEDBACK"], "FEEDBACK")
    config["FEEDBACK_KEEP_TEXT"] = _switch(config["FEEDBACK_KEEP_TEXT"], "FEEDBACK_KEEP_TEXT")
    config["DATABASE_URL"] = _database_url(config["DATABASE_URL"])
    config["CACHE_URL"] = str(config["CACHE_URL"] or "").strip()
    if config["CACHE_URL"] and not config["CACHE_URL"].startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("MODLENS_CACHE_URL must name a Redis (redis://HOST:6379/1), or be empty for a cache per worker")
    config["MAX_QUEUE"], config["QUEUE_TIMEOUT_S"] = _queue(config["MAX_QUEUE"], config["QUEUE_TIMEOUT_S"])
    config["WEIGHTS_DIR"] = str(config["WEIGHTS_DIR"] or "")
    config["MODEL_SHA256"] = str(config["MODEL_SHA256"] or "").strip().lower()
    if config["MODEL_SHA256"] and not _SHA256_HEX.match(config["MODEL_SHA256"]):
        raise ConfigError("MODLENS_MODEL_SHA256 must be the sha256 hex digest of the weights, as /readyz names it")
    for name in ("PARALLEL_WINDOWS", "MAX_TEXT_BYTES", "MAX_POSTS", "MAX_QUOTES", "MAX_CONTEXT_ENTRIES", "TRUSTED_PROXIES", "FEEDBACK_RETENTION_DAYS",
                 "BATCH_UPLOAD_MAX_BYTES", "BATCH_MAX_PAGE_BYTES", "BATCH_MAX_FILE_BYTES", "BATCH_MAX_ARCHIVE_BYTES", "BATCH_MAX_RATIO"):
        value = config[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "TRUSTED_PROXIES" else 1):
            raise ConfigError(f"MODLENS_{name} must be a positive whole number, not {value!r}")
    config["RUNTIME"], config["PRECISION"] = speed_settings(config["RUNTIME"], config["PRECISION"])
    cache_size = config["CACHE_SIZE"]
    if not isinstance(cache_size, int) or isinstance(cache_size, bool) or cache_size < 0:
        raise ConfigError(f"MODLENS_CACHE_SIZE must be a whole number, 0 for no cache, not {cache_size!r}")
    size = config["POST_CACHE_MB"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0:
        raise ConfigError(f"MODLENS_POST_CACHE_MB must be a number of megabytes, 0 for no per-post cache, not {size!r}")


def speed_settings(runtime, precision):
    """(runtime, precision) lower-cased, or ConfigError naming what models/runtime.py refuses."""
    from models.runtime import check

    runtime, precision = str(runtime).lower(), str(precision).lower()
    try:
        check(runtime, precision)
    except ValueError as error:
        raise ConfigError(f"MODLENS_RUNTIME / MODLENS_PRECISION: {error}") from None
    return runtime, precision


def _queue(max_queue, timeout):
    if not isinstance(max_queue, int) or isinstance(max_queue, bool) or max_queue < 0:
        raise ConfigError(f"MODLENS_MAX_QUEUE must be a whole number (0: no request waits), not {max_queue!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise ConfigError(f"MODLENS_QUEUE_TIMEOUT_S must be a number of seconds from 0 to 600, not {timeout!r}")
    return max_queue, float(timeout)


def hash_key(key):
    """The form in which keys are kept and compared: sha256 hex of the UTF-8 key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _as_list(value, name):
    # From the environment a list arrives as "a,b" (or as JSON ["a","b"]); a single
    # all-digit key arrives as a number, since from_prefixed_env parses JSON.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ConfigError(f"MODLENS_{name} must be a comma-separated string or a list of strings")


def _key_communities(value, hashes):
    problem = "MODLENS_API_KEY_COMMUNITIES must be a JSON object of key sha256 hex: [community, ...]"
    if not isinstance(value, dict):
        raise ConfigError(problem)
    bound = {}
    for digest, communities in value.items():
        digest = str(digest).lower()
        if not _SHA256_HEX.match(digest) or not isinstance(communities, list) or not all(isinstance(c, str) for c in communities):
            raise ConfigError(problem)
        if digest not in hashes:
            raise ConfigError(f"MODLENS_API_KEY_COMMUNITIES names a key ({digest[:12]}...) that is not one of the API keys")
        bound[digest] = frozenset(communities)
    return bound


_SWITCH_VALUES = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False, "": False}


def _switch(value, name):
    # from_prefixed_env turns `true` into True and `1` into 1; `on` stays a string.
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key not in _SWITCH_VALUES:
        raise ConfigError(f"MODLENS_{name} must be on or off (true/false), not {value!r}")
    return _SWITCH_VALUES[key]


def _database_url(value):
    """The SQLAlchemy URL of the verdict store, or "" for the SQLite file in the instance folder.

    PostgreSQL URLs are given the psycopg (version 3) driver, the one requirements.txt
    installs; SQLAlchemy would otherwise look for psycopg2. `postgres://` (Heroku's
    spelling) is accepted too.
    """
    if not isinstance(value, str):
        raise ConfigError("MODLENS_DATABASE_URL must be a database URL such as postgresql://user:password@host/modlens")
    url = value.strip()
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain):]
    if url and not url.startswith(("postgresql+", "sqlite:")):
        raise ConfigError("MODLENS_DATABASE_URL must name PostgreSQL (postgresql://...) or SQLite (sqlite:///path)")
    return url


def _thresholds(value):
    if not isinstance(value, dict):
        raise ConfigError("MODLENS_THRESHOLDS must be a JSON object of attribute: number")
    merged = dict(DEFAULT_THRESHOLDS)
    for name, threshold in value.items():
        key = str(name).lower()
        if key not in ATTRIBUTES:
            raise ConfigError(f"MODLENS_THRESHOLDS names an unknown attribute {name!r}; known: {', '.join(ATTRIBUTES)}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            raise ConfigError(f"MODLENS_THRESHOLDS: {key} must be a number from 0 to 1, not {threshold!r}")
        merged[key] = float(threshold)
    return merged
