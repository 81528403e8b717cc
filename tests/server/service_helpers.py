"""Helpers the service tests import: a fake scorer with the Scorer contract, and error checks."""

import re

from models import ATTRIBUTES, DEFAULT_THRESHOLDS


class FakeScorer:
    """Scores by keywords, with the contract of `models.Scorer.score_thread`.

    A sentence containing a word from TRIGGERS scores 0.9 on that attribute (0.05
    otherwise); a post scores its worst sentence. Flags and per-sentence spans follow the
    thresholds given, quotes are scored apart, off_topic gets no spans, as the real
    scorer does. `threads` records what it was given.
    """

    TRIGGERS = {
        "toxicity": ("idiot", "stupid"),
        "insult": ("idiot",),
        "profanity": ("damn",),
        "threat": ("hurt you",),
        "negativity": ("awful",),
        "off_topic": ("banana",),
    }
    model_info = {"name": "fake-scorer", "version": "0.0.0", "sha256": "0" * 64}
    thresholds = dict(DEFAULT_THRESHOLDS)  # the real scorer's defaults, as it exposes them

    def __init__(self):
        self.threads = []

    def score_thread(self, thread, attributes=None, thresholds=None):
        self.threads.append(thread)
        wanted = list(attributes or ATTRIBUTES)
        limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        results = []
        for post in thread["posts"]:
            result = {"id": post["id"], **self._score(post["text"], wanted, limits)}
            result["quotes"] = [
                {"author": q.get("author"), **self._score(q["text"], [a for a in wanted if a != "off_topic"], limits)}
                for q in post.get("quotes") or []
            ]
            for quote in result["quotes"]:
                del quote["spans"]
            results.append(result)
        return results

    def embed(self, texts):
        """Unit vectors of 8 dimensions from the text's keywords, as `Scorer.embed` gives 384."""
        import numpy as np

        vectors = np.array([[float(w in t.lower()) for w in ("idiot", "stupid", "damn", "awful", "banana", "you", "we", "!")]
                            for t in texts]) + 0.1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _score(self, text, wanted, limits):
        sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\s][^.!?]*[.!?]?", text)] or [(0, len(text))]
        scores, spans = {}, []
        for name in wanted:
            words = self.TRIGGERS.get(name, ())
            per_sentence = [0.9 if any(w in text[b:e].lower() for w in words) else 0.05 for b, e in sentences]
            scores[name] = max(per_sentence)
            if scores[name] >= limits[name] and name != "off_topic":
                spans += [{"begin": b, "end": e, "attribute": name, "score": p}
                          for (b, e), p in zip(sentences, per_sentence) if p >= limits[name]]
        flags = [n for n in wanted if scores[n] >= limits[n]]
        return {"scores": scores, "flags": flags, "spans": spans}


def assert_error(response, status, *fragments):
    """The response is the service's JSON error with this status, naming each fragment."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == status
    assert isinstance(error["status"], str)
    for fragment in fragments:
        assert fragment in error["message"], error["message"]
    return error
