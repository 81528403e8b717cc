"""Saved thread pages (HTML) -> one thread of posts, using the shared site profiles.

A thread is a plain dict, the shape the scorer takes plus what a report needs:

    {"title": str, "url": str|None, "site": engine, "guessed": bool, "source": str,
     "next_page": str|None, "near_miss": {"engine", "evidence", "why_not"}|None,
     "posts": [{"id", "author", "text", "parent_id", "quotes": [{"author", "text"}], "url"}]}

Nothing here knows a selector: every engine's markup is in extension/site-profiles.json,
and what each of its fields means is written once, in extension/SITE_PROFILES.md. The
extension's adapter (extension/src/content/profile-adapter.js) reads the same file step
for step; tests/batch/test_profile_parity.py holds the two to the same posts.
"""

import re
import warnings
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup, Comment, XMLParsedAsHTMLWarning

from .generic import guess_profile, near_miss, near_miss_reason
from .pagetext import element_inline_text, element_text, inline_text
from .profiles import detect_profile, profile_by_engine

SAVED_FROM = re.compile(r"saved from url=\(\d+\)(\S+)")


class ExtractionError(ValueError):
    """A page that holds no thread we can read; the message says why."""


# How deep a page's elements may nest. Forum pages nest a few dozen levels, a long reply
# chain a few hundred; CSS selectors with descendant combinators cost time in proportion
# to depth for every element, so a page of 100 000 nested divs took minutes to refuse.
MAX_DEPTH = 512
# How many tags a page may hold: a parsed element costs about 1 KB of memory, and the
# largest saved thread page in ../shared/pages (a Reddit thread, 1.9 MB) has 23 000.
# Counted as "<" characters before parsing, which overcounts only harmlessly.
MAX_TAGS = 200_000


def tree_depth(soup):
    """The deepest element's depth, found without recursion (which a deep page would break)."""
    deepest, stack = 0, [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if hasattr(child, "contents"))
    return deepest


def parse_html(data):
    # Bytes are passed as they are: lxml reads the page's own charset declaration.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(data, "lxml")


def extract_thread(data, source="", url=None, engine=None):
    """Parse one saved page and return its thread; raises ExtractionError when none is found.

    A page no profile recognises is guessed (`guessed: true`), and `near_miss` says which
    profile it nearly matched and why not.
    """
    tags = data.count(b"<") if isinstance(data, bytes) else data.count("<")
    if tags > MAX_TAGS:
        raise ExtractionError(f"it holds {tags} tags, over the {MAX_TAGS} a thread page needs; not read")
    soup = parse_html(data)
    depth = tree_depth(soup)
    if depth > MAX_DEPTH:
        raise ExtractionError(f"its elements nest {depth} deep, over the {MAX_DEPTH} a thread page needs; not read")
    page_url = url or page_url_of(soup)
    profile = profile_by_engine(engine) if engine else detect_profile(soup, page_url or "")
    missed = None
    if profile is None:
        missed = near_miss(soup, page_url or "")
        profile = guess_profile(soup)
        if profile is None:
            raise ExtractionError("no forum engine recognised and no repeated post blocks found"
                                  + (f"; nearest: {near_miss_reason(missed)}" if missed else ""))
    thread = read_thread(soup, profile, page_url)
    thread["near_miss"] = missed
    if not thread["posts"]:
        raise ExtractionError(f"recognised {profile.name} but found no post with text")
    thread["source"] = source
    return thread


def page_url_of(soup):
    """The page's own address: the browser's 'saved from' note (where the page really came
    from), else its canonical link or og:url."""
    for note in soup.find_all(string=lambda s: isinstance(s, Comment)):
        found = SAVED_FROM.search(note)
        if found:
            return found.group(1)
    link = soup.find("link", rel="canonical")
    if link and link.get("href", "").startswith("http"):
        return link["href"]
    meta = soup.find("meta", property="og:url")
    if meta and meta.get("content", "").startswith("http"):
        return meta["content"]
    return None


def link_base(soup, page_url):
    """What relative links on the page resolve against: <base href> when the page sets one."""
    base = soup.find("base", href=True)
    return urljoin(page_url or "", base["href"]) if base else page_url


def page_title(soup, selector=None):
    if selector:
        text = element_inline_text(soup.select_one(selector))
        if text:
            return text
    meta = soup.find("meta", property="og:title")
    if meta and meta.get("content"):
        return inline_text(meta["content"])
    return inline_text(soup.title.get_text()) if soup.title else ""


