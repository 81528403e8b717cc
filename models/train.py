"""Train Modlens's heads: `python -m models.train --data ../shared/data`.

Reproduces the committed weights (models/weights/) from the train splits, seeded:
1. every training text is normalised (masked spellings unmasked), tokenised and run once
   through the frozen trunk; the result is cached in memory (fp16);
2. the upper layers and the heads are fine-tuned multi-task, one source per batch, drawn
   by weighted round-robin, with the loss masked where a source does not label an
   attribute;
3. the heads are calibrated on the validation splits (models/heads.py);
4. the frozen-encoder baseline (logistic heads on the pretrained sentence embedding) is fitted
   on the same rows, for the evaluation report to compare against;
5. the off_topic model is fitted on thread data (models/offtopic.py), with the embeddings
   the saved scorer computes.
`--steps 2 --limit 50` is a smoke run (the tests use it).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import data as datasets
from .encoder import DEFAULT_SPLIT, SplitEncoder, load_bert, load_tokenizer, mean_pool
from .heads import FORUM_BASE_RATES, HEAD_ATTRIBUTES, fit_platt, prior_shift
from .normalize import augment_text, normalize

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MAX_LENGTH = 128

# Share of batches per source. Jigsaw (Wikipedia talk pages) is the closest to forum posts
# and the only source of insult/threat labels in longer comments, so it is drawn most.
SOURCE_WEIGHTS = {
    "jigsaw": 2.0,
    "offensive": 1.5,
    "olid": 1.0,
    "hate": 1.0,
    "davidson": 1.0,
    "gab": 1.0,
    "irony": 1.0,
    "isarcasm": 1.0,
    "emotion": 1.0,
    "sentiment": 1.0,
    "identity": 0.5,
    "threats": 1.0,
}
# Rows kept per source for training: enough for the steps we run, so that the cache stays
# small; positives of rare labels are always kept. TweetEval offensive is kept whole: it is
# the largest set of short, rude replies to other people, the closest thing to forum spats.
MAX_ROWS_PER_SOURCE = 6000
MAX_ROWS = {"offensive": 12000}
VAL_ROWS_PER_SOURCE = 2000  # calibration needs a few thousand rows, not every one


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def gather(data_dir: Path, split: str, rng: random.Random, limit: int | None) -> list[datasets.Example]:
    """All sources' examples for `split`, subsampled per source (rare positives kept)."""
    out = []
    for name, loader in datasets.LOADERS.items():
        try:
            rows = loader(data_dir, split)
        except ValueError:
            continue  # the source has no such split
        if split == "train":
            rare = [r for r in rows if any(v and a in ("threat", "identity_attack", "insult") for a, v in r.labels.items())]
            rare_ids = {id(r) for r in rare}
            rest = [r for r in rows if id(r) not in rare_ids]
            cap = limit or MAX_ROWS.get(name, MAX_ROWS_PER_SOURCE)
            if len(rows) > cap:
                rng.shuffle(rest)
                rows = (rare + rest)[: max(cap, min(len(rare), cap * 2))]
        elif limit:
            rows = rows[:limit]
        out.extend(rows)
    return out


def augment_obfuscation(rows: list[datasets.Example], rng: random.Random) -> list[datasets.Example]:
    """Copies of profane or insulting training rows with masked/leet spellings (same labels).

    The normaliser undoes these spellings before encoding, so most copies encode as their
    original: in effect about a third more weight on insult and profanity positives, the
    rarest labels of the harm heads. Spellings it cannot undo (`undoable=False`) were tried
    instead and measured worse on the Jigsaw test pools (profanity ROC-AUC 0.929 against
    0.945, toxicity 0.941 against 0.948; runs of 2026-11-29 in models/MODEL_CARD.md).
    """
    extra = []
    for r in rows:
        if r.labels.get("profanity") or r.labels.get("insult"):
            masked = augment_text(r.text, rng, p=0.7)
            if masked != r.text and rng.random() < 0.5:
                extra.append(datasets.Example(masked, r.source, dict(r.labels)))
    return extra


