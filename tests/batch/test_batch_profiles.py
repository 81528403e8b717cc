"""One small page per engine (tests/batch/fixtures/), written from each engine's markup:
every profile finds the posts, authors, quotes and thread title, and no chrome."""

import json
from pathlib import Path

import pytest
import soupsieve

from server.extraction.extract import ExtractionError, extract_thread
from server.extraction.profiles import PROFILES_PATH, load_profiles

FIXTURES = Path(__file__).parent / "fixtures"
QUOTED = "The kettle is broken again."
OPENING = "The kettle is broken again.\nWho used it last?"
REPLY = "Have you tried descaling it?"

# fixture, engine, authors in order, thread title
ENGINES = [
    ("ips", "ips", ["alice", "bob"], "Kettle broken"),
    ("xenforo1", "xenforo1", ["alice", "bob"], "Kettle broken"),
    ("xenforo2", "xenforo2", ["alice", "bob"], "Kettle broken"),
    ("vbulletin3", "vbulletin3", ["alice", "bob"], "Kettle broken"),
    ("vbulletin4", "vbulletin4", ["alice", "bob"], "Kettle broken"),
    ("vbulletin5", "vbulletin5", ["alice", "bob"], "Kettle broken"),
    ("phpbb2", "phpbb2", ["alice", "bob"], "Kettle broken"),
    ("phpbb3", "phpbb3", ["alice", "bob"], "Kettle broken"),
    ("smf", "smf", ["alice", "bob"], "Kettle broken"),
    ("mybb", "mybb", ["alice", "bob"], "Kettle broken"),
    ("nodebb", "nodebb", ["alice", "bob"], "Kettle broken"),
    ("discourse", "discourse", ["alice", "bob"], "Kettle broken"),
    ("discourse_crawler", "discourse_crawler", ["alice", "bob"], "Kettle broken"),
    ("hackernews", "hackernews", ["alice", "bob", "carol"], "Ask HN: Kettle broken?"),
    ("reddit_old", "reddit_old", ["alice", "bob", "carol"], "Kettle broken"),
    # The deleted comment (no text) is skipped.
    ("reddit_2019", "reddit_2019", ["alice", "bob", "carol"], "Kettle broken"),
    ("reddit_current", "reddit_current", ["alice", "bob", "carol"], "Kettle broken"),
    ("stackexchange", "stackexchange", ["alice", "carol", "bob"], "Why is my kettle broken?"),
]
# Engines whose quote markup names the quoted member.
QUOTE_AUTHORS = {"ips", "xenforo1", "xenforo2", "vbulletin3", "vbulletin4", "vbulletin5", "phpbb2", "phpbb3",
                 "smf", "mybb", "nodebb", "discourse", "discourse_crawler"}
CHROME = ["Forum navigation chrome", "Footer chrome", "Sidebar chrome", "Signature line", "said:", "wrote:",
          "Wrote:", "Quote from", "Originally", "Click to expand", "Edited", "Last edited", "modified", "reply",
          "Share", "level 1", "[deleted]", "Reply with quote"]


def extract(name):
    return extract_thread((FIXTURES / f"{name}.html").read_bytes(), source=name)


def test_every_profile_has_a_fixture():
    assert sorted(p.engine for p in load_profiles()) == sorted(e[1] for e in ENGINES)


@pytest.mark.parametrize("name, engine, authors, title", ENGINES, ids=[e[0] for e in ENGINES])
def test_profile_reads_its_engine(name, engine, authors, title):
    thread = extract(name)
    assert thread["site"] == engine
    assert thread["title"] == title
    assert [p["author"] for p in thread["posts"]] == authors
    assert thread["posts"][0]["text"].replace("\n\n", "\n") == OPENING
    replies = [p for p in thread["posts"] if p["author"] == "bob"]
    assert replies[0]["text"] == REPLY
    assert [q["text"] for q in replies[0]["quotes"]] == ([] if engine == "hackernews" else [QUOTED])
    if engine in QUOTE_AUTHORS:
        assert replies[0]["quotes"][0]["author"] == "alice"


@pytest.mark.parametrize("name", [e[0] for e in ENGINES] + ["generic"])
def test_no_chrome_in_posts(name):
    posts = extract(name)["posts"]
    written = "\n".join([p["text"] for p in posts] + [q["text"] for p in posts for q in p["quotes"]])
    for chrome in CHROME:
        assert chrome not in written


@pytest.mark.parametrize("name, parents", [
    ("hackernews", [None, "1001", "1002"]),
    ("reddit_old", [None, None, "t1_c1002"]),
    ("reddit_current", [None, None, "t1_c1002"]),
    ("stackexchange", [None, "question", None]),
])
def test_reply_structure(name, parents):
    assert [p["parent_id"] for p in extract(name)["posts"]] == parents


def test_unknown_engine_is_guessed_and_says_so():
    thread = extract("generic")
    assert thread["guessed"] is True and thread["site"] == "generic"
    assert [p["author"] for p in thread["posts"]] == ["alice", "bob", "carol"]
    assert thread["posts"][1]["text"] == "Have you tried descaling it? It usually helps."


def test_page_without_posts_is_an_error_with_its_reason():
    with pytest.raises(ExtractionError, match="no forum engine recognised"):
        extract_thread(b"<html><body><p>Just one paragraph.</p></body></html>")


def test_links_back_resolve_against_the_page():
    posts = extract("xenforo1")["posts"]  # relative links, <base href> set by the page
    assert posts[0]["url"] == "https://forum.example.org/threads/kettle-broken.42/#post-1001"
    assert extract("ips")["next_page"] == "https://forum.example.org/topic/42-kettle-broken/page/2/"


def test_forcing_an_engine_skips_detection():
    thread = extract_thread((FIXTURES / "xenforo2.html").read_bytes(), engine="xenforo2")
    assert thread["site"] == "xenforo2" and len(thread["posts"]) == 2


def _selectors(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("selector", "closest", "author_selector", "citation_selector") and isinstance(value, str):
                yield value
            elif key == "selectors":
                yield from value
            else:
                yield from _selectors(value)
    elif isinstance(node, list):
        for item in node:
            yield from _selectors(item)


def test_profiles_are_plain_css_with_a_why():
    data = json.loads(PROFILES_PATH.read_text(encoding="utf-8"))
    assert data["version"] == 1 and "$comment" in data
    for selector in _selectors(data["profiles"]):
        soupsieve.compile(selector)  # the browser side is checked by the extension's own tests
        assert ":contains" not in selector and "//" not in selector
    for profile in data["profiles"]:
        for key in ("title", "post", "id", "author", "body"):
            assert profile[key]["why"], f"{profile['engine']}.{key} says why"
        for rule in profile["exclude"]:
            assert rule["why"]
