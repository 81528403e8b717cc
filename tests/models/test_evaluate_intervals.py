"""The quality report's ROC-AUC intervals (models/evaluate.py): each AUC knows its counts, and
the Hanley-McNeil interval agrees with a bootstrap of the same rows."""

import json
import pickle

import numpy as np
import pytest

from models.evaluate import AUC, auc_interval, intervals, roc_auc


def _rows(positives: int, negatives: int, shift: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.r_[np.ones(positives, int), np.zeros(negatives, int)]
    scores = np.r_[rng.normal(shift, 1, positives), rng.normal(0, 1, negatives)]
    return labels, scores


def test_an_auc_keeps_its_counts_through_json_and_pickle():
    labels, scores = _rows(30, 300, 1.0)
    auc = roc_auc(labels, scores)
    assert isinstance(auc, AUC) and (auc.positives, auc.negatives) == (30, 300)
    assert json.loads(json.dumps({"x": auc})) == {"x": float(auc)}
    again = pickle.loads(pickle.dumps(auc))
    assert again == auc and (again.positives, again.negatives) == (30, 300)
    assert np.isnan(roc_auc([1, 1, 1], [0.1, 0.2, 0.3]))  # one class: no AUC, no interval
    assert intervals({"a.auc": auc, "b.share": 0.5, "c.auc": float("nan")}).keys() == {"a.auc"}


@pytest.mark.parametrize("positives,negatives,shift", [(40, 1700, 1.2), (200, 200, 0.5), (25, 80, 2.0)])
def test_the_interval_matches_a_bootstrap_of_the_rows(positives, negatives, shift):
    # Resampling the positives and the negatives apart (as the counts are fixed by the test
    # file) gives the AUC's sampling spread directly; Hanley-McNeil's must agree with it
    # within a fifth of its width.
    from sklearn.metrics import roc_auc_score

    labels, scores = _rows(positives, negatives, shift, seed=1)
    auc = roc_auc(labels, scores)
    low, high = auc_interval(auc, positives, negatives)
    pos, neg = scores[labels == 1], scores[labels == 0]
    rng = np.random.default_rng(2)
    boot = [roc_auc_score(np.r_[np.ones(positives), np.zeros(negatives)],
                          np.r_[rng.choice(pos, positives), rng.choice(neg, negatives)]) for _ in range(1500)]
    b_low, b_high = np.quantile(boot, [0.025, 0.975])
    assert low < auc < high
    assert abs((high - low) - (b_high - b_low)) < 0.2 * (b_high - b_low), ((low, high), (b_low, b_high))


def test_fewer_positives_give_a_wider_interval():
    width = {n: np.subtract(*auc_interval(0.8, n, 1700)[::-1]) for n in (20, 40, 400)}
    assert width[20] > width[40] > width[400] > 0
    # 40 positives, about as many as some of the report's UC rows have: some +-0.08.
    assert 0.12 < width[40] < 0.2
    assert auc_interval(0.999, 5, 5)[1] <= 1.0 and auc_interval(0.001, 5, 5)[0] >= 0.0