class TrunkCache:
    """Trunk outputs of every row (fp16, unpadded) and the pretrained sentence embeddings."""

    def __init__(self, encoder: SplitEncoder, tokenizer, rows, batch_size: int = 64):
        self.states: list[torch.Tensor] = [None] * len(rows)
        self.semantic = np.zeros((len(rows), 384), dtype=np.float32)
        texts = [normalize(r.text) for r in rows]
        order = sorted(range(len(rows)), key=lambda i: len(texts[i]))
        t0 = time.time()
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
                mask = enc["attention_mask"]
                hidden = encoder.run_trunk(enc["input_ids"], mask)
                sem = mean_pool(encoder.run_top(hidden, mask, tuned=False), mask)
                self.semantic[idx] = sem.numpy()
                lengths = mask.sum(1).tolist()
                for j, i in enumerate(idx):
                    self.states[i] = hidden[j, : lengths[j]].to(torch.float16).clone()
                if start // batch_size % 100 == 0:
                    log(f"cache {start}/{len(order)} ({time.time() - t0:.0f}s)")

    def batch(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        longest = max(self.states[i].shape[0] for i in idx)
        hidden = torch.zeros(len(idx), longest, 384)
        mask = torch.zeros(len(idx), longest, dtype=torch.long)
        for j, i in enumerate(idx):
            n = self.states[i].shape[0]
            hidden[j, :n] = self.states[i].float()
            mask[j, :n] = 1
        return hidden, mask


class MultiTaskHeads(nn.Module):
    def __init__(self, sources: list[str]):
        super().__init__()
        self.sources = sources
        self.linear = nn.Linear(384, len(HEAD_ATTRIBUTES))
        self.source_bias = nn.Parameter(torch.zeros(len(sources), len(HEAD_ATTRIBUTES)))
        self.dropout = nn.Dropout(0.1)

    def forward(self, pooled: torch.Tensor, source_index: int) -> torch.Tensor:
        return self.linear(self.dropout(pooled)) + self.source_bias[source_index]


def label_matrix(rows) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros((len(rows), len(HEAD_ATTRIBUTES)), dtype=np.float32)
    m = np.zeros_like(y)
    for i, r in enumerate(rows):
        for a, v in r.labels.items():
            if a in HEAD_ATTRIBUTES:
                k = HEAD_ATTRIBUTES.index(a)
                y[i, k] = v
                m[i, k] = 1
    return y, m


def train_heads(encoder, cache, rows, steps, seed, batch_size=32):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    sources = sorted({r.source for r in rows})
    by_source = defaultdict(list)
    for i, r in enumerate(rows):
        by_source[r.source].append(i)
    y, m = label_matrix(rows)
    y, m = torch.from_numpy(y), torch.from_numpy(m)
    heads = MultiTaskHeads(sources)
    # Start each source's bias at its base rates, so early steps learn direction, not offsets.
    with torch.no_grad():
        for s, idx in by_source.items():
            pos = (y[idx] * m[idx]).sum(0)
            cnt = m[idx].sum(0)
            rate = ((pos + 1) / (cnt + 2)).clamp(1e-3, 1 - 1e-3)
            heads.source_bias[sources.index(s)] = torch.where(cnt > 0, torch.log(rate / (1 - rate)), torch.zeros_like(rate))
    encoder.tuned_top.train()
    heads.train()
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder.tuned_top.parameters(), "lr": 4e-5},
            {"params": heads.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    warmup = max(1, steps // 20)
    # Linear warm-up, then linear decay to zero at the last step.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    names = list(by_source)
    weights = [SOURCE_WEIGHTS.get(s, 1.0) for s in names]
    bce = nn.BCEWithLogitsLoss(reduction="none")
    t0, running = time.time(), 0.0
    for step in range(steps):
        source = rng.choices(names, weights)[0]
        idx = rng.sample(by_source[source], min(batch_size, len(by_source[source])))
        hidden, mask = cache.batch(idx)
        pooled = mean_pool(encoder.run_top(hidden, mask, tuned=True), mask)
        logits = heads(pooled, sources.index(source))
        loss_m = m[idx]
        loss = (bce(logits, y[idx]) * loss_m).sum() / loss_m.sum().clamp(min=1)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(encoder.tuned_top.parameters()) + list(heads.parameters()), 1.0)
        optimiser.step()
        schedule.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 50 == 0 or step == steps - 1:
            log(f"step {step + 1}/{steps} loss {running:.4f} ({(time.time() - t0) / (step + 1):.2f}s/step)")
    encoder.tuned_top.eval()
    heads.eval()
    return heads, sources


def calibrate(logits: np.ndarray, rows) -> dict[str, tuple[float, float]]:
    """Platt parameters per attribute from validation rows (see models/heads.py)."""
    y, m = label_matrix(rows)
    sources = [r.source for r in rows]
    params = {}
    for k, attr in enumerate(HEAD_ATTRIBUTES):
        sel = np.flatnonzero(m[:, k])
        if len(sel) == 0 or y[sel, k].min() == y[sel, k].max():
            params[attr] = (1.0, 0.0)
            continue
        reference = datasets.REFERENCE_SOURCE[attr]
        slope, intercept = fit_platt(logits[sel, k], y[sel, k], [sources[i] for i in sel], reference)
        if attr in FORUM_BASE_RATES:
            ref_rows = [i for i in sel if sources[i] == reference]
            intercept = prior_shift(intercept, float(y[ref_rows, k].mean()), FORUM_BASE_RATES[attr])
        params[attr] = (slope, intercept)
    return params


def fit_baseline(semantic: np.ndarray, rows, seed: int):
    """Frozen-encoder baseline: one logistic head per attribute on the sentence embedding.

    Fitted on the pooled train rows of every source labelling the attribute, with a
    per-source intercept (the same treatment the fine-tuned heads get), so the comparison
    is of encoders, not of bookkeeping.
    """
    from sklearn.linear_model import LogisticRegression

    y, m = label_matrix(rows)
    sources = sorted({r.source for r in rows})
    onehot = np.zeros((len(rows), len(sources)), dtype=np.float32)
    for i, r in enumerate(rows):
        onehot[i, sources.index(r.source)] = 1.0
    weight = np.zeros((len(HEAD_ATTRIBUTES), 384), dtype=np.float32)
    bias = np.zeros(len(HEAD_ATTRIBUTES), dtype=np.float32)
    for k, attr in enumerate(HEAD_ATTRIBUTES):
        sel = np.flatnonzero(m[:, k])
        x = np.hstack([semantic[sel], onehot[sel]])
        clf = LogisticRegression(C=1.0, max_iter=3000, fit_intercept=False, random_state=seed)
        clf.fit(x, y[sel, k])
        weight[k] = clf.coef_[0, :384]
        ref = datasets.REFERENCE_SOURCE[attr]
        bias[k] = clf.coef_[0, 384 + sources.index(ref)] if ref in sources else 0.0
    return weight, bias


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="where the weights are written")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=None, help="rows per source (smoke runs)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    torch.set_num_threads(args.threads)
    started = time.time()
    rng = random.Random(args.seed)
    train_rows = gather(args.data, "train", rng, args.limit)
    train_rows += augment_obfuscation(train_rows, rng)
    val_rows = gather(args.data, "val", rng, args.limit or VAL_ROWS_PER_SOURCE)
    log(f"{len(train_rows)} training rows, {len(val_rows)} validation rows")

    tokenizer, encoder = load_tokenizer(), SplitEncoder(load_bert(), DEFAULT_SPLIT)
    train_cache = TrunkCache(encoder, tokenizer, train_rows)
    log(f"cached trunk outputs in {time.time() - started:.0f}s")

    heads, sources = train_heads(encoder, train_cache, train_rows, args.steps, args.seed)
    w = heads.linear.weight.detach().numpy().copy()
    b = heads.linear.bias.detach().numpy().copy()
    for k, attr in enumerate(HEAD_ATTRIBUTES):
        ref = datasets.REFERENCE_SOURCE[attr]
        if ref in sources:
            b[k] += heads.source_bias[sources.index(ref), k].item()
    base_w, base_b = fit_baseline(train_cache.semantic, train_rows, args.seed)
    del train_cache

    from .offtopic import FEATURES, train_offtopic
    from .scorer import Scorer
    from .weights import save_weights

    meta = {
        "steps": args.steps,
        "seed": args.seed,
        "limit": args.limit,
        "train_rows": len(train_rows),
        "val_rows": len(val_rows),
        "rows_per_source": {s: sum(1 for r in train_rows if r.source == s) for s in sources},
        "threads": args.threads,
        "torch": torch.__version__,
    }
    identity = {a: (1.0, 0.0) for a in HEAD_ATTRIBUTES}
    # A first save without calibration or off_topic (similarity features, all zero), so the
    # served code path (models/scorer.py) can compute what both are fitted on.
    placeholder = {"features": list(FEATURES), "coef": np.zeros(len(FEATURES)), "intercept": 0.0, "ack_embeddings": np.zeros((1, 384)), "examples": 0, "positives": 0}
    save_weights(args.out, encoder, w, b, identity, base_w, base_b, identity, placeholder, meta)
    scorer = Scorer.load(args.out)
    # off_topic is fitted on the scorer's own embeddings (normalised text, windows over the
    # whole post), the ones it reads when serving.
    offtopic = train_offtopic(args.data, args.seed, embed=scorer.embed, limit=args.limit)
    log(f"off_topic fitted on {offtopic['examples']} examples")
    # Calibrate what is served: the saved (fp16) weights, through the scorer's own
    # worst-segment rule, on the validation rows.
    texts = [r.text for r in val_rows]
    calibration = calibrate(scorer.head_logits(texts), val_rows)
    base_calibration = calibrate(Scorer.load(args.out, variant="baseline").head_logits(texts), val_rows)
    meta["seconds"] = round(time.time() - started)
    save_weights(args.out, encoder, w, b, calibration, base_w, base_b, base_calibration, offtopic, meta)
    log(f"wrote {args.out} in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
