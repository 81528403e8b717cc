"""Compare quality reports and apply the rule for new weights: `python -m models.compare_reports`.

    python -m models.compare_reports models/evaluation.json RUN-report/evaluation.json
    python -m models.compare_reports models/evaluation.json A/evaluation.json B/evaluation.json --mean

Reads the "tuned" figures of each `evaluation.json` (models/evaluate.py), prints every
ROC-AUC and F1 row of the candidate (or, with `--mean`, the mean of several candidates:
seeds of one recipe) beside the base, with the difference and the base's 95 % interval
where the report has one, and the flag shares a moderator sees. Then it applies the rule
that every run since the ninth session was held to (models/MODEL_CARD.md), against the
base:
1. the four Unhealthy Conversations hostility rows' mean goes up, and none of them falls
   by more than 0.01;
2. the probes' hostility ROC-AUC falls by no more than 0.01;
3. no fewer hostile probes are flagged, and at most 5 % of civil ones;
4. no other row falls by more than 0.01;
5. at most 3 % of identity template sentences are flagged.
Exit status 0 when the candidate passes, 1 when it does not, 2 on unreadable input.

A rule read on one seed of each side is mostly a coin toss: a second seed of the same
recipe moves rows by up to 0.04 (eleventh session), and the UC rows' intervals are wider
than the 0.01 the rule allows. `--mean` over seeds, or a soup of them (models/soup.py),
is the candidate the rule should be read on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .evaluate import TARGETS

UC_ROWS = ("uc.hostile.auc", "uc.antagonize.auc", "uc.condescending.auc", "uc.dismissive.auc")
PROBE_AUC = "probes.hostility.auc"
HOSTILE_FLAGGED, CIVIL_FLAGGED = "probes.hostile_flagged_share", "probes.civil_flagged_share"
IDENTITY_FLAGGED = "identity.flagged_share"
SHARES = (HOSTILE_FLAGGED, CIVIL_FLAGGED, "probes.threats_flagged_share", "probes.lookalikes_flagged_share",
          "probes.condescending.flagged_share", "probes.dismissive.flagged_share", "probes.intimidation.flagged_share",
          "probes.aggressive.flagged_share", IDENTITY_FLAGGED, "threats.threats_flagged_share",
          "threats.non_threats_flagged_share", "putdowns.putdowns_flagged_share", "putdowns.civil_flagged_share",
          "off_topic.acks_eval.flagged_share", "probes.profanity_flagged_share_without_swearing")
ALLOWED_FALL = 0.01
# The ceilings the rule shares with the report's targets (models/evaluate.py TARGETS).
CIVIL_CEILING, IDENTITY_CEILING = TARGETS[CIVIL_FLAGGED], TARGETS[IDENTITY_FLAGGED]


def flatten(tree, prefix: str = "") -> dict[str, float]:
    """{"a.b/c": number} for every number in a nested dict (the report's keys hold dots)."""
    out = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}/{key}" if prefix else key))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out[prefix] = float(tree)
    return out


def is_quality_row(key: str) -> bool:
    """A ROC-AUC or F1 row of the report (not a threshold, a count, a share or a baseline)."""
    last = key.rsplit("/", 1)[-1]
    if "cosine_baseline" in last or "at_default_threshold" in last:
        return False
    return last.endswith(("auc", "auc_with_parent", "auc_text_only", "f1", "f1_ironic", "char_f1_served"))


