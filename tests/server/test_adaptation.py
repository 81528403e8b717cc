"""The fitting behind a community's calibration (server/adaptation.py), on synthetic verdicts
whose truth is known."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from server import adaptation


def community(n, signal, seed=0, base_rate=0.3):
    """Verdicts whose truth depends on feature 1 (which the global logit, feature 0, ignores)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    truth = adaptation.logit(base_rate) + 0.8 * x[:, 0] + signal * x[:, 1]
    labels = (rng.random(n) < adaptation.sigmoid(truth)).astype(int)
    return x, labels, 0.8 * x[:, 0] + adaptation.logit(base_rate)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_matches_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200), 1)  # many ties
    assert adaptation.roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


def test_a_head_with_no_evidence_is_the_global_model():
    x, labels, offset = community(200, signal=0.0)
    head = adaptation.fit_head(x, labels, offset, penalty=1e9)
    assert np.allclose(adaptation.head_logits(head, x, offset) - offset, head["bias"], atol=1e-3)


def test_a_head_learns_what_the_global_model_misses():
    x, labels, offset = community(400, signal=2.0)
    head = adaptation.fit_head(x[:300], labels[:300], offset[:300], penalty=30)
    refit = adaptation.head_logits(head, x[300:], offset[300:])
    assert adaptation.roc_auc(labels[300:], refit) > adaptation.roc_auc(labels[300:], offset[300:]) + 0.1


def test_best_threshold_maximises_f1():
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    labels = np.array([0, 0, 1, 1, 1, 1])
    assert adaptation.best_threshold(scores, labels) == pytest.approx(0.25)


def test_adapting_applies_a_refit_only_where_it_measures_better():
    x, labels, offset = community(300, signal=2.0)
    fit, report = adaptation.adapt_attribute(x, labels, offset, 0.5)
    assert fit["refit"] is not None and report["applied"]["refit"]
    assert report["after"]["roc_auc"] > report["before"]["roc_auc"] + 0.1

    x, labels, offset = community(300, signal=0.0, seed=5)
    fit, report = adaptation.adapt_attribute(x, labels, offset, 0.5)
    assert fit["refit"] is None and "not applied" in report["reasons"]["refit"]


def test_a_threshold_moves_where_the_community_draws_its_line():
    # The global scores rank well, but this community removes far more than the global
    # threshold flags: the refit is not needed, the threshold is.
    rng = np.random.default_rng(0)
    scores = rng.random(60) * 0.6
    labels = (scores > 0.2).astype(int)
    offset = adaptation.logit(scores)
    fit, report = adaptation.adapt_attribute(np.zeros((60, 1)), labels, offset, 0.5)
    assert fit["threshold"] == pytest.approx(0.2, abs=0.03)
    assert report["after"]["f1"] > report["before"]["f1"]


def test_too_few_verdicts_fit_nothing():
    x, labels, offset = community(19, signal=2.0)
    fit, report = adaptation.adapt_attribute(x, labels, offset, 0.5)
    assert fit == {"threshold": None, "refit": None}
    assert report["before"] == report["after"]
