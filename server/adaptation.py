"""Fitting a community's calibration from its moderators' verdicts (numpy only, no flask).

Two steps per attribute, each measured by cross-validation on the verdicts and kept only
where it measures better than what the community has without it:

1. A re-fitted score, from `REFIT_MIN` verdicts with `REFIT_MIN_PER_CLASS` of each answer:
   a logistic head on the post's stored features (the logits of the nine global scores and
   the main directions of the pretrained sentence embedding) whose offset is the global
   score's logit, so the global model is its prior: with no evidence (every weight zero) it
   scores exactly as the global model, and the L2 penalty pulls every weight towards that.
   The penalty is chosen from `PENALTIES` by an inner cross-validation inside each outer
   fold, so the reported figures are measured on verdicts the fit never saw. Kept only
   where the out-of-fold log loss is lower than the global score's and the out-of-fold
   ROC-AUC higher in at least 95 % of bootstrap resamples of the verdicts.
2. A flag threshold, from `THRESHOLD_MIN` verdicts with `THRESHOLD_MIN_PER_CLASS` of each:
   the cut that maximises F1 of flags against verdicts (moderators act on flags; F1 weighs
   the flags they had to clear against the posts they had to find). Kept only where the
   out-of-fold F1 is higher than the F1 of the threshold in force.

Assumptions, stated: verdicts are a sample of what the community's moderators judge, not
of every post, so precision and recall here are "on judged posts"; the same post judged
twice counts once, with its latest verdict (the caller dedups).
"""

from __future__ import annotations

import numpy as np

THRESHOLD_MIN = 20
THRESHOLD_MIN_PER_CLASS = 3
REFIT_MIN = 100
REFIT_MIN_PER_CLASS = 20
FOLDS = 5
# L2 penalties on the transformed features (`fit_head`). Measured on HatEval and the Unhealthy
# Conversations corpus (bench/adaptation.py): 30 over-fits a rare class, 3000 barely moves.
PENALTIES = (30.0, 300.0, 3000.0)
SEED = 0
BOOTSTRAP_ROUNDS = 200
BOOTSTRAP_CONFIDENCE = 0.95
_EPS = 1e-6


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


# --- the re-fitted score ---------------------------------------------------------------


def fit_head(features, labels, offset, penalty, transform=None):
    """A logistic head with a fixed offset: logit = w . transform(x) + b + offset.

    In: features (N, F): the nine global logits, then the sentence embedding; labels (N,) of
    0/1; offset (N,), the global logits of the attribute judged; penalty, L2 on w (b is
    free); transform, from `feature_transform` (made from these rows when not given). Out: a
    dict of plain lists and floats that `head_logits` reads back.

    The logits are standardised one by one. The embedding is centred and projected on its
    `EMBEDDING_COMPONENTS` main directions among these verdicts, all scaled by one common
    factor rather than each to unit variance: a direction the posts barely vary along keeps
    its small scale, so the penalty keeps it from fitting noise. It also makes each Newton
    step a small solve: adapting 1 000 verdicts took 96 s with all 384 dimensions and takes a
    few seconds with 32, and lost no ROC-AUC on HatEval (bench/adaptation.py).
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    head = transform or feature_transform(x)
    xb = np.column_stack([_transformed(head, x), np.ones(len(x))])
    penalties = np.full(xb.shape[1], float(penalty))
    penalties[-1] = 1e-6
    beta = np.zeros(xb.shape[1])

    def loss(b):
        z = xb @ b + offset
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(penalties * b * b))

    current = loss(beta)
    for _ in range(50):
        p = sigmoid(xb @ beta + offset)
        gradient = xb.T @ (p - y) + penalties * beta
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalties)
        step = np.linalg.solve(hessian, gradient)
        t = 1.0
        while t > 1e-4 and loss(beta - t * step) > current:
            t /= 2
        beta = beta - t * step
        previous, current = current, loss(beta)
        if previous - current < 1e-7 * max(1.0, abs(previous)):
            break
    return {**head, "weights": beta[:-1].tolist(), "bias": float(beta[-1]), "penalty": float(penalty)}


SCORE_FEATURES = 9  # the logits of the nine global scores come first in a feature row
EMBEDDING_COMPONENTS = 32


def feature_transform(x):
    """How features are standardised and projected: made from features alone, never labels,
    so the one made from all of a community's verdicts serves every cross-validation fold."""
    scores, embedding = x[:, :SCORE_FEATURES], x[:, SCORE_FEATURES:]
    head = {"mean": scores.mean(0).tolist(), "scale": (scores.std(0) + 1e-6).tolist()}
    if embedding.shape[1]:
        centre = embedding.mean(0)
        _, singular, directions = np.linalg.svd(embedding - centre, full_matrices=False)
        k = min(EMBEDDING_COMPONENTS, len(singular))
        spread = float(np.sqrt(np.mean(singular[:k] ** 2) / max(len(x) - 1, 1))) + 1e-9
        head.update({"centre": centre.tolist(), "directions": directions[:k].tolist(), "spread": spread})
    return head


