"""Schemathesis in stateful mode: calls chained along the document's links, with feedback on.

A moderator's verdicts (POST /v1/feedback) name their community, and the document links
that answer to every route that takes a community (server/openapi.py's `_links`): its state,
its adaptation, its pages and exports, and scoring with its calibration. Schemathesis walks
those links as a state machine (the inference of links of its own is off: only the
document's are followed), checking every response as the stateless tests do; and a link
that carries its community into a path must find it there, since the answer that named
it found it or stored verdicts for it.
"""

from collections import Counter
from urllib.parse import unquote

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis_apps import CHECKS, REFUSALS, feedback_app
from sqlalchemy import delete

from server import store

app = feedback_app()
schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
schema.config.checks.negative_data_rejection.expected_statuses = REFUSALS
schema.config.phases.stateful.inference.algorithms = []

# Each link followed with its value applied, by name ("POST /v1/feedback -> [200] communityState -> ...")
# and the status its target answered.
followed = Counter()
FEEDBACK_TO_STATE = "POST /v1/feedback -> [200] communityState -> GET /v1/communities/{community}"


class Workflow(schema.as_state_machine()):
    def setup(self):
        # Each scenario starts on an empty store, so that a scenario replayed (Hypothesis
        # replays to shrink) answers as it did the first time.
        with app.app_context():
            for table in (store.Verdict, store.Calibration, store.AuditEntry):
                store.db.session.execute(delete(table))
            store.db.session.commit()
        app.extensions["modlens_calibrations"].clear()

    def step(self, input):
        output = super().step(input)
        if input.transition is None or not input.is_applied:
            return output
        followed[input.transition.id, output.response.status_code] += 1
        if (ParameterLocation.PATH, "community") in input.applied_parameters:
            named = input.transition.parameters["path_parameters"]["community"].value.ok()
            sent = unquote(input.case.path_parameters["community"])
            # Schemathesis decodes a link's value before encoding it ("%41" goes as "A"): only
            # a community sent as it was named is one the server must find.
            assert sent != named or output.response.status_code != 404, (
                f"{input.transition.id} carried {named!r}, which its source had just named, and found "
                f"none: {output.response.text[:300]}")
        return output

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)


def test_every_answer_naming_a_community_links_to_every_route_taking_one():
    paths = schema.raw_schema["paths"]
    takers = {"communityState", "adaptCommunity", "communityPage", "communityPageForm", "communityPageApply",
              "exportVerdictsCsv", "exportVerdictsCsvForm", "exportVerdictsJsonl", "exportVerdictsJsonlForm",
              "storeFeedback", "scoreThread", "perspectiveAnalyze", "perspectiveSuggestScore"}
    for path, method in (("/v1/feedback", "post"), ("/v1/communities/{community}", "get"),
                         ("/v1/communities/{community}/adapt", "post")):
        links = paths[path][method]["responses"]["200"]["links"]
        assert set(links) == takers, (path, set(links) ^ takers)
        assert links["communityState"]["parameters"] == {"path.community": "$response.body#/community"}
        assert links["perspectiveAnalyze"]["requestBody"] == {"communityId": "$response.body#/community"}
    # Nothing else names a community in its answer: scoring's calibration.community may be null.
    linked = {(path, method) for path, operations in paths.items() for method, operation in operations.items()
              if any("links" in response for response in operation["responses"].values())}
    assert len(linked) == 3


def test_chained_calls_conform_to_the_document():
    followed.clear()
    Workflow.run(settings=settings(max_examples=40, stateful_step_count=6, deadline=None, derandomize=True,
                                   phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    # The chains really ran: verdicts stored, then their community's state read through the link.
    assert followed[FEEDBACK_TO_STATE, 200], followed
    assert len({name for name, _ in followed if name.startswith("POST /v1/feedback -> [200]")}) >= 3, followed
