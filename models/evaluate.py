"""The quality report: `python -m models.evaluate --data ../shared/data`.

Writes `models/EVALUATION.md` and `models/evaluation.json`: the served model beside the
frozen-encoder baseline on the public test files, each figure with the inputs it was
measured on. Decision thresholds for F1 are chosen on each task's validation split, never
on its test split. Nothing here trains or tunes anything.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from server.batch.runner import score_local
from server.extraction.textdump import split_text_dump

from . import data as datasets
from .attributes import ATTRIBUTES

MODELS_DIR = Path(__file__).resolve().parent
REPO = MODELS_DIR.parent
SEED_FILE = REPO.parent / "shared" / "seeds" / "police_community_modern_slavery_thread.txt"
HARM = ("toxicity", "insult", "identity_attack", "profanity", "threat")

TARGETS = {
    "jigsaw.toxicity.auc": 0.95,
    "jigsaw.insult.auc": 0.93,
    "offensive.macro_f1": 0.80,
    "hate.macro_f1": 0.58,
    "irony.f1_ironic": 0.65,
    "off_topic.injected.auc": 0.95,
    "off_topic.cqa_bad_vs_good.auc": 0.85,
    "identity.flagged_share": 0.03,
    # Forum-grade rows (issue 10), on val/dev splits kept out of training. The corpus
    # authors' BERT-base on Unhealthy Conversations: 0.84, 0.82, 0.78, 0.82, 0.64.
    "uc.hostile.auc": 0.86,
    "uc.antagonize.auc": 0.84,
    "uc.condescending.auc": 0.80,
    "uc.dismissive.auc": 0.82,
    "uc.sarcastic.auc": 0.70,
    "cad.person_directed.insult_auc": 0.85,
    "cad.identity_directed.identity_attack_auc": 0.85,
    "toxic_spans.trial.char_f1": 0.70,
    "probes.hostility.auc": 0.90,
    "probes.hostile_flagged_share": 0.80,
    "probes.civil_flagged_share": 0.05,
    "probes.threats_flagged_share": 0.80,
    "probes.lookalikes_flagged_share": 0.05,
}
# Targets that are ceilings, not floors.
AT_MOST = {"identity.flagged_share", "probes.civil_flagged_share", "probes.lookalikes_flagged_share"}
# The attributes a moderator acts on for a hostile reply: any one of them flagged counts.
HOSTILE_FLAGS = ("hostility", "insult", "toxicity")
# Swearing, plain or masked, for the "insult without a swear word is not profanity" row.
SWEARING = re.compile(r"f[u*@]c?k|sh[i1*]t|\bcrap|bollock|bastard|\bcunt|\btwat|wank|\bdick|bitch|\bpiss|\barse|\bass\b|damn|bloody|\bhell\b|bugger|\bsod\b", re.I)
# Sentences a moderator must see flagged as threats, measured apart from the sets above.
THREAT_PROBES = (
    "I am going to kill you.",
    "I will find you and break your legs.",
)


class AUC(float):
    """A ROC-AUC that remembers how many positive and negative rows it was read on."""

    def __new__(cls, value: float, positives: int, negatives: int):
        auc = super().__new__(cls, value)
        auc.positives, auc.negatives = positives, negatives
        return auc

    def __reduce__(self):  # pickles (a --jobs worker's result) with its counts
        return AUC, (float(self), self.positives, self.negatives)


def roc_auc(labels, scores) -> float:
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels)
    if labels.min() == labels.max():
        return float("nan")
    positives = int(labels.sum())
    return AUC(roc_auc_score(labels, scores), positives, len(labels) - positives)


def auc_interval(auc: float, positives: int, negatives: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % interval of a ROC-AUC read on `positives` and `negatives` rows, from Hanley
    and McNeil's (1982) standard error, which needs only the AUC and the two counts.

    It is the sampling error of the figure on its test rows: how far the same model could
    read on another draw of as many rows. Two models compared on the same rows differ by
    less than their intervals suggest (the rows are shared), but each retrain's seed moves
    the figures too (models/MODEL_CARD.md, eleventh session).
    """
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives)
    half = z * float(np.sqrt(max(variance, 0.0)))
    return max(0.0, auc - half), min(1.0, auc + half)


