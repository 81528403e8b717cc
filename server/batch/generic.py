"""The fallback for a page of an engine no profile knows: guess the posts, and say so.

A thread page repeats one block per post: siblings with the same tag and classes, each
holding a short name (an element whose class, itemprop or rel says author, user, poster
or name) and a longer text. The largest such run of siblings is taken as the posts.
"""

import re

from .extract import clean_inline, element_text, page_title

NAME_HINT = re.compile(r"author|user|poster|member|name|byline", re.I)
BODY_HINT = re.compile(r"text|body|content|message|comment", re.I)
CHROME_TAGS = {"nav", "header", "footer", "head", "script", "style", "form", "select"}
MIN_POSTS = 2
MAX_NAME = 40


def guess_thread(soup, page_url):
    best, best_score = None, 0
    for parent in soup.find_all(True):
        if parent.name in CHROME_TAGS or any(p.name in CHROME_TAGS for p in parent.parents):
            continue
        for group in _sibling_runs(parent):
            posts = [p for p in (_guess_post(block) for block in group) if p]
            if len(posts) < MIN_POSTS:
                continue
            score = len(posts) * sum(len(p["text"]) for p in posts) ** 0.5
            if score > best_score:
                best, best_score = posts, score
    if not best:
        return None
    for index, post in enumerate(best, start=1):
        post["id"] = post["id"] or f"p{index}"
    return {
        "title": page_title(soup),
        "url": page_url,
        "site": "generic",
        "guessed": True,
        "next_page": None,
        "posts": best,
    }


def _sibling_runs(parent):
    groups = {}
    for child in parent.find_all(True, recursive=False):
        key = (child.name, tuple(sorted(child.get("class", []))))
        groups.setdefault(key, []).append(child)
    return [g for g in groups.values() if len(g) >= MIN_POSTS]


def _guess_post(block):
    name_node = None
    for node in block.find_all(True):
        hints = " ".join(node.get("class", [])) + " " + node.get("itemprop", "") + " " + " ".join(node.get("rel", []) or [])
        text = clean_inline(node.get_text(" "))
        if NAME_HINT.search(hints) and 0 < len(text) <= MAX_NAME:
            name_node = node
            break
    if name_node is None:
        return None
    author = clean_inline(name_node.get_text(" "))
    text = _body_text(block, name_node)
    if len(text) < 2:
        return None
    return {"id": block.get("id"), "author": author, "text": text, "parent_id": None, "quotes": [], "url": None}


def _body_text(block, name_node):
    """The longest element named like a body that is apart from the name; else the block's
    text without the name."""
    around_name = set(map(id, name_node.parents)) | {id(name_node)}
    bodies = [
        node for node in block.find_all(True)
        if BODY_HINT.search(" ".join(node.get("class", []))) and id(node) not in around_name
        and not any(id(d) == id(name_node) for d in node.descendants)
    ]
    if bodies:
        return max((element_text(b) for b in bodies), key=len)
    text = element_text(block)
    author = clean_inline(name_node.get_text(" "))
    return text[len(author):].strip() if text.startswith(author) else text
