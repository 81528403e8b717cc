"""The contract at work: request validation and GET /openapi.json, both from server/contract.py.

spectree binds the models to the views: `@contract_route(ResponseModel, ...)` on a view
whose body parameter is annotated (`def score(json: ScoreRequest)`) declares its request
and response, spectree validates the body before the view runs and writes both into the
OpenAPI 3.1 document. Two things are this service's own, each in one place here:

- How a body is read and refused (`ContractPlugin`): the strict JSON reading of
  server/validation.py, this app's limits, and the one error shape naming the field.
- What the document says beyond the models (`document`): the limits of this app's
  configuration, the security and error responses each route has, derived from the marks
  its view carries (`auth.public`, `auth.query_key`, `limits.rate_limited`), and the few
  routes that answer in HTML or plain text.

The tests hold the server to this document with schemathesis, and hold every response of
a view to its model (under TESTING, where a mismatch fails the test).
"""

import copy
import re
from typing import get_type_hints

from flask import Blueprint, current_app, make_response
from pydantic import TypeAdapter
from spectree import Response, SpecTree
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin

from . import contract, validation
from .auth import public

# Not "openapi": spectree leaves endpoints of that name out of the document.
bp = Blueprint("document", __name__)


class ContractPlugin(FlaskPlugin):
    """spectree's Flask plugin, reading bodies as this service does.

    spectree's own reading takes an unreadable body for an empty one, ignores the
    Content-Type and answers 422 in its own shape; here a body is read by
    validation.read_json_object (415, or 400 saying why it is not a JSON object) and
    checked by validation.parse (400 or 413 naming the field, with this app's limits).
    """

    def request_validation(self, request, query, json, form, headers, cookies):
        if any(model is not None for model in (query, form, headers, cookies)):
            raise TypeError("this service's requests are JSON bodies: declare only `json`")
        body = None
        if json is not None:
            optional = getattr(json, "BODY_OPTIONAL", False)
            raw = {} if optional and not request.get_data(cache=True) else validation.read_json_object()
            body = validation.parse(json, raw)
        request.context = Context(None, body, None, None, None)

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        # A view's answer is checked against its model in the tests (TESTING), where a
        # mismatch fails the test. In service it is not: a client is better served by the
        # answer than by a 500 over a field the document words too narrowly.
        if skip_validation or not current_app.testing:
            # Views answer plain JSON data, never pydantic instances, so there is nothing
            # for spectree to look for: its walk of the answer (is_partial_model_instance)
            # cost a cached 30-post request about a third of its time.
            return make_response(resp), None
        return super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)


class ResponseMismatch(AssertionError):
    """A view answered outside its response model (raised under TESTING only)."""


def _after(request, response, error, instance, model_adapter=None):
    if error is not None:
        raise ResponseMismatch(f"{request.method} {request.path} answered outside its model: {error}")


spec = SpecTree(
    backend=ContractPlugin,
    title="Modlens",
    version="1",
    description="Offline forum-moderation scoring: toxicity, derogatory content, tone and off-topic drift for every "
                "post of a thread, and a Perspective-compatible endpoint.",
    validation_error_status=400,
    validation_error_model=contract.Error,
    # Component names are the model names (PostScores, not ScoreResponse.PostScores): a
    # model nested in several bodies is one schema.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    after=_after,
)


def contract_route(responds, *, errors=(), operation_id):
    """Declare a view's answer (`responds`, a model of server/contract.py) and the error
    statuses of its own (404, 503); its body comes from the annotation of its `json`
    parameter. The errors every route of its kind has are derived (`document`)."""
    codes = {f"HTTP_{code}": contract.Error for code in errors}
    validate = spec.validate(resp=Response(HTTP_200=responds, **codes), operation_id=operation_id)

    def decorate(view):
        view = validate(view)
        view.modlens_responds = responds  # the document's links start from its fields (`_links`)
        return view

    return decorate


@bp.get("/openapi.json")
@public
@contract_route(contract.Document, operation_id="openapi")
def openapi_json():
    """This document."""
    return document(current_app)


