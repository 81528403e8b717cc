"""The apps the schemathesis tests run against, in-process, and what they check on each response.

The keyword fake stands in for the model so that hundreds of requests run in seconds; the
real model answers the same shapes in the other tests. Small limits make the document's
maxItems/maxLength reachable by the generator. The apps are built at import, before any
fixture runs, so settings a developer's environment could change are pinned here.
"""

import tempfile
from pathlib import Path

from flask_migrate import upgrade
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_helpers import FakeScorer

from server import create_app
from server.store import MIGRATIONS

CONFIG = {
    "TESTING": True, "RATELIMIT_ENABLED": False,
    "ENV": "development", "API_KEYS": "", "API_KEY_HASHES": "", "CORS_ORIGINS": "", "TRUSTED_PROXIES": 0,
    "MAX_POSTS": 5, "MAX_QUOTES": 3, "MAX_TEXT_BYTES": 400, "MAX_CONTEXT_ENTRIES": 3,
}
# Too many posts or too long a text is refused with 413 (DESIGN.md), a refusal all the same.
REFUSALS = ["400", "401", "403", "413", "415", "422"]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def app():
    return create_app({**CONFIG, "SCORER": FakeScorer()})


def feedback_app():
    """The app with feedback on, on a migrated SQLite store: verdicts are really stored and
    communities really adapted."""
    folder = Path(tempfile.mkdtemp(prefix="modlens-schemathesis-"))
    feedback = create_app({
        **CONFIG, "SCORER": FakeScorer(),
        "FEEDBACK": "on", "FEEDBACK_KEEP_TEXT": True, "DATABASE_URL": f"sqlite:///{folder / 'verdicts.sqlite3'}",
    })
    with feedback.app_context():
        upgrade(directory=str(MIGRATIONS))
    return feedback
