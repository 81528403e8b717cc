"""Train Modlens's heads: `python -m models.train --data ../shared/data`.

Reproduces the committed weights (models/weights/) from the train splits, seeded:
1. every training text is normalised (masked spellings unmasked), tokenised and run once
   through the frozen trunk; the result is cached in memory (fp16);
2. the upper layers and the heads are fine-tuned multi-task, one source per batch, drawn
   by weighted round-robin, with the loss masked where a source does not label an
   attribute; rows that answer a post read its embedding as context, and rows with
   marked words (Toxic Spans) train the token-level head;
3. the heads are calibrated on the validation splits (models/heads.py);
4. the frozen-encoder baseline (logistic heads on the pretrained sentence embedding) is fitted
   on the same rows, for the evaluation report to compare against;
5. the off_topic model is fitted on thread data (models/offtopic.py), with the embeddings
   the saved scorer computes.
`--steps 2 --limit 50` is a smoke run (the tests use it); `--sources jigsaw,cad,...` trains
on those sets only and `--exclude trac,uc` leaves sets out (e.g. the non-commercial ones).
`--split 2` tunes four layers instead of three (models/encoder.py; tried in the tenth session,
models/MODEL_CARD.md): serving then runs one more layer per window.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import data as datasets
from .forum_data import SPAN_LABELS
from .encoder import DEFAULT_SPLIT, SplitEncoder, load_bert, load_tokenizer, mean_pool
from .heads import FORUM_BASE_RATES, HEAD_ATTRIBUTES, SPAN_ATTRIBUTES, fit_platt, prior_shift
from .normalize import augment_text, normalize
from .span_cuts import choose_span_cuts

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MAX_LENGTH = 128

# Share of batches per source. The forum and comment-thread sets (replies to other people,
# often with the post they answer) are drawn most: they are what a moderator reads. Jigsaw
# (Wikipedia talk pages) stays high as the closest older set and the reference of the harm
# attributes' calibration. Tweet sets are drawn less than before, but every one stays.
SOURCE_WEIGHTS = {
    "jigsaw": 2.0,
    "offensive": 1.0,
    "olid": 0.7,
    "hate": 0.7,
    "davidson": 0.7,
    "gab": 0.8,
    "irony": 0.7,
    "isarcasm": 0.7,
    "emotion": 0.5,
    "sentiment": 0.7,
    "identity": 0.5,
    "threats": 1.5,
    "uc": 2.0,
    "cad": 2.0,
    "toxichat": 1.0,
    "uq": 1.5,
    "sarcasm_v2": 1.0,
    "trac": 1.0,
    "toxic_spans": 1.5,
    "toxic_spans_typed": 2.0,
    "context_tox": 1.0,
    "goemotions": 1.0,
    "stormfront": 0.7,
    "fox_news": 0.5,
    # Opt-in (OPT_IN_SOURCES): drawn only when named with --sources; the weight of the
    # fourth session's run (models/experiments/2026-12-01-putdowns-politeness.train.diff).
    "politeness": 0.8,
}
# Rows kept per source for training: enough for the steps we run, so that the trunk cache
# (and the hour training may take on 2 cores) stays in bounds; positives of rare labels are
# always kept. The sets that carry what moderators most need (person- and identity-directed
# abuse, typed toxic spans) are kept nearly whole.
# SemEval's Toxic Spans train texts are nearly all in the typed release too (7 935 of 7 939),
# so only a share of them is kept: their own toxicity spans, without caching the same
# comments twice.
MAX_ROWS_PER_SOURCE = 3000
MAX_ROWS = {"jigsaw": 5000, "offensive": 6000, "cad": 8000, "toxic_spans_typed": 9000, "toxic_spans": 2500, "uq": 5000, "sarcasm_v2": 3200}
# Sets trained on only when named with --sources: tried on 2026-12-01 (fourth session) and
# not yet better overall (models/experiments/2026-12-01-putdowns-politeness.json, and the
# model card): the committed weights were trained without them.
OPT_IN_SOURCES = {"putdowns", "politeness"}
VAL_ROWS_PER_SOURCE = 1500  # calibration needs a few thousand rows, not every one
# A row that answers a post loses its parent this often in training, so the heads also
# learn to score a reply alone (the first post of a thread, a text scored without context).
CONTEXT_DROPOUT = 0.25


def default_sources() -> set[str]:
    """The sets a run trains on unless told otherwise: every loader but the opt-in ones."""
    return set(datasets.all_loaders()) - OPT_IN_SOURCES


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def gather(data_dir: Path, split: str, rng: random.Random, limit: int | None, sources: set[str] | None = None) -> list[datasets.Example]:
    """All sources' examples for `split`, subsampled per source (rare positives kept)."""
    out = []
    for name, loader in datasets.all_loaders().items():
        if sources is not None and name not in sources:
            continue
        try:
            rows = loader(data_dir, split)
        except ValueError:
            continue  # the source has no such split
        if split == "train":
            rare = [r for r in rows if r.spans or any(v and a in ("threat", "identity_attack", "insult") for a, v in r.labels.items())]
            rare_ids = {id(r) for r in rare}
            rest = [r for r in rows if id(r) not in rare_ids]
            cap = limit or MAX_ROWS.get(name, MAX_ROWS_PER_SOURCE)
            if len(rows) > cap:
                rng.shuffle(rare)
                rng.shuffle(rest)
                rows = (rare + rest)[: max(cap, min(len(rare), cap * 2))]
        elif limit:
            rows = rows[:limit]
        out.extend(rows)
    return out