def intervals(results: dict) -> dict:
    """{key: {"positives", "negatives", "ci95"}} for every ROC-AUC in `results` that knows its counts."""
    return {key: {"positives": v.positives, "negatives": v.negatives, "ci95": [round(x, 4) for x in auc_interval(v, v.positives, v.negatives)]}
            for key, v in results.items() if isinstance(v, AUC)}


def best_threshold(labels, scores, metric) -> float:
    """The cut (from the validation scores themselves) that maximises `metric` on them."""
    candidates = np.unique(np.quantile(scores, np.linspace(0.01, 0.99, 197)))
    values = [metric(labels, (scores >= c).astype(int)) for c in candidates]
    return float(candidates[int(np.argmax(values))])


def macro_f1(y, p):
    from sklearn.metrics import f1_score

    return f1_score(y, p, average="macro", zero_division=0)


def positive_f1(y, p):
    from sklearn.metrics import f1_score

    return f1_score(y, p, zero_division=0)


def score_column(scorer, examples, attribute) -> np.ndarray:
    results = scorer.score_texts([e.text for e in examples], attributes=[attribute])
    return np.array([r["scores"][attribute] for r in results])


def evaluate_classification(scorer, data_dir: Path) -> dict:
    out = {}
    jig = datasets.load_jigsaw(data_dir, "test")
    results = scorer.score_texts([e.text for e in jig], attributes=list(HARM))
    for attr in HARM:
        y = [e.labels[attr] for e in jig]
        out[f"jigsaw.{attr}.auc"] = roc_auc(y, [r["scores"][attr] for r in results])
    out["jigsaw.rows"] = len(jig)

    tasks = [
        ("offensive", datasets.load_offensive, "toxicity", macro_f1, "macro_f1"),
        ("hate", datasets.load_hate, "identity_attack", macro_f1, "macro_f1"),
        ("irony", datasets.load_irony, "sarcasm", positive_f1, "f1_ironic"),
    ]
    for name, loader, attr, metric, metric_name in tasks:
        val, test = loader(data_dir, "val"), loader(data_dir, "test")
        sv, st = score_column(scorer, val, attr), score_column(scorer, test, attr)
        yv, yt = np.array([e.labels[attr] for e in val]), np.array([e.labels[attr] for e in test])
        cut = best_threshold(yv, sv, metric)
        out[f"{name}.{metric_name}"] = float(metric(yt, (st >= cut).astype(int)))
        out[f"{name}.{metric_name}_at_default_threshold"] = float(metric(yt, (st >= scorer.thresholds[attr]).astype(int)))
        out[f"{name}.threshold_from_val"] = cut
        out[f"{name}.auc"] = roc_auc(yt, st)
        out[f"{name}.predicted_positive_share"] = float((st >= cut).mean())
        out[f"{name}.true_positive_share"] = float(yt.mean())
        out[f"{name}.rows"] = len(test)

    emotion = datasets.load_emotion(data_dir, "test")
    # Kept for comparison with earlier reports: hostility used to be trained on anger.
    # Anger at events is negativity by the design, so this row is expected to fall.
    anger = [e.meta.get("anger", e.labels.get("hostility")) for e in emotion]
    out["emotion_anger.hostility.auc"] = roc_auc(anger, score_column(scorer, emotion, "hostility"))
    out["emotion_anger.negativity.auc"] = roc_auc(anger, score_column(scorer, emotion, "negativity"))
    sentiment = datasets.load_sentiment(data_dir, "val")
    out["sentiment_val.negativity.auc"] = roc_auc([e.labels["negativity"] for e in sentiment], score_column(scorer, sentiment, "negativity"))
    return out


def score_with_parents(scorer, examples, attributes, with_parent: bool) -> list[dict]:
    """Scores of each example's text, reading its parent as context when asked and when
    the scorer takes one (scorers from before reply context read the text alone)."""
    texts = [e.text for e in examples]
    if with_parent and "parents" in inspect.signature(scorer.score_texts).parameters:
        return scorer.score_texts(texts, attributes=list(attributes), parents=[e.parent for e in examples])
    return scorer.score_texts(texts, attributes=list(attributes))


