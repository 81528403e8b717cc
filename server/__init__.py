"""The Modlens service: `create_app()` builds the Flask app (flaskr's factory pattern).

Run it with `gunicorn -c gunicorn.conf.py 'server:create_app()'` (see the Procfile), or
`flask --app server run` while developing. Configuration is `MODLENS_*` environment
variables; `server/config.py` lists each with its default and why.
"""

import copy

from .config import DEFAULTS, ConfigError, finalize

__all__ = ["ConfigError", "create_app"]


def create_app(test_config=None):
    # Flask and the service's modules are imported here, not at the top: importing any
    # module of this package runs this file first, and the page extraction
    # (server/extraction/) is also read outside the service, where Flask has no place.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import auth, batch, communities, errors, limits, metrics, moderators, openapi, perspective, requestlog, scoring, security, store, views

    app = Flask(__name__)
    # A deep copy: from_prefixed_env writes nested keys (THRESHOLDS__TOXICITY) into the
    # dicts it finds, which must never be the module's own defaults.
    app.config.from_mapping(copy.deepcopy(DEFAULTS))
    app.config.from_prefixed_env("MODLENS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    finalize(app.config)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # Hooks run in the order they are registered: the request id and clock first, then
    # the key check, then the rate limiter, so a refused request costs no budget.
    errors.init_app(app)
    metrics.init_app(app)
    requestlog.init_app(app)
    security.init_app(app)  # CSP and the usual headers on every response
    auth.init_app(app)
    limits.init_app(app)
    _init_cors(app)
    scoring.init_app(app)
    store.init_app(app)  # only when MODLENS_FEEDBACK=on
    communities.init_app(app)
    moderators.init_app(app)  # the moderators' page at /communities/ID
    app.register_blueprint(views.bp)
    app.register_blueprint(perspective.bp)
    app.register_blueprint(openapi.bp)
    batch.init_app(app)  # the `score` command and the upload page at /
    return app


def _init_cors(app):
    from flask_cors import CORS

    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return  # no browser origin allowed: no CORS headers at all
    CORS(
        app,
        origins=origins,
        allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
        methods=["GET", "POST", "OPTIONS"],
        max_age=600,
        vary_header=True,
    )
