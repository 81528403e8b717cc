"""Batch scoring: saved thread pages, text copies and archives -> posts -> scores -> reports.

`init_app(app)` registers the `flask --app server score PATH...` command and the service's
root page `/` (upload one saved thread, see its report). Page extraction reads the site
profiles shared with the extension (extension/site-profiles.json).
"""

# An upload is parsed in memory; a saved thread page is rarely over a few MB.
DEFAULT_UPLOAD_MAX_BYTES = 3 * 1024 * 1024


def init_app(app):
    from .cli import score_command
    from .inputs import DEFAULT_LIMITS
    from .views import bp

    app.config.setdefault("BATCH_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)
    # What one input may hold (server/batch/inputs.py InputLimits says why each):
    # MODLENS_BATCH_MAX_PAGE_BYTES, _FILE_BYTES, _ARCHIVE_BYTES and _RATIO.
    app.config.setdefault("BATCH_MAX_PAGE_BYTES", DEFAULT_LIMITS.page_bytes)
    app.config.setdefault("BATCH_MAX_FILE_BYTES", DEFAULT_LIMITS.file_bytes)
    app.config.setdefault("BATCH_MAX_ARCHIVE_BYTES", DEFAULT_LIMITS.archive_bytes)
    app.config.setdefault("BATCH_MAX_RATIO", DEFAULT_LIMITS.ratio)
    app.cli.add_command(score_command)
    app.register_blueprint(bp)
