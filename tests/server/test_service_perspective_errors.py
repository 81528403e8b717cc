"""Perspective's error shape and error types on comments:analyze and :suggestscore."""

import pytest
from service_helpers import assert_error

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


def analyze(**changes):
    body = {"comment": {"text": "You are an idiot."}, "requestedAttributes": {"TOXICITY": {}}}
    body.update(changes)
    return body


# (case id, body, status, errorType, fragment)
BAD = [
    ("comment missing", {"requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_REQUEST", "comment is required"),
    ("text missing", analyze(comment={}), 400, "COMMENT_EMPTY", "comment.text"),
    ("text empty", analyze(comment={"text": ""}), 400, "COMMENT_EMPTY", "comment.text"),
    ("text blank", analyze(comment={"text": "  \n"}), 400, "COMMENT_EMPTY", "comment.text"),
    ("text a number", analyze(comment={"text": 5}), 400, "INVALID_REQUEST", "comment.text must be a string"),
    ("text too long", analyze(comment={"text": "x" * 20_481}), 413, "COMMENT_TOO_LONG", "20480 bytes"),
    ("HTML text", analyze(comment={"text": "<b>hi</b>", "type": "HTML"}), 400, "INVALID_REQUEST", "PLAIN_TEXT"),
    ("no attributes", analyze(requestedAttributes={}), 400, "NO_REQUESTED_ATTRIBUTES", "requestedAttributes"),
    ("attributes missing", {"comment": {"text": "hi"}}, 400, "NO_REQUESTED_ATTRIBUTES", "requestedAttributes"),
    ("attributes a list", analyze(requestedAttributes=["TOXICITY"]), 400, "INVALID_REQUEST", "must be an object"),
    ("unknown attribute", analyze(requestedAttributes={"FLIRTATION": {}}), 400, "INVALID_REQUEST", "FLIRTATION"),
    ("lower-case attribute", analyze(requestedAttributes={"toxicity": {}}), 400, "INVALID_REQUEST", "toxicity"),
    ("bad version", analyze(requestedAttributes={"TOXICITY@x": {}}), 400, "INVALID_REQUEST", "TOXICITY@x"),
    ("score type", analyze(requestedAttributes={"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}), 400,
     "INVALID_REQUEST", "scoreType"),
    ("threshold over 1", analyze(requestedAttributes={"TOXICITY": {"scoreThreshold": 1.5}}), 400,
     "INVALID_REQUEST", "scoreThreshold"),
    ("threshold a string", analyze(requestedAttributes={"TOXICITY": {"scoreThreshold": "0.5"}}), 400,
     "INVALID_REQUEST", "scoreThreshold"),
    ("german", analyze(languages=["de"]), 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE", "TOXICITY"),
    ("languages a string", analyze(languages="en"), 400, "INVALID_REQUEST", "languages"),
    ("spanAnnotations a string", analyze(spanAnnotations="yes"), 400, "INVALID_REQUEST", "spanAnnotations"),
    ("doNotStore a number", analyze(doNotStore=1), 400, "INVALID_REQUEST", "doNotStore"),
    ("clientToken a number", analyze(clientToken=7), 400, "INVALID_REQUEST", "clientToken"),
    ("context a list", analyze(context=["a"]), 400, "INVALID_REQUEST", "context must be an object"),
    ("context entry without text", analyze(context={"entries": [{}]}), 400, "INVALID_REQUEST",
     "context.entries[0].text"),
    ("too many context entries", analyze(context={"entries": [{"text": "a"}] * 21}), 413, "COMMENT_TOO_LONG",
     "context.entries"),
]


@pytest.mark.parametrize("body, status, error_type, fragment", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_analyze_errors_have_perspectives_shape(client, body, status, error_type, fragment):
    error = assert_error(client.post(ANALYZE, json=body), status, fragment)
    assert error["details"] == [{"@type": ERROR_TYPE, "errorType": error_type}]
    assert error["status"] == "INVALID_ARGUMENT"


def test_unreadable_body_is_invalid_request(client):
    error = assert_error(client.post(ANALYZE, data=b"{", content_type="application/json"), 400)
    assert error["details"][0]["errorType"] == "INVALID_REQUEST"


def test_body_too_large_is_comment_too_long(make_app):
    client = make_app(MAX_CONTENT_LENGTH=100).test_client()
    error = assert_error(client.post(ANALYZE, json=analyze(comment={"text": "x" * 200})), 413)
    assert error["details"][0]["errorType"] == "COMMENT_TOO_LONG"


def test_wrong_key_in_perspective_shape(make_app):
    client = make_app(API_KEYS="k").test_client()
    error = assert_error(client.post(ANALYZE + "?key=nope", json=analyze()), 401)
    assert error["status"] == "UNAUTHENTICATED"


def suggest(**changes):
    body = {"comment": {"text": "You are an idiot."}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
            "clientToken": "t-1"}
    body.update(changes)
    return body


def test_suggestscore_echoes_the_client_token(client):
    response = client.post(SUGGEST, json=suggest())
    assert response.status_code == 200
    assert response.get_json() == {"clientToken": "t-1"}
    assert client.post(SUGGEST, json=suggest(clientToken=None)).get_json() == {}


def test_suggestscore_is_counted_not_stored(client):
    client.post(SUGGEST, json=suggest())
    assert "modlens_suggestions_received_total 1.0" in client.get("/metrics").get_data(as_text=True)


SUGGEST_BAD = [
    ("no comment text", suggest(comment={"text": ""}), "COMMENT_EMPTY"),
    ("no scores", suggest(attributeScores={}), "NO_REQUESTED_ATTRIBUTES"),
    ("unknown attribute", suggest(attributeScores={"SPAM": {"summaryScore": {"value": 1}}}), "INVALID_REQUEST"),
    ("score missing", suggest(attributeScores={"TOXICITY": {}}), "INVALID_REQUEST"),
    ("value over 1", suggest(attributeScores={"TOXICITY": {"summaryScore": {"value": 3}}}), "INVALID_REQUEST"),
]


@pytest.mark.parametrize("body, error_type", [c[1:] for c in SUGGEST_BAD], ids=[c[0] for c in SUGGEST_BAD])
def test_suggestscore_errors(client, body, error_type):
    error = assert_error(client.post(SUGGEST, json=body), 400)
    assert error["details"][0]["errorType"] == error_type
