"""One probe a line, scored by one or more weights: `python -m models.probe_scores`.

    python -m models.probe_scores --kinds intimidation --attribute threat
    python -m models.probe_scores --kinds condescending --attribute hostility --weights models/weights RUN

The report (models/evaluate.py) gives the probes' shares; this says which replies make
them: each probe of the chosen kinds (models/probes.py), read in its thread as the report
reads it, with one attribute's score from each weights folder ([1], [2], ... in the order
given) and "*" where that score is at or above the served cut. Where two folders disagree
on the flag the line ends in "<- differs". Nothing is written; it is for reading a run's
gains and losses reply by reply.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .attributes import ATTRIBUTES
from .probes import probes

WIDTH = 90


def table(rows: list[dict], columns: list[tuple[str, list[dict]]], attribute: str, cut: float) -> list[str]:
    """Text lines: the columns' names, a header, then kind, one score per column (flag
    marked) and the reply's start, and last the count each column flags."""
    lines = [f"[{k}] {name}" for k, (name, _) in enumerate(columns, 1)]
    lines.append("kind                " + " ".join(f"{f'[{k}]':>13s}" for k in range(1, len(columns) + 1)) + "  reply")
    for i, row in enumerate(rows):
        scores = [results[i]["scores"][attribute] for _, results in columns]
        flags = [s >= cut for s in scores]
        cells = " ".join(f"{s:12.3f}{'*' if f else ' '}" for s, f in zip(scores, flags))
        differs = "  <- differs" if len(set(flags)) > 1 else ""
        lines.append(f"{row['kind']:<20s}{cells}  {row['text'][:WIDTH]}{differs}")
    flagged = [sum(r["scores"][attribute] >= cut for r in results) for _, results in columns]
    lines.append(f"flagged at {cut:.3f}:".ljust(20) + " ".join(f"{f:>9d}/{len(rows):<3d}" for f in flagged))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default="intimidation", help="comma-separated probe kinds (models/probes.py MIN_PER_KIND)")
    parser.add_argument("--attribute", default="threat", choices=[a for a in ATTRIBUTES if a != "off_topic"])
    parser.add_argument("--weights", type=Path, nargs="+", default=[None], help="weights folders (default: the committed ones)")
    parser.add_argument("--cut", type=float, default=None, help="the flag cut (default: the served one)")
    args = parser.parse_args(argv)

    kinds = [k for k in args.kinds.split(",") if k]
    every = probes()
    known = {p["kind"] for p in every}
    unknown = sorted(set(kinds) - known)
    if unknown:
        parser.error(f"unknown probe kinds: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    rows = [p for p in every if p["kind"] in kinds]
    missing = [str(f) for f in args.weights if f is not None and not (f / "config.json").is_file()]
    if missing:
        parser.error(f"not a weights folder (no config.json): {', '.join(missing)}")

    import torch

    from .evaluate import score_probes
    from .scorer import Scorer

    torch.set_num_threads(2)
    columns, cut = [], args.cut
    for folder in args.weights:
        scorer = Scorer.load(folder)
        cut = scorer.thresholds[args.attribute] if cut is None else cut
        columns.append((str(folder or "committed"), score_probes(scorer, rows)))
    print("\n".join(table(rows, columns, args.attribute, cut)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