def _transformed(head, x):
    scores = (x[:, :SCORE_FEATURES] - np.asarray(head["mean"])) / np.asarray(head["scale"])
    if "directions" not in head:
        return scores
    embedding = (x[:, SCORE_FEATURES:] - np.asarray(head["centre"])) @ np.asarray(head["directions"]).T / head["spread"]
    return np.column_stack([scores, embedding])


def head_logits(head, features, offset):
    """The re-fitted logits of rows of features, given their global logits."""
    x = _transformed(head, np.asarray(features, dtype=np.float64))
    return x @ np.asarray(head["weights"]) + head["bias"] + np.asarray(offset, dtype=np.float64)


def _folds(labels, k, seed):
    """Stratified fold number of each row: each fold gets its share of each answer."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(labels), dtype=int)
    for value in (0, 1):
        rows = np.flatnonzero(labels == value)
        rng.shuffle(rows)
        fold[rows] = np.arange(len(rows)) % k
    return fold


def _choose_penalty(features, labels, offset, seed, transform):
    """The penalty with the lowest inner cross-validated log loss."""
    k = min(4, int(min(labels.sum(), len(labels) - labels.sum())))
    if k < 2:
        return PENALTIES[-1]
    fold = _folds(labels, k, seed)
    losses = []
    for penalty in PENALTIES:
        total = 0.0
        for f in range(k):
            train, test = fold != f, fold == f
            head = fit_head(features[train], labels[train], offset[train], penalty, transform)
            total += log_loss(labels[test], head_logits(head, features[test], offset[test]))
        losses.append(total)
    return PENALTIES[int(np.argmin(losses))]


def out_of_fold_refit(features, labels, offset, transform, seed=SEED):
    """Re-fitted logits of every verdict from a head that never saw its label (nested CV)."""
    fold = _folds(labels, FOLDS, seed)
    out = np.empty(len(labels))
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        penalty = _choose_penalty(features[train], labels[train], offset[train], seed + 1 + f, transform)
        head = fit_head(features[train], labels[train], offset[train], penalty, transform)
        out[test] = head_logits(head, features[test], offset[test])
    return out


def auc_gain_lower_bound(labels, refitted, global_logits, seed=SEED):
    """The ROC-AUC gain of the re-fit over the global score that `BOOTSTRAP_CONFIDENCE` of
    resamples of the verdicts exceed (paired: both scores on the same resample).

    A few positives make a cross-validated ROC-AUC noisy: with 15 of 300, a re-fit that is
    worse on the community's other posts measured better on its verdicts in one draw of
    three. Requiring the gain to hold across resamples keeps such a re-fit out.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    gains = []
    for _ in range(BOOTSTRAP_ROUNDS):
        rows = rng.integers(0, len(labels), len(labels))
        after, before = roc_auc(labels[rows], refitted[rows]), roc_auc(labels[rows], global_logits[rows])
        if after is not None and before is not None:
            gains.append(after - before)
    return float(np.quantile(gains, 1 - BOOTSTRAP_CONFIDENCE)) if gains else float("-inf")


# --- thresholds ------------------------------------------------------------------------


def best_threshold(scores, labels):
    """The flag threshold in (0, 1) with the highest F1 on these verdicts.

    Candidates are midway between neighbouring distinct scores, so a threshold never sits
    on a judged post's score; ties go to the higher threshold (fewer flags).
    """
    s = np.asarray(scores, dtype=np.float64)
    distinct = np.unique(s)
    if len(distinct) < 2:
        return float(distinct[0]) if len(distinct) else 0.5
    candidates = (distinct[:-1] + distinct[1:]) / 2
    f1s = [f1(labels, s >= t) for t in candidates]
    best = max(f1s)
    return float(candidates[max(i for i, v in enumerate(f1s) if v == best)])


def out_of_fold_flags(scores, labels, seed=SEED):
    """Flags of every verdict under a threshold chosen on the other folds."""
    fold = _folds(labels, FOLDS, seed)
    flags = np.zeros(len(labels), dtype=bool)
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        flags[test] = scores[test] >= best_threshold(scores[train], labels[train])
    return flags


# --- measures ---------------------------------------------------------------------------


def precision_recall(labels, flags):
    labels, flags = np.asarray(labels, dtype=bool), np.asarray(flags, dtype=bool)
    tp = int(np.sum(labels & flags))
    precision = tp / int(flags.sum()) if flags.any() else None
    recall = tp / int(labels.sum()) if labels.any() else None
    return precision, recall


