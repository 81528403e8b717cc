"""A community id the service accepts is one every route can address.

The routes that take a community in their path (its state, its adaptation, its pages and
exports) read it percent-encoded, slashes included (Coral's `Coral:https://host/`). One that
starts with a slash cannot be reached there: `/v1/communities//r/python` is merged by the
router into `/v1/communities/r/python`, another community, with a 308. Such an id was stored
by POST /v1/feedback and never found again (the stateful schemathesis run found it), so it
is refused wherever a community is named. So are "." and "..": the routes here reach them,
but a browser resolves such a path segment, `%2E%2E` too, before it asks, so a moderator
could never open their page.
"""

from urllib.parse import quote

import pytest
from service_helpers import assert_error

VERDICT = {"post": {"text": "Thanks for the summary, it helped me a lot."}, "attribute": "toxicity", "value": 0}


@pytest.mark.parametrize("community", ["c", "Coral:https://talk.example/", "r/python/", "a//b", "...", ".a", "%41", "a\\b"])
def test_a_community_stored_is_found_on_every_route(feedback_client, community):
    assert feedback_client.post("/v1/feedback", json={"community": community, "verdicts": [VERDICT]}).status_code == 200
    path = quote(community, safe="")
    for method, url in (("GET", f"/v1/communities/{path}"), ("POST", f"/v1/communities/{path}/adapt"),
                        ("GET", f"/communities/{path}"), ("GET", f"/communities/{path}/verdicts.jsonl")):
        response = feedback_client.open(url, method=method)
        assert response.status_code == 200, (method, url, response.status_code, response.headers.get("Location"))
        response.close()
    assert feedback_client.get(f"/v1/communities/{path}").get_json()["community"] == community


@pytest.mark.parametrize("community", ["/r/python", "/"])
def test_a_community_starting_with_a_slash_is_refused_by_name(feedback_app, feedback_client, community):
    body = {"community": community, "verdicts": [VERDICT]}
    assert_error(feedback_client.post("/v1/feedback", json=body), 400, "community must", "not starting with /")
    assert_error(feedback_client.post("/v1/score", json={"posts": [{"id": "a", "text": "hi"}], "community": community}),
                 400, "community must")


@pytest.mark.parametrize("community", [".", ".."])
def test_a_community_a_browser_cannot_open_is_refused_by_name(feedback_client, community):
    body = {"community": community, "verdicts": [VERDICT]}
    assert_error(feedback_client.post("/v1/feedback", json=body), 400, "community must", 'not "." or ".."')
    assert_error(feedback_client.get(f"/v1/communities/{community}"), 400, 'not "." or ".."')


def test_a_community_ending_in_a_line_break_is_refused(feedback_client):
    # Python's `$` also matches before a final line break, which once let "c\n" through.
    body = {"community": "c\n", "verdicts": [VERDICT]}
    assert_error(feedback_client.post("/v1/feedback", json=body), 400, "community must")
    assert_error(feedback_client.get("/v1/communities/c%0A"), 400, "community must")
