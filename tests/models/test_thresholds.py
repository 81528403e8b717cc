"""The flag-threshold rule (models/thresholds.py) on made-up scores."""

import numpy as np

from models.thresholds import lowest_cut


def test_lowest_cut_flags_at_most_the_allowed_share_of_negatives():
    negatives = np.linspace(0.0, 0.5, 100)  # one in a hundred at or over 0.495
    positives = np.array([0.2, 0.6, 0.9, 0.95])
    scores = np.r_[negatives, positives]
    labels = np.r_[np.zeros(100), np.ones(4)]
    cut, false, true = lowest_cut(scores, labels, 0.01)
    assert false <= 0.01
    assert (negatives >= cut - 0.005).mean() > 0.01, "a lower cut on the grid would break the rule"
    assert true == 0.75


def test_nothing_meets_the_rule_means_never_flag():
    scores, labels = np.array([0.999, 0.999]), np.array([0, 1])
    assert lowest_cut(scores, labels, 0.0)[0] == 1.0
