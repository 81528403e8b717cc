"""Schemathesis against the app in-process: no 500, and no response outside the document.

It generates requests from /openapi.json, both fitting the document (positive) and
breaking it (negative), and checks each response: never a server error, status codes,
content types, headers and bodies as documented, and every request that breaks the
document refused with a 4xx. The keyword fake stands in for the model so that hundreds
of requests run in seconds; the real model answers the same shapes in the other tests.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_helpers import FakeScorer

from server import create_app

# Small limits make the document's maxItems/maxLength reachable by the generator. The app
# is built at import, before any fixture runs, so settings a developer's environment
# could change are pinned here.
app = create_app({
    "TESTING": True, "SCORER": FakeScorer(), "RATELIMIT_ENABLED": False,
    "ENV": "development", "API_KEYS": "", "API_KEY_HASHES": "", "CORS_ORIGINS": "", "TRUSTED_PROXIES": 0,
    "MAX_POSTS": 5, "MAX_QUOTES": 3, "MAX_TEXT_BYTES": 400, "MAX_CONTEXT_ENTRIES": 3,
})
schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)
# Too many posts or too long a text is refused with 413 (DESIGN.md), a refusal all the same.
schema.config.checks.negative_data_rejection.expected_statuses = ["400", "401", "403", "413", "415", "422"]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)


# The same checks on the verdict routes with feedback on, against a migrated SQLite store, so
# that generated verdicts are really stored and communities really adapted.
def _feedback_app():
    import tempfile
    from pathlib import Path

    from flask_migrate import upgrade

    from server.store import MIGRATIONS

    folder = Path(tempfile.mkdtemp(prefix="modlens-schemathesis-"))
    feedback = create_app({
        "TESTING": True, "SCORER": FakeScorer(), "RATELIMIT_ENABLED": False,
        "ENV": "development", "API_KEYS": "", "API_KEY_HASHES": "", "CORS_ORIGINS": "", "TRUSTED_PROXIES": 0,
        "MAX_POSTS": 5, "MAX_QUOTES": 3, "MAX_TEXT_BYTES": 400, "MAX_CONTEXT_ENTRIES": 3,
        "FEEDBACK": "on", "FEEDBACK_KEEP_TEXT": True, "DATABASE_URL": f"sqlite:///{folder / 'verdicts.sqlite3'}",
    })
    with feedback.app_context():
        upgrade(directory=str(MIGRATIONS))
    return feedback


feedback_schema = schemathesis.openapi.from_wsgi("/openapi.json", _feedback_app()).include(
    path_regex="^/v1/(feedback|communities|score)|^/v1alpha1/")
feedback_schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)
feedback_schema.config.checks.negative_data_rejection.expected_statuses = ["400", "401", "403", "413", "415", "422"]


@feedback_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_verdict_routes_conform_with_feedback_on(case):
    case.call_and_validate(checks=CHECKS)
