"""Classification heads and their calibration, shared by training and scoring.

One linear head per attribute over the mean-pooled output of the fine-tuned top. During
training each data source also gets its own bias per attribute, so that sources with very
different base rates (HatEval is 42 % hateful, Jigsaw 1 %) share the head's direction
without fighting over its offset. The served head carries the reference source's bias.

Calibration (Platt scaling) maps a head's logit z to a probability sigma(a * z + b). The
slope a is fitted on the validation rows of every source that labels the attribute, with an
intercept per source; the served intercept b is the reference source's, so scores mean
"probability of yes at the base rate of forum-like comments" rather than at a blend of
Twitter and Wikipedia rates.
"""

from __future__ import annotations

import numpy as np

from .attributes import ATTRIBUTES

# The attributes read from one text alone; off_topic needs the thread (models/offtopic.py).
# The order is the heads' row order in the committed weights (config.json head_attributes).
HEAD_ATTRIBUTES = tuple(a for a in ATTRIBUTES if a != "off_topic")

# The attributes the token-level head marks word by word: the ones Toxic Spans types
# (Insult, Threat, Identity based Attack, Profane/Obscene; every type counts as toxicity).
# The tone attributes have no word-level labels anywhere; their spans are the words whose
# share of the pooled head logit is largest (models/spans.py).
SPAN_ATTRIBUTES = ("toxicity", "insult", "identity_attack", "profanity", "threat")


# Base rates assumed for a moderated forum, where the reference data's own rate is far from
# one: the off_topic training mix is 47 % off-topic; scored at that rate, an ordinary
# thread would be flagged off-topic post after post. This is a stated assumption (not
# fitted to any test file): a score is the probability of yes at this base rate. Ranking,
# and so every ROC-AUC, is unchanged by the shift. hostility and sarcasm were shifted too
# while they were calibrated on tweets (43 % angry, 48 % ironic); they are now calibrated
# on Unhealthy Conversations (newspaper comment threads), whose rates are already a comment
# section's own, so they need no shift.
FORUM_BASE_RATES = {"off_topic": 0.10}


def prior_shift(intercept: float, from_rate: float, to_rate: float) -> float:
    """Move a logistic intercept from one base rate to another (Bayes' rule on the odds)."""
    def logit(p):
        return float(np.log(p / (1.0 - p)))

    return intercept + logit(to_rate) - logit(from_rate)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def fit_platt(logits: np.ndarray, labels: np.ndarray, sources: list[str], reference: str) -> tuple[float, float]:
    """Shared slope, per-source intercepts; returns (slope, reference intercept).

    logits, labels: 1-D arrays over validation rows; sources: the source of each row.
    Falls back to a pooled intercept when the reference source has no rows.
    """
    from sklearn.linear_model import LogisticRegression

    names = sorted(set(sources))
    onehot = np.zeros((len(sources), len(names)))
    for i, s in enumerate(sources):
        onehot[i, names.index(s)] = 1.0
    x = np.column_stack([logits, onehot])
    model = LogisticRegression(C=100.0, fit_intercept=False, max_iter=2000)
    model.fit(x, labels)
    slope = float(model.coef_[0, 0])
    intercepts = dict(zip(names, model.coef_[0, 1:]))
    if reference in intercepts:
        return slope, float(intercepts[reference])
    return slope, float(np.mean(list(intercepts.values())))
