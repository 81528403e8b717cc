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
from .communities import COMMUNITY_PATTERN, SOURCES
from .perspective import ATTRIBUTES as PERSPECTIVE_ATTRIBUTES
from .perspective import CORAL_DECISIONS
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
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 413: "TooLarge",
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
    community = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": COMMUNITY_PATTERN,
                 "description": "A community (one forum, or a section of one): printable text without spaces, at "
                                "most 256 bytes of UTF-8."}
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
                "community": {**_nullable(community),
                              "description": "Score with this community's calibration (fitted from its moderators' "
                                             "verdicts); one without any scores exactly as the global model."},
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
            "required": ["model", "calibration", "posts"],
            "properties": {"model": _ref("Model"), "calibration": _ref("CalibrationUsed"),
                           "posts": {"type": "array", "items": _ref("PostScores")}},
        },
        **community_schemas(config, community, probability, text, nonblank),
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
                "communityId": {**_nullable(community), "description": "Score with this community's calibration."},
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
            "required": ["attributeScores", "languages", "model", "calibration"],
            "properties": {
                "attributeScores": {"type": "object", "propertyNames": perspective_name,
                                    "additionalProperties": _ref("AttributeScore")},
                "languages": {"type": "array", "items": language_code,
                              "description": "The languages detected in the comment, its main one first; a "
                                             "mixed comment was scored on its English sentences."},
                "detectedLanguages": {"type": "array", "items": language_code},
                "clientToken": {"type": "string"},
                "model": _ref("Model"),
                "calibration": _ref("CalibrationUsed"),
            },
        },
        "SuggestRequest": {
            "type": "object",
            "required": ["comment", "attributeScores"],
            "properties": {
                "comment": _ref("Comment"),
                "context": _ref("Context"),
                "attributeScores": {
                    "type": "object", "minProperties": 1,
                    "propertyNames": {"anyOf": [perspective_name, {"enum": list(CORAL_DECISIONS)}]},
                    "description": "Perspective attribute names, or Coral Talk's moderation decisions (DELETED is "
                                   "stored as toxicity 1, APPROVED and HIGHLIGHTED as toxicity 0).",
                    "additionalProperties": {
                        "type": "object", "required": ["summaryScore"],
                        "properties": {"summaryScore": {
                            "type": "object", "required": ["value"], "properties": {"value": probability}}},
                    },
                },
                "languages": {"type": ["array", "null"], "items": {"type": "string"}},
                "clientToken": _nullable(token),
                "sessionId": _nullable(token),
                "communityId": {**_nullable(community),
                                "description": "With feedback on (MODLENS_FEEDBACK=on), the suggestion is stored as a "
                                               "verdict of this community; without a community it is dropped."},
            },
        },
        "SuggestResponse": {"type": "object", "properties": {"clientToken": {"type": "string"}}},
    }
    error = _ref("Error")
    responses = {
        "BadRequest": _json(error, "Malformed body or field; the message names it."),
        "Unauthorized": {**_json(error, "Missing or wrong API key."),
                         "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
        "Forbidden": _json(error, "The server has no API key configured and serves only its own machine; or "
                                  "feedback is off (the verdict routes); or the key does not serve the community named."),
        "TooLarge": _json(error, "Too many posts, too long a text, or too large a body."),
        "NotJson": _json(error, "The body is not sent as application/json."),
        "TooManyRequests": {**_json(error, "Over the per-key rate limit."),
                            "headers": {"Retry-After": {"required": True, "schema": {"type": "string"},
                                                        "description": "Seconds to wait."}}},
        "Unavailable": {**_json(error, "The model is loading or failed to load, or the verdict store cannot be "
                                       "reached (nothing was written)."),
                        "headers": {"Retry-After": {"schema": {"type": "string"}}}},
        "NotFound": _json(error, "The community has no verdicts."),
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
            "summary": "Perspective API comments:suggestscore: stored as a verdict when feedback is on and a "
                       "communityId is given, else accepted and dropped.",
            "operationId": "perspectiveSuggestScore",
            "security": perspective_security,
            "requestBody": _json_body("SuggestRequest"),
            "responses": {"200": _json(_ref("SuggestResponse"), "The clientToken, echoed."),
                          **_errors(400, 401, 403, 413, 415, 429, 503)},
        }},
        **community_paths(secured),
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