def evaluate_forum(scorer, data_dir: Path) -> dict:
    """Forum and comment-thread sets (models/forum_data.py): their dev/val rows kept out of
    training. Sets that carry the post a reply answers are reported with and without it."""
    from . import forum_data

    out = {}
    uc = forum_data.load_uc(data_dir, "test")
    results = scorer.score_texts([e.text for e in uc], attributes=["hostility", "sarcasm"])
    hostility = [r["scores"]["hostility"] for r in results]
    for label in ("hostile", "antagonize", "condescending", "dismissive"):
        out[f"uc.{label}.auc"] = roc_auc([e.meta[label] for e in uc], hostility)
    out["uc.sarcastic.auc"] = roc_auc([e.meta["sarcastic"] for e in uc], [r["scores"]["sarcasm"] for r in results])
    out["uc.rows"] = len(uc)

    cad = forum_data.load_cad(data_dir, "test")
    results = scorer.score_texts([e.text for e in cad], attributes=["insult", "identity_attack", "hostility", "toxicity"])
    neutral = [not (set(e.meta["labels"]) - {"Neutral", "CounterSpeech"}) for e in cad]
    for name, label, attr in (("person_directed", "PersonDirectedAbuse", "insult"), ("identity_directed", "IdentityDirectedAbuse", "identity_attack"), ("person_directed", "PersonDirectedAbuse", "hostility")):
        sel = [k for k, e in enumerate(cad) if label in e.meta["labels"] or neutral[k]]
        out[f"cad.{name}.{attr}_auc"] = roc_auc([int(label in cad[k].meta["labels"]) for k in sel], [results[k]["scores"][attr] for k in sel])
    out["cad.rows"] = len(cad)

    for name, loader, attr, label in (
        ("trac_dev", forum_data.load_trac, "hostility", None),
        ("goemotions_test", forum_data.load_goemotions, "negativity", None),
        ("stormfront", forum_data.load_stormfront, "identity_attack", None),
    ):
        rows = [e for e in loader(data_dir, "test") if attr in e.labels]
        out[f"{name}.{attr}.auc"] = roc_auc([e.labels[attr] for e in rows], score_column(scorer, rows, attr))
        out[f"{name}.rows"] = len(rows)

    # Reply context: each set scored with the post it answers and without it.
    for name, loader, attrs in (
        ("uq", forum_data.load_uq, ("hostility",)),
        ("sarcasm_v2", forum_data.load_sarcasm_v2, ("sarcasm",)),
        ("context_tox", forum_data.load_context_tox, ("toxicity",)),
        ("toxichat_dev", forum_data.load_toxichat, ("toxicity", "hostility")),
        ("fox_news", forum_data.load_fox_news, ("identity_attack",)),
    ):
        rows = loader(data_dir, "test")
        for with_parent in (True, False):
            results = score_with_parents(scorer, rows, attrs, with_parent)
            for attr in attrs:
                sel = [k for k, e in enumerate(rows) if attr in e.labels]
                suffix = "with_parent" if with_parent else "text_only"
                out[f"{name}.{attr}.auc_{suffix}"] = roc_auc([rows[k].labels[attr] for k in sel], [results[k]["scores"][attr] for k in sel])
        out[f"{name}.rows"] = len(rows)
        out[f"{name}.rows_with_parent"] = sum(1 for e in rows if e.parent)
    out.update(evaluate_spans(scorer, data_dir))
    return out


def evaluate_spans(scorer, data_dir: Path) -> dict:
    """SemEval-2021 Task 5 character F1 on Toxic Spans' trial file (690 comments).

    The token-level head's spans, where the scorer has one; scorers from before it are
    measured on their served spans with toxicity forced to flag (whole sentences then).
    char_f1_served measures the spans as served, toxicity forced to flag.
    """
    from . import forum_data
    from .spans import character_f1, offsets_of

    rows = forum_data.load_toxic_spans(data_dir, "test")
    texts = [e.text for e in rows]
    if hasattr(scorer, "token_spans") and getattr(scorer, "_span_w", None) is not None:
        predicted = scorer.token_spans(texts, "toxicity")
    else:
        results = scorer.score_texts(texts, attributes=["toxicity"], thresholds={"toxicity": 0.0})
        predicted = [[(s["begin"], s["end"]) for s in r["spans"] if s["attribute"] == "toxicity"] for r in results]
    f1 = [character_f1(offsets_of(p), set(e.meta["offsets"])) for p, e in zip(predicted, rows)]
    # What a moderator is shown when toxicity flags: the token head's words, or where it
    # marks none, the words that carried the score (models/spans.py). Every trial comment
    # was picked as toxic, so toxicity is made to flag.
    served = scorer.score_texts(texts, attributes=["toxicity"], thresholds={"toxicity": 0.0})
    shown = [[(s["begin"], s["end"]) for s in r["spans"] if s["attribute"] == "toxicity"] for r in served]
    f1_served = [character_f1(offsets_of(p), set(e.meta["offsets"])) for p, e in zip(shown, rows)]
    return {"toxic_spans.trial.char_f1": float(np.mean(f1)), "toxic_spans.trial.char_f1_served": float(np.mean(f1_served)),
            "toxic_spans.trial.rows": len(rows),
            "toxic_spans.trial.empty_gold_share": float(np.mean([not e.meta["offsets"] for e in rows]))}


