"""Scorer: texts and threads in, calibrated scores, flags and spans out.

    from models import Scorer
    scorer = Scorer.load()                       # once: encoder + our trained weights
    scorer.score_thread({"title": ..., "posts": [{"id", "text", ...}]})
    scorer.score_texts(["..."])                  # without thread context (no off_topic)

Pipeline (STYLE.md 7): preprocess (normalise masked spellings, split into sentences and
token windows, all with offsets) -> forward (the only step that touches torch; segments of
every post batched together, sorted by length) -> postprocess (a post's score is its worst
segment, calibrated; spans are the sentences over threshold; off_topic from the thread).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .attributes import ATTRIBUTES, DEFAULT_THRESHOLDS
from .encoder import SplitEncoder, load_bert, load_tokenizer, mean_pool
from .heads import HEAD_ATTRIBUTES, sigmoid
from .normalize import normalize
from .offtopic import FEATURES as OFFTOPIC_FEATURES
from .offtopic import PAIR_FEATURES, feature_vector
from .quantize import apply_precision, auto_precision
from .text import sentence_spans, token_windows
from .weights import load_weights

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WINDOW_TOKENS = 254  # plus [CLS] and [SEP]: 256, the length the encoder was trained at
WINDOW_STRIDE = 192  # windows overlap by 62 tokens so no phrase is cut in both
MAX_PREVIOUS = 5  # replies before a post that its off_topic judgement reads
# Segments per forward batch. 16 measured 9-14 % faster than 32 and 64 on 30 typical and
# 10 long posts (bf16, one core): a batch's activations stay in cache (bench/RESULTS.md).
BATCH_SIZE = 16


@dataclass
class _Segment:
    post: int
    ids: list[int]
    begin: int
    end: int
    kind: str  # "window" (covers the post, for its score and embedding) or "sentence" (for spans)


@dataclass
class _Encoded:
    """Forward results of one text: per-segment head logits and the sentence embedding."""

    segments: list[_Segment] = field(default_factory=list)
    logits: np.ndarray | None = None  # (S, 8)
    embedding: np.ndarray | None = None  # (384,), unit length


class Scorer:
    def __init__(self, tokenizer, encoder: SplitEncoder, tensors: dict, config: dict, sha256: str, variant: str = "tuned", batch_size: int = BATCH_SIZE):
        if variant not in ("tuned", "baseline"):
            raise ValueError(f"variant must be 'tuned' or 'baseline', not {variant!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("batch_size must be a positive integer")
        if list(config.get("head_attributes", [])) != list(HEAD_ATTRIBUTES):
            # The heads' rows are read in HEAD_ATTRIBUTES order: weights trained with another
            # order would score every attribute under the wrong name.
            raise ValueError(f"weights have heads {config.get('head_attributes')}, this code expects {list(HEAD_ATTRIBUTES)}")
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.variant = variant
        self.batch_size = batch_size
        self.config = config
        prefix = "head" if variant == "tuned" else "baseline"
        self._head_w = tensors[f"{prefix}.weight"]
        self._head_b = tensors[f"{prefix}.bias"]
        calibration = config["calibration" if variant == "tuned" else "baseline_calibration"]
        self._slope = np.array([calibration[a][0] for a in HEAD_ATTRIBUTES])
        self._intercept = np.array([calibration[a][1] for a in HEAD_ATTRIBUTES])
        self._off_coef = tensors["offtopic.coef"].numpy().astype(np.float64)
        self._off_intercept = float(config["offtopic"]["intercept"])
        self._ack = tensors["offtopic.ack_embeddings"].numpy()
        # Weights from before the pair features read the similarities only.
        self._off_pair = "reply" in config["offtopic"].get("features", [])
        expected = len(OFFTOPIC_FEATURES) + (384 * len(PAIR_FEATURES) if self._off_pair else 0)
        if self._off_coef.shape != (expected,):
            raise ValueError(f"off_topic weights have {self._off_coef.shape[0]} coefficients, their config names {expected}")
        name = config["name"] if variant == "tuned" else config["name"] + "-frozen-baseline"
        self.model_info = {"name": name, "version": config["version"], "sha256": sha256}
        self.thresholds = dict(DEFAULT_THRESHOLDS)
        # Fast tokenizers are not safe to call from several threads at once.
        self._tokenizer_lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path | str | None = None, variant: str = "tuned", batch_size: int = BATCH_SIZE, precision: str = "fp32") -> "Scorer":
        """Encoder from the pretrained package, our trained layers and heads from `folder`.

        `precision` is "fp32", "bf16", "int8" or "auto" (bf16 where the CPU has it; see
        models/quantize.py); the one used is `model_info["precision"]`, so a cache or a
        report can tell the variants apart.
        """
        if precision == "auto":
            precision = auto_precision()
        tensors, config, sha = load_weights(Path(folder) if folder else DEFAULT_WEIGHTS_DIR)
        encoder = SplitEncoder(load_bert(), config["split"])
        tuned = {k[len("tuned_top."):]: v for k, v in tensors.items() if k.startswith("tuned_top.")}
        encoder.tuned_top.load_state_dict(tuned)
        encoder = apply_precision(encoder, precision)
        scorer = cls(load_tokenizer(), encoder, tensors, config, sha, variant, batch_size)
        scorer.model_info["precision"] = precision
        return scorer

    # --- public API ----------------------------------------------------------------------

    def score_texts(self, texts: list[str], attributes=None, thresholds=None) -> list[dict]:
        """Scores without thread context: every attribute but off_topic."""
        wanted = self._wanted(attributes, allow_off_topic=False)
        limits = self._limits(thresholds)
        encoded = self._forward([self._segments(i, t) for i, t in enumerate(texts)], need_embedding=False)
        return [self._postprocess(t, e, None, wanted, limits) for t, e in zip(texts, encoded)]

    def score_thread(self, thread: dict, attributes=None, thresholds=None) -> list[dict]:
        """One result per post, in order: {"id", "scores", "flags", "spans", "quotes"}.

        The title and the first post define the topic; each later post's off_topic reads
        its parent (parent_id, else the opening post), the quotes it answers and up to five
        replies before it. Quotes are scored apart and never raise their post's scores.
        """
        posts = thread.get("posts") or []
        wanted = self._wanted(attributes, allow_off_topic=True)
        limits = self._limits(thresholds)
        texts = [p.get("text") or "" for p in posts]
        need_embedding = "off_topic" in wanted
        encoded = self._forward([self._segments(i, t) for i, t in enumerate(texts)], need_embedding)
        off_topic = self._off_topic(thread, posts, encoded) if need_embedding else [None] * len(posts)
        quote_texts = [(i, q.get("text") or "") for i, p in enumerate(posts) for q in (p.get("quotes") or [])]
        quote_scores = self.score_texts([t for _, t in quote_texts], attributes=[a for a in wanted if a != "off_topic"] or None, thresholds=thresholds) if quote_texts else []
        quote_results = iter(quote_scores)  # in post order, as quote_texts was built
        results = []
        for i, (post, text, enc) in enumerate(zip(posts, texts, encoded)):
            result = {"id": post.get("id")}
            result.update(self._postprocess(text, enc, off_topic[i], wanted, limits))
            result["quotes"] = []
            for quote in post.get("quotes") or []:
                scored = next(quote_results)
                result["quotes"].append({"author": quote.get("author"), "scores": scored["scores"], "flags": scored["flags"]})
            results.append(result)
        return results

    def head_logits(self, texts: list[str]) -> np.ndarray:
        """Uncalibrated worst-segment logits (N, 8): what calibration is fitted on."""
        encoded = self._forward([self._segments(i, t) for i, t in enumerate(texts)], need_embedding=False)
        return np.vstack([e.logits.max(0) for e in encoded]) if encoded else np.zeros((0, len(HEAD_ATTRIBUTES)))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Pretrained sentence embeddings (unit length) of whole texts: (N, 384)."""
        encoded = self._forward([self._segments(i, t, sentences=False) for i, t in enumerate(texts)], need_embedding=True)
        return np.vstack([e.embedding for e in encoded]) if encoded else np.zeros((0, 384))

    # --- preprocess ----------------------------------------------------------------------

    def _segments(self, post: int, text: str, sentences: bool = True) -> list[_Segment]:
        """Token windows covering the whole text, plus each sentence when there are several."""
        normalised = normalize(text)
        if len(normalised) != len(text):  # the normaliser promises equal length; never trust offsets otherwise
            normalised = text
        with self._tokenizer_lock:
            enc = self.tokenizer(normalised, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        segments = []
        for start, end in token_windows(len(ids), WINDOW_TOKENS, WINDOW_STRIDE):
            b = offsets[start][0] if ids else 0
            e = offsets[end - 1][1] if ids else len(text)
            segments.append(_Segment(post, ids[start:end], b, e, "window"))
        spans = sentence_spans(text) if sentences else []
        if len(spans) > 1:
            for b, e in spans:
                tok = [k for k, (tb, te) in enumerate(offsets) if tb >= b and te <= e and te > tb]
                if not tok:
                    continue
                for start, end in token_windows(len(tok), WINDOW_TOKENS, WINDOW_STRIDE):
                    segments.append(_Segment(post, [ids[k] for k in tok[start:end]], b, e, "sentence"))
        return segments

    # --- forward ---------------------------------------------------------------------------

    def _forward(self, per_text: list[list[_Segment]], need_embedding: bool) -> list[_Encoded]:
        """Segments of all texts -> per-text head logits (S, 8) and embeddings, in order."""
        flat = [s for segs in per_text for s in segs]
        logits = np.zeros((len(flat), len(HEAD_ATTRIBUTES)), dtype=np.float64)
        embeddings = np.zeros((len(flat), 384), dtype=np.float32)
        order = sorted(range(len(flat)), key=lambda k: len(flat[k].ids))
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                longest = max(len(flat[k].ids) for k in idx) + 2
                input_ids = torch.zeros(len(idx), longest, dtype=torch.long)
                mask = torch.zeros(len(idx), longest, dtype=torch.long)
                for row, k in enumerate(idx):
                    seq = [cls_id, *flat[k].ids, sep_id]
                    input_ids[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                trunk = self.encoder.run_trunk(input_ids, mask)
                # States are pooled in fp32 whatever the encoder's precision: a bf16 sum
                # over hundreds of tokens would lose the digits the heads rely on.
                # The pretrained top serves only embeddings, and a post's embedding is made
                # of its windows alone: sentence rows skip it (the baseline's heads read it
                # on every row, so there it runs on all of them).
                rows = list(range(len(idx))) if self.variant == "baseline" else [r for r, k in enumerate(idx) if flat[k].kind == "window"] if need_embedding else []
                semantic = None
                if rows:
                    sub = rows if len(rows) < len(idx) else slice(None)
                    semantic = mean_pool(self.encoder.run_top(trunk[sub], mask[sub], tuned=False).float(), mask[sub])
                    embeddings[[idx[r] for r in rows]] = semantic.numpy()
                pooled = semantic if self.variant == "baseline" else mean_pool(self.encoder.run_top(trunk, mask, tuned=True).float(), mask)
                logits[idx] = (pooled @ self._head_w.T + self._head_b).numpy()
        out, k = [], 0
        for segs in per_text:
            enc = _Encoded(segs, logits[k : k + len(segs)])
            windows = [j for j, s in enumerate(segs) if s.kind == "window"]
            if need_embedding:
                weights = np.array([len(segs[j].ids) + 2 for j in windows], dtype=np.float32)
                vec = (embeddings[[k + j for j in windows]] * weights[:, None]).sum(0)
                enc.embedding = vec / max(np.linalg.norm(vec), 1e-9)
            out.append(enc)
            k += len(segs)
        return out

    # --- postprocess -------------------------------------------------------------------------

    def _calibrated(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(self._slope * logits + self._intercept)

    def _postprocess(self, text: str, enc: _Encoded, off_topic: float | None, wanted, limits) -> dict:
        probs = self._calibrated(enc.logits)  # (S, 8)
        post = probs.max(0)
        scores = {a: float(post[k]) for k, a in enumerate(HEAD_ATTRIBUTES) if a in wanted}
        if off_topic is not None and "off_topic" in wanted:
            scores["off_topic"] = float(off_topic)
        flags = [a for a in scores if scores[a] >= limits[a]]
        spans = []
        sentences = [j for j, s in enumerate(enc.segments) if s.kind == "sentence"]
        for a in flags:
            if a == "off_topic":
                continue  # a whole post is off-topic, not a phrase of it
            k = HEAD_ATTRIBUTES.index(a)
            if not sentences:
                b, e = _trimmed(text)
                spans.append({"begin": b, "end": e, "attribute": a, "score": scores[a]})
                continue
            best = {}
            for j in sentences:
                s = enc.segments[j]
                best[(s.begin, s.end)] = max(best.get((s.begin, s.end), 0.0), float(probs[j, k]))
            over = {r: p for r, p in best.items() if p >= limits[a]}
            if not over:  # flagged on the whole; point at its worst sentence
                r = max(best, key=best.get)
                over = {r: best[r]}
            spans.extend({"begin": b, "end": e, "attribute": a, "score": p} for (b, e), p in sorted(over.items()))
        spans.sort(key=lambda s: (s["begin"], s["attribute"]))
        return {"scores": scores, "flags": flags, "spans": spans}

    def _off_topic(self, thread: dict, posts: list[dict], encoded: list[_Encoded]) -> list[float]:
        """off_topic probability of every post, from thread context (models/offtopic.py)."""
        if not posts:
            return []
        title = (thread.get("title") or "").strip()
        quoted = {i: " ".join(q.get("text") or "" for q in p["quotes"]) for i, p in enumerate(posts) if p.get("quotes")}
        extra = ([title] if title else []) + list(quoted.values())
        extra_emb = self.embed(extra) if extra else np.zeros((0, 384))
        title_emb = extra_emb[0] if title else None
        quote_emb = dict(zip(quoted, extra_emb[1:] if title else extra_emb))
        by_id = {p.get("id"): i for i, p in enumerate(posts)}
        opening = encoded[0].embedding
        out = []
        for i, (post, enc) in enumerate(zip(posts, encoded)):
            parent = by_id.get(post.get("parent_id"))
            parent_emb = encoded[parent].embedding if parent is not None and parent != i else None
            previous = np.array([encoded[j].embedding for j in range(max(1, i - MAX_PREVIOUS), i)]) if i > 1 else None
            words = len((post.get("text") or "").split())
            f = feature_vector(enc.embedding, words, title_emb, opening, parent_emb, previous, self._ack, self._off_pair)
            p = float(sigmoid(f @ self._off_coef + self._off_intercept))
            if post.get("quotes"):
                # A reply is also judged against what it quotes, as if that were its parent;
                # the lower of the two readings stands, so quoting can never raise off_topic.
                f = feature_vector(enc.embedding, words, title_emb, opening, quote_emb[i], previous, self._ack, self._off_pair)
                p = min(p, float(sigmoid(f @ self._off_coef + self._off_intercept)))
            out.append(p)
        return out

    # --- arguments -------------------------------------------------------------------------

    def _wanted(self, attributes, allow_off_topic: bool) -> list[str]:
        if attributes is None:
            return [a for a in ATTRIBUTES if allow_off_topic or a != "off_topic"]
        unknown = [a for a in attributes if a not in ATTRIBUTES]
        if unknown:
            raise ValueError(f"unknown attributes: {', '.join(map(str, unknown))}")
        return [a for a in ATTRIBUTES if a in attributes and (allow_off_topic or a != "off_topic")]

    def _limits(self, thresholds) -> dict:
        limits = dict(self.thresholds)
        if thresholds:
            limits.update({a: float(v) for a, v in thresholds.items() if a in limits})
        return limits


def _trimmed(text: str) -> tuple[int, int]:
    b, e = 0, len(text)
    while b < e and text[b].isspace():
        b += 1
    while e > b and text[e - 1].isspace():
        e -= 1
    return b, e
