"""One error path: every failure leaves the service as the same JSON shape.

    {"error": {"code": 400, "message": "posts[3].text must be a string",
               "status": "INVALID_ARGUMENT"}}

`status` is the Google API status name, and the Perspective routes add
`details: [{"@type": ..., "errorType": "COMMENT_EMPTY"}]`, so one shape serves both our
clients and Perspective's (STYLE.md 3; microblog `app/api/errors.py`).
"""

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("modlens.errors")

# Google's canonical status names for the HTTP codes this service answers with.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    406: "INVALID_ARGUMENT",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

PERSPECTIVE_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


class APIError(Exception):
    """An error a client should see: a message naming what was wrong, and its HTTP status.

    `error_type` is one of Perspective's error types (COMMENT_EMPTY, ...), given on the
    Perspective routes; `headers` are added to the response (Retry-After).
    """

    def __init__(self, message, status=400, error_type=None, headers=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.headers = headers or {}


def error_response(status, message, error_type=None, headers=None):
    body = {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
    if error_type is None and request.path.startswith("/v1alpha1/") and status in (400, 413, 415):
        # Perspective's clients branch on the error type; HTTP-level refusals on its
        # routes (an unreadable body, one too large) get the closest one it had.
        error_type = "COMMENT_TOO_LONG" if status == 413 else "INVALID_REQUEST"
    if error_type:
        body["details"] = [{"@type": PERSPECTIVE_ERROR_TYPE, "errorType": error_type}]
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_api_error(error):
    return error_response(error.status, error.message, error.error_type, error.headers)


def handle_http_exception(error):
    # Werkzeug's exceptions carry headers that matter (Allow on 405, Retry-After from
    # the rate limiter); keep them, but not its HTML Content-Type.
    headers = {k: v for k, v in (error.get_headers() or []) if k.lower() != "content-type"}
    if error.code == 500:
        # Only an unhandled exception gets here (outside testing, where it propagates).
        log.error("unhandled error on %s", request.path, exc_info=getattr(error, "original_exception", None))
        message = "internal error; the request id in the X-Request-ID header locates it in the log"
    else:
        message = error.description or error.name
    return error_response(error.code or 500, message, headers=headers)


def init_app(app):
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    # Responses keep the order in which views build them (scores in attribute order).
    app.json.sort_keys = False
