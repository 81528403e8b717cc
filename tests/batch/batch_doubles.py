"""A stand-in with the Scorer contract, for tests that check shapes and plumbing only.

`HashScorer` is not a model: each score is a fixed function of the post's text (a hash),
so a run is reproducible anywhere (a Dask worker process included) without weights. Tests
of real scoring use the root `scorer` fixture instead.
"""

import hashlib

from models import ATTRIBUTES, DEFAULT_THRESHOLDS

MARKED_WORD = "idiot"
# How many times this process built a scorer: a Dask worker should do it once.
LOADS = []


class HashScorer:
    model_info = {"name": "hash-double", "version": "0", "sha256": "0" * 64}

    def __init__(self):
        self.calls = 0

    def score_texts_for(self, text, attributes):
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        return {attr: round(digest[i] / 255, 4) for i, attr in enumerate(ATTRIBUTES) if attr in attributes}

    def score_thread(self, thread, attributes=None, thresholds=None):
        self.calls += 1
        attributes = attributes or ATTRIBUTES
        thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        results = []
        for post in thread["posts"]:
            if not isinstance(post.get("text"), str):
                raise ValueError(f"post {post.get('id')} has no text")
            scores = self.score_texts_for(post["text"], attributes)
            spans = []
            begin = post["text"].lower().find(MARKED_WORD)
            if begin >= 0:
                spans.append({"begin": begin, "end": begin + len(MARKED_WORD), "attribute": attributes[0], "score": 0.99})
            results.append({
                "id": post["id"],
                "scores": scores,
                "flags": [a for a, s in scores.items() if s >= thresholds[a]],
                "spans": spans,
                "quotes": [{"scores": self.score_texts_for(q["text"], attributes)} for q in post.get("quotes", [])],
            })
        return results


def load():
    """The loader a Dask worker calls ("batch_doubles:load")."""
    LOADS.append(1)
    return HashScorer()
