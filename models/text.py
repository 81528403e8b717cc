"""Sentences and windows with character offsets into the original text.

Spans are reported as offsets into the text the client sent, so every split here keeps
(begin, end) pairs rather than producing new strings.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by closing quotes or
# brackets) before white space, or at a line break. Abbreviations such as "e.g. this" split
# too early now and then; that only makes a span shorter, never wrong.
_BOUNDARY = re.compile(r"""(?<=[.!?…])["'”’)\]]*\s+|\n+""")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(begin, end) of each non-blank sentence, trimmed of surrounding white space."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        # Closing quotes/brackets belong to the sentence they close.
        end = m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for b, e in spans:
        while b < e and text[b].isspace():
            b += 1
        while e > b and text[e - 1].isspace():
            e -= 1
        if e > b:
            out.append((b, e))
    return out


def token_windows(n_tokens: int, size: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) token ranges covering n_tokens with windows of `size`, `stride` apart."""
    if n_tokens <= size:
        return [(0, n_tokens)]
    windows = []
    start = 0
    while True:
        end = min(start + size, n_tokens)
        windows.append((start, end))
        if end == n_tokens:
            return windows
        start += stride
