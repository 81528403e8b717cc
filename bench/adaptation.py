"""Community adaptation measured: `python bench/adaptation.py` (about 10 minutes on 2 cores).

    python bench/adaptation.py                                        # everything
    python bench/adaptation.py --json bench/adaptation.json --markdown bench/ADAPTATION.md

Simulates communities from labelled sets in `../shared/data` (train or val splits only):
each set's posts are a community's, its labels the community's moderators' verdicts on
one attribute. For N = 20, 100, 300 and 1000 verdicts drawn at random (five draws each),
the community's calibration is fitted exactly as `POST /v1/communities/ID/adapt` fits it
(server/adaptation.py on the features server/communities.py stores), and measured on the
rest of the set beside the global model: ROC-AUC, and precision at the global model's
recall (the recall of the global flags on the rest, at the global threshold; each score cut
where it first reaches that recall), and at recall 0.5 (where the global flags find
nothing, as on HatEval, precision at their recall is undefined; "-" in the table).

Features are computed once per post the way `POST /v1/feedback` computes them (the post
scored alone as a one-post thread, each post in its language: the server refuses verdicts
on posts in other languages and so are they left out here), and kept in `--cache`.
Finally the route itself is timed: 1 000 verdicts stored in a SQLite store, then
`POST /v1/communities/ID/adapt` through the Flask test client.

Sets (their global ROC-AUC is in models/EVALUATION.md): HatEval (TweetEval hate, train) on
identity_attack, where the global model is weakest; the Unhealthy Conversations corpus
(val) on sarcasm (sarcastic), hostility (condescending) and hostility (hostile); OLID
(TweetEval offensive, train) on toxicity, where the global model is strong.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from models import ATTRIBUTES, DEFAULT_THRESHOLDS  # noqa: E402
from server import adaptation  # noqa: E402

DATA = REPO.parent / "shared" / "data"
POOL = 2000  # posts per text source; N = 1000 leaves 1000 to measure on
SIZES = (20, 100, 300, 1000)
DRAWS = 5
SEED = 12


def _tweeteval(task):
    folder = DATA / "tweeteval"
    texts = (folder / f"datasets__{task}__train_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(v) for v in (folder / f"datasets__{task}__train_labels.txt").read_text().split()]
    return texts, {task: labels}


def _unhealthy():
    with open(DATA / "unhealthy_conversations" / "corpus__val.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["comment"] for r in rows]
    return texts, {name: [int(float(r[name])) for r in rows] for name in ("sarcastic", "condescending", "hostile")}


# (text source, label column, attribute the moderators judge)
COMMUNITIES = (
    ("hate", "hate", "identity_attack"),
    ("unhealthy", "sarcastic", "sarcasm"),
    ("unhealthy", "condescending", "hostility"),
    ("unhealthy", "hostile", "hostility"),
    ("offensive", "offensive", "toxicity"),
)
SOURCES = {"hate": lambda: _tweeteval("hate"), "offensive": lambda: _tweeteval("offensive"), "unhealthy": _unhealthy}


def features_of(texts, scorer):
    """Each post's features as POST /v1/feedback stores them, or None for a post it refuses."""
    from models.language_scoring import score_thread

    from server.communities import features

    no_flags = {name: 2.0 for name in ATTRIBUTES}
    scores = []
    started = time.perf_counter()
    for n, text in enumerate(texts, 1):
        if n % 250 == 0:
            print(f"  {n} posts scored, {time.perf_counter() - started:.0f} s", flush=True)
        thread = {"title": "", "posts": [{"id": "post", "text": text, "author": None, "parent_id": None, "quotes": []}]}
        result = score_thread(scorer, thread, attributes=list(ATTRIBUTES), thresholds=no_flags)[-1]
        scores.append(result["scores"] if result["status"] == "scored" else None)
    kept = [i for i, s in enumerate(scores) if s is not None]
    embeddings = scorer.embed([texts[i] for i in kept])
    rows = np.full((len(texts), len(ATTRIBUTES) + embeddings.shape[1]), np.nan, dtype=np.float32)
    for i, e in zip(kept, embeddings):
        rows[i] = features(scores[i], e)
    return rows


