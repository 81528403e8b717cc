"""GET /openapi.json is a valid OpenAPI 3.1 document that covers every route the app serves."""

import re

import pytest
from flask import Blueprint
from openapi_spec_validator import validate
from pydantic import Field

from server import contract, openapi


@pytest.fixture
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented(app, document):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # <path:community> is {community}
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {path}"


def test_the_limits_stated_are_the_ones_enforced(make_app):
    document = make_app(MAX_POSTS=7, MAX_TEXT_BYTES=99).test_client().get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["ScoreRequest"]["properties"]["posts"]["maxItems"] == 7
    assert schemas["Post"]["properties"]["text"]["maxLength"] == 99


def test_every_error_response_uses_the_error_schema(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and "$ref" in response:
                    assert response["$ref"].startswith("#/components/responses/"), (path, method, status)


# --- the document is derived from the contract (server/contract.py) ---------------------------

REQUESTS = {"ScoreRequest": contract.ScoreRequest, "Post": contract.Post, "AnalyzeRequest": contract.AnalyzeRequest,
            "SuggestRequest": contract.SuggestRequest, "FeedbackRequest": contract.FeedbackRequest,
            "Verdict": contract.Verdict, "AdaptRequest": contract.AdaptRequest}


@pytest.mark.parametrize("name", REQUESTS)
def test_every_field_of_a_request_model_is_in_the_document(document, name):
    schema = document["components"]["schemas"][name]
    model = REQUESTS[name]
    assert set(schema["properties"]) == set(model.model_fields)
    required = {field for field, info in model.model_fields.items() if info.is_required()}
    assert required <= set(schema.get("required", []))


@pytest.fixture
def own_models(monkeypatch):
    # A view declared in a test adds its models to the SpecTree's; they go with the test.
    monkeypatch.setattr(openapi.spec, "models", dict(openapi.spec.models))


def test_a_field_added_to_a_model_appears_in_the_document(make_app, own_models):
    class Annotated(contract.ScoreRequest):
        reviewer: str | None = Field(None, description="Who asked for the scores.")

    blueprint = Blueprint("annotated", __name__)

    @blueprint.post("/v1/annotated")
    @openapi.contract_route(contract.Health, operation_id="annotated")
    def annotated(json: Annotated):
        return {"status": "ok"}

    app = make_app()
    app.register_blueprint(blueprint)
    document = app.test_client().get("/openapi.json").get_json()
    validate(document)
    body = document["paths"]["/v1/annotated"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Annotated"}
    assert document["components"]["schemas"]["Annotated"]["properties"]["reviewer"]["description"] == "Who asked for the scores."
    # ... and the same declaration validates: the new field is checked, by name.
    client = app.test_client()
    response = client.post("/v1/annotated", json={"posts": [{"id": "p", "text": "hi"}], "reviewer": 7})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "reviewer must be a string"


def test_a_view_that_answers_outside_its_model_fails_under_test(make_app, own_models):
    blueprint = Blueprint("wrong", __name__)

    @blueprint.get("/v1/wrong")
    @openapi.contract_route(contract.Health, operation_id="wrong")
    def wrong():
        return {"status": "fine"}

    app = make_app()
    app.register_blueprint(blueprint)
    with pytest.raises(openapi.ResponseMismatch, match="/v1/wrong"):
        app.test_client().get("/v1/wrong")


def test_the_document_with_feedback_on_is_valid(make_app, tmp_path):
    app = make_app(FEEDBACK="on", DATABASE_URL=f"sqlite:///{tmp_path / 'v.sqlite3'}")
    validate(app.test_client().get("/openapi.json").get_json())


def test_security_and_errors_follow_the_views_marks(document):
    paths = document["paths"]
    assert paths["/healthz"]["get"]["security"] == []
    assert {"apiKeyQuery": []} in paths["/v1alpha1/comments:analyze"]["post"]["security"]
    assert {"apiKeyQuery": []} not in paths["/v1/score"]["post"]["security"]
    score = paths["/v1/score"]["post"]["responses"]
    assert {"400", "401", "403", "413", "415", "429", "503"} <= set(score)
    assert "429" not in paths["/v1/attributes"]["get"]["responses"]
    assert "415" not in paths["/v1/attributes"]["get"]["responses"]
    adapt = paths["/v1/communities/{community}/adapt"]["post"]
    assert adapt["requestBody"]["required"] is False
    assert adapt["parameters"][0]["schema"]["maxLength"] == 256


@pytest.mark.parametrize(("body", "message"), [
    ({"posts": [{"id": f"p{i}", "text": "fine"} for i in range(3)] + [{"id": "p3", "text": 5}]},
     "posts[3].text must be a string"),
    ({"posts": [{"id": f"p{i}", "text": "fine"} for i in range(3)] + [{"id": "p3"}]}, "posts[3].text is required"),
    ({"posts": [{"id": "p0", "text": "fine", "quotes": [{"text": "q"}, {"text": None}]}]},
     "posts[0].quotes[1].text is required and must be a string"),
    ({"posts": [{"id": "p0", "text": "fine"}], "thread": {"url": ["x"]}}, "thread.url must be a string"),
    ({"posts": [{"id": "p0", "text": "fine"}], "community": "a\ud800"},
     "community holds an unpaired UTF-16 surrogate, which is not text"),
    ({"posts": [{"id": "p0", "text": "fine"}], "attributes": ["toxicity", 3]},
     "attributes[1] must be toxicity, insult, identity_attack, profanity, threat, negativity, hostility, sarcasm "
     "or off_topic, not 3"),
])
def test_errors_name_the_field_by_its_path(client, body, message):
    response = client.post("/v1/score", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == message


def test_field_paths_through_objects_keyed_by_name(client):
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}}
    message = client.post("/v1alpha1/comments:analyze", json=body).get_json()["error"]["message"]
    assert message == "requestedAttributes.TOXICITY.scoreThreshold must be a number of at most 1"
