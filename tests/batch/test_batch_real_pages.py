"""Each real saved page in ../shared/pages yields exactly its posts, and nothing else.

The figures below were written down by reading each page (its post list, the first and
the last post, the header, sidebars, signatures and footer), not taken from the
extractor's output: a change of profile that loses or adds a post fails here.
"""

import pytest

from server.extraction.extract import extract_thread

pytestmark = pytest.mark.shared

# page, engine, posts, first author, last author, start of first text, start of last text
PAGES = [
    ("discourse/onebox_discourse_topic.html", "discourse_crawler", 2, "techAPJ", "codinghorror",
     "Congratulations Discourse for qualifying", "Ah, cool. I was not sure how to see that"),
    # The story (with its Ask HN text) and its 100 comments.
    ("hackernews/hn_item_postlight_1690120617595.html", "hackernews", 101, "toombowoombo", "femiagbabiaka",
     "I'm trying to get an understanding on what quality", "Lisanne Bainbridge, Ironies of Automation"),
    ("mybb/enterprise-forum-scraper_sinister.ly_1000167-1.html", "mybb", 1, "Black Veil Brides", "Black Veil Brides",
     "[hide]\nSome things to note:", "[hide]\nSome things to note:"),
    ("nodebb/nettally_NodeBB.html", "nodebb", 13, "youhosi", "tonylee123321",
     "What do you think about this chat for NodeBB?", "It's much better, more like other chat-apps"),
    ("phpbb/nettally_phpBB.html", "phpbb3", 25, "Jakob", "promethean75",
     "Good lecture. Believe me I know the clown part.", "Ohhhh no you don't."),
    ("phpbb/ptforum_phpbb2_viewtopic_t805.html", "phpbb2", 3, "prestbury2", "prestbury2",
     "All the winter jobs completed now", "The re-launch went OK at the slipway"),
    ("phpbb/trafilatura_foren.myoos.de_phpbb3.html", "phpbb3", 1, "r23", "r23",
     "Was ist Freie Software und warum ist sie wichtig?", "Was ist Freie Software und warum ist sie wichtig?"),
    # The submission and 173 comments: 197 comment blocks, 24 of them deleted or removed.
    ("reddit_new/reddit_2019_redesign_postlight_www.reddit.com.html", "reddit_2019", 174, "benyacobi", "CoalitionChaos",
     "Edit: thank you for educating me about the ubiquity", "Vanilla in sweet baking is like the umami flavour"),
    # This copy was saved without author names.
    ("reddit_new/trafilatura_reddit_r_python_init.html", "reddit_2019", 20, None, None,
     "I'm new to packaging and publishing on PyPI.", "http://docs.python.org/2/tutorial/modules.html#packages"),
    ("smf/ptforum_smf2_topic38573.html", "smf", 15, "gregswallow", "Normando",
     "The developers have brought it to my attention", "Yes Byte, I can see who and why change my karma."),
    # The question, 30 answers and 51 comments.
    ("stackoverflow/howdoi_so_2003505_delete_git_branch.html", "stackexchange", 82, "Matthew Rankin", "user",
     "I want to delete a branch both locally and remotely.", "Use:\n\ngit push origin :bugfix"),
    # The question, 6 answers and 14 comments.
    ("stackoverflow/trafilatura_german.stackexchange_10376.html", "stackexchange", 21, "user5105", "user unknown",
     "How does one know when to use wurde vs war", "\"Ich bin ausgeraubt\" wäre es"),
    ("vbulletin/nettally_vBulletin3.html", "vbulletin3", 20, "Shirohige", "Kamieichi",
     "Let me reword it from lesbians", "Voice acting is totally re-recorded for the movie."),
    ("vbulletin/nettally_vBulletin5.html", "vbulletin5", 15, "Buckeye", "Buckeye",
     "異世界かるてっと\n\nA short about characters", "Episode 8\n\nGot swimsuits?"),
    ("xenforo/nettally_Xenforo1.html", "xenforo1", 25, "TheBleachDoctor", "Entropy Judge",
     "Rolling.", "I'm mildly opposed to any profligate use of magic"),
    ("xenforo/trafilatura_katzen-forum_xf2.html", "xenforo2", 18, "Pepemaus", "Pepemaus",
     "Hallo,\nPepe schläft nachts mit mir im Schlafzimmer", "Pepe scheint Capstar mit dem Magen nicht zu vertragen."),
]

