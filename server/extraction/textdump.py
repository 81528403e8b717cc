"""A thread page saved or copied as plain text -> posts, split as a moderator would.

A page copied as text keeps the posts, but also the page chrome (account notices, ad
blocker notices, sign-in boxes, team lists) and, between posts, the same few control
lines ("Share this post", "Link to post", ...). Those repeated runs are the post
boundaries. A post may start with its author's name on a line of its own, and a quote
shows as "17 minutes ago, Zulu 22 said:" followed by the quoted text, which is kept apart
from the reply.
"""

import re

# Lines that are always page chrome on the engines whose text copies we have seen
# (Invision Community), whichever post they sit in.
CHROME_LINES = {
    "jump to content", "recommended posts", "share this post", "link to post",
    "share on other sites", "member achievements", "report post", "quote", "multiquote",
    "reply with quote", "back to top", "posted", "edited",
}
# Lines of chrome whose wording varies: post dates and edit notices.
CHROME_PATTERNS = [
    re.compile(r"^(Posted|Edited)( on)? .{0,40}(ago|\d{4}|\d:\d\d)( \(edited\))?( by .{1,40})?$", re.I),
    re.compile(r"^Followers? \d+$", re.I),
]
# Blocks of chrome: (first line, what the block goes on over or ends with, inclusive end).
# The account notice goes on over its bullet lines; the ad-blocker notice ends with its
# "getting this message in error" line.
ACCOUNT_NOTICE = re.compile(r"^Account Notice$", re.I)
ADBLOCK_START = re.compile(r"using AdBlock", re.I)
ADBLOCK_END = re.compile(r"getting this message in error", re.I)
# Everything from one of these lines to the end is the page's footer.
TAIL_MARKERS = re.compile(
    r"^(Create an account or sign in to comment|Reply to this topic|Go to topic listing|Meet The Team)\b", re.I
)
TOPIC_MARKER = "recommended posts"
CITATION = re.compile(r"^(?:(?P<when>[^,]{1,40}), )?(?P<author>[^,]{1,40}?) (?:said|wrote):$")
NOT_A_NAME = {
    "agreed", "thanks", "thank you", "yes", "no", "exactly", "indeed", "lol", "same", "this",
    "hi", "hello", "great", "nice", "ok", "okay", "wow", "correct", "true", "absolutely", "edit",
    "update", "bump", "quote", "spoiler", "hmm", "ha", "haha", "meh", "ugh", "well", "so", "also", "sure",
    "nope", "yep", "yeah", "wrong", "why", "what", "how", "really", "+1",
}
MIN_REPEATS = 3


def split_text_dump(text, title=None):
    """Return a thread dict (see extract.py) from the text of one thread page."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _drop_chrome(lines)
    separators = _separator_lines(lines)
    header, segments = _segments(lines, separators)
    known_names = set()
    topic_author = None
    header_lines = [row.strip() for row in header if row.strip()]
    if header_lines:
        title = title or header_lines[-1]
        if len(header_lines) >= 2 and _looks_like_name(header_lines[-2]):
            topic_author = header_lines[-2]
            known_names.add(topic_author)
    for line in lines:
        found = CITATION.match(line.strip())
        if found:
            known_names.add(found.group("author"))

    posts = []
    for segment in segments:
        post = _post(segment, known_names, posts)
        if post:
            post["id"] = f"p{len(posts) + 1}"
            posts.append(post)
    if posts and not title:
        title = posts[0]["text"].split("\n")[0][:120]
    return {"title": title or "", "url": None, "site": "text", "guessed": False, "next_page": None, "posts": posts}


def _drop_chrome(lines):
    kept, state = [], None
    for line in lines:
        stripped = line.strip()
        if TAIL_MARKERS.match(stripped):
            break  # the footer: sign-in box, about us, team list
        if state == "notice":
            if not stripped or stripped.startswith("•"):
                continue
            state = None
        elif state == "adblock":
            if ADBLOCK_END.search(stripped):
                state = None
            continue
        if any(p.match(stripped) for p in CHROME_PATTERNS):
            continue
        if ACCOUNT_NOTICE.match(stripped):
            state = "notice"
        elif ADBLOCK_START.search(stripped):
            state = "adblock"
        else:
            kept.append(line)
    return kept


def _separator_lines(lines):
    """Indexes of lines that are post boundaries: known control lines, and short lines that
    repeat in runs (two or more in a row, blank lines aside) at least MIN_REPEATS times."""
    counts = {}
    for line in lines:
        key = line.strip().lower()
        if key and len(key) <= 40:
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, n in counts.items() if n >= MIN_REPEATS}
    nonblank = [i for i, row in enumerate(lines) if row.strip()]
    marks = set()
    for pos, index in enumerate(nonblank):
        key = lines[index].strip().lower()
        if key in CHROME_LINES:
            marks.add(index)
        elif key in repeated:
            neighbours = [nonblank[p] for p in (pos - 1, pos + 1) if 0 <= p < len(nonblank)]
            if any(lines[n].strip().lower() in repeated | CHROME_LINES for n in neighbours):
                marks.add(index)
    return marks


def _segments(lines, separators):
    """The header (before the topic marker, if the page has one) and the text between separators."""
    header, body_start = [], 0
    for index, line in enumerate(lines):
        if line.strip().lower() == TOPIC_MARKER:
            header, body_start = lines[:index], index + 1
            break
    segments, current = [], []
    for index in range(body_start, len(lines)):
        if index in separators:
            if any(row.strip() for row in current):
                segments.append(current)
            current = []
        else:
            current.append(lines[index])
    if any(row.strip() for row in current):
        segments.append(current)
    return header, segments


def _paragraphs(segment):
    paragraphs, current = [], []
    for line in segment:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def _looks_like_name(line):
    line = line.strip()
    if not line or len(line) > 32 or line.lower() in NOT_A_NAME or re.search(r"[.!?,:;\"]$", line):
        return False
    words = line.split()
    if len(words) == 1:
        return re.fullmatch(r"[\w.@-]+", line) is not None  # usernames are often one lower-case word
    return len(words) <= 4 and all(w[0].isupper() or w[0].isdigit() or w[0] in "_@" for w in words)


def _post(segment, known_names, earlier):
    paragraphs = _paragraphs(segment)
    if not paragraphs:
        return None
    author = None
    first = paragraphs[0]
    if "\n" not in first and len(paragraphs) > 1 and (first in known_names or _looks_like_name(first)):
        author = first
        paragraphs = paragraphs[1:]
    quotes, reply = [], []
    index = 0
    while index < len(paragraphs):
        found = CITATION.match(paragraphs[index]) if "\n" not in paragraphs[index] else None
        if not found or index + 1 >= len(paragraphs):
            reply.append(paragraphs[index])
            index += 1
            continue
        quoted, index = _quoted_paragraphs(paragraphs, index + 1, found.group("author"), earlier)
        quotes.append({"author": found.group("author"), "text": "\n\n".join(quoted)})
    text = "\n\n".join(reply)
    if not text and not quotes:
        return None
    return {"id": None, "author": author, "text": text, "parent_id": None, "quotes": quotes, "url": None}


def _quoted_paragraphs(paragraphs, start, author, earlier):
    """The quote runs over the paragraphs found in an earlier post (by the quoted member,
    when we know who wrote what); with no earlier post to match, over one paragraph."""
    sources = [p["text"] for p in earlier if p.get("author") == author] or [p["text"] for p in earlier]
    end = start
    while end < len(paragraphs) - 1 and any(paragraphs[end] in source for source in sources):
        end += 1
    if end == start:
        end = start + 1
    return paragraphs[start:end], end