def score_probes(scorer, rows: list[dict]) -> list[dict]:
    """Each probe scored as a reply in its thread (the title, the post it answers, then the
    reply), as a moderator's page would send it: the reply's result per probe."""
    results = []
    for p in rows:
        thread = {"title": p["title"], "posts": [{"id": "parent", "text": p["parent"]}, {"id": "reply", "text": p["text"], "parent_id": "parent"}]}
        results.append(scorer.score_thread(thread)[1])
    return results


def evaluate_probes(scorer) -> dict:
    """The project's own forum replies (models/probes.py), each read in its thread: the
    title, the post it answers, then the reply."""
    from .probes import CIVIL_KINDS, HOSTILE_KINDS, LOOKALIKE_KINDS, THREAT_KINDS, probes

    rows = probes()
    results = score_probes(scorer, rows)
    kinds = [p["kind"] for p in rows]
    hostile = np.array([k in HOSTILE_KINDS for k in kinds])
    civil = np.array([k in CIVIL_KINDS for k in kinds])
    threats = np.array([k in THREAT_KINDS for k in kinds])
    lookalike = np.array([k in LOOKALIKE_KINDS for k in kinds])
    hostility = np.array([r["scores"]["hostility"] for r in results])
    flagged_hostile = np.array([bool(set(r["flags"]) & set(HOSTILE_FLAGS)) for r in results])
    flagged_threat = np.array(["threat" in r["flags"] for r in results])
    sel = hostile | civil
    no_swearing = np.array([not SWEARING.search(p["text"]) for p in rows])
    out = {
        "probes.rows": len(rows),
        "probes.hostility.auc": roc_auc(hostile[sel].astype(int), hostility[sel]),
        "probes.hostile_flagged_share": float(flagged_hostile[hostile].mean()),
        "probes.civil_flagged_share": float((flagged_hostile | flagged_threat)[civil].mean()),
        "probes.threats_flagged_share": float(flagged_threat[threats].mean()),
        "probes.lookalikes_flagged_share": float(flagged_threat[lookalike].mean()),
        "probes.profanity_flagged_share_without_swearing": float(np.mean(["profanity" in r["flags"] for r, ok in zip(results, no_swearing) if ok])),
    }
    for kind in sorted(set(kinds)):
        idx = [k for k, x in enumerate(kinds) if x == kind]
        out[f"probes.{kind}.flagged_share"] = float(np.mean([bool(set(results[k]["flags"]) & set(HOSTILE_FLAGS + ("threat",))) for k in idx]))
    out["probes.issue_examples"] = {p["text"]: {a: round(results[k]["scores"][a], 3) for a in ("hostility", "insult", "toxicity", "profanity", "threat")}
                                    for k, p in enumerate(rows) if p["text"] in ISSUE_EXAMPLES}
    return out


ISSUE_EXAMPLES = (
    "Oh great, another genius who cannot read a timetable. Well done.",
    "If you post that again I will find out where you live.",
    "You are a pathetic idiot.",
)


def evaluate_identity(scorer) -> dict:
    from .identity import evaluation_set

    rows = evaluation_set()
    results = scorer.score_texts([r["text"] for r in rows], attributes=list(HARM))
    flagged = [bool(set(r["flags"]) & set(HARM)) for r in results]
    attack = [r["scores"]["identity_attack"] for r in results]
    by_identity: dict[str, list[bool]] = {}
    for row, f in zip(rows, flagged):
        by_identity.setdefault(row["identity"], []).append(f)
    worst = sorted(((sum(v) / len(v), k) for k, v in by_identity.items()), reverse=True)[:5]
    probe = next((r for row, r in zip(rows, results) if row["text"] == "I am a proud gay Muslim woman."), None)
    return {
        "identity.sentences": len(rows),
        "identity.identities": len(by_identity),
        "identity.flagged_share": float(np.mean(flagged)),
        "identity.identity_attack_flagged_share": float(np.mean([a >= scorer.thresholds["identity_attack"] for a in attack])),
        "identity.identity_attack_mean": float(np.mean(attack)),
        "identity.worst_identities": [{"identity": k, "flagged_share": s} for s, k in worst],
        "identity.probe_gay_muslim_woman": probe["scores"] if probe else None,
    }


