"""Scoring a thread in the one language the model reads: English.

`score_thread(scorer, thread, ...)` is `scorer.score_thread` with each post's language
identified first (models/language.py):
- a post in another language keeps its place in the thread (it may be the opening post
  or a parent, which later posts are read against) but gets no scores, flags or spans,
  and `status` "language_not_supported";
- a mixed post is read with its other-language sentences blanked (same length, so every
  span is still an offset into what the member wrote), and says `mixed` with the parts
  left out;
- a post too short to tell is scored as English, with `language_uncertain`.
Quotes are treated the same way: a quote in another language gets no scores.

Every result gains `language`, `language_confidence`, `language_uncertain`, `status`,
`mixed` and `unscored_parts` ([{begin, end, language}], code-point offsets), all plain
JSON values. A thread with nothing in English is not sent to the scorer at all.
"""

from __future__ import annotations

from .language import PostLanguage, english_text, identify


def language_fields(found: PostLanguage) -> dict:
    """What a result says about its language (the same keys for posts and quotes)."""
    return {
        "language": found.language,
        "language_confidence": float(found.confidence),
        "language_uncertain": bool(found.uncertain),
        "status": found.status,
        "mixed": found.mixed,
        "unscored_parts": [{"begin": b, "end": e, "language": lang} for b, e, lang in found.other_sentences],
    }


def score_thread(scorer, thread: dict, attributes=None, thresholds=None) -> list[dict]:
    """One result per post, in order, as `scorer.score_thread` gives them, with language fields."""
    posts = thread.get("posts") or []
    found = [identify(p.get("text") or "") for p in posts]
    quotes = [[identify(q.get("text") or "") for q in (p.get("quotes") or [])] for p in posts]
    if any(f.scored for f in found) or any(q.scored for qs in quotes for q in qs):
        read = {**thread, "posts": [_in_english(p, f, qs) for p, f, qs in zip(posts, found, quotes)]}
        results = scorer.score_thread(read, attributes=attributes, thresholds=thresholds)
    else:
        results = [{"id": p.get("id"), "scores": {}, "flags": [], "spans": [],
                    "quotes": [{"author": q.get("author"), "scores": {}, "flags": []} for q in p.get("quotes") or []]}
                   for p in posts]
    return [_marked(result, f, qs) for result, f, qs in zip(results, found, quotes)]


def _in_english(post: dict, found: PostLanguage, quotes: list[PostLanguage]) -> dict:
    read = {**post, "text": english_text(post.get("text") or "", found)}
    if post.get("quotes"):
        read["quotes"] = [{**q, "text": english_text(q.get("text") or "", f)} for q, f in zip(post["quotes"], quotes)]
    return read


def _marked(result: dict, found: PostLanguage, quotes: list[PostLanguage]) -> dict:
    result = {**result, **language_fields(found)}
    if not found.scored:
        result.update(scores={}, flags=[], spans=[])
    result["quotes"] = [
        {**quote, **language_fields(f), **({} if f.scored else {"scores": {}, "flags": []})}
        for quote, f in zip(result.get("quotes") or [], quotes)
    ]
    return result
