"""Bad input to POST /v1/score: each case gets its 4xx in the JSON error shape, naming the field."""

import json

import pytest
from service_helpers import assert_error


def good_body(**changes):
    body = {
        "thread": {"title": "Ferry timetable for the summer", "url": "https://forum.example/t/1", "site": "ips"},
        "posts": [
            {"id": "p1", "author": "ann", "text": "The summer timetable starts on 1 June.", "parent_id": None},
            {"id": "p2", "author": "bob", "text": "Thanks, useful summary.", "parent_id": "p1",
             "quotes": [{"author": "ann", "text": "starts on 1 June"}]},
        ],
    }
    body.update(changes)
    return body


def post(**fields):
    return {"id": "p1", "text": "hello there", **fields}


# (case id, body, status, fragment of the message)
BAD_BODIES = [
    ("posts missing", {"thread": {"title": "t"}}, 400, "posts is required"),
    ("posts not an array", {"posts": {"id": "p1"}}, 400, "posts must be an array"),
    ("posts empty", {"posts": []}, 400, "at least one post"),
    ("post not an object", {"posts": ["hello"]}, 400, "posts[0] must be an object"),
    ("id missing", {"posts": [{"text": "hi"}]}, 400, "posts[0].id is required"),
    ("id a number", {"posts": [post(id=7)]}, 400, "posts[0].id must be a string"),
    ("id blank", {"posts": [post(id="  ")]}, 400, "posts[0].id is empty"),
    ("id repeated", {"posts": [post(), post(text="again")]}, 400, "posts[1].id repeats"),
    ("text missing", {"posts": [{"id": "p1"}]}, 400, "posts[0].text is required"),
    ("text a number", {"posts": [post(text=42)]}, 400, "posts[0].text must be a string"),
    ("text null", {"posts": [post(text=None)]}, 400, "posts[0].text is required"),
    ("text empty", {"posts": [post(text="")]}, 400, "posts[0].text is empty"),
    ("text blank", {"posts": [post(text=" \n\t ")]}, 400, "posts[0].text is empty"),
    ("author a list", {"posts": [post(author=["a"])]}, 400, "posts[0].author must be a string"),
    ("parent_id a number", {"posts": [post(parent_id=3)]}, 400, "posts[0].parent_id must be a string"),
    ("quotes not an array", {"posts": [post(quotes="q")]}, 400, "posts[0].quotes must be an array"),
    ("quote not an object", {"posts": [post(quotes=["q"])]}, 400, "posts[0].quotes[0] must be an object"),
    ("quote text missing", {"posts": [post(quotes=[{"author": "a"}])]}, 400, "posts[0].quotes[0].text is required"),
    ("thread not an object", {"thread": "t", "posts": [post()]}, 400, "thread must be an object"),
    ("title a number", {"thread": {"title": 1}, "posts": [post()]}, 400, "thread.title must be a string"),
    ("attributes not an array", {"posts": [post()], "attributes": "toxicity"}, 400, "attributes must be an array"),
    ("attributes empty", {"posts": [post()], "attributes": []}, 400, "at least one attribute"),
    ("attribute unknown", {"posts": [post()], "attributes": ["toxicity", "rudeness"]}, 400, "attributes[1]"),
    ("span_offsets unknown", {"posts": [post()], "span_offsets": "bytes"}, 400, "span_offsets"),
    ("10 000 posts", {"posts": [post(id=f"p{i}") for i in range(10_000)]}, 413, "posts has 10000 items"),
    ("a 1 MB post", {"posts": [post(text="word " * 200_000)]}, 413, "posts[0].text is 1000000 bytes"),
    ("a 1 MB quote", {"posts": [post(quotes=[{"text": "x" * 1_000_000}])]}, 413, "posts[0].quotes[0].text"),
    ("a 1 MB title", {"thread": {"title": "x" * 1_000_000}, "posts": [post()]}, 413, "thread.title"),
    ("too many quotes", {"posts": [post(quotes=[{"text": "q"}] * 21)]}, 413, "posts[0].quotes has 21 items"),
]


