"""ROC-AUC of the served model at each precision, on the public test files: `python bench/quality.py`.

    python bench/quality.py --data ../shared/data --precisions fp32,bf16,int8

The same measures as the quality report (models/evaluate.py: Jigsaw test AUC per harm
attribute, the TweetEval tasks, anger and negativity AUC, off_topic AUC on held-out CQA
threads), computed by its own functions, for the served (fine-tuned) variant only, so
that int8 and bf16 can be held to within 0.005 ROC-AUC of fp32. It writes nothing into
models/; the report there is the quality report's own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BAR = 0.005


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", type=Path, default=None, help="weights folder (default: the committed ones)")
    parser.add_argument("--precisions", default="fp32,bf16,int8")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is steadier on a shared machine)")
    parser.add_argument("--seed", type=int, default=13, help="as models.evaluate's --seed")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")

    import torch

    from models import Scorer
    from models.evaluate import evaluate_classification, evaluate_offtopic

    torch.set_num_threads(args.threads)
    results = {}
    for precision in args.precisions.split(","):
        started = time.time()
        scorer = Scorer.load(args.weights, precision=precision)
        part = evaluate_classification(scorer, args.data)
        part.update(evaluate_offtopic(scorer, args.data, args.seed))
        results[precision] = {k: v for k, v in part.items() if k.endswith(".auc")}
        results[precision]["seconds"] = round(time.time() - started)
        results["model"] = scorer.model_info
        print(f"{precision}: {results[precision]['seconds']} s", file=sys.stderr)

    reference = results.get("fp32", {})
    keys = [k for k in reference if k.endswith(".auc")]
    lines = ["| measure | " + " | ".join(args.precisions.split(",")) + " |", "|---|" + "---|" * len(args.precisions.split(","))]
    for key in keys:
        cells = []
        for precision in args.precisions.split(","):
            value = results[precision][key]
            delta = value - reference[key]
            cells.append(f"{value:.4f}" + ("" if precision == "fp32" else f" ({delta:+.4f}{' OVER' if abs(delta) > BAR else ''})"))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    worst = {p: max(abs(results[p][k] - reference[k]) for k in keys) for p in args.precisions.split(",") if p != "fp32" and keys}
    lines.append("")
    lines += [f"{p}: largest |AUC - fp32 AUC| = {w:.4f} ({'within' if w <= BAR else 'NOT within'} {BAR})" for p, w in worst.items()]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "worst_auc_difference": worst}, indent=1, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
