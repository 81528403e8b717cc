"""GET /openapi.json is a valid OpenAPI 3.1 document that covers every route the app serves."""

import re

import pytest
from openapi_spec_validator import validate


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
