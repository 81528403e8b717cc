"""ROC-AUC of the served model on each runtime and precision, on the public test files: `python bench/quality.py`.

    python bench/quality.py --data ../shared/data --variants torch-fp32,torch-bf16,onnx-fp32,onnx-int8 --jobs 2 --record

The same measures as the quality report (models/evaluate.py: Jigsaw test AUC per harm
attribute, the TweetEval tasks, anger and negativity AUC, off_topic AUC on held-out CQA
threads, the forum and comment-thread sets, the probes and the threat templates: every
ROC-AUC of the report), computed by its own functions, for the served (fine-tuned) variant only, so
that every runtime and precision can be held to within 0.005 ROC-AUC of torch fp32.
A variant is RUNTIME-PRECISION (torch-fp32, torch-bf16, torch-int8, onnx-fp32,
onnx-int8); a bare precision means torch. The first variant is the reference.

`--record` keeps each variant's largest difference from the reference in
models/runtime_quality.json under the weights' sha256: what `auto` reads at start
(models/runtime.py) to allow int8 or bf16 for exactly these weights. Nothing else in
models/ is written; the report there is the quality report's own.
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


def variant(name: str) -> tuple[str, str]:
    runtime, _, precision = name.rpartition("-")
    return runtime or "torch", precision


def is_auc(key: str) -> bool:
    """A ROC-AUC of the report: "x.auc", "x.y_auc", "x.auc_with_parent", "x.auc_text_only"."""
    return ".auc" in key or key.endswith("_auc")


def measure(name: str, data: Path, weights: Path | None, threads: int, seed: int) -> dict:
    """One variant's measures, in this process (or a worker of --jobs)."""
    import torch

    from models import Scorer
    from models.evaluate import evaluate_classification, evaluate_forum, evaluate_offtopic, evaluate_probes, evaluate_threats

    torch.set_num_threads(threads)
    started = time.time()
    runtime, precision = variant(name)
    scorer = Scorer.load(weights, runtime=runtime, precision=precision, threads=threads)
    if (scorer.model_info["runtime"], scorer.model_info["precision"]) != (runtime, precision):
        raise SystemExit(f"{name}: the scorer fell back to {scorer.model_info['runtime']}-{scorer.model_info['precision']} ({scorer.runtime_reason})")
    part = evaluate_classification(scorer, data)
    part.update(evaluate_offtopic(scorer, data, seed))
    # The forum sets, the probes and the threat templates: every ROC-AUC of the report.
    part.update(evaluate_forum(scorer, data))
    part.update(evaluate_probes(scorer))
    part.update(evaluate_threats(scorer))
    out = {k: v for k, v in part.items() if isinstance(v, float) and is_auc(k)}
    out["seconds"] = round(time.time() - started)
    out["model"] = scorer.model_info
    print(f"{name}: {out['seconds']} s", file=sys.stderr)
    return out


def record(path: Path, sha: str, worst: dict, command: str) -> None:
    records = json.loads(path.read_text()) if path.is_file() else {}
    entry = records.setdefault(sha, {"worst_auc_difference": {}})
    entry["worst_auc_difference"].update({k: round(v, 4) for k, v in worst.items()})
    if any(k.startswith("onnx-") for k in worst):
        from models.onnx_encoder import FORMAT

        entry["onnx_format"] = FORMAT  # what models/runtime.py checks before it reads an onnx figure
    entry["measured_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    entry["command"] = command
    path.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", type=Path, default=None, help="weights folder (default: the committed ones)")
    parser.add_argument("--variants", "--precisions", dest="variants", default="torch-fp32,torch-bf16,onnx-fp32,onnx-int8")
    parser.add_argument("--threads", type=int, default=1, help="threads per variant (1 is steadier on a shared machine)")
    parser.add_argument("--jobs", type=int, default=1, help="variants measured at once, each in its own process")
    parser.add_argument("--seed", type=int, default=13, help="as models.evaluate's --seed")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--record", action="store_true", help="keep the differences in models/runtime_quality.json for auto")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    names = [n if "-" in n else f"torch-{n}" for n in args.variants.split(",")]
    if names[0] != "torch-fp32":
        parser.error("the first variant must be torch-fp32 (or fp32): the reference the others are held to")

    if args.jobs > 1:
        import multiprocessing as mp

        # Exports first, in this process: two workers must not both export at once.
        if any(variant(n)[0] == "onnx" for n in names):
            from models.runtime import ensure_export
            from models.scorer import DEFAULT_WEIGHTS_DIR
            from models.weights import load_weights

            folder = args.weights or DEFAULT_WEIGHTS_DIR
            problem = ensure_export(folder, load_weights(folder)[2])
            if problem:
                raise SystemExit(problem)
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            measured = pool.starmap(measure, [(n, args.data, args.weights, args.threads, args.seed) for n in names])
        results = dict(zip(names, measured))
    else:
        results = {n: measure(n, args.data, args.weights, args.threads, args.seed) for n in names}

    reference = results[names[0]]
    # Every ROC-AUC measure() kept: ".auc", "_auc" and ".auc_with_parent"/".auc_text_only"
    # alike (an earlier filter on ".auc" alone left CAD and the reply-context sets unchecked).
    keys = [k for k in reference if is_auc(k)]
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        cells = []
        for name in names:
            value = results[name][key]
            delta = value - reference[key]
            cells.append(f"{value:.4f}" + ("" if name == names[0] else f" ({delta:+.4f}{' OVER' if abs(delta) > BAR else ''})"))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    worst = {n: max(abs(results[n][k] - reference[k]) for k in keys) for n in names[1:] if keys}
    lines.append("")
    lines += [f"{n}: largest |AUC - torch-fp32 AUC| = {w:.4f} ({'within' if w <= BAR else 'NOT within'} {BAR})" for n, w in worst.items()]
    lines.append(f"weights sha256 {reference['model']['sha256']}; seconds: " + ", ".join(f"{n} {results[n]['seconds']}" for n in names))
    print("\n".join(lines))
    command = "python bench/quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.json:
        args.json.write_text(json.dumps({"command": command, "results": results, "worst_auc_difference": worst}, indent=1, default=float) + "\n")
    if args.record:
        from models.runtime import QUALITY_FILE

        record(QUALITY_FILE, reference["model"]["sha256"], worst, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