def read_thread(soup, profile, page_url):
    """Every post of the page as `profile` reads it (SITE_PROFILES.md says what each field means)."""
    spec = profile.spec
    base = link_base(soup, page_url)
    reader = PostReader(spec, _post_elements(soup, spec["post"]))
    posts, read_ids, seen_ids, depth_path, first_id = [], {}, set(), [], None
    for index, element in enumerate(reader.elements, start=1):
        post = reader.read(element, index)
        post_id = _unique(post["id"], seen_ids) if post else None
        if index == 1:
            first_id = post_id
        parent_id = None
        if spec.get("nested"):
            parent_id = read_ids.get(id(reader.enclosing_post(element)))
        elif spec.get("depth"):
            # The parent is the post one level up on the path to this one; a top-level post
            # after the first answers the first (on Hacker News, the story).
            depth = _depth(element, spec["depth"])
            del depth_path[depth:]
            depth_path.extend([None] * (depth - len(depth_path)))
            parent_id = depth_path[depth - 1] if depth > 0 else (first_id if index > 1 else None)
            depth_path.append(post_id)
        if post is None:
            continue  # deleted posts and placeholders have nothing to score
        read_ids[id(element)] = post_id
        posts.append({**post, "id": post_id, "parent_id": parent_id,
                      "url": _permalink(element, spec.get("permalink"), page_url, base)})
    next_page = None
    if spec.get("next_page"):
        link = soup.select_one(spec["next_page"]["selector"])
        if link is not None and link.get("href"):
            next_page = urljoin(base or "", link["href"])
    return {
        "title": page_title(soup, (spec.get("title") or {}).get("selector")),
        "url": page_url,
        "site": profile.engine,
        "guessed": bool(spec.get("guessed")),
        "next_page": next_page,
        "posts": posts,
    }


def _post_elements(soup, post_spec):
    """Every post element, in document order, each once (post.closest lifts a match to its wrapper)."""
    closest = post_spec.get("closest")
    elements, seen = [], set()
    for node in soup.select(post_spec["selector"]):
        wrapper = _closest(node, closest) if closest else node
        if wrapper is not None and id(wrapper) not in seen:
            seen.add(id(wrapper))
            elements.append(wrapper)
    return elements


def _closest(node, selector):
    """The element itself or its nearest ancestor that matches, like Element.closest."""
    while node is not None and getattr(node, "name", None) and node.name != "[document]":
        if soupsieve.match(selector, node):
            return node
        node = node.parent
    return None


