"""Saved thread pages (HTML) -> one thread of posts, using the shared site profiles.

A thread is a plain dict, the shape the scorer takes plus what a report needs:

    {"title": str, "url": str|None, "site": engine, "guessed": bool, "source": str,
     "next_page": str|None,
     "posts": [{"id", "author", "text", "parent_id", "quotes": [{"author", "text"}], "url"}]}

Nothing here knows a selector: every engine's markup is in extension/site-profiles.json.
"""

import copy
import re
import warnings
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup, Comment, NavigableString, XMLParsedAsHTMLWarning

from .profiles import detect_profile, profile_by_engine

# Elements whose text is never something a member wrote.
SKIP_TAGS = {
    "script", "style", "noscript", "svg", "button", "textarea", "select", "template", "head",
    "iframe", "object", "video", "audio", "canvas",
}
# Elements that start a new line when a post is turned into text.
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tr", "ul", "legend",
}
SAVED_FROM = re.compile(r"saved from url=\(\d+\)(\S+)")


class ExtractionError(ValueError):
    """A page that holds no thread we can read; the message says why."""


def parse_html(data):
    # Bytes are passed as they are: lxml reads the page's own charset declaration.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(data, "lxml")


def extract_thread(data, source="", url=None, engine=None):
    """Parse one saved page and return its thread; raises ExtractionError when none is found."""
    soup = parse_html(data)
    page_url = url or page_url_of(soup)
    profile = profile_by_engine(engine) if engine else detect_profile(soup, page_url or "")
    if profile is None:
        from .generic import guess_thread  # generic reads pages with this module's helpers

        thread = guess_thread(soup, page_url)
        if thread is None:
            raise ExtractionError("no forum engine recognised and no repeated post blocks found")
    else:
        thread = _extract_with_profile(soup, profile, page_url)
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
        node = soup.select_one(selector)
        if node and clean_inline(node.get_text(" ")):
            return clean_inline(node.get_text(" "))
    meta = soup.find("meta", property="og:title")
    if meta and meta.get("content"):
        return clean_inline(meta["content"])
    return clean_inline(soup.title.get_text(" ")) if soup.title else ""


def _extract_with_profile(soup, profile, page_url):
    spec = profile.spec
    base = link_base(soup, page_url)
    elements = _post_elements(soup, spec["post"])
    posts, element_ids, stack = [], {}, []
    seen_ids = set()
    for index, element in enumerate(elements, start=1):
        post_id = _unique(_post_id(element, spec.get("id") or {}) or f"p{index}", seen_ids)
        text, quotes = post_text(_field_node(element, (spec.get("body") or {}).get("selector")), spec)
        if not text and not quotes:
            continue  # deleted posts and placeholders have nothing to score
        element_ids[id(element)] = post_id
        post = {
            "id": post_id,
            "author": _author(element, spec.get("author") or {}),
            "text": text,
            "parent_id": None,
            "quotes": quotes,
            "url": _permalink(element, spec.get("permalink"), page_url, base),
        }
        if spec.get("nested"):
            post["parent_id"] = _enclosing_post(element, element_ids)
        elif spec.get("depth"):
            depth = _depth(element, spec["depth"])
            del stack[depth:]
            post["parent_id"] = stack[-1] if stack else None
            stack.append(post_id)
        posts.append(post)
    if spec.get("depth") and posts:
        # On Hacker News the story itself is depth 0 too; its comments answer it.
        for post in posts[1:]:
            if post["parent_id"] is None:
                post["parent_id"] = posts[0]["id"]
    next_page = None
    if spec.get("next_page"):
        link = soup.select_one(spec["next_page"]["selector"])
        if link is not None and link.get("href"):
            next_page = urljoin(base or "", link["href"])
    return {
        "title": page_title(soup, (spec.get("title") or {}).get("selector")),
        "url": page_url,
        "site": profile.engine,
        "guessed": False,
        "next_page": next_page,
        "posts": posts,
    }


def _post_elements(soup, post_spec):
    found = soup.select(post_spec["selector"])
    closest = post_spec.get("closest")
    if not closest:
        return found
    elements, seen = [], set()
    for node in found:
        wrapper = node if soupsieve.match(closest, node) else node.find_parent(lambda t: soupsieve.match(closest, t))
        if wrapper is not None and id(wrapper) not in seen:
            seen.add(id(wrapper))
            elements.append(wrapper)
    return elements


def _field_node(element, selector, pick="first"):
    """The post element itself when it matches, else its first (or last) matching descendant."""
    if not selector:
        return element
    if soupsieve.match(selector, element):
        return element
    if pick == "last":
        found = element.select(selector)
        return found[-1] if found else None
    return element.select_one(selector)


def _value(node, attribute):
    if node is None:
        return None
    if attribute:
        value = node.get(attribute)
        return clean_inline(value) if isinstance(value, str) else None
    return clean_inline(node.get_text(" ")) or None


