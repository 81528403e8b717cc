"""Reading request bodies and checking them field by field.

Every refusal is an APIError whose message names the field (`posts[3].text must be a
string`): 400 for a malformed body or field, 413 for more posts or longer text than the
configured limits, 415 for a body that is not JSON. Nothing here scores anything.
"""

import json

from flask import current_app, request

from models import ATTRIBUTES

from .errors import APIError

SPAN_OFFSETS = ("codepoint", "utf16")


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


def obj(value, field, *, required=True):
    if value is None and not required:
        return {}
    if value is None:
        raise APIError(f"{field} is required and must be an object")
    if not isinstance(value, dict):
        raise APIError(f"{field} must be an object")
    return value


def array(value, field, *, required=True, max_items=None):
    if value is None and not required:
        return []
    if value is None:
        raise APIError(f"{field} is required and must be an array")
    if not isinstance(value, list):
        raise APIError(f"{field} must be an array")
    if max_items is not None and len(value) > max_items:
        raise APIError(f"{field} has {len(value)} items; the limit is {max_items}", 413)
    return value


def score_request(body):
    """Check a /v1/score body; return (thread for the scorer, attributes, span offset unit).

    A `parent_id` that names no earlier post of the request (a page 2 whose parent is on
    page 1) is dropped rather than refused: the scorer then judges the post against the
    title and opening post alone.
    """
    config = current_app.config
    limit = config["MAX_TEXT_BYTES"]
    thread = obj(body.get("thread"), "thread", required=False)
    title = string(thread.get("title"), "thread.title", required=False, max_bytes=limit) or ""
    for key in ("url", "site"):
        string(thread.get(key), f"thread.{key}", required=False, max_bytes=limit)
    posts = array(body.get("posts"), "posts", max_items=config["MAX_POSTS"])
    if not posts:
        raise APIError("posts must hold at least one post")
    seen = set()
    checked = []
    for i, post in enumerate(posts):
        checked.append(_post(post, f"posts[{i}]", seen, config))
        seen.add(checked[-1]["id"])
    return {"title": title, "posts": checked}, attribute_names(body.get("attributes")), span_offsets(body)


def _post(post, field, earlier_ids, config):
    limit = config["MAX_TEXT_BYTES"]
    post = obj(post, field)
    post_id = string(post.get("id"), f"{field}.id", nonblank=True, max_bytes=256)
    if post_id in earlier_ids:
        raise APIError(f"{field}.id repeats an earlier post's id {post_id!r}")
    parent_id = string(post.get("parent_id"), f"{field}.parent_id", required=False, max_bytes=256)
    quotes = []
    for j, quote in enumerate(array(post.get("quotes"), f"{field}.quotes", required=False, max_items=config["MAX_QUOTES"])):
        quote = obj(quote, f"{field}.quotes[{j}]")
        quotes.append({
            "author": string(quote.get("author"), f"{field}.quotes[{j}].author", required=False, max_bytes=limit),
            "text": string(quote.get("text"), f"{field}.quotes[{j}].text", max_bytes=limit),
        })
    return {
        "id": post_id,
        "author": string(post.get("author"), f"{field}.author", required=False, max_bytes=limit),
        "text": string(post.get("text"), f"{field}.text", nonblank=True, max_bytes=limit),
        "parent_id": parent_id if parent_id in earlier_ids else None,
        "quotes": quotes,
    }


def attribute_names(value):
    """The attributes asked for, in our canonical order; all of them when absent."""
    if value is None:
        return list(ATTRIBUTES)
    names = array(value, "attributes")
    if not names:
        raise APIError("attributes, when given, must name at least one attribute")
    for i, name in enumerate(names):
        if string(name, f"attributes[{i}]") not in ATTRIBUTES:
            raise APIError(f"attributes[{i}] is {name!r}, not one of: {', '.join(ATTRIBUTES)}")
    return [name for name in ATTRIBUTES if name in names]


def span_offsets(body):
    unit = body.get("span_offsets", "codepoint")
    if unit not in SPAN_OFFSETS:
        raise APIError(f"span_offsets must be one of: {', '.join(SPAN_OFFSETS)}")
    return unit


def utf16_offset(text, index):
    """The UTF-16 code-unit offset of code point `index` (JavaScript's string index)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)
