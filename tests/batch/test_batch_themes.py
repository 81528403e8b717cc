"""Engines recognised on customised themes, not guessed; signatures and notices that are
no author and no post text. Each fixture (tests/batch/fixtures/*_themed.html and
stackexchange_wiki.html) mimics a real theme's markup; its opening comment says which.
The extension reads the same from each page (test_profile_parity.py)."""

from pathlib import Path

import pytest

from server.extraction.extract import ExtractionError, extract_thread

FIXTURES = Path(__file__).parent / "fixtures"


def extract(name):
    return extract_thread((FIXTURES / f"{name}.html").read_bytes(), source=name)


def written(thread):
    posts = thread["posts"]
    return "\n".join([p["text"] for p in posts] + [q["text"] for p in posts for q in p["quotes"]])


# fixture, engine, post ids, authors
THEMED = [
    # Rows alternate row1/row2, no profile column, the poster named only in "by NAME » date".
    ("phpbb3_themed", "phpbb3", ["5001", "5002", "5003", "5004", "5005"],
     ["madman_xxx", "Gerda", "pilot_pete", "madman_xxx", "Moderator Mia"]),
    # An article thread's opening post (message--article), div posts, a deleted placeholder.
    ("xenforo2_themed", "xenforo2", ["90001", "90002", "90003", "90005"],
     ["crumbwise", "levain_lou", "rye_guy", "crumbwise"]),
    # The postbit redrawn without table.tborder; a deleted post's placeholder.
    ("vbulletin3_themed", "vbulletin3", ["7001", "7002", "7003", "7005"],
     ["Dai_the_Drip", "Old Plumber Bob", "tapz4less", "Dai_the_Drip"]),
]


@pytest.mark.parametrize("name, engine, ids, authors", THEMED, ids=[t[0] for t in THEMED])
def test_themed_engine_is_recognised_not_guessed(name, engine, ids, authors):
    thread = extract(name)
    assert (thread["site"], thread["guessed"], thread["near_miss"]) == (engine, False, None)
    assert [p["id"] for p in thread["posts"]] == ids
    assert [p["author"] for p in thread["posts"]] == authors


@pytest.mark.parametrize("name, quoted_by, quoted_author, quoted_text", [
    ("phpbb3_themed", "5002", "madman_xxx", "Carb heat cleared it both times. Is that icing?"),
    ("phpbb3_themed", "5004", "pilot_pete", "Read the POH, genius."),
    ("xenforo2_themed", "90002", "crumbwise", "Is it dead, or just hungry?"),
    ("vbulletin3_themed", "7002", "Dai_the_Drip", "Washer or cartridge?"),
])
def test_themed_quotes_are_kept_apart_with_their_author(name, quoted_by, quoted_author, quoted_text):
    post = next(p for p in extract(name)["posts"] if p["id"] == quoted_by)
    assert post["quotes"] == [{"author": quoted_author, "text": quoted_text}]
    assert quoted_text not in post["text"]


@pytest.mark.parametrize("name, chrome", [
    ("phpbb3_themed", ["by madman_xxx", "»", "Last edited by", "This post has been reported", "Topic locked",
                       "slow but mine", "wrote:", "Reply with quote"]),
    ("xenforo2_themed", ["awaiting moderator approval", "Deleted by", "Not open for further replies", "said:",
                         "Click to expand", "Rye is life", "Last edited"]),
    ("vbulletin3_themed", ["awaiting moderation", "Deleted post", "Originally Posted by", "Quote:",
                           "Gas Safe registered", "__________"]),
    ("stackexchange_wiki", ["locked by", "disputes about", "community wiki", "revs,", "Preview chrome",
                            "comments disabled"]),
])
def test_notices_and_signatures_are_no_post_text(name, chrome):
    text = written(extract(name))
    for line in chrome:
        assert line not in text, f"{line!r} is the site's, not the member's"


def test_smilies_are_read_from_their_alt_text():
    assert extract("xenforo2_themed")["posts"][-1]["text"] == "Fed it twice and it doubled by evening. Thank you! :)"


def test_community_wiki_signatures_are_not_authors():
    posts = extract("stackexchange_wiki")["posts"]
    assert [(p["id"], p["author"]) for p in posts] == [
        ("question", "Shaik Raffi"),  # the owner's link follows the revision count
        ("comment-7043687", "Yaur"),
        ("answer-1404", None),  # the owner is named only inside the revision link: no author, not "106 revs"
        ("answer-1437", "Jeff Atwood"),
    ]
    assert posts[2]["text"].startswith("An easy to understand and simple solution")


def test_a_guessed_page_names_the_engine_it_nearly_matched_and_why_not():
    thread = extract("generic_near_xenforo")
    assert thread["guessed"] is True and thread["site"] == "generic"
    assert thread["near_miss"] == {
        "engine": "xenforo2",
        "evidence": ["generator XenForo", r"url /threads/[^/]+\.\d+"],
        "why_not": "its post selector (.message--post, .message--article) finds no post on this page",
    }
    assert [p["author"] for p in thread["posts"]] == ["marrowman", "beanpole", "Moderator Ruth"]
    assert thread["posts"][1]["quotes"] == [{"author": "marrowman", "text": "Is that normal?"}]
    assert "Edited by a moderator" not in written(thread) and "This thread is locked" not in written(thread)


def test_a_page_guessed_from_nothing_has_no_near_miss():
    assert extract("generic")["near_miss"] is None


def test_a_page_no_profile_reads_says_which_engine_it_nearly_was():
    page = b"""<html><head><meta name="generator" content="vBulletin 3.8.7"></head><body>
        <a class="bigusername" href="member.php?u=1">alice</a><p>One lone paragraph.</p></body></html>"""
    with pytest.raises(ExtractionError, match=r"nearest: vbulletin3 \(generator vBulletin 3, marker a\.bigusername\), "
                                              r"but its post selector .* finds no post on this page"):
        extract_thread(page)