def f1(labels, flags):
    precision, recall = precision_recall(labels, flags)
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def roc_auc(labels, scores):
    """Mann-Whitney ROC-AUC (ties count half); None with only one answer present."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return None
    _, where, counts = np.unique(np.asarray(scores), return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[where.ravel()]  # tied scores share their mean rank
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def log_loss(labels, logits):
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    return float(np.mean(np.logaddexp(0, z) - y * z))


def measures(labels, logits, flags, threshold):
    precision, recall = precision_recall(labels, flags)
    return {"threshold": round(float(threshold), 4), "precision": _round(precision), "recall": _round(recall),
            "f1": round(f1(labels, flags), 4), "roc_auc": _round(roc_auc(labels, logits)),
            "log_loss": round(log_loss(labels, logits), 4)}


def _round(value):
    return None if value is None else round(float(value), 4)


# --- one attribute ---------------------------------------------------------------------


def adapt_attribute(features, labels, global_logits, threshold_in_force, seed=SEED):
    """Fit one attribute's community calibration; return (calibration, report).

    In: features (N, F) and labels (N,) of the community's verdicts on this attribute;
    global_logits (N,), the global model's logit of each; threshold_in_force, the global
    flag threshold. Out: calibration {"threshold": t or None, "refit": head or None}
    (None: the global one stands), and report {"verdicts", "positives", "before", "after",
    "applied", "reasons"}, every "after" figure measured out of fold.
    """
    labels = np.asarray(labels, dtype=int)
    features = np.asarray(features, dtype=np.float64)
    offset = np.asarray(global_logits, dtype=np.float64)
    n, positives = len(labels), int(labels.sum())
    fewest = min(positives, n - positives)
    before = measures(labels, offset, sigmoid(offset) >= threshold_in_force, threshold_in_force)
    calibration = {"threshold": None, "refit": None}
    reasons = {}
    logits = offset
    after = dict(before)

    if n >= REFIT_MIN and fewest >= REFIT_MIN_PER_CLASS:
        transform = feature_transform(features)
        refitted = out_of_fold_refit(features, labels, offset, transform, seed)
        auc_after, loss_after = roc_auc(labels, refitted), log_loss(labels, refitted)
        gain = auc_gain_lower_bound(labels, refitted, offset, seed)
        if gain > 0 and loss_after < before["log_loss"]:
            penalty = _choose_penalty(features, labels, offset, seed, transform)
            calibration["refit"] = fit_head(features, labels, offset, penalty, transform)
            logits = refitted
            reasons["refit"] = (f"applied: cross-validated ROC-AUC {auc_after:.3f} against {before['roc_auc']:.3f} "
                                f"(at least {gain:+.3f} in {BOOTSTRAP_CONFIDENCE:.0%} of resamples), log loss lower")
        else:
            reasons["refit"] = (f"not applied: cross-validated ROC-AUC {auc_after:.3f} (at least {gain:+.3f} in "
                                f"{BOOTSTRAP_CONFIDENCE:.0%} of resamples) and log loss {loss_after:.3f}, against the "
                                f"global {before['roc_auc']:.3f} and {before['log_loss']:.3f}")
    else:
        reasons["refit"] = (f"needs {REFIT_MIN} verdicts with {REFIT_MIN_PER_CLASS} of each answer "
                            f"(has {n}, {positives} yes)")

    scores = sigmoid(logits)
    # The threshold in force on this score: the global one, which on a re-fitted score no
    # longer means what it meant.
    flags_in_force = scores >= threshold_in_force
    if n >= THRESHOLD_MIN and fewest >= THRESHOLD_MIN_PER_CLASS:
        oof_flags = out_of_fold_flags(scores, labels, seed)
        if f1(labels, oof_flags) > f1(labels, flags_in_force):
            calibration["threshold"] = best_threshold(scores, labels)
            after = measures(labels, logits, oof_flags, calibration["threshold"])
            reasons["threshold"] = "applied: cross-validated F1 of flags better than the threshold in force"
        else:
            after = measures(labels, logits, flags_in_force, threshold_in_force)
            reasons["threshold"] = (f"not applied: cross-validated F1 {f1(labels, oof_flags):.3f}, "
                                    f"{f1(labels, flags_in_force):.3f} with the threshold in force")
    else:
        after = measures(labels, logits, flags_in_force, threshold_in_force)
        reasons["threshold"] = (f"needs {THRESHOLD_MIN} verdicts with {THRESHOLD_MIN_PER_CLASS} of each answer "
                                f"(has {n}, {positives} yes)")
    report = {"verdicts": n, "positives": positives, "before": before, "after": after,
              "applied": {"refit": calibration["refit"] is not None, "threshold": calibration["threshold"] is not None},
              "reasons": reasons}
    return calibration, report