def read_report(path: Path) -> tuple[dict[str, float], dict]:
    """(flattened "tuned" figures, intervals) of one evaluation.json."""
    try:
        report = json.loads(Path(path).read_text())
        return flatten(report["tuned"]), report.get("intervals", {})
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a quality report (models/evaluate.py's evaluation.json): {error}") from error


def mean_of(reports: list[dict[str, float]]) -> dict[str, float]:
    """Row by row mean over the reports that hold the row (all of them for a shared recipe)."""
    keys = [k for k in reports[0] if all(k in r for r in reports)]
    return {k: sum(r[k] for r in reports) / len(reports) for k in keys}


def apply_rule(base: dict[str, float], candidate: dict[str, float]) -> list[tuple[bool, str]]:
    """[(passed, what was checked, with the figures)] of the five checks above."""
    missing = [k for k in (*UC_ROWS, PROBE_AUC, HOSTILE_FLAGGED, CIVIL_FLAGGED, IDENTITY_FLAGGED) if k not in base or k not in candidate]
    if missing:
        return [(False, f"the reports lack rows the rule reads: {', '.join(missing)}")]
    uc_base, uc_new = (sum(r[k] for k in UC_ROWS) / len(UC_ROWS) for r in (base, candidate))
    uc_falls = [f"{k} {candidate[k] - base[k]:+.3f}" for k in UC_ROWS if candidate[k] - base[k] < -ALLOWED_FALL]
    others = [k for k in base if is_quality_row(k) and k in candidate and k not in UC_ROWS and k != PROBE_AUC]
    falls = [f"{k} {candidate[k] - base[k]:+.3f}" for k in others if candidate[k] - base[k] < -ALLOWED_FALL]
    probe_change = candidate[PROBE_AUC] - base[PROBE_AUC]
    return [
        (uc_new > uc_base, f"UC hostility rows' mean up: {uc_base:.4f} -> {uc_new:.4f}"),
        (not uc_falls, "no UC row down by more than 0.01" + (f": {', '.join(uc_falls)}" if uc_falls else "")),
        (probe_change >= -ALLOWED_FALL, f"probes' hostility ROC-AUC down by at most 0.01: {base[PROBE_AUC]:.3f} -> {candidate[PROBE_AUC]:.3f}"),
        (candidate[HOSTILE_FLAGGED] >= base[HOSTILE_FLAGGED] - 1e-9 and candidate[CIVIL_FLAGGED] <= CIVIL_CEILING,
         f"hostile probes flagged not fewer ({base[HOSTILE_FLAGGED]:.2f} -> {candidate[HOSTILE_FLAGGED]:.2f}), civil at most {CIVIL_CEILING:.0%} ({candidate[CIVIL_FLAGGED]:.2f})"),
        (not falls, f"no other of {len(others)} rows down by more than 0.01" + (f": {', '.join(falls)}" if falls else "")),
        (candidate[IDENTITY_FLAGGED] <= IDENTITY_CEILING, f"identity templates flagged at most {IDENTITY_CEILING:.0%}: {candidate[IDENTITY_FLAGGED]:.3f}"),
    ]


def table(base: dict[str, float], candidate: dict[str, float], spread: dict) -> list[str]:
    lines = [f"{'row':58s} {'base':>7s} {'new':>7s} {'change':>7s}  base's 95 % interval"]
    for key in base:
        if not is_quality_row(key) or key not in candidate:
            continue
        change = candidate[key] - base[key]
        interval = spread.get(key, {}).get("ci95")
        mark = "  <- down > 0.01" if change < -ALLOWED_FALL else ""
        lines.append(f"{key:58s} {base[key]:7.3f} {candidate[key]:7.3f} {change:+7.3f}  "
                     + (f"{interval[0]:.3f}-{interval[1]:.3f}" if interval else "") + mark)
    lines += ["", f"{'flag share':58s} {'base':>7s} {'new':>7s}"]
    lines += [f"{key:58s} {base[key]:7.3f} {candidate[key]:7.3f}" for key in SHARES if key in base and key in candidate]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, help="the report to beat (e.g. models/evaluation.json)")
    parser.add_argument("candidates", type=Path, nargs="+", help="the candidate's report; several with --mean")
    parser.add_argument("--mean", action="store_true", help="read the candidates as seeds of one recipe: rule on their row means")
    args = parser.parse_args(argv)
    if len(args.candidates) > 1 and not args.mean:
        parser.error("several candidates: pass --mean to compare their mean, or compare them one at a time")
    try:
        base, spread = read_report(args.base)
        candidates = [read_report(p)[0] for p in args.candidates]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    candidate = mean_of(candidates) if args.mean else candidates[0]
    name = f"mean of {len(candidates)}" if args.mean and len(candidates) > 1 else str(args.candidates[0])
    print(f"base: {args.base}\nnew:  {name}\n")
    print("\n".join(table(base, candidate, spread)))
    checks = apply_rule(base, candidate)
    print()
    for passed, what in checks:
        print(("PASS  " if passed else "FAIL  ") + what)
    passed = all(ok for ok, _ in checks)
    print("\nThe candidate " + ("passes the rule." if passed else "fails the rule."))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