def evaluate_threats(scorer) -> dict:
    """Generated threats and hard non-threats never trained on (models/threat_templates.py)."""
    from .threat_templates import evaluation_set

    rows = evaluation_set()
    results = scorer.score_texts([r["text"] for r in rows] + list(THREAT_PROBES), attributes=["threat"])
    y = np.array([r["label"] for r in rows])
    p = np.array([r["scores"]["threat"] for r in results[: len(rows)]])
    cut = scorer.thresholds["threat"]
    return {
        "threats.sentences": len(rows),
        "threats.auc": roc_auc(y, p),
        "threats.threats_flagged_share": float((p[y == 1] >= cut).mean()),
        "threats.non_threats_flagged_share": float((p[y == 0] >= cut).mean()),
        "threats.probes": {t: r["scores"]["threat"] for t, r in zip(THREAT_PROBES, results[len(rows):])},
    }


def evaluate_putdowns(scorer, data_dir: Path) -> dict:
    """Condescension and dismissal: generated put-downs and hard civil replies never trained
    on (models/putdown_templates.py), and the politeness corpus's held-back requests (the
    least polite tail against the polite half, models/forum_data.py:load_politeness)."""
    from . import forum_data
    from .putdown_templates import evaluation_set

    rows = evaluation_set()
    results = scorer.score_texts([r["text"] for r in rows], attributes=list(HOSTILE_FLAGS))
    y = np.array([r["label"] for r in rows])
    flagged = np.array([bool(set(r["flags"]) & set(HOSTILE_FLAGS)) for r in results])
    out = {
        "putdowns.sentences": len(rows),
        "putdowns.hostility.auc": roc_auc(y, [r["scores"]["hostility"] for r in results]),
        "putdowns.putdowns_flagged_share": float(flagged[y == 1].mean()),
        "putdowns.civil_flagged_share": float(flagged[y == 0].mean()),
    }
    for kind in sorted({r["kind"] for r in rows}):
        out[f"putdowns.{kind}.flagged_share"] = float(np.mean([f for f, r in zip(flagged, rows) if r["kind"] == kind]))
    try:
        polite = forum_data.load_politeness(data_dir, "test")
    except FileNotFoundError:
        return out  # an older data folder without the politeness corpus
    out["politeness_test.hostility.auc"] = roc_auc([e.labels["hostility"] for e in polite], score_column(scorer, polite, "hostility"))
    out["politeness_test.rows"] = len(polite)
    return out


def evaluate_offtopic(scorer, data_dir: Path, seed: int) -> dict:
    """Held-out CQA dev threads: injected foreign replies, and Bad vs Good replies."""
    from . import threads
    from .offtopic import examples_features

    # Dev repeats some threads and shares some questions with train part 2: those are
    # left out, so the figure is on threads the model has never seen.
    dev = threads.distinct_threads(threads.load_cqa(data_dir, "dev"), exclude=threads.load_cqa(data_dir, "train"))
    examples = threads.offtopic_examples(dev, seed, acks="eval")
    cache: dict[str, np.ndarray] = {}

    def embed(texts):
        missing = [t for t in texts if t not in cache]
        if missing:
            cache.update(zip(missing, scorer.embed(missing)))
        return np.array([cache[t] for t in texts])

    x = examples_features(examples, embed, scorer._ack, scorer._off_pair)
    p = 1.0 / (1.0 + np.exp(-(x @ scorer._off_coef + scorer._off_intercept)))
    cosine = 1.0 - x[:, 0]  # plain baseline: 1 - cosine to the opening post
    out = {}
    for kind, sel in {
        "injected": [e["kind"] == "injected" for e in examples],
        "cqa_bad_vs_good": [e["kind"] in ("cqa_bad", "cqa_good") for e in examples],
        # The asker's own follow-ups are mostly labelled Bad but stay on the subject.
        "cqa_bad_vs_good_without_asker": [e["kind"] in ("cqa_bad", "cqa_good") and not e.get("by_asker") for e in examples],
    }.items():
        sel = np.array(sel)
        y = np.array([e["label"] for e in examples])[sel]
        out[f"off_topic.{kind}.auc"] = roc_auc(y, p[sel])
        out[f"off_topic.{kind}.cosine_baseline_auc"] = roc_auc(y, cosine[sel])
        out[f"off_topic.{kind}.rows"] = int(sel.sum())
    acks = np.array([e["kind"] == "ack" for e in examples])
    out["off_topic.acks_eval.flagged_share"] = float((p[acks] >= scorer.thresholds["off_topic"]).mean()) if acks.any() else float("nan")
    out["off_topic.acks_eval.rows"] = int(acks.sum())
    return out