def load_features(cache, scorer_loader, model):
    """{source: (features (n, F), {label: labels (n,)})}, computed once and cached per model."""
    stored = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["model"]) == model:
                stored = {k: data[k] for k in data.files}
    out, scorer = {}, None
    for source, read in SOURCES.items():
        texts, labels = read()
        order = np.random.default_rng(SEED).permutation(len(texts))[:POOL]
        if f"{source}.features" not in stored:
            scorer = scorer or scorer_loader()
            started = time.perf_counter()
            stored[f"{source}.features"] = features_of([texts[i] for i in order], scorer)
            print(f"{source}: features of {len(order)} posts in {time.perf_counter() - started:.0f} s", flush=True)
        x = stored[f"{source}.features"]
        kept = ~np.isnan(x).any(1)
        out[source] = (x[kept].astype(np.float64), {k: np.asarray(v)[order][kept] for k, v in labels.items()})
    np.savez(cache, model=model, **{k: v for k, v in stored.items() if k != "model"})
    return out


def precision_at_recall(labels, scores, recall):
    """Precision of the highest cut whose recall reaches `recall`."""
    labels = np.asarray(labels, dtype=bool)
    order = np.argsort(-scores, kind="mergesort")
    found = np.cumsum(labels[order])
    k = int(np.searchsorted(found, recall * labels.sum() - 1e-9)) + 1
    k = min(k, len(labels))
    return float(found[k - 1] / k)


def one_draw(x, labels, attribute, n, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    judged, rest = order[:n], order[n:]
    column = ATTRIBUTES.index(attribute)
    threshold = DEFAULT_THRESHOLDS[attribute]
    fit, report = adaptation.adapt_attribute(x[judged], labels[judged], x[judged, column], threshold)
    offset = x[rest, column]
    adapted = adaptation.head_logits(fit["refit"], x[rest], offset) if fit["refit"] else offset
    global_scores, adapted_scores = adaptation.sigmoid(offset), adaptation.sigmoid(adapted)
    y = labels[rest]
    recall = float(np.mean(global_scores[y == 1] >= threshold)) if y.any() else 0.0
    global_flags = global_scores >= threshold
    return {
        "auc_global": adaptation.roc_auc(y, global_scores), "auc_adapted": adaptation.roc_auc(y, adapted_scores),
        "recall_global": recall,
        "flags_global": int(global_flags.sum()),
        # Both scores cut the same way (the highest cut that reaches the recall), so a score
        # left as it was measures the same.
        "precision_global": precision_at_recall(y, global_scores, recall) if recall > 0 else None,
        "precision_adapted_at_global_recall": precision_at_recall(y, adapted_scores, recall) if recall > 0 else None,
        "precision_global_at_half_recall": precision_at_recall(y, global_scores, 0.5) if y.any() else None,
        "precision_adapted_at_half_recall": precision_at_recall(y, adapted_scores, 0.5) if y.any() else None,
        "refit": fit["refit"] is not None, "threshold": fit["threshold"],
    }


def _mean(values):
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def measure(data):
    results = []
    for source, label, attribute in COMMUNITIES:
        x, labels = data[source]
        y = labels[label]
        for n in SIZES:
            draws = [one_draw(x, y, attribute, n, SEED + d) for d in range(DRAWS)]
            row = {"set": f"{source}.{label}", "attribute": attribute, "verdicts": n, "posts": int(len(y)),
                   "positive_rate": round(float(y.mean()), 3),
                   "draws": draws, "refit_applied": sum(d["refit"] for d in draws),
                   "threshold_applied": sum(d["threshold"] is not None for d in draws)}
            for key in ("auc_global", "auc_adapted", "recall_global", "precision_global",
                        "precision_adapted_at_global_recall", "precision_global_at_half_recall",
                        "precision_adapted_at_half_recall"):
                row[key] = _mean([d[key] for d in draws])
            row["auc_change"] = round(row["auc_adapted"] - row["auc_global"], 4)
            row["auc_change_worst_draw"] = round(min(d["auc_adapted"] - d["auc_global"] for d in draws), 4)
            results.append(row)
            print(f"{row['set']:28s} {attribute:16s} N={n:5d}  AUC {row['auc_global']:.3f} -> {row['auc_adapted']:.3f} "
                  f"({row['auc_change']:+.3f}, worst {row['auc_change_worst_draw']:+.3f})  refit {row['refit_applied']}/{DRAWS}",
                  flush=True)
    return results


def time_the_route(data, model_info):
    """POST /v1/communities/ID/adapt on 1 000 stored verdicts (HatEval), through the Flask app."""
    from flask_migrate import upgrade

    from server import create_app, store
    from server.store import MIGRATIONS

    class FeaturesOnly:
        # The route reads stored features only; a scorer is needed for its model label.
        def __init__(self, info):
            self.model_info = info

    x, labels = data["hate"]
    folder = Path(tempfile.mkdtemp(prefix="modlens-adapt-bench-"))
    app = create_app({"SCORER": FeaturesOnly(model_info), "FEEDBACK": "on", "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{folder / 'verdicts.sqlite3'}"})
    from server.communities import model_label

    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        label = model_label(app.config["SCORER"])
        for i in range(1000):
            store.db.session.add(store.Verdict(
                community="bench", post_key=f"{i:064x}", attribute="identity_attack", value=int(labels["hate"][i]),
                score=0.0, threshold=0.5, model=label, moderator=None, source="api", created_at=store.now(),
                features=store.pack(x[i])))
        store.db.session.commit()
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/v1/communities/bench/adapt")
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"verdicts": 1000, "seconds": round(seconds, 2),
            "report": response.get_json()["attributes"]["identity_attack"]}


