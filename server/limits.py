"""Per-key rate limit on the scoring routes (Flask-Limiter).

One budget (`RATE_LIMIT`, default 300 per minute) is shared by every view marked
`@rate_limited`, counted per API key, or per client address where no key is sent. Storage
is in memory (per worker) unless `RATELIMIT_STORAGE_URI` names a shared one such as
`redis://host:6379`, which several workers or servers need to share one budget. A request
over budget gets 429 in the service's error shape, with Retry-After.

When the shared store is down, scoring goes on and the limit still holds, counted in each
worker's memory (Flask-Limiter's in-memory fallback): with W workers a client may get up to
W budgets until the store is back, which each worker checks again after 1, 2, 4 ... 32 s.
Neither fail-closed (a rate-limit store is not worth refusing moderation for) nor wide
open. A store that does not answer costs a request at most STORE_TIMEOUT_S, once per check.
"""

from flask import current_app, request
from flask_limiter import Limiter

from .auth import presented_key
from .config import hash_key


def rate_limited(view):
    """Mark a view that spends the shared scoring budget."""
    view.modlens_rate_limited = True
    return view


# A Redis that has gone away without a word (a dead host, a dropped route) would otherwise
# hold each request for the operating system's connect timeout, minutes; refused
# connections fail at once anyway.
STORE_TIMEOUT_S = 0.5


def init_app(app):
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://", "redis+unix://")):
        options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
        options.setdefault("socket_connect_timeout", STORE_TIMEOUT_S)
        options.setdefault("socket_timeout", STORE_TIMEOUT_S)
    # A limiter per app (not one at module level) so that tests creating many apps never
    # share counters or storage.
    Limiter(
        key_func=client_identity,
        app=app,
        application_limits=[lambda: current_app.config["RATE_LIMIT"]],
        application_limits_exempt_when=_not_rate_limited,
        key_prefix="modlens",
    )


def client_identity():
    """Whom a request is counted against: its key's hash, else its remote address."""
    key = presented_key(allow_query=True)
    if key is not None:
        return "key:" + hash_key(key)
    return "addr:" + (request.remote_addr or "local")


def _not_rate_limited():
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "modlens_rate_limited", False)