def seed_thread(weights_dir: Path | None) -> list[dict] | str:
    """The first users' thread as the batch command reports it: its posts, each with scores,
    flags, spans and language; or a string that says why there are none.

    The command's own steps, in this process and without Flask: the text copy split by
    server/extraction, the model its workers load (`Scorer.load_fastest`: runtime and
    precision "auto") from `weights_dir` (default: the committed weights), and each post
    shaped by its runner.
    """
    if not SEED_FILE.is_file():
        return f"{SEED_FILE} is absent"
    from .scorer import Scorer

    thread = split_text_dump(SEED_FILE.read_text(encoding="utf-8"))
    if not thread["posts"]:
        return f"no post found in {SEED_FILE}"
    # What the command's reader adds to a text copy (server/batch/inputs.py).
    thread.update(source=str(SEED_FILE), thread_id=str(SEED_FILE))
    [(_, record, failure)] = score_local([thread], Scorer.load_fastest(weights_dir))
    return record["posts"] if record is not None else failure


def fmt(v) -> str:
    if isinstance(v, float):
        return "n/a" if np.isnan(v) else f"{v:.3f}"
    return str(v)


def write_report(path: Path, results: dict, seed_posts, command: str, seconds: float) -> None:
    tuned, base = results["tuned"], results["baseline"]
    lines = [
        "# Modlens evaluation report",
        "",
        f"Generated by `{command}` in {seconds:.0f} s on {time.strftime('%Y-%m-%d')}. Model: "
        f"`{results['model']['name']}` version {results['model']['version']}, weights sha256 `{results['model']['sha256'][:16]}…`.",
        "Baseline: the same pretrained encoder frozen, with logistic heads fitted on the same training rows "
        "(`models/train.py:fit_baseline`), calibrated and scored the same way.",
        "F1 thresholds are chosen on each task's validation split; test files are read only here.",
        "",
        "## Targets",
        "",
        "| measure | target | fine-tuned (served) | its 95 % interval | frozen baseline | met |",
        "|---|---|---|---|---|---|",
    ]
    spread = results.get("intervals", {})

    def interval(key: str) -> str:
        i = spread.get(key)
        return f"{i['ci95'][0]:.3f}-{i['ci95'][1]:.3f} ({i['positives']} / {i['negatives']})" if i else ""

    for key, target in TARGETS.items():
        t, b = tuned.get(key), base.get(key)
        if t is None:
            continue
        better_low = key in AT_MOST
        met = (t <= target) if better_low else (t >= target)
        gap = "" if met else f" (short by {abs(t - target):.3f})"
        lines.append(f"| {key} | {'<=' if better_low else '>='} {target} | {fmt(t)} | {interval(key)} | {fmt(b)} | {'yes' if met else 'no' + gap} |")
    lines += ["", "An interval is the ROC-AUC's 95 % range from its rows alone (positive / negative rows; Hanley and "
              "McNeil's standard error: `models/evaluate.py` auc_interval). A row read on a few dozen positives cannot "
              "tell apart figures a few hundredths apart; each retrain's seed moves the figures as well (model card).",
              "", "## Every figure", "", "| measure | fine-tuned (served) | its 95 % interval | frozen baseline |", "|---|---|---|---|"]
    for key in tuned:
        if isinstance(tuned[key], (list, dict)) or tuned[key] is None:
            continue
        lines.append(f"| {key} | {fmt(tuned[key])} | {interval(key)} | {fmt(base.get(key, ''))} |")
    if tuned.get("identity.worst_identities"):
        lines += ["", "Identities most often flagged (served model): " + ", ".join(
            f"{w['identity']} {w['flagged_share']:.2f}" for w in tuned["identity.worst_identities"]) + "."]
    probe = tuned.get("identity.probe_gay_muslim_woman")
    if probe:
        lines.append("\"I am a proud gay Muslim woman.\": " + ", ".join(f"{k} {v:.3f}" for k, v in probe.items()) + " (tox-block's Jigsaw BiLSTM: toxicity 0.74).")
    examples = tuned.get("probes.issue_examples")
    if examples:
        lines.append("The issue's examples, each in its thread (served): " + "; ".join(
            f"\"{t}\" " + ", ".join(f"{a} {v:.2f}" for a, v in s.items()) for t, s in examples.items()) + ".")
    probes = tuned.get("threats.probes")
    if probes:
        lines.append("Threat probes (served / baseline): " + "; ".join(
            f"\"{t}\" {v:.3f} / {base.get('threats.probes', {}).get(t, float('nan')):.3f}" for t, v in probes.items()) + ".")
    lines += ["", "## The seed thread (`../shared/seeds/`), scored by the batch command", ""]
    if isinstance(seed_posts, str):
        lines.append(seed_posts)
    else:
        lines += ["| # | author | start of text | flags | " + " | ".join(ATTRIBUTES) + " |", "|---|---|---|---|" + "---|" * len(ATTRIBUTES)]
        for i, post in enumerate(seed_posts, 1):
            scores = post.get("scores", {})
            text = (post.get("text") or "").replace("\n", " ").replace("|", "/")[:70]
            lines.append(f"| {i} | {post.get('author') or ''} | {text} | {', '.join(post.get('flags', [])) or '-'} | "
                         + " | ".join(fmt(scores.get(a, float('nan'))) for a in ATTRIBUTES) + " |")
        lines += ["", "A moderator's reading of these scores is in `models/MODEL_CARD.md` (Seed thread)."]
    path.write_text("\n".join(lines) + "\n")