def markdown(results, timing, meta):
    lines = [
        "# Community adaptation: measured",
        "",
        f"Measured {meta['when']} with `python bench/adaptation.py --json bench/adaptation.json --markdown "
        f"bench/ADAPTATION.md` on {meta['machine']}; model {meta['model']}. Every figure is the mean of "
        f"{DRAWS} random draws of N verdicts; the rest of each set ({POOL} posts drawn once, less any the "
        "server would refuse for their language) is what it is measured on. Raw figures, every draw: "
        "`bench/adaptation.json`. Method: the docstring of `bench/adaptation.py`.",
        "",
        "| set | attribute | yes rate | N | ROC-AUC global | adapted | change (worst draw) | global recall | precision there: global | adapted | precision at recall 0.5: global | adapted | re-fit applied |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['set']} | {r['attribute']} | {r['positive_rate']:.3f} | {r['verdicts']} | {r['auc_global']:.3f} | "
            f"{r['auc_adapted']:.3f} | {r['auc_change']:+.3f} ({r['auc_change_worst_draw']:+.3f}) | "
            f"{_fmt(r['recall_global'])} | {_fmt(r['precision_global'])} | {_fmt(r['precision_adapted_at_global_recall'])} | "
            f"{_fmt(r['precision_global_at_half_recall'])} | {_fmt(r['precision_adapted_at_half_recall'])} | "
            f"{r['refit_applied']}/{DRAWS} |")
    lines += [
        "",
        f"Adapting {timing['verdicts']} stored verdicts through `POST /v1/communities/ID/adapt` (HatEval, "
        f"identity_attack, SQLite): {timing['seconds']} s.",
        "",
    ]
    return "\n".join(lines)


def _fmt(value):
    return "-" if value is None else f"{value:.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "modlens-adaptation-features.npz",
                        help="where each post's features are kept between runs (per model)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--markdown", type=Path, help="write the results table here")
    parser.add_argument("--route-only", type=int, metavar="RUNS",
                        help="only time the adapt route, this many times (features from --cache), and print each")
    args = parser.parse_args(argv)

    import torch

    from models import Scorer

    # One thread: on a shared machine two threads spin-waiting on each other cost more than
    # they gain for one-post forward passes.
    torch.set_num_threads(1)
    scorer = Scorer.load()
    info = {k: str(v) for k, v in scorer.model_info.items()}
    data = load_features(args.cache, lambda: scorer, f"{info['name']} {info['version']} {info['sha256']}")
    if args.route_only:
        times = [time_the_route(data, info)["seconds"] for _ in range(args.route_only)]
        print(f"adapt route, 1000 verdicts: {', '.join(f'{t} s' for t in times)}; median {float(np.median(times)):.2f} s")
        return
    results = measure(data)
    timing = time_the_route(data, info)
    print(f"adapt route, {timing['verdicts']} verdicts: {timing['seconds']} s", flush=True)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
            "model": f"{info['name']} {info['version']} (weights sha256 {info['sha256'][:12]})"}
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results, "adapt_route": timing}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(results, timing, meta))


if __name__ == "__main__":
    main()
