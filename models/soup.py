"""Average runs of one recipe into one model (a "model soup"):
`python -m models.soup --weights RUN_A RUN_B --data ../shared/data --out OUT`.

Runs fine-tuned from the same pretrained layers with different seeds stay close to them
(learning rate 4e-5, 3 500 steps), and the mean of their weights is often better than either
run while costing nothing at serving time: one model, same size, same speed (Wortsman et al.
2022, "Model soups"). Here, measured on two seeds of the committed recipe, the soup sat
between them, 0.002 above their mean (models/MODEL_CARD.md, eleventh session). What is
averaged: the fine-tuned layers and every head trained with them (the pooled heads with
their served biases, the reply-context weights, the token-level span head). The heads start
from different random draws in each run; they are linear over features that begin as the
same pretrained ones, so their mean stays close to the mean of the runs' logits, but that is
a hope to check on the report, not a guarantee.

What is not averaged: the frozen-encoder baseline and the off_topic model, which never see
the tuned layers; they are taken from the first run. Calibration and the span cuts are fitted
again on the validation rows, as `models.train` fits them, since a mean of two heads has its
own scale.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from . import data as datasets
from .weights import CONFIG_FILE, WEIGHTS_FILE, load_weights, sha256_of, write_weights

# Tensors fitted together with the tuned layers; everything else is the first run's.
AVERAGED_PREFIXES = ("tuned_top.", "head.", "context.", "span.")
# Config entries that must agree for an average to mean anything.
MUST_MATCH = ("encoder", "split", "head_attributes", "span_attributes")


def average(folders: list[Path]) -> tuple[dict[str, np.ndarray], dict, list[str]]:
    """(averaged tensors, the first run's config, each run's sha256). Raises ValueError when
    the runs are not the same architecture (split, attributes, tensor names or shapes)."""
    runs = [load_weights(f) for f in folders]
    first_tensors, first_config, _ = runs[0]
    for folder, (tensors, config, _) in zip(folders[1:], runs[1:]):
        for key in MUST_MATCH:
            if config.get(key) != first_config.get(key):
                raise ValueError(f"{folder}: {key} is {config.get(key)!r}, the first run's is {first_config.get(key)!r}; only runs of one architecture can be averaged")
        if set(tensors) != set(first_tensors):
            raise ValueError(f"{folder}: tensor names differ from the first run's ({sorted(set(tensors) ^ set(first_tensors))[:5]})")
        for name, value in tensors.items():
            if value.shape != first_tensors[name].shape:
                raise ValueError(f"{folder}: {name} has shape {value.shape}, the first run's {first_tensors[name].shape}")
    out = {}
    for name, value in first_tensors.items():
        if name.startswith(AVERAGED_PREFIXES):
            out[name] = np.mean([tensors[name] for tensors, _, _ in runs], axis=0, dtype=np.float64).astype(np.float32)
        else:
            out[name] = value
    return out, first_config, [sha for _, _, sha in runs]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, nargs="+", required=True, help="two or more trained weight folders of one recipe")
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR, help="the shared data folder (validation rows for calibration)")
    parser.add_argument("--out", type=Path, required=True, help="where the averaged weights are written")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="validation rows per source for calibration (smoke runs; default: as training)")
    args = parser.parse_args(argv)
    if len(args.weights) < 2:
        parser.error("--weights needs at least two runs to average")
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    if any(args.out.resolve() == w.resolve() for w in args.weights):
        parser.error("--out must not be one of the runs being averaged")
    try:
        tensors, config, shas = average(args.weights)
    except (ValueError, FileNotFoundError) as e:
        parser.error(str(e))

    from .scorer import Scorer
    from .span_cuts import choose_span_cuts
    from .train import calibrate, calibration_rows, log

    started = time.time()
    trained_on = config.get("training", {}).get("rows_per_source")
    val_rows = calibration_rows(args.data, config, args.limit)
    head_attributes = config["head_attributes"]
    # A first save with identity calibration, so the served code path computes the logits.
    config = dict(config)
    config["calibration"] = {a: [1.0, 0.0] for a in head_attributes}
    config["training"] = {
        "soup_of": [{"folder": str(f), "sha256": sha, "seed": json.loads((f / CONFIG_FILE).read_text()).get("training", {}).get("seed")} for f, sha in zip(args.weights, shas)],
        "averaged": list(AVERAGED_PREFIXES),
        "val_rows": len(val_rows),
        "rows_per_source": trained_on,  # the first run's, so that a soup of soups calibrates on the same rows
        "version_of_first": config.get("version"),
    }
    config["version"] = time.strftime("%Y.%m.%d")
    write_weights(args.out, tensors, config)
    scorer = Scorer.load(args.out, threads=args.threads)
    logits = scorer.head_logits([r.text for r in val_rows], [r.parent for r in val_rows])
    config["calibration"] = {a: list(v) for a, v in calibrate(logits, val_rows).items()}
    config["span_thresholds"], config["span_relative"] = choose_span_cuts(scorer, val_rows, log)
    config["training"]["seconds"] = round(time.time() - started)
    write_weights(args.out, tensors, config)
    digest = sha256_of(args.out / WEIGHTS_FILE, args.out / CONFIG_FILE)
    log(f"wrote the mean of {len(args.weights)} runs to {args.out} in {time.time() - started:.0f}s (sha256 {digest[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