def _post_id(element, id_spec):
    value = _value(_field_node(element, id_spec.get("selector")), id_spec.get("attribute"))
    prefix = id_spec.get("strip_prefix")
    if value and prefix and value.startswith(prefix) and len(value) > len(prefix):
        value = value[len(prefix):]
    return value


def _unique(post_id, seen):
    candidate, n = post_id, 2
    while candidate in seen:
        candidate, n = f"{post_id}-{n}", n + 1
    seen.add(candidate)
    return candidate


def _author(element, author_spec):
    """The first (or last) non-empty name among the matches, with any display prefix cut."""
    selector, attribute = author_spec.get("selector"), author_spec.get("attribute")
    if not selector or soupsieve.match(selector, element):
        nodes = [element]
    else:
        nodes = element.select(selector)
    if author_spec.get("pick") == "last":
        nodes = nodes[::-1]
    for node in nodes:
        name = _value(node, attribute)
        if name:
            prefix = author_spec.get("strip_prefix")
            return name[len(prefix):] if prefix and name.startswith(prefix) and len(name) > len(prefix) else name
    return None


def _permalink(element, spec, page_url, base):
    if spec:
        node = _field_node(element, spec.get("selector"))
        href = node.get(spec.get("attribute") or "href") if node is not None else None
        if href and not href.startswith(("javascript:", "#")):
            return urljoin(base or "", href)
    if page_url and element.get("id"):
        return f"{page_url.split('#')[0]}#{element['id']}"
    return page_url


def _depth(element, depth_spec):
    node = _field_node(element, depth_spec.get("selector"))
    try:
        return int(node.get(depth_spec.get("attribute"), 0)) if node is not None else 0
    except (TypeError, ValueError):
        return 0


def _enclosing_post(element, element_ids):
    for ancestor in element.parents:
        if id(ancestor) in element_ids:
            return element_ids[id(ancestor)]
    return None


def post_text(body, spec):
    """A post's own text and its quotes (kept apart), from its body element.

    The body is copied first: quotes and excluded parts are cut out of the copy, so the
    page itself stays whole for the posts that nest inside one another.
    """
    if body is None:
        return "", []
    body = copy.copy(body)
    for rule in spec.get("exclude") or []:
        for node in body.select(rule["selector"]):
            node.decompose()
    quotes = []
    quote_spec = spec.get("quote")
    if quote_spec and quote_spec.get("selector"):
        for node in body.select(quote_spec["selector"]):
            if node.decomposed:
                continue  # a quote inside a quote went with the outer one, as part of its text
            quote = _take_quote(node, quote_spec)
            if quote["text"]:
                quotes.append(quote)
    text = element_text(body)
    cut = (spec.get("cut_at_line") or {}).get("pattern")
    if cut:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if re.match(cut, line):
                text = "\n".join(lines[:index]).strip()
                break
    return text, quotes


def _take_quote(node, spec):
    author = None
    if spec.get("author_attribute"):
        author = clean_inline(node.get(spec["author_attribute"]) or "") or None
    if not author and spec.get("author_selector"):
        found = node.select_one(spec["author_selector"])
        author = clean_inline(found.get_text(" ")) if found else None
    citations = []
    if spec.get("citation_selector"):
        citations = list(node.select(spec["citation_selector"]))
        previous = node.find_previous_sibling()
        if previous is not None and soupsieve.match(spec["citation_selector"], previous):
            citations.append(previous)
    for citation in citations:
        if not author and spec.get("citation_pattern"):
            found = re.search(spec["citation_pattern"], clean_inline(citation.get_text(" ")))
            author = found.group(1).strip() if found else None
        if not citation.decomposed:
            citation.decompose()
    text = element_text(node)
    node.decompose()
    return {"author": author or None, "text": text}


def element_text(node):
    """Readable text of an element: blocks and <br> become line breaks, blank runs collapse."""
    parts = []
    _walk(node, parts)
    lines = [re.sub(r"[ \t\r\f\v\u00a0\u200b]+", " ", line).strip() for line in "".join(parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _walk(node, parts):
    for child in node.children:
        if isinstance(child, Comment) or (isinstance(child, NavigableString) and child.__class__ is not NavigableString):
            continue  # comments, CDATA, doctype: never visible text
        if isinstance(child, NavigableString):
            parts.append(str(child).replace("\n", " "))
            continue
        name = child.name
        if name in SKIP_TAGS:
            continue
        if name == "br":
            parts.append("\n")
        elif name == "img":
            alt = child.get("alt", "")
            # Emoji and smilies carry their meaning in alt; "Post", "avatar" and the like do not.
            if alt and (len(alt) <= 3 or alt.startswith(":")):
                parts.append(alt)
        elif name in BLOCK_TAGS:
            parts.append("\n")
            _walk(child, parts)
            parts.append("\n")
        elif name in ("td", "th"):
            _walk(child, parts)
            parts.append(" ")
        else:
            _walk(child, parts)


def clean_inline(text):
    return re.sub(r"\s+", " ", text or "").strip()
