"""Batch scoring: saved thread pages, text copies and archives -> posts -> scores -> reports.

`init_app(app)` registers the `flask --app server score PATH...` command and the service's
root page `/` (upload one saved thread, see its report). Page extraction reads the site
profiles shared with the extension (extension/site-profiles.json).
"""

# An upload is parsed in memory; a saved thread page is rarely over a few MB.
DEFAULT_UPLOAD_MAX_BYTES = 3 * 1024 * 1024


def init_app(app):
    from .cli import score_command
    from .views import bp

    app.config.setdefault("BATCH_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)
    app.cli.add_command(score_command)
    app.register_blueprint(bp)