def community_schemas(config, community, probability, text, nonblank):
    """Schemas of the verdict routes (server/communities.py)."""
    attribute = {"type": "string", "enum": list(ATTRIBUTES)}
    count = {"type": "integer", "minimum": 0}
    ratio = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    measures = {
        "type": "object",
        "required": ["threshold", "precision", "recall", "f1", "roc_auc", "log_loss"],
        "properties": {"threshold": probability, "precision": ratio, "recall": ratio, "f1": probability,
                       "roc_auc": ratio, "log_loss": {"type": "number", "minimum": 0}},
    }
    return {
        "CalibrationUsed": {
            "type": "object",
            "required": ["community", "version", "verdicts", "state", "adapted"],
            "description": "The calibration a response was scored with. version 0 is the global model's.",
            "properties": {
                "community": {"type": ["string", "null"]},
                "version": count,
                "verdicts": {**count, "description": "Verdicts the calibration in force was fitted on."},
                "state": {"type": "string", "enum": ["global", "adapted", "stale", "unavailable"],
                          "description": "global: no community calibration applies (reason says why); adapted: "
                                         "the community's; stale: fitted for another model version, so the global "
                                         "one was used; unavailable: the verdict store could not be reached."},
                "adapted": {"type": "object", "propertyNames": {"enum": list(ATTRIBUTES)},
                            "additionalProperties": {
                                "type": "object", "required": ["threshold", "refit"],
                                "properties": {"threshold": {**probability, "type": ["number", "null"]},
                                               "refit": {"type": "boolean"}}},
                            "description": "The attributes whose threshold or score is the community's."},
                "reason": {"type": "string"},
            },
        },
        "Verdict": {
            "type": "object",
            "required": ["post", "attribute", "value"],
            "properties": {
                "post": {"type": "object", "required": ["text"], "properties": {
                    "id": {"type": ["string", "null"], "maxLength": 256,
                           "description": "The client's id of the post; checked, never stored."},
                    "text": nonblank,
                    "parent_text": {**_nullable(text), "description": "The post it answers, read as its context."},
                }},
                "thread": {"type": ["object", "null"], "properties": {"title": _nullable(text)}},
                "attribute": attribute,
                "value": {"type": "integer", "enum": [0, 1], "description": "1: the attribute applies; 0: it does not."},
                "moderator": {"type": ["string", "null"], "minLength": 1, "maxLength": 256, "pattern": r"\S",
                              "description": "Stored only as a keyed hash."},
            },
        },
        "FeedbackRequest": {
            "type": "object",
            "required": ["community", "verdicts"],
            "properties": {
                "community": community,
                "verdicts": {"type": "array", "minItems": 1, "maxItems": config["MAX_POSTS"], "items": _ref("Verdict")},
                "source": {"type": "string", "enum": [s for s in SOURCES if s != "perspective"],
                           "description": "Who sends the verdicts (default api)."},
            },
        },
        "FeedbackResponse": {
            "type": "object", "required": ["stored", "community"],
            "properties": {"stored": count, "community": {"type": "string"}},
        },
        "AttributeState": {
            "type": "object",
            "required": ["verdicts", "positives", "precision", "recall", "threshold", "threshold_source", "refit",
                         "suggested_threshold"],
            "properties": {
                "verdicts": count, "positives": count,
                "precision": {**ratio, "description": "Of today's flags on judged posts, the share moderators agreed with."},
                "recall": {**ratio, "description": "Of the judged posts moderators said yes to, the share flagged today."},
                "threshold": probability,
                "threshold_source": {"type": "string", "enum": ["global", "community"]},
                "refit": {"type": "boolean"},
                "suggested_threshold": {**probability, "type": ["number", "null"],
                                        "description": "The threshold with the best F1 on the verdicts."},
                "would_flip": {"type": "object", "required": ["verdicts", "now_agree", "now_disagree"],
                               "properties": {"verdicts": count, "now_agree": count, "now_disagree": count},
                               "description": "Past verdicts whose flag the suggested threshold would change."},
                "needs": {"type": "string"},
            },
        },
        "AuditEntry": {
            "type": "object", "required": ["at", "action", "actor", "detail"],
            "properties": {"at": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
                           "actor": {"type": "string"}, "detail": {"type": "object"}},
        },
        "CommunityState": {
            "type": "object",
            "required": ["community", "calibration", "verdicts", "stale_verdicts", "attributes", "audit"],
            "properties": {
                "community": {"type": "string"},
                "calibration": _ref("CalibrationUsed"),
                "verdicts": count,
                "stale_verdicts": {**count, "description": "Judged under another model version; left out below."},
                "attributes": {"type": "object", "propertyNames": {"enum": list(ATTRIBUTES)},
                               "additionalProperties": _ref("AttributeState")},
                "audit": {"type": "array", "items": _ref("AuditEntry")},
            },
        },
        "AdaptRequest": {
            "type": ["object", "null"],
            "properties": {
                "attributes": {"type": ["array", "null"], "items": attribute,
                               "description": "Default: every attribute with verdicts."},
                "moderator": {"type": ["string", "null"], "minLength": 1, "maxLength": 256, "pattern": r"\S",
                              "description": "Who applies it, for the audit log (hashed)."},
            },
        },
        "AdaptReport": {
            "type": "object",
            "required": ["verdicts", "positives", "before", "after", "applied", "reasons"],
            "properties": {
                "verdicts": count, "positives": count,
                "before": {**measures, "description": "The global model on these verdicts."},
                "after": {**measures, "description": "The community's calibration, measured by cross-validation."},
                "applied": {"type": "object", "required": ["refit", "threshold"],
                            "properties": {"refit": {"type": "boolean"}, "threshold": {"type": "boolean"}}},
                "reasons": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "AdaptResponse": {
            "type": "object",
            "required": ["community", "calibration", "attributes"],
            "properties": {
                "community": {"type": "string"},
                "calibration": _ref("CalibrationUsed"),
                "attributes": {"type": "object", "propertyNames": {"enum": list(ATTRIBUTES)},
                               "additionalProperties": _ref("AdaptReport")},
                "stale_verdicts": {"type": "object"},
            },
        },
    }


def community_paths(secured):
    """The verdict routes; each answers 403 while feedback is off (MODLENS_FEEDBACK)."""
    parameter = [{"name": "community", "in": "path", "required": True,
                  "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": COMMUNITY_PATTERN}}]
    return {
        "/v1/feedback": {"post": {
            "summary": "Store moderators' verdicts on posts, for their community's calibration.",
            "operationId": "storeFeedback",
            "security": secured,
            "requestBody": _json_body("FeedbackRequest"),
            "responses": {"200": _json(_ref("FeedbackResponse"), "How many verdicts were stored."),
                          **_errors(400, 401, 403, 413, 415, 429, 503)},
        }},
        "/v1/communities/{community}": {"get": {
            "summary": "A community's verdicts: today's precision and recall, suggested thresholds, its calibration.",
            "operationId": "communityState",
            "security": secured,
            "parameters": parameter,
            "responses": {"200": _json(_ref("CommunityState"), "Per attribute, and the audit log."),
                          **_errors(400, 401, 403, 404, 503)},
        }},
        "/v1/communities/{community}/adapt": {"post": {
            "summary": "Fit the community's calibration from its verdicts; apply what measures better.",
            "operationId": "adaptCommunity",
            "security": secured,
            "parameters": parameter,
            "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("AdaptRequest")}}},
            "responses": {"200": _json(_ref("AdaptResponse"), "Before and after, per attribute."),
                          **_errors(400, 401, 403, 404, 413, 415, 503)},
        }},
    }
