"""Word-level spans: from per-token values to character ranges of whole words.

The encoder reads word pieces ("condescend", "##ing"); a moderator reads words. Every
function here takes token values with their character offsets into the post and returns
(begin, end, value) ranges that start and end on word boundaries of the original text, so
`text[begin:end]` is always whole words, never a fragment and never surrounding spaces.

Two sources of token values, both from the one forward pass over each window:
- the token-level head (models/heads.py SPAN_ATTRIBUTES), trained on Toxic Spans'
  character offsets: a probability per token that it belongs to a span of the attribute;
- for the attributes no data marks word by word (negativity, hostility, sarcasm), each
  token's share of the pooled head logit. The post's logit is w . mean(h_t) + b, which is
  exactly mean(w . h_t) + b, so w . h_t is how much token t pushed the score: an exact
  decomposition, not an approximation.
"""

from __future__ import annotations

import re

import numpy as np

# A word: letters and digits with the characters masked spellings use inside words
# (f*cking, a$$hole, sh1t, @ss) and inner apostrophes or hyphens (don't, two-faced).
_WORD = re.compile(r"[\w*$@]+(?:['’\-][\w*$@]+)*")
# Selected words separated only by white space (or a hyphen or apostrophe) form one span:
# "pathetic idiot" is one phrase to a reader, "idiot. Go" is two.
_JOINABLE_GAP = re.compile(r"\s{1,3}")
# At most this many words are marked for one attribute by the contribution rule: past
# that a mark stops saying which words drove the score.
MAX_CONTRIBUTION_WORDS = 8
# A relative cut (word_cut) never marks a word under this probability: a post whose most
# likely word is under it has no word the head stands behind.
RELATIVE_FLOOR = 0.1
# Words that carry grammar, not tone: after six layers of attention their states hold the
# sentence around them, so they often line up with a head without saying why a moderator
# would care. The contribution rule passes over them; the token-level head, trained on
# marked words, needs no such list.
STOPWORDS = frozenset(
    "a an the and or but if then so of to in on at by for with from as is are was were be been being "
    "am do does did have has had it its this that these those there here i me my we us our you your "
    "he him his she her they them their what which who whom when where why how not no nor just than "
    "too very can will would should could may might must shall up out about into over again "
    # The stems of contractions (it's, don't, there's): the tokenizer splits them, and the
    # stem is what is compared.
    "don doesn didn isn wasn aren weren won wouldn couldn shouldn haven hasn hadn ain let".split()
)


def _grammar_word(word: str) -> bool:
    """Whether a word is a grammar word, contractions read by their stem (it's -> it)."""
    return re.split(r"['’]", word.lower(), maxsplit=1)[0] in STOPWORDS


def words(text: str) -> list[tuple[int, int]]:
    """(begin, end) of every word of `text`."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def word_values(text: str, offsets: list[tuple[int, int]], values: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Each word's value: the largest value of the tokens that overlap it.

    offsets: (begin, end) of each token in `text`; values: (n_tokens,) floats. Words no
    token overlaps (nothing should be left, but a tokenizer may skip odd characters) get
    -inf, so they are never selected.
    """
    spans = words(text)
    out = np.full(len(spans), -np.inf)
    if not spans or not len(offsets):
        return spans, out
    starts = np.array([b for b, _ in spans])
    ends = np.array([e for _, e in spans])
    for (tb, te), v in zip(offsets, values):
        if te <= tb:
            continue
        # Words overlapping [tb, te): begin < te and end > tb.
        lo = np.searchsorted(ends, tb, side="right")
        hi = np.searchsorted(starts, te, side="left")
        if hi > lo:
            out[lo:hi] = np.maximum(out[lo:hi], v)
    return spans, out


def merge(text: str, selected: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Join selected words that only white space separates; a phrase keeps its best value."""
    out: list[list] = []
    for b, e, v in sorted(selected):
        if out and _JOINABLE_GAP.fullmatch(text[out[-1][1] : b] or " "):
            out[-1][1] = e
            out[-1][2] = max(out[-1][2], v)
        else:
            out.append([b, e, v])
    return [(b, e, float(v)) for b, e, v in out]


def word_cut(values: np.ndarray, threshold: float, relative: float | None = None) -> float:
    """The probability a word of this post must reach to be marked.

    `threshold` alone is a fixed cut. With `relative`, a word is also marked when it reaches
    that share of the post's most probable word and at least RELATIVE_FLOOR: the words near
    the post's peak, however confident the head is overall. How high a post's toxic words
    score varies from post to post: on Toxic Spans' validation comments the most probable
    marked word of a post is at 0.31 or less in a tenth of them and at 0.92 or more in another
    tenth, so one fixed cut either misses the first kind's words or marks too much of the
    second's.
    """
    finite = values[np.isfinite(values)]
    if relative is None or not finite.size:
        return threshold
    return min(threshold, max(relative * float(finite.max()), RELATIVE_FLOOR))


def over_threshold(text: str, offsets, probabilities: np.ndarray, threshold: float, relative: float | None = None) -> list[tuple[int, int, float]]:
    """Words whose token probability reaches `word_cut`, joined into phrases."""
    return marked_words(text, *word_values(text, offsets, probabilities), threshold, relative)


def marked_words(text: str, spans, values: np.ndarray, threshold: float, relative: float | None = None) -> list[tuple[int, int, float]]:
    """over_threshold on word values already computed (`word_values`)."""
    cut = word_cut(values, threshold, relative)
    return merge(text, [(b, e, float(v)) for (b, e), v in zip(spans, values) if v >= cut])


def top_contributions(text: str, offsets, contributions: np.ndarray, score: float) -> list[tuple[int, int, float]]:
    """The words that pushed a pooled logit up most, each valued at the post's `score`.

    A word is marked when its contribution stands out: above the mean of the post's words
    by at least 30 % of the largest word's margin over that mean; at most
    MAX_CONTRIBUTION_WORDS of them, largest first. A post with one word marks that word.
    """
    spans, values = word_values(text, offsets, contributions)
    finite = np.isfinite(values) & np.array([not _grammar_word(text[b:e]) for b, e in spans], dtype=bool)
    if not finite.any():
        return []
    v = values[finite]
    mean, top = float(v.mean()), float(v.max())
    cut = mean + 0.3 * (top - mean)
    ranked = sorted((k for k in np.flatnonzero(finite) if values[k] >= cut), key=lambda k: -values[k])
    if not ranked:
        ranked = [int(np.flatnonzero(finite)[np.argmax(v)])]
    chosen = ranked[:MAX_CONTRIBUTION_WORDS]
    return merge(text, [(spans[k][0], spans[k][1], score) for k in chosen])


def character_f1(predicted: set[int], gold: set[int]) -> float:
    """SemEval-2021 Task 5's per-post F1 over character offsets (both empty: 1)."""
    if not gold and not predicted:
        return 1.0
    if not gold or not predicted:
        return 0.0
    overlap = len(predicted & gold)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(gold)
    return 2 * precision * recall / (precision + recall)


def offsets_of(ranges) -> set[int]:
    """Every character offset covered by (begin, end[, ...]) ranges."""
    out: set[int] = set()
    for r in ranges:
        out.update(range(r[0], r[1]))
    return out
