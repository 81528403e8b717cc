"""API keys, and the localhost-only mode of a server that has none.

Keys come as `Authorization: Bearer KEY` or `X-API-Key: KEY`, and as `?key=KEY` on the
Perspective routes (its clients put the key in the URL). Config holds only sha256
hashes; a presented key is hashed and compared with each in constant time.

With no key configured the service answers only requests from this machine: a remote
address outside loopback, or a request that says a proxy forwarded it, gets 403.
"""

import hmac
import ipaddress
import logging

from flask import current_app, request

from .config import hash_key
from .errors import APIError

log = logging.getLogger("modlens.auth")

_FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def public(view):
    """Mark a view that answers without a key (health, readiness, the OpenAPI document)."""
    view.modlens_public = True
    return view


def query_key(view):
    """Mark a view that also takes its key as `?key=` (Perspective's convention)."""
    view.modlens_query_key = True
    return view


def init_app(app):
    if not app.config["API_KEY_HASHES"]:
        log.warning(
            "no API key configured: serving requests from this machine (loopback) only; "
            "set MODLENS_API_KEY_HASHES or MODLENS_API_KEYS to serve others"
        )
    # Registered before the rate limiter's hook, so a refused request costs no budget.
    app.before_request(check_request)


def check_request():
    hashes = current_app.config["API_KEY_HASHES"]
    if not hashes:
        check_local()
        return
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no credentials by design; it scores nothing
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "modlens_public", False):
        return  # unknown routes fall through to their 404; public ones need no key
    key = presented_key(allow_query=getattr(view, "modlens_query_key", False))
    if key is None:
        raise APIError(
            "an API key is required: send Authorization: Bearer KEY or X-API-Key: KEY", 401,
            headers={"WWW-Authenticate": 'Bearer realm="modlens"'},
        )
    if not key_is_valid(key):
        raise APIError("the API key is not valid", 401, headers={"WWW-Authenticate": 'Bearer realm="modlens", error="invalid_token"'})


def key_is_valid(key):
    """Whether `key` is one of the configured keys, compared by hash in constant time."""
    digest = hash_key(key)
    # Compare with every configured hash, without stopping early, so timing says nothing
    # about which key (if any) came close.
    matched = False
    for known in current_app.config["API_KEY_HASHES"]:
        matched |= hmac.compare_digest(digest, known)
    return matched


def presented_key(allow_query=False):
    """The key the request carries, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if request.headers.get("X-API-Key", "").strip():
        return request.headers["X-API-Key"].strip()
    if allow_query and request.args.get("key"):
        return request.args["key"]
    return None


def check_local():
    """Refuse (403) a request from beyond this machine; for a server without keys."""
    forwarded = current_app.config["TRUSTED_PROXIES"] == 0 and any(h in request.headers for h in _FORWARDING_HEADERS)
    if forwarded or not is_loopback(request.remote_addr):
        raise APIError(
            "this server has no API key configured, so it serves only requests from its own "
            "machine; its operator can set MODLENS_API_KEY_HASHES (or MODLENS_API_KEYS) to serve others",
            403,
        )


def is_loopback(address):
    """True for 127.0.0.0/8, ::1 and ::ffff:127.x; a Unix socket (no address) is local too."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


# The upload page (server/batch/views.py) calls the earlier private name.
_check_local = check_local


def check_community_access(community, key=None):
    """Refuse (403) a key bound to other communities (MODLENS_API_KEY_COMMUNITIES).

    The key is the request's, or `key` where a page took it from a form. A key not listed
    there serves every community, as does a server without keys (which serves its own
    machine only).
    """
    bound = current_app.config["API_KEY_COMMUNITIES"]
    if not bound:
        return
    if key is None:
        view = current_app.view_functions.get(request.endpoint)
        key = presented_key(allow_query=getattr(view, "modlens_query_key", False))
    allowed = bound.get(hash_key(key)) if key is not None else None
    if allowed is not None and community not in allowed:
        raise APIError(f"this API key does not serve community {community!r}", 403)
