"""Helpers the service tests import: a fake scorer with the Scorer contract, and error checks."""

import re

from models import ATTRIBUTES, DEFAULT_THRESHOLDS


class FakeScorer:
    """Scores by keywords, with sentence spans, as `models.Scorer` promises to.

    A post containing a word from TRIGGERS scores 0.9 on that attribute (0.05 otherwise),
    with a span over each sentence that holds the word. `threads` records what it was
    given, so tests can see how the service built the thread.
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

    def __init__(self):
        self.threads = []

    def score_thread(self, thread):
        self.threads.append(thread)
        return [self._score(post) for post in thread["posts"]]

    def score_texts(self, texts):
        return [self._score({"id": str(i), "text": t}) for i, t in enumerate(texts)]

    def _score(self, post):
        text = post["text"]
        scores, spans = {}, []
        for name in ATTRIBUTES:
            words = self.TRIGGERS.get(name, ())
            scores[name] = 0.9 if any(w in text.lower() for w in words) else 0.05
            if scores[name] >= DEFAULT_THRESHOLDS[name]:
                for m in re.finditer(r"[^.!?]+[.!?]?", text):
                    if any(w in m.group().lower() for w in words):
                        spans.append({"begin": m.start(), "end": m.end(), "attribute": name, "score": 0.95})
        flags = [n for n in ATTRIBUTES if scores[n] >= DEFAULT_THRESHOLDS[n]]
        return {"id": post["id"], "scores": scores, "flags": flags, "spans": spans}


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
