"""The token-level head's cuts: `python -m models.span_cuts --data ../shared/data [--weights DIR] [--write]`.

Each span attribute gets the rule that marks words best on validation rows (mean character
F1, the SemEval-2021 Task 5 metric): a fixed probability cut, and optionally a relative one
(models/spans.py word_cut: the words near the post's most probable one). Training and
`models.soup` choose them as they finish a run; this command chooses them again for a
weights folder that exists (by default the committed one), prints what each rule reaches,
and with --write stores the choice in its config.json (`span_thresholds`, `span_relative`).
It reads validation rows only, the first ones of each set the run trained on, as training
calibrates on: never a test or report row.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import data as datasets
from .heads import SPAN_ATTRIBUTES
from .spans import character_f1, marked_words, offsets_of, word_values

CUT_GRID = tuple(float(c) for c in np.round(np.arange(0.1, 0.91, 0.05), 2))
RELATIVE_GRID = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9)
# A relative cut is kept only when it beats the best fixed cut by this much mean F1 on at
# least this many validation rows (2026-12-03: toxicity and insult have 845 and 667 rows;
# identity_attack, profanity and threat 32, 42 and 10).
MIN_GAIN = 0.005
MIN_ROWS = 100


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def span_rows(val_rows, attribute: str):
    """The validation rows a cut for `attribute` is chosen on: for toxicity SemEval's rows
    (every one a toxic comment, as in its metric); for the typed attributes the typed rows
    whose raters found that type in the post, since spans are shown only for a flagged
    attribute."""
    return [r for r in val_rows if r.spans is not None and (r.source == "toxic_spans" if attribute == "toxicity" else r.labels.get(attribute) == 1)]


def mean_f1(rows_words, gold, cut: float, relative: float | None) -> float:
    """Mean character F1 of the words marked by (cut, relative) against the gold offsets."""
    return float(np.mean([character_f1(offsets_of(marked_words(text, spans, values, cut, relative)), g) for (text, spans, values), g in zip(rows_words, gold)]))


def choose_span_cuts(scorer, val_rows, log=_log) -> tuple[dict[str, float], dict[str, float | None]]:
    """Per attribute, the cut with the best mean character F1 on its validation rows (a tie:
    the higher cut), and a relative cut only where it is better than that by MIN_GAIN on at
    least MIN_ROWS rows: a second parameter chosen on a few dozen rows would fit their noise.
    (0.5, None) for an attribute without rows."""
    cuts, relatives = {}, {}
    for attr in SPAN_ATTRIBUTES:
        rows = span_rows(val_rows, attr)
        if not rows:
            cuts[attr], relatives[attr] = 0.5, None
            continue
        words = [(r.text, *word_values(r.text, o, p)) for r, (o, p) in zip(rows, scorer.token_probabilities([r.text for r in rows], attr))]
        gold = [offsets_of(r.spans.get(attr, [])) for r in rows]
        fixed = max((mean_f1(words, gold, cut, None), cut) for cut in CUT_GRID)
        cuts[attr], relatives[attr], note = fixed[1], None, f"fixed cut {fixed[1]}: {fixed[0]:.3f}"
        if len(rows) >= MIN_ROWS:
            both = max((mean_f1(words, gold, cut, relative), cut, relative) for relative in RELATIVE_GRID for cut in CUT_GRID)
            note += f"; with a relative cut, ({both[1]}, {both[2]}): {both[0]:.3f}"
            if both[0] >= fixed[0] + MIN_GAIN:
                cuts[attr], relatives[attr] = both[1], both[2]
        log(f"span cut {attr}: {cuts[attr]}, relative {relatives[attr]} (mean character F1 on {len(rows)} validation rows: {note})")
    return cuts, relatives


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--weights", type=Path, default=None, help="weights folder (default: the committed ones)")
    parser.add_argument("--write", action="store_true", help="store the chosen cuts in the folder's config.json")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    from .scorer import DEFAULT_WEIGHTS_DIR, Scorer
    from .train import calibration_rows
    from .weights import CONFIG_FILE, write_config

    folder = args.weights or DEFAULT_WEIGHTS_DIR
    config_path = folder / CONFIG_FILE
    config = json.loads(config_path.read_text())
    if not config.get("span_attributes"):
        parser.error(f"{folder} has no token-level head")
    cuts, relatives = choose_span_cuts(Scorer.load(folder), calibration_rows(args.data, config))
    print("| attribute | cut | relative | was |")
    print("|---|---|---|---|")
    for attr in SPAN_ATTRIBUTES:
        was = f"{config.get('span_thresholds', {}).get(attr)}, {config.get('span_relative', {}).get(attr)}"
        print(f"| {attr} | {cuts[attr]} | {relatives[attr]} | {was} |")
    if args.write:
        config["span_thresholds"], config["span_relative"] = cuts, relatives
        write_config(folder, config)
        _log(f"wrote the cuts to {config_path}; the weights' sha256 changes with it, so re-export and re-measure "
             "the runtimes (models/runtime_quality.json) before `auto` serves int8 again")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