def calibration_rows(data_dir: Path, config: dict, limit: int | None = None) -> list[datasets.Example]:
    """The validation rows a run calibrated on (from its config): the first
    VAL_ROWS_PER_SOURCE (or `limit`) of each set it trained on."""
    trained_on = config.get("training", {}).get("rows_per_source")
    return gather(data_dir, "val", None, limit or VAL_ROWS_PER_SOURCE, set(trained_on or default_sources()))


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
        if r.spans:
            continue  # marked words would no longer line up with a masked copy's tokens
        if r.labels.get("profanity") or r.labels.get("insult"):
            masked = augment_text(r.text, rng, p=0.7)
            if masked != r.text and rng.random() < 0.5:
                extra.append(datasets.Example(masked, r.source, dict(r.labels), r.parent, soft=r.soft))
    return extra


class TrunkCache:
    """Trunk outputs of every row (fp16, unpadded), the pretrained sentence embeddings, the
    embedding of the post each row answers, and word-level labels where a row has them."""

    def __init__(self, encoder: SplitEncoder, tokenizer, rows, batch_size: int = 64, bf16: bool = False):
        self.states: list[torch.Tensor] = [None] * len(rows)
        # Token labels (T, len(SPAN_ATTRIBUTES)) and which attributes a row marks at all.
        self.token_labels: list[torch.Tensor | None] = [None] * len(rows)
        self.span_mask = np.zeros((len(rows), len(SPAN_ATTRIBUTES)), dtype=np.float32)
        texts = [normalize(r.text) for r in rows]
        t0 = time.time()
        self.semantic = embed_texts(encoder, tokenizer, texts, batch_size, keep=self._keep(rows), progress="cache", bf16=bf16)
        # Parents are embedded as the scorer embeds a post (normalised, mean-pooled
        # pretrained top, unit length); only the embedding is kept.
        parent_texts = sorted({r.parent for r in rows if r.parent})
        parent_emb = embed_texts(encoder, tokenizer, [normalize(t) for t in parent_texts], batch_size, progress="parents", bf16=bf16)
        parent_emb /= np.maximum(np.linalg.norm(parent_emb, axis=1, keepdims=True), 1e-9)
        index = {t: k for k, t in enumerate(parent_texts)}
        self.parents = np.zeros((len(rows), 384), dtype=np.float32)
        self.has_parent = np.zeros(len(rows), dtype=bool)
        for i, r in enumerate(rows):
            if r.parent:
                self.parents[i] = parent_emb[index[r.parent]]
                self.has_parent[i] = True
        log(f"cached {len(rows)} rows and {len(parent_texts)} parents in {time.time() - t0:.0f}s")

    def _keep(self, rows):
        """Called per row by embed_texts with the trunk states and offsets it computed."""

        def keep(i, hidden, offsets):
            self.states[i] = hidden.to(torch.float16).clone()
            r = rows[i]
            if r.spans is None:
                return
            labels = torch.zeros(hidden.shape[0], len(SPAN_ATTRIBUTES))
            # The attributes whose words the row's raters judged; one nobody marked is a
            # labelled "no words", not a missing label.
            judged = SPAN_LABELS.get(r.source, tuple(r.spans))
            for k, attr in enumerate(SPAN_ATTRIBUTES):
                if attr not in judged:
                    continue
                self.span_mask[i, k] = 1.0
                for b, e in r.spans.get(attr, []):
                    for t, (tb, te) in enumerate(offsets):
                        if te > tb and tb < e and te > b:
                            labels[t, k] = 1.0
            self.token_labels[i] = labels

        return keep

    def batch(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        longest = max(self.states[i].shape[0] for i in idx)
        hidden = torch.zeros(len(idx), longest, 384)
        mask = torch.zeros(len(idx), longest, dtype=torch.long)
        for j, i in enumerate(idx):
            n = self.states[i].shape[0]
            hidden[j, :n] = self.states[i].float()
            mask[j, :n] = 1
        return hidden, mask

    def token_batch(self, idx: list[int], longest: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Word-level labels (B, T, 5) and their mask (B, T, 5) for a batch."""
        labels = torch.zeros(len(idx), longest, len(SPAN_ATTRIBUTES))
        mask = torch.zeros_like(labels)
        for j, i in enumerate(idx):
            if self.token_labels[i] is None:
                continue
            n = self.token_labels[i].shape[0]
            labels[j, :n] = self.token_labels[i]
            # [CLS] and [SEP] (first and last state) are no word: masked out.
            mask[j, 1 : n - 1] = torch.from_numpy(self.span_mask[i])
        return labels, mask


def embed_texts(encoder, tokenizer, texts: list[str], batch_size: int, keep=None, progress: str = "", bf16: bool = False) -> np.ndarray:
    """Mean-pooled pretrained-top embeddings (N, 384) of `texts` (max MAX_LENGTH tokens);
    `keep(i, trunk_states, offsets)` receives each row's trunk output, [CLS] and [SEP] included.
    `bf16`: the encoder's products in bf16 (autocast); what comes out is fp32."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    t0 = time.time()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt", return_offsets_mapping=keep is not None)
            mask = enc["attention_mask"]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                hidden = encoder.run_trunk(enc["input_ids"], mask).float()
                semantic = encoder.run_top(hidden, mask, tuned=False).float()
            out[idx] = mean_pool(semantic, mask).numpy()
            if keep is not None:
                lengths = mask.sum(1).tolist()
                for j, i in enumerate(idx):
                    keep(i, hidden[j, : lengths[j]], enc["offset_mapping"][j, : lengths[j]].tolist())
            if progress and start // batch_size % 200 == 0:
                log(f"{progress} {start}/{len(order)} ({time.time() - t0:.0f}s)")
    return out


class MultiTaskHeads(nn.Module):
    """The served heads plus what only training needs (a bias per source, dropout).

    linear: one row per attribute over the pooled state r. context: U p + V (r * p), p the
    unit embedding of the post the row answers (zero for none), started at zero so a reply
    is scored as before until the data says how its parent matters. span: the token-level
    head over every token state, for SPAN_ATTRIBUTES.
    """

    def __init__(self, sources: list[str]):
        super().__init__()
        self.sources = sources
        self.linear = nn.Linear(384, len(HEAD_ATTRIBUTES))
        self.context = nn.Linear(2 * 384, len(HEAD_ATTRIBUTES), bias=False)
        nn.init.zeros_(self.context.weight)
        self.span = nn.Linear(384, len(SPAN_ATTRIBUTES))
        self.source_bias = nn.Parameter(torch.zeros(len(sources), len(HEAD_ATTRIBUTES)))
        self.dropout = nn.Dropout(0.1)

    def forward(self, pooled: torch.Tensor, parent: torch.Tensor, source_index: int) -> torch.Tensor:
        pooled = self.dropout(pooled)
        context = self.context(torch.cat([parent, pooled * parent], dim=1))
        return self.linear(pooled) + context + self.source_bias[source_index]


def label_matrix(rows, soft: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Targets and their mask (1 where the row's source labels the attribute). `soft`: the
    raters' share where the source gives one (Example.soft), else the majority label."""
    y = np.zeros((len(rows), len(HEAD_ATTRIBUTES)), dtype=np.float32)
    m = np.zeros_like(y)
    for i, r in enumerate(rows):
        shares = r.soft if soft and r.soft else {}
        for a, v in r.labels.items():
            if a in HEAD_ATTRIBUTES:
                k = HEAD_ATTRIBUTES.index(a)
                y[i, k] = shares.get(a, v)
                m[i, k] = 1
    return y, m


def train_heads(encoder, cache, rows, steps, seed, batch_size=32, bf16: bool = False, soft: bool = False):
    """Fine-tune the tuned top and the heads. `bf16`: the top's products in bf16
    (autocast; 0.65 s a step against 0.87 in fp32 on the 2-core Zen 4, model card), the
    heads, the loss and the optimiser's state in fp32. `soft`: train towards the raters'
    shares where a source publishes them (label_matrix)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    sources = sorted({r.source for r in rows})
    by_source = defaultdict(list)
    for i, r in enumerate(rows):
        by_source[r.source].append(i)
    y, m = label_matrix(rows, soft=soft)
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
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            # Packed: the per-token products skip the padding of a random batch; same
            # states and the same dropout draws as run_top (models/encoder.py).
            states = encoder.run_top_packed(hidden, mask, tuned=True)
        states = states.float()
        pooled = mean_pool(states, mask)
        keep = torch.from_numpy((cache.has_parent[idx] & (np.array([rng.random() for _ in idx]) >= CONTEXT_DROPOUT)).astype(np.float32))
        parent = torch.from_numpy(cache.parents[idx]) * keep[:, None]
        logits = heads(pooled, parent, sources.index(source))
        loss_m = m[idx]
        loss = (bce(logits, y[idx]) * loss_m).sum() / loss_m.sum().clamp(min=1)
        if cache.span_mask[idx].any():
            token_y, token_m = cache.token_batch(idx, states.shape[1])
            token_logits = heads.span(heads.dropout(states))
            loss = loss + (bce(token_logits, token_y) * token_m).sum() / token_m.sum().clamp(min=1)
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


def training_bf16(precision: str, flags: set[str] | None = None) -> bool:
    """Whether training runs the encoder's products in bf16: asked for, or `auto` on a CPU
    that multiplies bf16 in hardware (elsewhere bf16 is emulated and slower than fp32)."""
    if precision != "auto":
        return precision == "bf16"
    from .runtime import bf16_in_hardware

    return bf16_in_hardware(flags)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="where the weights are written")
    parser.add_argument("--steps", type=int, default=3500)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=None, help="rows per source (smoke runs)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="the encoder's products while caching and training: bf16 (autocast) where the CPU multiplies "
                             "bf16 in hardware (auto), else fp32; the heads, loss and saved weights are fp32 either way")
    parser.add_argument("--targets", choices=("hard", "soft"), default="hard",
                        help="soft: train towards the share of raters who gave a label where the source publishes it "
                             "(Unhealthy Conversations, Unpalatable Questions); calibration and the report read majority labels")
    parser.add_argument("--split", type=int, default=DEFAULT_SPLIT, choices=range(0, 6), metavar="0-5",
                        help=f"encoder layers left frozen below the fine-tuned copy (default {DEFAULT_SPLIT}); fewer "
                             "tunes more layers, and serving runs one more layer per window for each one given up")
    known = ", ".join(datasets.all_loaders())
    parser.add_argument("--sources", default=None, help=f"comma-separated sets to train on (default: all of {known})")
    parser.add_argument("--exclude", default="", help="comma-separated sets to leave out, e.g. the non-commercial ones: uc,trac")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data PATH to the shared data")
    chosen = set(args.sources.split(",")) if args.sources else default_sources()
    excluded = {s for s in args.exclude.split(",") if s}
    unknown = (chosen | excluded) - set(datasets.all_loaders())
    if unknown:
        parser.error(f"unknown sources: {', '.join(sorted(unknown))} (known: {known})")
    chosen -= excluded
    torch.set_num_threads(args.threads)
    bf16 = training_bf16(args.precision)
    started = time.time()
    rng = random.Random(args.seed)
    train_rows = gather(args.data, "train", rng, args.limit, chosen)
    train_rows += augment_obfuscation(train_rows, rng)
    val_rows = gather(args.data, "val", rng, args.limit or VAL_ROWS_PER_SOURCE, chosen)
    log(f"{len(train_rows)} training rows, {len(val_rows)} validation rows; encoder products in {'bf16' if bf16 else 'fp32'}")

    tokenizer, encoder = load_tokenizer(), SplitEncoder(load_bert(), args.split)
    train_cache = TrunkCache(encoder, tokenizer, train_rows, bf16=bf16)
    log(f"cached trunk outputs in {time.time() - started:.0f}s")

    heads, sources = train_heads(encoder, train_cache, train_rows, args.steps, args.seed, bf16=bf16, soft=args.targets == "soft")
    heads_extra = {
        "context.weight": heads.context.weight.detach().numpy().copy(),
        "span.weight": heads.span.weight.detach().numpy().copy(),
        "span.bias": heads.span.bias.detach().numpy().copy(),
    }
    w = heads.linear.weight.detach().numpy().copy()
    b = heads.linear.bias.detach().numpy().copy()
    for k, attr in enumerate(HEAD_ATTRIBUTES):
        ref = datasets.REFERENCE_SOURCE[attr]
        if ref in sources:
            b[k] += heads.source_bias[sources.index(ref), k].item()
    base_w, base_b = fit_baseline(train_cache.semantic, train_rows, args.seed)
    del train_cache

    from .baseline import FrozenBaseline
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
        "precision": "bf16" if bf16 else "fp32",
        "targets": args.targets,
        "torch": torch.__version__,
        "excluded_sources": sorted(set(datasets.all_loaders()) - chosen),
    }
    config_extra = {"span_attributes": list(SPAN_ATTRIBUTES), "span_thresholds": {a: 0.5 for a in SPAN_ATTRIBUTES},
                    "span_relative": {a: None for a in SPAN_ATTRIBUTES}}
    identity = {a: (1.0, 0.0) for a in HEAD_ATTRIBUTES}
    # A first save without calibration or off_topic (similarity features, all zero), so the
    # served code path (models/scorer.py) can compute what both are fitted on.
    placeholder = {"features": list(FEATURES), "coef": np.zeros(len(FEATURES)), "intercept": 0.0, "ack_embeddings": np.zeros((1, 384)), "examples": 0, "positives": 0}
    save_weights(args.out, encoder, w, b, identity, base_w, base_b, identity, placeholder, meta, heads_extra, config_extra)
    scorer = Scorer.load(args.out)
    # off_topic is fitted on the scorer's own embeddings (normalised text, windows over the
    # whole post), the ones it reads when serving.
    offtopic = train_offtopic(args.data, args.seed, embed=scorer.embed, limit=args.limit)
    log(f"off_topic fitted on {offtopic['examples']} examples")
    # Calibrate what is served: the saved (fp16) weights, through the scorer's own
    # worst-segment rule, on the validation rows.
    texts = [r.text for r in val_rows]
    calibration = calibrate(scorer.head_logits(texts, [r.parent for r in val_rows]), val_rows)
    base_calibration = calibrate(FrozenBaseline.load(args.out).head_logits(texts), val_rows)
    config_extra["span_thresholds"], config_extra["span_relative"] = choose_span_cuts(scorer, val_rows, log)
    meta["seconds"] = round(time.time() - started)
    save_weights(args.out, encoder, w, b, calibration, base_w, base_b, base_calibration, offtopic, meta, heads_extra, config_extra)
    log(f"wrote {args.out} in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