PARTS = {
    "classification": lambda scorer, args: evaluate_classification(scorer, args.data),
    "identity": lambda scorer, args: evaluate_identity(scorer),
    "threats": lambda scorer, args: evaluate_threats(scorer),
    "off_topic": lambda scorer, args: evaluate_offtopic(scorer, args.data, args.seed),
    "forum": lambda scorer, args: evaluate_forum(scorer, args.data),
    "probes": lambda scorer, args: evaluate_probes(scorer),
    "putdowns": lambda scorer, args: evaluate_putdowns(scorer, args.data),
}
# The forum rows and probes measure the served model; the frozen baseline would double the
# report's longest part to answer a question the older rows already answer (what the
# fine-tune adds over the frozen encoder).
TUNED_ONLY = {"forum", "probes"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--weights", type=Path, default=None, help="weights folder (default: the committed ones)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="folder for EVALUATION.md and evaluation.json")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated parts of the report to run (default: all of {', '.join(PARTS)})")
    parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default="fp32",
                        help="encoder precision (models/quantize.py): int8 and bf16 must stay within 0.005 ROC-AUC of fp32")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    import torch

    from .baseline import FrozenBaseline
    from .scorer import Scorer

    torch.set_num_threads(2)
    started = time.time()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))} (known: {', '.join(PARTS)})")
    results = {}
    for variant, kind in (("tuned", Scorer), ("baseline", FrozenBaseline)):
        scorer = kind.load(args.weights, precision=args.precision)
        part = {}
        for name in parts:
            if variant == "baseline" and name in TUNED_ONLY:
                continue
            part.update(PARTS[name](scorer, args))
        results[variant] = part
        if variant == "tuned":
            results["model"] = scorer.model_info
        print(f"{variant}: done in {time.time() - started:.0f}s", file=sys.stderr)
    results["intervals"] = intervals(results["tuned"])
    seed_posts = seed_thread(args.weights)
    results["seed_thread"] = seed_posts
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evaluation.json").write_text(json.dumps(results, indent=2, default=float) + "\n")
    command = "python -m models.evaluate --data ../shared/data" + (f" --weights {args.weights}" if args.weights else "")
    command += f" --parts {args.parts}" if set(parts) != set(PARTS) else ""
    command += f" --precision {args.precision}" if args.precision != "fp32" else ""
    write_report(args.out / "EVALUATION.md", results, seed_posts, command, time.time() - started)
    print((args.out / "EVALUATION.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
