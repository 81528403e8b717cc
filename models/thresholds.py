"""Where the flag thresholds come from: `python -m models.thresholds --data ../shared/data`.

Scores are calibrated probabilities, but a flag is a decision: how many false alarms a
moderator will put up with to catch the posts that need them. For the attributes whose
cut is chosen by a stated rule rather than left at 0.5, this prints, on validation rows
only (kept out of training; never a test or report row), the lowest cut at which at most
a stated share of the rows labelled "no" is flagged, with the recall that buys. The
chosen values are written by hand into models/attributes.py DEFAULT_THRESHOLDS, with this
command named beside them, so a retrain that moves them is seen in review.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from . import data as datasets

# attribute -> (largest share of validation "no" rows that may be flagged, sources read).
RULES = {
    # Replies to other people: comment threads (UC, UQ, ToxiChat) and Reddit (CAD).
    "hostility": (0.03, ("uc", "cad", "uq", "toxichat")),
    # Every source that labels threats, the templates' own validation set included.
    "threat": (0.005, ("jigsaw", "gab", "threats", "toxic_spans_typed")),
}


def lowest_cut(scores: np.ndarray, labels: np.ndarray, max_false_share: float) -> tuple[float, float, float]:
    """(cut, share of negatives flagged, share of positives flagged) for the lowest cut,
    on a grid of 0.005, that flags at most `max_false_share` of the negatives."""
    negatives, positives = scores[labels == 0], scores[labels == 1]
    for cut in np.round(np.arange(0.005, 1.0, 0.005), 3):
        false = float((negatives >= cut).mean()) if len(negatives) else 0.0
        if false <= max_false_share:
            return float(cut), false, float((positives >= cut).mean()) if len(positives) else float("nan")
    return 1.0, 0.0, 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--weights", type=Path, default=None, help="weights folder (default: the committed ones)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    from .scorer import Scorer

    scorer = Scorer.load(args.weights)
    loaders = datasets.all_loaders()
    print("| attribute | rule | validation rows (yes / no) | cut | no flagged | yes flagged |")
    print("|---|---|---|---|---|---|")
    for attr, (share, sources) in RULES.items():
        rows = [e for s in sources for e in loaders[s](args.data, "val") if attr in e.labels]
        results = scorer.score_texts([e.text for e in rows], attributes=[attr], parents=[e.parent for e in rows])
        scores = np.array([r["scores"][attr] for r in results])
        labels = np.array([e.labels[attr] for e in rows])
        cut, false, true = lowest_cut(scores, labels, share)
        print(f"| {attr} | at most {share:.1%} of 'no' flagged ({', '.join(sources)}) | {int(labels.sum())} / {int((labels == 0).sum())} "
              f"| {cut:.3f} | {false:.2%} | {true:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
