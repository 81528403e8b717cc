"""An element of a parsed page -> the text a member wrote, as the extension reads it.

The rules (which tags are dropped, which start a line, what whitespace is) are the
`text` section of extension/site-profiles.json, shared with the extension's adapter
(extension/src/content/profile-adapter.js, `collectText`); this walk is the same walk,
step for step, so that both give the same text and the same character offsets.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from bs4 import NavigableString

from .profiles import site_profiles_document


@dataclass(frozen=True)
class TextRules:
    dropped_tags: frozenset
    dropped_classes: frozenset
    block_tags: frozenset
    paragraph_tags: frozenset
    cell_tags: frozenset
    preformatted_tags: frozenset
    whitespace: re.Pattern
    whitespace_run: re.Pattern
    alt_max_chars: int
    alt_prefix: str


@lru_cache(maxsize=1)
def text_rules():
    spec = site_profiles_document()["text"]
    return TextRules(
        dropped_tags=frozenset(spec["dropped_tags"]),
        dropped_classes=frozenset(spec["dropped_classes"]),
        block_tags=frozenset(spec["block_tags"]),
        paragraph_tags=frozenset(spec["paragraph_tags"]),
        cell_tags=frozenset(spec["cell_tags"]),
        preformatted_tags=frozenset(spec["preformatted_tags"]),
        whitespace=re.compile(spec["whitespace"]),
        whitespace_run=re.compile(spec["whitespace"] + "+"),
        alt_max_chars=spec["image_alt"]["max_chars"],
        alt_prefix=spec["image_alt"]["prefix"],
    )


def inline_text(text):
    """A name, title or attribute value on one line: whitespace runs become one space."""
    rules = text_rules()
    return rules.whitespace_run.sub(" ", text or "").strip(" ")


def element_inline_text(node):
    return inline_text(element_text(node)) if node is not None else ""


def element_text(root, skip=None):
    """Readable text of `root`: blocks and <br> become line breaks (at most one blank line
    in a row), paragraphs are set apart by a blank line, whitespace runs collapse outside
    preformatted text. `skip(element)` leaves out an element below the root with all it holds."""
    return _TextWalk(text_rules(), skip or (lambda element: False)).run(root)


class _TextWalk:
    def __init__(self, rules, skip):
        self.rules, self.skip = rules, skip
        self.units, self.pending_space, self.pending_breaks = [], False, 0

    def run(self, root):
        for child in root.children:
            self.walk(child, root.name in self.rules.preformatted_tags)
        return "".join(self.units)

    def push(self, char):
        if self.units:
            if self.pending_breaks:
                self.units.append("\n" * min(self.pending_breaks, 2))
            elif self.pending_space:
                self.units.append(" ")
        self.pending_space, self.pending_breaks = False, 0
        self.units.append(char)

    def line_break(self, count):
        self.pending_space = False
        self.pending_breaks = max(self.pending_breaks, count)

    def text(self, data, preformatted):
        whitespace = self.rules.whitespace
        for char in data:
            if preformatted and char == "\n":
                self.line_break(self.pending_breaks + 1)
            elif preformatted and char == "\r":
                continue
            elif not preformatted and whitespace.match(char):
                if not self.pending_breaks:
                    self.pending_space = True
            else:
                self.push(char)

    def walk(self, node, preformatted):
        if isinstance(node, NavigableString):
            # Comments, CDATA, doctypes and the like are NavigableString subclasses: never text.
            if node.__class__ is NavigableString:
                self.text(str(node), preformatted)
            return
        rules, tag = self.rules, (node.name or "").lower()
        if tag in rules.dropped_tags or rules.dropped_classes.intersection(node.get("class") or ()) or self.skip(node):
            return
        if tag == "br":
            self.pending_space = False
            self.pending_breaks += 1
            return
        if tag == "img":
            alt = node.get("alt") or ""
            if alt and (len(alt) <= rules.alt_max_chars or alt.startswith(rules.alt_prefix)):
                self.text(alt, False)
            return
        breaks = 2 if tag in rules.paragraph_tags else 1 if tag in rules.block_tags else 0
        if breaks:
            self.line_break(breaks)
        inner = preformatted or tag in rules.preformatted_tags
        for child in node.children:
            self.walk(child, inner)
        if breaks:
            self.line_break(breaks)
        if tag in rules.cell_tags and not self.pending_breaks:
            self.pending_space = True