# --- the document ----------------------------------------------------------------------------

SECURED = [{"bearer": []}, {"apiKeyHeader": []}]
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _json_error(description, **headers):
    response = {"description": description, "content": {"application/json": {"schema": _ERROR}}}
    if headers:
        response["headers"] = headers
    return response


# Each error status, once, with what it means on this service.
ERROR_RESPONSES = {
    400: ("BadRequest", _json_error("Malformed body or field; the message names it.")),
    401: ("Unauthorized", _json_error("Missing or wrong API key.", **{"WWW-Authenticate": {"schema": {"type": "string"}}})),
    403: ("Forbidden", _json_error(
        "The server has no API key configured and serves only its own machine; or feedback is off (the verdict "
        "routes); or the key does not serve the community named.")),
    404: ("NotFound", _json_error("The community has no verdicts.")),
    413: ("TooLarge", _json_error("Too many posts, too long a text, or too large a body.")),
    415: ("NotJson", _json_error("The body is not sent as application/json.")),
    429: ("TooManyRequests", _json_error("Over the per-key rate limit.", **{"Retry-After": {
        "required": True, "schema": {"type": "string"}, "description": "Seconds to wait."}})),
    503: ("Unavailable", _json_error(
        "The model is loading or failed to load, this worker's queue is full (admission control: try again after "
        "Retry-After), or the verdict store cannot be reached (nothing was written).",
        **{"Retry-After": {"schema": {"type": "string"}}})),
}


def _html(description):
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


# The routes that answer in HTML or plain text have no model to derive from: what they
# answer is stated here, and their security and errors are derived like every route's.
NOT_JSON = {
    ("/", "get"): {
        "summary": "The upload page: score one saved thread page or text copy in the browser.",
        "operationId": "uploadForm", "responses": {"200": _html("The form.")}},
    ("/", "post"): {
        "summary": "Score an uploaded saved thread and show its report (nothing is stored).",
        "operationId": "uploadReport",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "key": {"type": "string", "description": "The API key, where one is configured."}}}}}},
        "responses": {
            "200": _html("The report."), "400": _html("No file was chosen."),
            "401": _json_error("The key is missing or wrong."),
            "413": {"description": "The file or the body is over the limit.",
                    "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": _ERROR}}},
            "422": _html("No thread could be read from the file."), "503": _html("The model is not loaded yet.")}},
    ("/metrics", "get"): {
        "summary": "Prometheus metrics: requests, latency, posts scored.", "operationId": "metrics",
        "responses": {"200": {"description": "Prometheus text format.",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}}},
}

# A path parameter's schema, by its converter (server/communities.py's `community`).
PATH_PARAMETERS = {"community": contract.Community}


def document(app):
    """The OpenAPI 3.1 document of `app`: spectree's, from the models and views, finished with
    this app's limits and each route's security and error responses. Written once per app
    (its routes are fixed once it serves)."""
    if "modlens_openapi" not in app.extensions:
        app.extensions["modlens_openapi"] = _document(app)
    return app.extensions["modlens_openapi"]


def _spectree_document():
    # spectree writes its document once per SpecTree, lifting nested models out of
    # `models` as it goes: a copy with models of its own writes one for the current app
    # (its routes are read from flask.current_app), and leaves the decorators' SpecTree as
    # it was for the next app.
    tree = copy.copy(spec)
    tree.models = copy.deepcopy(spec.models)
    return tree.spec


def _document(app):
    with app.app_context():
        doc = _spectree_document()
    contract.Limit.resolve(doc, app.config)
    views = _views(app)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            _finish(operation, views[path, method], path, method)
    # A module whose routes answer in HTML or files states them itself (server/moderators.py).
    doc["paths"].update(copy.deepcopy(app.extensions.get("modlens_openapi_paths", {})))
    _links(doc, views)
    doc["components"]["responses"] = {name: response for name, response in ERROR_RESPONSES.values()}
    doc["components"]["securitySchemes"] = SECURITY_SCHEMES
    doc["security"] = SECURED
    doc.pop("tags", None)
    return doc


