"""A thread copied as text splits into its posts as a moderator would split it."""

from pathlib import Path

import pytest

from server.extraction.textdump import split_text_dump

FIXTURES = Path(__file__).parent / "fixtures"
SEED = "seeds/police_community_modern_slavery_thread.txt"
CHROME = ["Jump to content", "Account Notice", "Recruitment Pass", "Account Is Currently Limited", "AdBlock",
          "not for profit organisation", "Share this post", "Link to post", "Share on other sites",
          "Member Achievements", "Recommended Posts", "Create an account", "Sign In Now", "Register a new account",
          "About us", "Meet The Team", "Global Moderators", "minutes ago"]


def written(thread):
    return "\n".join([p["text"] for p in thread["posts"]] + [q["text"] for p in thread["posts"] for q in p["quotes"]])


def test_own_text_copy_splits_into_posts():
    thread = split_text_dump((FIXTURES / "thread.txt").read_text(encoding="utf-8"))
    assert thread["title"] == "Kettle broken"
    assert [(p["author"], p["text"]) for p in thread["posts"]] == [
        ("alice", "The kettle is broken again.\n\nWho used it last?"),
        (None, "Have you tried descaling it?"),
        ("carol", "Vinegar works for me."),
    ]
    assert thread["posts"][2]["quotes"] == [{"author": "alice", "text": "The kettle is broken again."}]
    for chrome in CHROME:
        assert chrome not in written(thread)


@pytest.mark.shared
def test_seed_thread_splits_as_a_moderator_would(shared_dir):
    # Read by hand: a BBC article posted by Chief Bakes, then five replies; only Zulu 22's
    # reply shows its author in the copy, and the last reply quotes Zulu 22.
    thread = split_text_dump((shared_dir / SEED).read_text(encoding="utf-8"))
    posts = thread["posts"]
    assert thread["title"] == "BBC: Police 'let down' modern slavery victims, says report"
    assert [p["author"] for p in posts] == ["Chief Bakes", None, None, "Zulu 22", None, None]
    starts = ["Police 'let down' modern slavery victims, says report",
              "The biggest problem I feel is that many of the people being exploited",
              "Hopefully some more cuts will sort through problems out.",
              "Strange that the report details trafficking and slavery in foreign nationals",
              "A big problem is resources and the fact that it's very hard to investigate",
              "If I had to speculate, I'd say that the two biggest demographics"]
    assert [p["text"][:len(s)] for p, s in zip(posts, starts)] == starts
    assert posts[0]["text"].endswith("A Home Office spokesman said the government was investing £8.5 million "
                                     "to help the police tackle modern slavery.\n\nView the full article")
    assert posts[4]["text"].endswith("We are trying to do our best but it's like p***ing in the wind.")
    assert posts[5]["text"].endswith("is it any wonder forces default to the familiar low-hanging fruit first?")


@pytest.mark.shared
def test_seed_quote_is_kept_apart_from_the_reply(shared_dir):
    posts = split_text_dump((shared_dir / SEED).read_text(encoding="utf-8"))["posts"]
    quote = posts[5]["quotes"]
    assert quote == [{"author": "Zulu 22", "text": posts[3]["text"]}]
    assert "Strange that the report" not in posts[5]["text"]
    assert "17 minutes ago" not in written({"posts": posts})
    assert [len(p["quotes"]) for p in posts[:5]] == [0, 0, 0, 0, 0]


@pytest.mark.shared
def test_seed_page_chrome_is_dropped(shared_dir):
    thread = split_text_dump((shared_dir / SEED).read_text(encoding="utf-8"))
    for chrome in CHROME:
        assert chrome not in written(thread), chrome
    assert "Chief Rat" not in written(thread)


def test_plain_text_without_a_page_around_it_is_one_post():
    thread = split_text_dump("Just a note I wrote.\n\nIt has two paragraphs.\n")
    assert [(p["author"], p["text"]) for p in thread["posts"]] == [(None, "Just a note I wrote.\n\nIt has two paragraphs.")]
