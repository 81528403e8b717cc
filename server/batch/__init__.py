"""Batch scoring: saved thread pages, text copies and archives -> posts -> scores -> reports.

`init_app(app)` registers the `flask --app server score PATH...` command and the service's
root page `/` (upload one saved thread, see its report). Pages become threads in
server/extraction/, with the site profiles shared with the extension
(extension/site-profiles.json).
"""


def init_app(app):
    from .cli import score_command
    from .views import bp

    # BATCH_UPLOAD_MAX_BYTES and BATCH_MAX_* (what one input may hold) are settings like
    # any other: defaults and checks in server/config.py.
    app.cli.add_command(score_command)
    app.register_blueprint(bp)
