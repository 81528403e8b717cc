"""In service (TESTING off) answers skip the response check that the tests run: the same
status, headers that matter and body must come back either way."""

import pytest

THREAD = {"title": "Ferries in winter", "posts": [{"id": "1", "text": "Which ferry runs on Sundays?"},
                                                  {"id": "2", "text": "The 9:15, as far as I know.", "parent_id": "1"}]}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/healthz", None),
    ("get", "/readyz", None),
    ("get", "/v1/attributes", None),
    ("post", "/v1/score", THREAD),
    ("post", "/v1/score", {"posts": "not a list"}),
    ("post", "/v1/score", {"posts": [{"id": "1"}]}),
    ("get", "/openapi.json", None),
])
def test_service_answers_as_the_tests_do(make_app, method, path, body):
    answers = []
    for testing in (True, False):
        client = make_app(TESTING=testing).test_client()
        response = getattr(client, method)(path, json=body) if body is not None else getattr(client, method)(path)
        answers.append((response.status_code, response.mimetype, response.get_json()))
    assert answers[0] == answers[1]
    assert answers[1][1] == "application/json"
