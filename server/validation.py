"""Reading request bodies, and checking them against the contract (server/contract.py).

Every refusal is an APIError whose message names the field (`posts[3].text must be a
string`): 400 for a malformed body or field, 413 for more posts or longer text than the
configured limits, 415 for a body that is not JSON. Nothing here scores anything.
"""

import json

from flask import current_app, request
from pydantic import ValidationError

from .contract import PERSPECTIVE_ERROR_TYPES, TOO_LARGE
from .errors import APIError


def read_json_object():
    """The request body as a dict, or an APIError saying why it cannot be one."""
    if not request.is_json:
        raise APIError("the body must be JSON, sent with Content-Type: application/json", 415)
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: werkzeug raises 413
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise APIError(f"the body is not valid UTF-8 (byte {error.start})") from None
    try:
        body = json.loads(text.removeprefix("\ufeff"), parse_constant=_reject_constant)
    except RecursionError:
        raise APIError("the body's JSON is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, and the int-size limit on huge numbers
        raise APIError(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise APIError("the body must be a JSON object")
    return body


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def string(value, field, *, required=True, nonblank=False, max_bytes=None):
    """A string field's value; None where an optional one is absent or null."""
    if value is None:
        if required:
            raise APIError(f"{field} is required and must be a string")
        return None
    if not isinstance(value, str):
        raise APIError(f"{field} must be a string")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise APIError(f"{field} holds an unpaired UTF-16 surrogate, which is not text") from None
    if nonblank and not value.strip():
        raise APIError(f"{field} is empty")
    if max_bytes is not None and size > max_bytes:
        raise APIError(f"{field} is {size} bytes of UTF-8; the limit is {max_bytes}", 413)
    return value


def parse(model, body):
    """`body` checked against a request model of server/contract.py, with this app's limits;
    the first thing wrong (anything too large first) becomes an APIError naming its field."""
    try:
        return model.model_validate(body, context={"config": current_app.config})
    except ValidationError as error:
        problems = error.errors(include_url=False)
        first = next((p for p in problems if p["type"] == TOO_LARGE), problems[0])
        raise APIError(describe(first), 413 if first["type"] == TOO_LARGE else 400,
                       error_type=first["type"] if first["type"] in PERSPECTIVE_ERROR_TYPES else None) from None


# What a value of each JSON type is called in a message.
KINDS = {"string_type": "a string", "list_type": "an array", "dict_type": "an object", "model_type": "an object",
         "model_attributes_type": "an object", "bool_type": "true or false", "float_type": "a number",
         "int_type": "a whole number"}


def describe(problem):
    """One pydantic error as a sentence that names the field: `posts[3].text must be a string`."""
    field = field_path(problem["loc"])
    kind, ctx = problem["type"], problem.get("ctx", {})
    if kind == "missing":
        text = "is required"
    elif kind in KINDS:
        text = ("is required and must be " if problem["input"] is None else "must be ") + KINDS[kind]
    elif kind == "literal_error":
        choices = ctx["expected"].replace("'", "")  # pydantic's "'a', 'b' or 'c'"
        text = f"must be {choices}, not {_shown(problem['input'])}"
    elif kind == "greater_than_equal":
        text = f"must be a number of at least {ctx['ge']:g}"
    elif kind == "less_than_equal":
        text = f"must be a number of at most {ctx['le']:g}"
    else:  # the contract's own checks (server/contract.py) word their messages for a field
        text = problem["msg"]
    return f"{field} {text}" if field else text


def field_path(loc):
    """("posts", 3, "text") -> "posts[3].text"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f"{'.' if path else ''}{part}"
    return path


def _shown(value):
    return repr(value[:40]) if isinstance(value, str) else json.dumps(value)[:40]


def utf16_offset(text, index):
    """The UTF-16 code-unit offset of code point `index` (JavaScript's string index)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)
