"""The OpenAPI 3.1 document, served at GET /openapi.json.

Built per app from its config, so the limits it states (posts per request, bytes per
text) are the ones the server enforces. Every field a view accepts as null is nullable
here too, and every status a route can answer is listed: the tests hold the server to
this document with schemathesis.
"""

from flask import Blueprint, current_app

from models import ATTRIBUTES
from models.language import STATUSES

from .auth import public
from .perspective import ATTRIBUTES as PERSPECTIVE_ATTRIBUTES
from .validation import SPAN_OFFSETS

LANGUAGE_FIELDS = ("status", "language", "language_confidence", "language_uncertain", "mixed", "unscored_parts")

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
@public
def openapi_json():
    return document(current_app.config)


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _resp(name):
    return {"$ref": f"#/components/responses/{name}"}


def _nullable(schema):
    return {**schema, "type": [schema["type"], "null"]}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 413: "TooLarge",
             415: "NotJson", 429: "TooManyRequests", 503: "Unavailable"}
    return {str(code): _resp(names[code]) for code in codes}


def _html(description):
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _json_body(schema_name):
    return {"required": True, "content": {"application/json": {"schema": _ref(schema_name)}}}


def document(config):
    text_limit = config["MAX_TEXT_BYTES"]
    # maxLength counts characters and the server counts UTF-8 bytes, so the server may
    # refuse a text this document allows (multi-byte characters), never the reverse.
    text = {"type": "string", "maxLength": text_limit}
    nonblank = {**text, "minLength": 1, "pattern": r"\S"}
    token = {"type": "string", "maxLength": 1024}
    probability = {"type": "number", "minimum": 0, "maximum": 1}
    perspective_name = {"type": "string", "pattern": "^(" + "|".join(PERSPECTIVE_ATTRIBUTES) + ")(@[0-9]+)?$"}
    score_value = {
        "type": "object", "required": ["value", "type"],
        "properties": {"value": probability, "type": {"type": "string", "enum": ["PROBABILITY"]}},
    }
    text_entry_type = {"type": ["string", "null"], "enum": ["PLAIN_TEXT", None]}
    language_code = {"type": "string", "pattern": "^[a-z]{2}$", "description": "ISO 639-1."}
    language_properties = {
        "status": {"type": "string", "enum": list(STATUSES),
                   "description": "scored, or language_not_supported: the text is in a language the model does not "
                                  "read, and has no scores, flags or spans."},
        "language": {**language_code, "description": "ISO 639-1 code of the language the text is in; en when it "
                                                     "is too short to tell (language_uncertain)."},
        "language_confidence": {**probability, "description": "The detector's probability for that language."},
        "language_uncertain": {"type": "boolean",
                               "description": "Too short or unclear to tell: scored as English."},
        "mixed": {"type": "boolean", "description": "Part English, part another language: the scores read only the "
                                                    "English sentences; unscored_parts lists the others."},
        "unscored_parts": {"type": "array", "items": _ref("UnscoredPart"),
                           "description": "Ranges of the text in another language, left out of the scores (offsets "
                                          "as span_offsets says)."},
    }
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "status"],
                    "properties": {
                        "code": {"type": "integer"},
                        "message": {"type": "string"},
                        "status": {"type": "string", "description": "Google API status name"},
                        "details": {
                            "type": "array",
                            "description": "On the Perspective routes: Perspective's error type.",
                            "items": {
                                "type": "object",
                                "required": ["@type", "errorType"],
                                "properties": {
                                    "@type": {"type": "string"},
                                    "errorType": {"type": "string", "enum": [
                                        "COMMENT_TOO_LONG", "COMMENT_EMPTY", "NO_REQUESTED_ATTRIBUTES",
                                        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE", "LANGUAGE_DETECTION_FAILED",
                                        "INVALID_REQUEST"]},
                                },
                            },
                        },
                    },
                }
            },
        },
        "Model": {
            "type": "object",
            "required": ["name", "version", "sha256"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "sha256": {"type": "string"}},
            "additionalProperties": {"type": "string"},
            "description": "The exact model that scored: name, version, sha256 of the weights, and any further "
                           "facts the scorer states (such as its precision).",
        },
        "Quote": {
            "type": "object",
            "required": ["text"],
            "properties": {"author": _nullable(text), "text": text},
        },
        "Post": {
            "type": "object",
            "required": ["id", "text"],
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": r"\S",
                       "description": "Unique within the request."},
                "author": _nullable(text),
                "text": {**nonblank, "description": f"At most {text_limit} bytes of UTF-8."},
                "parent_id": {"type": ["string", "null"], "maxLength": 256,
                              "description": "An earlier post's id; any other value is ignored."},
                "quotes": {"type": ["array", "null"], "maxItems": config["MAX_QUOTES"], "items": _ref("Quote"),
                           "description": "Quoted text, scored apart and never counted against this post."},
            },
        },
        "ScoreRequest": {
            "type": "object",
            "required": ["posts"],
            "properties": {
                "thread": {
                    "type": ["object", "null"],
                    "properties": {"title": _nullable(text), "url": _nullable(text), "site": _nullable(text)},
                },
                "posts": {"type": "array", "minItems": 1, "maxItems": config["MAX_POSTS"], "items": _ref("Post"),
                          "description": "In thread order; the first post and the title define the topic."},
                "attributes": {"type": ["array", "null"], "minItems": 1,
                               "items": {"type": "string", "enum": list(ATTRIBUTES)},
                               "description": "Default: all."},
                "span_offsets": {"type": "string", "enum": list(SPAN_OFFSETS),
                                 "description": "codepoint (default; Python string indexes) or utf16 (JavaScript's)."},
            },
        },
        "Span": {
            "type": "object",
            "required": ["begin", "end", "attribute", "score"],
            "properties": {
                "begin": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0},
                "attribute": {"type": "string", "enum": list(ATTRIBUTES)},
                "score": probability,
            },
        },
        "PostScores": {
            "type": "object",
            "required": ["id", "scores", "flags", "spans", "quotes", *LANGUAGE_FIELDS],
            "properties": {
                "id": {"type": "string"},
                "scores": {"type": "object", "propertyNames": {"enum": list(ATTRIBUTES)},
                           "additionalProperties": probability,
                           "description": "Empty when status is language_not_supported."},
                "flags": {"type": "array", "items": {"type": "string", "enum": list(ATTRIBUTES)}},
                "spans": {"type": "array", "items": _ref("Span")},
                "quotes": {"type": "array", "items": _ref("QuoteScores"),
                           "description": "Each quote's own scores, in the order sent; never counted in the post's."},
                **language_properties,
            },
        },
        "QuoteScores": {
            "type": "object",
            "required": ["author", "scores", "flags", *LANGUAGE_FIELDS],
            "properties": {
                "author": {"type": ["string", "null"]},
                "scores": {"type": "object", "propertyNames": {"enum": list(ATTRIBUTES)},
                           "additionalProperties": probability},
                "flags": {"type": "array", "items": {"type": "string", "enum": list(ATTRIBUTES)}},
                **language_properties,
            },
        },
        "UnscoredPart": {
            "type": "object",
            "required": ["begin", "end", "language"],
            "properties": {"begin": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
                           "language": language_code},
        },
        "ScoreResponse": {
            "type": "object",
            "required": ["model", "posts"],
            "properties": {"model": _ref("Model"), "posts": {"type": "array", "items": _ref("PostScores")}},
        },
        "Attributes": {
            "type": "object",
            "required": ["attributes"],
            "properties": {"attributes": {"type": "array", "items": {
                "type": "object",
                "required": ["name", "description", "threshold"],
                "properties": {"name": {"type": "string", "enum": list(ATTRIBUTES)},
                               "description": {"type": "string"}, "threshold": probability},
            }}},
        },
        "TextEntry": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": text, "type": text_entry_type},
        },
        "Context": {
            "type": ["object", "null"],
            "properties": {"entries": {"type": ["array", "null"], "maxItems": config["MAX_CONTEXT_ENTRIES"],
                                       "items": _ref("TextEntry")}},
            "description": "Earlier text (article, opening post, parent): the thread before the comment.",
        },
        "Comment": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": nonblank, "type": text_entry_type},
        },
        "AnalyzeRequest": {
            "type": "object",
            "required": ["comment", "requestedAttributes"],
            "properties": {
                "comment": _ref("Comment"),
                "context": _ref("Context"),
                "requestedAttributes": {
                    "type": "object", "minProperties": 1, "propertyNames": perspective_name,
                    "additionalProperties": {
                        "type": ["object", "null"],
                        "properties": {
                            "scoreType": {"type": ["string", "null"], "enum": ["PROBABILITY", None]},
                            "scoreThreshold": _nullable(probability),
                        },
                    },
                },
                "spanAnnotations": {"type": ["boolean", "null"]},
                "doNotStore": {"type": ["boolean", "null"], "description": "Nothing is ever stored."},
                "languages": {"type": ["array", "null"], "items": {"type": "string"},
                              "description": "Must include English (en) when given. The comment's language is "
                                             "detected either way: one not in English is refused with "
                                             "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE."},
                "clientToken": _nullable(token),
                "sessionId": _nullable(token),
                "communityId": _nullable(token),
            },
        },
        "AttributeScore": {
            "type": "object",
            "required": ["summaryScore"],
            "properties": {
                "summaryScore": score_value,
                "spanScores": {"type": "array", "items": {
                    "type": "object", "required": ["begin", "end", "score"],
                    "properties": {"begin": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
                                   "score": score_value},
                }},
            },
        },
        "AnalyzeResponse": {
            "type": "object",
            "required": ["attributeScores", "languages", "model"],
            "properties": {
                "attributeScores": {"type": "object", "propertyNames": perspective_name,
                                    "additionalProperties": _ref("AttributeScore")},
                "languages": {"type": "array", "items": language_code,
                              "description": "The languages detected in the comment, its main one first; a "
                                             "mixed comment was scored on its English sentences."},
                "detectedLanguages": {"type": "array", "items": language_code},
                "clientToken": {"type": "string"},
                "model": _ref("Model"),
            },
        },
        "SuggestRequest": {
            "type": "object",
            "required": ["comment", "attributeScores"],
            "properties": {
                "comment": _ref("Comment"),
                "context": _ref("Context"),
                "attributeScores": {
                    "type": "object", "minProperties": 1, "propertyNames": perspective_name,
                    "additionalProperties": {
                        "type": "object", "required": ["summaryScore"],
                        "properties": {"summaryScore": {
                            "type": "object", "required": ["value"], "properties": {"value": probability}}},
                    },
                },
                "languages": {"type": ["array", "null"], "items": {"type": "string"}},
                "clientToken": _nullable(token),
                "sessionId": _nullable(token),
                "communityId": _nullable(token),
            },
        },
        "SuggestResponse": {"type": "object", "properties": {"clientToken": {"type": "string"}}},
    }
    error = _ref("Error")
    responses = {
        "BadRequest": _json(error, "Malformed body or field; the message names it."),
        "Unauthorized": {**_json(error, "Missing or wrong API key."),
                         "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
        "Forbidden": _json(error, "The server has no API key configured and serves only its own machine."),
        "TooLarge": _json(error, "Too many posts, too long a text, or too large a body."),
        "NotJson": _json(error, "The body is not sent as application/json."),
        "TooManyRequests": {**_json(error, "Over the per-key rate limit."),
                            "headers": {"Retry-After": {"required": True, "schema": {"type": "string"},
                                                        "description": "Seconds to wait."}}},
        "Unavailable": {**_json(error, "The model is loading or failed to load."),
                        "headers": {"Retry-After": {"schema": {"type": "string"}}}},
    }
    secured = [{"bearer": []}, {"apiKeyHeader": []}]
    perspective_security = [*secured, {"apiKeyQuery": []}]
    scoring_errors = _errors(400, 401, 403, 413, 415, 429, 503)
    paths = {
        "/v1/score": {"post": {
            "summary": "Score every post of a thread (or a page of one).",
            "operationId": "scoreThread",
            "security": secured,
            "requestBody": _json_body("ScoreRequest"),
            "responses": {"200": _json(_ref("ScoreResponse"), "Scores, flags and spans for each post, in order."),
                          **scoring_errors},
        }},
        "/v1alpha1/comments:analyze": {"post": {
            "summary": "Perspective API comments:analyze.",
            "operationId": "perspectiveAnalyze",
            "security": perspective_security,
            "requestBody": _json_body("AnalyzeRequest"),
            "responses": {"200": _json(_ref("AnalyzeResponse"), "Perspective's response format."),
                          **scoring_errors},
        }},
        "/v1alpha1/comments:suggestscore": {"post": {
            "summary": "Perspective API comments:suggestscore (accepted, not stored).",
            "operationId": "perspectiveSuggestScore",
            "security": perspective_security,
            "requestBody": _json_body("SuggestRequest"),
            "responses": {"200": _json(_ref("SuggestResponse"), "The clientToken, echoed."),
                          **_errors(400, 401, 403, 413, 415, 429)},
        }},
        "/v1/attributes": {"get": {
            "summary": "The attributes scored, what each means, and this server's flag thresholds.",
            "operationId": "listAttributes",
            "security": secured,
            "responses": {"200": _json(_ref("Attributes"), "Every attribute."), **_errors(401, 403)},
        }},
        "/healthz": {"get": {
            "summary": "The process is alive.", "operationId": "healthz", "security": [],
            "responses": {"200": _json({"type": "object", "required": ["status"],
                                        "properties": {"status": {"const": "ok"}}}, "Alive."),
                          **_errors(403)},
        }},
        "/readyz": {"get": {
            "summary": "The model is loaded and requests will be scored.", "operationId": "readyz", "security": [],
            "responses": {"200": _json({"type": "object", "required": ["status", "model"],
                                        "properties": {"status": {"const": "ready"}, "model": _ref("Model")}},
                                       "Ready."),
                          **_errors(403, 503)},
        }},
        "/metrics": {"get": {
            "summary": "Prometheus metrics: requests, latency, posts scored.", "operationId": "metrics",
            "security": secured,
            "responses": {"200": {"description": "Prometheus text format.",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **_errors(401, 403)},
        }},
        "/": {
            "get": {
                "summary": "The upload page: score one saved thread page or text copy in the browser.",
                "operationId": "uploadForm", "security": [],
                "responses": {"200": _html("The form."), **_errors(403)},
            },
            "post": {
                "summary": "Score an uploaded saved thread and show its report (nothing is stored).",
                "operationId": "uploadReport", "security": [],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"},
                                   "key": {"type": "string", "description": "The API key, where one is configured."}},
                }}}},
                "responses": {
                    "200": _html("The report."),
                    "400": _html("No file was chosen."),
                    "413": {"description": "The file or the body is over the limit.",
                            "content": {"text/html": {"schema": {"type": "string"}},
                                        "application/json": {"schema": error}}},
                    "422": _html("No thread could be read from the file."),
                    "503": _html("The model is not loaded yet."),
                    **_errors(401, 403),
                },
            },
        },
        "/openapi.json": {"get": {
            "summary": "This document.", "operationId": "openapi", "security": [],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1."), **_errors(403)},
        }},
    }
    paths.update(current_app.extensions.get("modlens_openapi_paths", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Modlens",
            "version": "1",
            "description": "Offline forum-moderation scoring: toxicity, derogatory content, tone and "
                           "off-topic drift for every post of a thread, and a Perspective-compatible endpoint.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
            },
        },
        "security": secured,
    }
