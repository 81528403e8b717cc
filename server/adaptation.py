"""Fitting a community's calibration from its moderators' verdicts (numpy only, no flask).

Two steps per attribute, each measured by cross-validation on the verdicts and kept only
where it measures better than what the community has without it:

1. A re-fitted score, from `REFIT_MIN` verdicts with `REFIT_MIN_PER_CLASS` of each answer:
   a logistic head on the post's stored features (the logits of the nine global scores and
   the pretrained sentence embedding) whose offset is the global score's logit, so the
   global model is its prior: with no evidence (every weight zero) it scores exactly as
   the global model, and the L2 penalty pulls every weight towards that. The penalty is
   chosen from `PENALTIES` by an inner cross-validation inside each outer fold, so the
   reported figures are measured on verdicts the fit never saw. Kept only where the
   out-of-fold ROC-AUC is higher and the out-of-fold log loss lower than the global score's.
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
REFIT_MIN_PER_CLASS = 10
FOLDS = 5
# L2 penalties on standardised features. Measured on HatEval and the Unhealthy
# Conversations corpus (bench/adaptation.py): 30 over-fits a rare class, 3000 barely moves.
PENALTIES = (30.0, 300.0, 3000.0)
SEED = 0
_EPS = 1e-6


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


# --- the re-fitted score ---------------------------------------------------------------


def fit_head(features, labels, offset, penalty):
    """A logistic head with a fixed offset: logit = w . standardise(x) + b + offset.

    In: features (N, F), labels (N,) of 0/1, offset (N,) the global logits, penalty (L2 on
    w; b is free). Out: a dict of plain lists and floats that `head_logits` reads back.
    Damped Newton steps: at most a few hundred features and a few thousand rows, so each
    step is one small linear solve.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    xb = np.column_stack([(x - mean) / scale, np.ones(len(x))])
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
    return {"weights": beta[:-1].tolist(), "bias": float(beta[-1]), "mean": mean.tolist(),
            "scale": scale.tolist(), "penalty": float(penalty)}


def head_logits(head, features, offset):
    """The re-fitted logits of rows of features, given their global logits."""
    x = (np.asarray(features, dtype=np.float64) - np.asarray(head["mean"])) / np.asarray(head["scale"])
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


def _choose_penalty(features, labels, offset, seed):
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
            head = fit_head(features[train], labels[train], offset[train], penalty)
            total += log_loss(labels[test], head_logits(head, features[test], offset[test]))
        losses.append(total)
    return PENALTIES[int(np.argmin(losses))]


def out_of_fold_refit(features, labels, offset, seed=SEED):
    """Re-fitted logits of every verdict from a head that never saw it (nested CV)."""
    fold = _folds(labels, FOLDS, seed)
    out = np.empty(len(labels))
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        penalty = _choose_penalty(features[train], labels[train], offset[train], seed + 1 + f)
        head = fit_head(features[train], labels[train], offset[train], penalty)
        out[test] = head_logits(head, features[test], offset[test])
    return out


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
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = np.asarray(scores)[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        ranks[order[start:start + count]] = start + (count + 1) / 2
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
        refitted = out_of_fold_refit(features, labels, offset, seed)
        auc_after, loss_after = roc_auc(labels, refitted), log_loss(labels, refitted)
        if auc_after > before["roc_auc"] and loss_after < before["log_loss"]:
            penalty = _choose_penalty(features, labels, offset, seed)
            calibration["refit"] = fit_head(features, labels, offset, penalty)
            logits = refitted
            reasons["refit"] = "applied: cross-validated ROC-AUC and log loss both better than the global score's"
        else:
            reasons["refit"] = (f"not applied: cross-validated ROC-AUC {auc_after:.3f} and log loss {loss_after:.3f} "
                                f"against the global {before['roc_auc']:.3f} and {before['log_loss']:.3f}")
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
