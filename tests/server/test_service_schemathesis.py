"""Schemathesis against the app in-process: no 500, and no response outside the document.

It generates requests from /openapi.json, both fitting the document (positive) and
breaking it (negative), and checks each response: never a server error, status codes,
content types, headers and bodies as documented, and every request that breaks the
document refused with a 4xx. The apps and checks are in schemathesis_apps.py.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode
from schemathesis_apps import CHECKS, REFUSALS, app, feedback_app

schema = schemathesis.openapi.from_wsgi("/openapi.json", app())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)
schema.config.checks.negative_data_rejection.expected_statuses = REFUSALS


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)


# The same checks on the verdict routes with feedback on, so that generated verdicts are
# really stored and communities really adapted.
feedback_schema = schemathesis.openapi.from_wsgi("/openapi.json", feedback_app()).include(
    path_regex="^/v1/(feedback|communities|score)|^/v1alpha1/")
feedback_schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)
feedback_schema.config.checks.negative_data_rejection.expected_statuses = REFUSALS


@feedback_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_verdict_routes_conform_with_feedback_on(case):
    case.call_and_validate(checks=CHECKS)