# Text from each page's header, sidebar, signatures, quote chrome and footer: none of it is
# anything a member wrote in a post.
NOT_POSTS = {
    "hackernews/hn_item_postlight_1690120617595.html": ["new | past | comments", "Guidelines | FAQ", "[–]", "225 points"],
    "mybb/enterprise-forum-scraper_sinister.ly_1000167-1.html": ["View Alerts", "Users browsing this thread", "Powered By MyBB"],
    "nodebb/nettally_NodeBB.html": ["This topic has been deleted", "Copyright © 2018 NodeBB", "connection to NodeBB was lost"],
    "phpbb/nettally_phpBB.html": ["Board index", "Users browsing this forum", "all acts of love and pleasure", "Reply with quote"],
    "phpbb/ptforum_phpbb2_viewtopic_t805.html": ["_________________", "Freeman MK1 22 Narrow beam", "You can vote in polls", "Posted:"],
    "phpbb/trafilatura_foren.myoos.de_phpbb3.html": ["Foren-Übersicht", "Digitalagentur für Virtual Reality", "Powered by phpBB"],
    "reddit_new/reddit_2019_redesign_postlight_www.reddit.com.html": ["Press J to jump", "Reddit Inc ©", "level 1", "Comment removed by moderator"],
    "smf/ptforum_smf2_topic38573.html": ["Login with username", "Before starting a new topic, have you searched", "Quote from:", "Powered by SMF"],
    "stackoverflow/howdoi_so_2003505_delete_git_branch.html": ["Public questions & answers", "site design / logo", "answered", "gold badges"],
    "vbulletin/nettally_vBulletin3.html": ["User CP", "Originally Posted by", "Quote:", "Powered by vBulletin"],
    "vbulletin/nettally_vBulletin5.html": ["If this is your first visit", "MyAnimeList | Avatar", "Originally posted by", "Powered by vBulletin"],
    "xenforo/nettally_Xenforo1.html": ["Submit Internal Advertisement", "OVERLORD KITTEN CABAL", "Click to expand", "said:", "Forum software by XenForo"],
    "xenforo/trafilatura_katzen-forum_xf2.html": ["Neue Beiträge", "veralteten Browser", "Zum Vergrößern anklicken", "hat gesagt"],
}


def _thread(shared_dir, page):
    return extract_thread((shared_dir / "pages" / page).read_bytes(), source=page)


@pytest.mark.parametrize("page, engine, count, first_author, last_author, first_text, last_text", PAGES,
                         ids=[p[0].split("/")[1] for p in PAGES])
def test_page_yields_exactly_its_posts(shared_dir, page, engine, count, first_author, last_author, first_text, last_text):
    thread = _thread(shared_dir, page)
    posts = thread["posts"]
    assert thread["site"] == engine
    assert not thread["guessed"]
    assert len(posts) == count
    assert (posts[0]["author"], posts[-1]["author"]) == (first_author, last_author)
    assert posts[0]["text"].startswith(first_text)
    assert posts[-1]["text"].startswith(last_text)
    assert len({p["id"] for p in posts}) == count


@pytest.mark.parametrize("page, chrome", NOT_POSTS.items(), ids=[p.split("/")[1] for p in NOT_POSTS])
def test_page_chrome_is_no_post(shared_dir, page, chrome):
    posts = _thread(shared_dir, page)["posts"]
    written = "\n".join(p["text"] for p in posts) + "\n".join(q["text"] for p in posts for q in p["quotes"])
    for text in chrome:
        assert text not in written, f"{text!r} is page chrome, not post text"


def test_quotes_are_kept_apart_with_their_author(shared_dir):
    posts = _thread(shared_dir, "xenforo/nettally_Xenforo1.html")["posts"]
    quoted = [q for p in posts for q in p["quotes"]]
    assert {"author": "Higure", "text": quoted[0]["text"]} == quoted[0]
    assert quoted[0]["text"].startswith("Okay, I need rolls for OOC behavior.")
    assert not any("Okay, I need rolls for OOC behavior." in p["text"] for p in posts)


@pytest.mark.parametrize("page, author", [
    ("smf/ptforum_smf2_topic38573.html", "mmccarn"),
    ("vbulletin/nettally_vBulletin3.html", "TinyRedLeaf"),
    ("vbulletin/nettally_vBulletin5.html", "Buckeye"),
    ("xenforo/trafilatura_katzen-forum_xf2.html", "Pepemaus"),
])
def test_quoted_author_is_read_from_the_markup(shared_dir, page, author):
    posts = _thread(shared_dir, page)["posts"]
    assert author in {q["author"] for p in posts for q in p["quotes"]}


def test_hacker_news_replies_know_their_parent(shared_dir):
    posts = _thread(shared_dir, "hackernews/hn_item_postlight_1690120617595.html")["posts"]
    story = posts[0]
    assert story["parent_id"] is None
    assert all(p["parent_id"] for p in posts[1:])
    by_id = {p["id"]: p for p in posts}
    assert all(p["parent_id"] in by_id for p in posts[1:])
    assert any(p["parent_id"] != story["id"] for p in posts[1:]), "nested replies answer a comment, not the story"


def test_stack_exchange_comments_belong_to_their_post(shared_dir):
    posts = _thread(shared_dir, "stackoverflow/trafilatura_german.stackexchange_10376.html")["posts"]
    comments = [p for p in posts if p["id"].startswith("comment-")]
    assert len(comments) == 14
    assert all(c["parent_id"] == "question" or c["parent_id"].startswith("answer-") for c in comments)
