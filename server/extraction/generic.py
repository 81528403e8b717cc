"""The fallback for a page no profile recognises: guess a profile from its markup, and say
which engine it nearly was.

A thread page repeats one block per post: siblings with the same tag and classes, each
holding a short name (an element named like an author or user) and some text. The
largest such run of siblings becomes a profile made on the spot, which is then read like
any other. The rules and their numbers are site-profiles.json's `generic` section; the
extension's adapter (`guessProfile`, `nearMiss`) follows the same steps.
"""

import re
from collections import Counter

from .pagetext import element_inline_text
from .profiles import SiteProfile, evidence, evidence_weight, load_profiles, site_profiles_document

SIMPLE_CLASS = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def guess_profile(soup):
    """A profile for the largest run of post-like sibling blocks, or None when there is none."""
    spec = site_profiles_document()["generic"]
    root = soup.body or soup
    chrome = set()
    for node in root.select(spec["chrome"]):
        chrome |= {id(node)} | {id(d) for d in node.find_all(True)}
    best = None
    for parent in [root, *root.find_all(True)]:
        if id(parent) in chrome:
            continue
        groups = {}
        for child in parent.find_all(True, recursive=False):
            classes = _simple_classes(child)
            if classes:
                groups.setdefault(_selector(child.name, classes), []).append(child)
        for selector, members in groups.items():
            if len(members) < spec["min_posts"] or (best and len(members) <= len(best[1])):
                continue
            names = [_name_element(member, spec) for member in members]
            if all(names) and all(len(element_inline_text(m)) >= spec["min_text_chars"] for m in members):
                best = (selector, members, names)
    if best is None:
        return None
    selector, members, names = best
    author = _most_common(_simple_selector(name) for name in names)
    body = _most_common(filter(None, (_body_selector(m, n, spec) for m, n in zip(members, names))))
    exclude = list(spec["exclude"])
    if body is None:
        exclude.append({"selector": author, "why": "The guessed author's name is not post text."})
    return SiteProfile("generic", spec["name"], {
        "engine": "generic", "name": spec["name"], "guessed": True,
        "post": {"selector": selector, "closest": None},
        "id": {"selector": None, "attribute": "id", "strip_prefix": None},
        "author": {"selector": author, "attribute": None, "pick": "first"},
        "body": {"selector": body},
        "quote": spec["quote"],
        "exclude": exclude,
        "depth": None, "nested": False, "permalink": None, "next_page": None,
    })


def _simple_classes(element):
    return sorted(c for c in element.get("class") or [] if SIMPLE_CLASS.match(c) and not c.startswith("modlens-"))


def _selector(tag, classes):
    return tag.lower() + "".join(f".{c}" for c in classes)


def _simple_selector(element):
    """tag.classes, or tag[itemprop=...] for a classless element found by its itemprop."""
    classes = _simple_classes(element)
    if classes:
        return _selector(element.name, classes)
    itemprop = element.get("itemprop")
    return f'{element.name.lower()}[itemprop="{itemprop}"]' if itemprop else element.name.lower()


def _name_element(block, spec):
    """The first element named like an author whose text is short enough to be a name and
    that holds no other such element with text (the name, not the user box around it)."""
    for node in block.select(spec["name_like"]):
        if 0 < len(element_inline_text(node)) <= spec["max_name_chars"] and not any(
                element_inline_text(inner) for inner in node.select(spec["name_like"])):
            return node
    return None


def _body_selector(block, name, spec):
    """The selector of the block's longest element named like a body, apart from the name."""
    best, best_length = None, 0
    for node in block.select(spec["body_like"]):
        if node is name or any(a is name for a in node.parents) or any(a is node for a in name.parents):
            continue
        length = len(element_inline_text(node))
        if length > best_length:
            best, best_length = node, length
    return _simple_selector(best) if best is not None else None


def _most_common(selectors):
    """The selector most blocks agree on (ties: the first seen)."""
    counts = Counter(selectors)
    return max(counts, key=counts.get) if counts else None


def near_miss(soup, url=""):
    """The profile with the most evidence on a page none of them reads, and why not; or None."""
    best, best_weight = None, 0
    for profile in load_profiles():
        found = evidence(profile, soup, url)
        weight = evidence_weight(found)
        if weight > best_weight:
            best, best_weight = (profile, found), weight
    if best is None:
        return None
    profile, found = best
    return {
        "engine": profile.engine,
        "evidence": [f"{kind} {what}" for kind, what in found],
        "why_not": f"its post selector ({profile.spec['post']['selector']}) finds no post on this page",
    }


def near_miss_reason(missed):
    return f"{missed['engine']} ({', '.join(missed['evidence'])}), but {missed['why_not']}"