def _views(app):
    """{(path as the document writes it, method): (view, converters of its parameters)}."""
    found = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        converters = {name: converter for converter, name in re.findall(r"<(\w+):(\w+)>", rule.rule)}
        for method in rule.methods:
            found[path, method.lower()] = (app.view_functions[rule.endpoint], converters)
    return found


def _finish(operation, found, path, method):
    view, converters = found
    for key in ("tags", "description"):
        if not operation.get(key):
            operation.pop(key, None)
    operation["responses"].pop("400", None)  # spectree adds it to every route; derived below
    fixed = NOT_JSON.get((path, method))
    if fixed is not None:
        operation.update(copy.deepcopy(fixed))
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and converters.get(parameter["name"]) in PATH_PARAMETERS:
            parameter["schema"] = TypeAdapter(PATH_PARAMETERS[converters[parameter["name"]]]).json_schema()
        if not parameter.get("description"):
            parameter.pop("description", None)
    has_json_body = fixed is None and "requestBody" in operation
    if has_json_body:
        operation["requestBody"]["required"] = not getattr(get_type_hints(view).get("json"), "BODY_OPTIONAL", False)
    public_view = getattr(view, "modlens_public", False)
    if public_view:
        operation["security"] = []
    else:
        operation["security"] = [*SECURED, {"apiKeyQuery": []}] if getattr(view, "modlens_query_key", False) else SECURED
    responses = operation["responses"]
    codes = {403}  # a server without keys refuses other machines on every route
    codes |= {code for code, on in ((401, not public_view), (429, getattr(view, "modlens_rate_limited", False)),
                                    (400, bool(converters))) if on}  # 400: a malformed path parameter, named
    if has_json_body:
        codes |= {400, 413, 415}
    codes |= {int(code) for code, response in responses.items() if _is_error(response)}  # the view's own
    for code in codes:
        if str(code) not in responses or _is_error(responses[str(code)]):
            responses[str(code)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"}
    if not any(code.startswith("2") for code in responses):
        responses["200"] = {"description": "OK"}
    operation["responses"] = dict(sorted(responses.items()))


def _links(doc, views):
    """Link each 200 response field that names a resource (contract.Names) to every operation
    that takes one: as a path parameter whose converter's type names it (PATH_PARAMETERS), or
    as a top-level field of a JSON body. A moderator's verdicts name their community, which
    its state, its adaptation, its pages and scoring with its calibration then take."""
    takers = {}  # resource -> [(operationId, "path" or "body", name)]
    for (path, method), operation in _operations(doc):
        view, converters = views[path, method]
        for name, converter in converters.items():
            if (resource := contract.Names.of(PATH_PARAMETERS.get(converter))) is not None:
                takers.setdefault(resource, []).append((operation["operationId"], "path", name))
        body = get_type_hints(view).get("json") if "requestBody" in operation else None
        for name, resource in (contract.Names.fields(body) if body is not None else {}).items():
            takers.setdefault(resource, []).append((operation["operationId"], "body", name))
    for (path, method), operation in _operations(doc):
        responds = getattr(views[path, method][0], "modlens_responds", None)
        links = {}
        for field, resource in (contract.Names.fields(responds) if responds is not None else {}).items():
            value = f"$response.body#/{field}"
            for target, where, name in takers.get(resource, ()):
                if where == "path":
                    links[target] = {"operationId": target, "parameters": {f"path.{name}": value}}
                else:
                    # In OpenAPI a link's requestBody is the whole body; schemathesis merges it
                    # into the body it generates, as a client sets this one field of its own.
                    links[target] = {"operationId": target, "requestBody": {name: value},
                                     "description": f"The body's {name} is this response's {field}."}
        if links:
            operation["responses"]["200"]["links"] = links


def _operations(doc):
    return [((path, method), operation) for path, operations in doc["paths"].items()
            for method, operation in operations.items()]


def _is_error(response):
    """Whether spectree wrote this response from contract.Error (contract_route's errors)."""
    return response.get("content", {}).get("application/json", {}).get("schema") == _ERROR