@pytest.mark.parametrize("body, status, fragment", [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES])
def test_bad_field(client, body, status, fragment):
    assert_error(client.post("/v1/score", json=body), status, fragment)


# (case id, raw body, content type, status, fragment)
BAD_RAW = [
    ("invalid UTF-8", b'{"posts": [{"id": "p1", "text": "caf\xe9"}]}', "application/json", 400, "not valid UTF-8"),
    ("deeply nested JSON", b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "nested too deeply"),
    ("deeply nested object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json", 400, "nested too deeply"),
    ("truncated JSON", b'{"posts": [', "application/json", 400, "not valid JSON"),
    ("empty body", b"", "application/json", 400, "not valid JSON"),
    ("NaN", b'{"posts": NaN}', "application/json", 400, "NaN is not a JSON number"),
    ("a JSON array", b"[]", "application/json", 400, "must be a JSON object"),
    ("a JSON string", b'"posts"', "application/json", 400, "must be a JSON object"),
    ("unpaired surrogate", b'{"posts": [{"id": "p1", "text": "a \\ud800 b"}]}', "application/json", 400,
     "posts[0].text holds an unpaired"),
    ("huge integer", b'{"posts": ' + b"9" * 5000 + b"}", "application/json", 400, "not valid JSON"),
    ("wrong content type", json.dumps(good_body()).encode(), "text/plain", 415, "Content-Type: application/json"),
    ("form content type", b"posts=1", "application/x-www-form-urlencoded", 415, "application/json"),
    ("no content type", json.dumps(good_body()).encode(), None, 415, "application/json"),
]


@pytest.mark.parametrize("raw, content_type, status, fragment", [c[1:] for c in BAD_RAW], ids=[c[0] for c in BAD_RAW])
def test_bad_body(client, raw, content_type, status, fragment):
    headers = {"Content-Type": content_type} if content_type else {}
    assert_error(client.post("/v1/score", data=raw, headers=headers), status, fragment)


def test_body_over_the_size_limit_is_413_json(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    assert_error(client.post("/v1/score", json=good_body(note="x" * 2000)), 413)


def test_limits_come_from_config(make_app):
    client = make_app(MAX_POSTS=1, MAX_TEXT_BYTES=10).test_client()
    assert_error(client.post("/v1/score", json={"posts": [post(), post(id="p2")]}), 413, "posts has 2 items; the limit is 1")
    assert_error(client.post("/v1/score", json={"posts": [post(text="é" * 6)]}), 413, "12 bytes of UTF-8; the limit is 10")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method_is_405_json(client, method):
    error = assert_error(getattr(client, method)("/v1/score"), 405)
    assert error["status"] == "UNIMPLEMENTED"


def test_unknown_route_is_404_json(client):
    assert_error(client.get("/v2/score"), 404)


def test_a_good_body_is_accepted(client):
    assert client.post("/v1/score", json=good_body()).status_code == 200


def test_unknown_fields_are_ignored(client):
    assert client.post("/v1/score", json=good_body(extra={"any": "thing"})).status_code == 200


def test_parent_outside_the_request_is_dropped(client, fake_scorer):
    body = {"posts": [post(id="p7", parent_id="p3"), post(id="p8", parent_id="p7"), post(id="p9", parent_id="p9")]}
    assert client.post("/v1/score", json=body).status_code == 200
    parents = [p["parent_id"] for p in fake_scorer.threads[-1]["posts"]]
    assert parents == [None, "p7", None]


def test_the_scorer_gets_title_posts_and_quotes(client, fake_scorer):
    client.post("/v1/score", json=good_body())
    thread = fake_scorer.threads[-1]
    assert thread["title"] == "Ferry timetable for the summer"
    assert [p["id"] for p in thread["posts"]] == ["p1", "p2"]
    assert thread["posts"][1]["quotes"] == [{"author": "ann", "text": "starts on 1 June"}]