class PostReader:
    """Reads one post element through a profile: id, author, text and quotes."""

    def __init__(self, spec, elements):
        self.spec, self.elements = spec, elements
        self.element_ids = {id(e) for e in elements}
        self.post_selector, self.closest = spec["post"]["selector"], spec["post"].get("closest")
        self.excluded = [rule["selector"] for rule in spec.get("exclude") or []]

    def read(self, element, index):
        """A post without parent or url, or None for one with neither text nor quotes."""
        body = self.field(element, (self.spec.get("body") or {}).get("selector"))
        if body is None:
            return None
        quotes, quoted = self.quotes(body)
        text = element_text(body, lambda el: id(el) in quoted or self.left_out(el, element))
        text = _cut_at_line(text, (self.spec.get("cut_at_line") or {}).get("pattern"))
        if not text and not quotes:
            return None
        return {"id": self.post_id(element) or f"p{index}", "author": self.author(element), "text": text,
                "quotes": quotes}

    def left_out(self, node, post):
        """Excluded parts, and another post inside this one (that post's own text)."""
        return self.is_excluded(node) or (soupsieve.match(self.post_selector, node) and self.post_of(node) is not post)

    def is_excluded(self, node):
        return any(soupsieve.match(selector, node) for selector in self.excluded)

    def post_of(self, node):
        return _closest(node, self.closest) if self.closest else node

    def matches(self, element, selector):
        """Matches of `selector` that belong to the post: the post itself when it matches, else
        its descendants in document order, less (on nested engines) those of a post inside it."""
        if soupsieve.match(selector, element):
            return [element]
        found = element.select(selector)
        return [node for node in found if self.owned_by(node, element)] if self.spec.get("nested") else found

    def owned_by(self, node, post):
        for ancestor in node.parents:
            if ancestor is post:
                return True
            if soupsieve.match(self.post_selector, ancestor):
                return False
        return True

    def field(self, element, selector):
        if not selector:
            return element
        found = self.matches(element, selector)
        return found[0] if found else None

    def enclosing_post(self, element):
        for ancestor in element.parents:
            if id(ancestor) in self.element_ids:
                return ancestor
        return None

    def post_id(self, element):
        spec = self.spec.get("id") or {}
        return _strip_prefix(_value(self.field(element, spec.get("selector")), spec.get("attribute")),
                             spec.get("strip_prefix"))

    def author(self, element):
        """The first (or last) match whose name is not empty, less any display prefix."""
        spec = self.spec.get("author") or {}
        nodes = self.matches(element, spec["selector"]) if spec.get("selector") else [element]
        if spec.get("pick") == "last":
            nodes = nodes[::-1]
        for node in nodes:
            name = _strip_prefix(_value(node, spec.get("attribute")), spec.get("strip_prefix"))
            if name:
                return name
        return None

    def quotes(self, body):
        """The body's outermost quotes as {author, text}, and the ids of the elements they
        and their citation lines take out of the post's own text."""
        spec = self.spec.get("quote") or {}
        if not spec.get("selector"):
            return [], set()
        found = [node for node in body.select(spec["selector"]) if self.readable(node, body)]
        found_ids = {id(node) for node in found}
        quotes, quoted = [], set()
        for node in found:
            if any(id(ancestor) in found_ids for ancestor in node.parents):
                continue  # a quote inside a quote is part of the outer one's text
            citations = self.citations(node, spec)
            cited = {id(c) for c in citations}
            text = element_text(node, lambda el: id(el) in cited or self.is_excluded(el))
            if text:
                quotes.append({"author": self.quote_author(node, citations, spec), "text": text})
            quoted |= {id(node)} | cited
        return quotes, quoted

    def readable(self, node, body):
        """Not inside an excluded part or another post (whose quotes are its own)."""
        for ancestor in [node, *node.parents]:
            if ancestor is body:
                return True
            if self.is_excluded(ancestor) or (ancestor is not node and soupsieve.match(self.post_selector, ancestor)):
                return False
        return True

    @staticmethod
    def citations(node, spec):
        """The "X said:" lines of a quote: every match inside it, else its previous sibling."""
        selector = spec.get("citation_selector")
        if not selector:
            return []
        inside = node.select(selector)
        if inside:
            return inside
        previous = node.find_previous_sibling()
        return [previous] if previous is not None and soupsieve.match(selector, previous) else []

    @staticmethod
    def quote_author(node, citations, spec):
        if spec.get("author_attribute"):
            name = inline_text(node.get(spec["author_attribute"]) or "")
            if name:
                return name
        if spec.get("author_selector"):
            name = element_inline_text(node.select_one(spec["author_selector"]))
            if name:
                return name
        if spec.get("citation_pattern"):
            for citation in citations:
                found = re.search(spec["citation_pattern"], element_inline_text(citation))
                if found and inline_text(found.group(1)):
                    return inline_text(found.group(1))
        return None


def _value(node, attribute):
    """The attribute's value (or the element's text) on one line; "" when there is none."""
    if node is None:
        return ""
    if attribute:
        value = node.get(attribute)
        return inline_text(value) if isinstance(value, str) else ""
    return element_inline_text(node)


def _strip_prefix(value, prefix):
    if value and prefix and value.startswith(prefix) and len(value) > len(prefix):
        return inline_text(value[len(prefix):])
    return value


def _unique(post_id, seen):
    """A repeated id gets -2, -3, ... (the first keeps it)."""
    candidate, n = post_id, 2
    while candidate in seen:
        candidate, n = f"{post_id}-{n}", n + 1
    seen.add(candidate)
    return candidate


def _cut_at_line(text, pattern):
    """The text before the first line that matches `pattern` (a signature's separator)."""
    if not pattern:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if re.search(pattern, line):
            return "\n".join(lines[:index]).rstrip("\n ")
    return text


def _permalink(element, spec, page_url, base):
    if spec:
        node = element if not spec.get("selector") or soupsieve.match(spec["selector"], element) else element.select_one(spec["selector"])
        href = node.get(spec.get("attribute") or "href") if node is not None else None
        if href and not href.startswith(("javascript:", "#")):
            return urljoin(base or "", href)
    if page_url and element.get("id"):
        return f"{page_url.split('#')[0]}#{element['id']}"
    return page_url


def _depth(element, depth_spec):
    selector = depth_spec.get("selector")
    node = element if not selector or soupsieve.match(selector, element) else element.select_one(selector)
    try:
        return max(0, int(node.get(depth_spec.get("attribute"), 0))) if node is not None else 0
    except (TypeError, ValueError):
        return 0
