"""Scorer: texts and threads in, calibrated scores, flags and spans out.

    from models import Scorer
    scorer = Scorer.load()                       # once: encoder + our trained weights
    scorer.score_thread({"title": ..., "posts": [{"id", "text", ...}]})
    scorer.score_texts(["..."], parents=[...])   # without a thread (no off_topic)

Pipeline (STYLE.md 7): preprocess (normalise masked spellings, cut into token windows and
sentences, all with offsets) -> forward (the only step that runs the encoder, on torch or
ONNX Runtime (models/runtime.py): each window once, windows of every post batched
together, sorted by length; with a post cache, only posts not seen before) ->
postprocess (numpy only: window, sentence and word scores all read the same token states;
a post's score is its worst segment, calibrated; the post it answers enters the heads as
context; spans are the words that drove each flagged score; off_topic from the thread).

One forward pass per window serves everything: the window's score is the mean of its
token states through the head, each sentence's score is the mean of the states of its own
tokens, the token-level head marks words, and the pretrained top gives the embedding that
off_topic compares and that the replies to this post read as their context.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import runtime as runtimes
from . import spans as word_spans
from .attributes import ATTRIBUTES, DEFAULT_THRESHOLDS
from .heads import HEAD_ATTRIBUTES, SPAN_ATTRIBUTES, sigmoid
from .normalize import normalize
from .offtopic import FEATURES as OFFTOPIC_FEATURES
from .offtopic import MAX_PREVIOUS, PAIR_FEATURES, feature_vector
from .post_cache import EncodedPost, encoder_identity, post_key
from .text import sentence_spans, token_windows
from .tokenizer import WordPieceTokenizer
from .weights import load_weights

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WINDOW_TOKENS = 254  # plus [CLS] and [SEP]: 256, the length the encoder was trained at
WINDOW_STRIDE = 192  # windows overlap by 62 tokens so no phrase is cut in both
# Windows per forward batch. torch: 16 measured 9-14 % faster than 32 and 64 on 30 typical
# and 10 long posts (bf16, one core): a batch's activations stay in cache. ONNX Runtime:
# one window a run, 1.5x faster than 16 on typical posts at int8 and 1.4x at fp32, and
# int8's activations, quantised per run, then never depend on what else is in the batch
# (up to 0.07 of a score at 16). bench/RESULTS.md, sixth session.
BATCH_SIZE = 16
BATCH_SIZES = {"torch": BATCH_SIZE, "onnx": 1}
HIDDEN = 384
# The token-level head's default cut, where weights do not state one per attribute.
SPAN_THRESHOLD = 0.5

log = logging.getLogger("modlens.scorer")


@dataclass
class _Post:
    """A text ready for the encoder: token ids and offsets of the normalised text."""

    text: str
    ids: list[int]
    offsets: list[tuple[int, int]]
    windows: list[tuple[int, int]]  # [start, end) token ranges
    sentences: list[tuple[int, int]]  # character ranges; empty when the text is one sentence


@dataclass
class _Encoded:
    """What the forward pass left for one text; everything after it is numpy.

    vectors: (S, 384) pooled head states, windows first, then sentences; token_offsets / token_states: every window's tokens (a token
    in two overlapping windows appears twice); embedding: the pretrained top's unit-length
    sentence embedding, when it was asked for.
    """

    vectors: np.ndarray
    kinds: list[str]
    token_offsets: list[tuple[int, int]] = field(default_factory=list)
    token_states: np.ndarray | None = None
    embedding: np.ndarray | None = None


class Scorer:
    # The served model: heads on the fine-tuned top. models/baseline.py's FrozenBaseline,
    # the quality report's point of comparison, reads the pretrained top instead.
    variant = "tuned"
    HEADS_READ_PRETRAINED_TOP = False
    # Where its heads and their calibration are in the weights; whether it has the
    # reply-context and token-level heads; what model_info calls it.
    HEAD_PREFIX, CALIBRATION, EXTRA_HEADS, NAME_SUFFIX = "head", "calibration", True, ""

    def __init__(self, tokenizer, encoder, tensors: dict, config: dict, sha256: str, batch_size: int = BATCH_SIZE):
        """`encoder`: anything with run_trunk(ids, mask) and run_top(hidden, mask, tuned)
        (models.encoder.TorchEncoder, models.onnx_encoder.OnnxEncoder); `tensors`: the
        weights as numpy arrays (models.weights.load_weights)."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError("batch_size must be a positive integer")
        if list(config.get("head_attributes", [])) != list(HEAD_ATTRIBUTES):
            # The heads' rows are read in HEAD_ATTRIBUTES order: weights trained with another
            # order would score every attribute under the wrong name.
            raise ValueError(f"weights have heads {config.get('head_attributes')}, this code expects {list(HEAD_ATTRIBUTES)}")
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.batch_size = batch_size
        self.config = config
        self._head_w = tensors[f"{self.HEAD_PREFIX}.weight"].astype(np.float32)
        self._head_b = tensors[f"{self.HEAD_PREFIX}.bias"].astype(np.float32)
        # Reply context: logit += U p + V (r * p), p the unit embedding of the post answered
        # (zero when there is none), r the pooled state. Weights from before it read no
        # context, and the frozen baseline never does.
        context = tensors.get("context.weight") if self.EXTRA_HEADS else None
        self._context = context.astype(np.float32) if context is not None else None
        if self._context is not None and self._context.shape != (len(HEAD_ATTRIBUTES), 2 * HIDDEN):
            raise ValueError(f"context weights have shape {tuple(self._context.shape)}, expected ({len(HEAD_ATTRIBUTES)}, {2 * HIDDEN})")
        span_w = tensors.get("span.weight") if self.EXTRA_HEADS else None
        if span_w is not None and list(config.get("span_attributes", [])) != list(SPAN_ATTRIBUTES):
            raise ValueError(f"weights have span heads {config.get('span_attributes')}, this code expects {list(SPAN_ATTRIBUTES)}")
        self._span_w = span_w.astype(np.float32) if span_w is not None else None
        self._span_b = tensors["span.bias"].astype(np.float32) if span_w is not None else None
        cuts = config.get("span_thresholds", {})
        self.span_thresholds = {a: float(cuts.get(a, SPAN_THRESHOLD)) for a in SPAN_ATTRIBUTES}
        # Weights from before 2026-12-03 have no relative cuts: their fixed cut alone.
        relative = config.get("span_relative") or {}
        self.span_relative = {a: (float(relative[a]) if relative.get(a) is not None else None) for a in SPAN_ATTRIBUTES}
        calibration = config[self.CALIBRATION]
        self._slope = np.array([calibration[a][0] for a in HEAD_ATTRIBUTES])
        self._intercept = np.array([calibration[a][1] for a in HEAD_ATTRIBUTES])
        self._off_coef = tensors["offtopic.coef"].astype(np.float64)
        self._off_intercept = float(config["offtopic"]["intercept"])
        self._ack = tensors["offtopic.ack_embeddings"]
        # Weights from before the pair features read the similarities only.
        self._off_pair = "reply" in config["offtopic"].get("features", [])
        expected = len(OFFTOPIC_FEATURES) + (HIDDEN * len(PAIR_FEATURES) if self._off_pair else 0)
        if self._off_coef.shape != (expected,):
            raise ValueError(f"off_topic weights have {self._off_coef.shape[0]} coefficients, their config names {expected}")
        name = config["name"] + self.NAME_SUFFIX
        self.model_info = {"name": name, "version": config["version"], "sha256": sha256}
        self.thresholds = dict(DEFAULT_THRESHOLDS)
        # Fast tokenizers are not safe to call from several threads at once.
        self._tokenizer_lock = threading.Lock()
        # Threads one request's forward batches may run on at once (Scorer.load).
        self.parallel_windows = 1
        self._pool = None
        self._pool_lock = threading.Lock()
        # What the encoder made of each post, by its token ids (models/post_cache.py); None:
        # every post is encoded on every call.
        self.post_cache = None

    @classmethod
    def load(cls, folder: Path | str | None = None, batch_size: int | None = None, precision: str = "fp32",
             runtime: str = "torch", threads: int | None = None, export: bool = True, post_cache=None,
             parallel_windows: int = 1) -> "Scorer":
        """Encoder from the pretrained package, our trained layers and heads from `folder`.

        `runtime` is "torch", "onnx" or "auto"; `precision` "fp32", "bf16" (torch only),
        "int8" or "auto": the fastest choice that keeps quality on this CPU
        (models/runtime.py). ONNX Runtime reads the export beside the weights; when it
        is missing or of other weights it is made now (`export`), in a child process,
        and if that fails the scorer runs on torch instead, with one line in the log.
        The choice is `model_info["runtime"]` and `["precision"]`, so a cache or a
        report can tell the variants apart. `threads`: the runtime's threads for each forward
        run (default: OMP_NUM_THREADS where set, as gunicorn.conf.py sets it; else, on ONNX
        Runtime, this process's cores shared among the `parallel_windows` runs, so that
        runs going at once never ask for more threads than there are cores, and on torch,
        which batches windows into few runs, torch's own: one a core).
        `post_cache`: a models.post_cache.PostCache, so that a post seen before is not
        encoded again (the service's; the batch command, which sees each post once, has none).
        `batch_size`: windows per forward run; by default the runtime's best (BATCH_SIZES).
        `parallel_windows`: forward runs of one call that may go at once, each on
        `threads` threads (1: one after the other).
        """
        if not isinstance(parallel_windows, int) or parallel_windows < 1:  # checked before the model loads
            raise ValueError(f"parallel_windows must be a whole number of at least 1, not {parallel_windows!r}")
        folder = Path(folder) if folder else DEFAULT_WEIGHTS_DIR
        tensors, config, sha = load_weights(folder)
        runtime, precision, why = runtimes.choose(runtime, precision, sha)
        threads = threads or _omp_threads()
        encoder = None
        if runtime == "onnx":
            problem = runtimes.ensure_export(folder, sha, export)
            if problem is None:
                from .onnx_encoder import OnnxEncoder, onnx_folder

                try:
                    encoder = OnnxEncoder(onnx_folder(folder), precision, threads or max(1, available_cores() // parallel_windows))
                except Exception as error:  # noqa: BLE001 - a damaged file: torch still scores
                    problem = f"{onnx_folder(folder)} does not load: {type(error).__name__}: {error}"
            if encoder is None:
                runtime, precision, _ = runtimes.choose("torch", "fp32" if precision == "fp32" else "auto", sha)
                why = f"ONNX Runtime unavailable ({problem})"
                log.warning("%s: scoring with torch %s instead", why, precision)
        if encoder is None:
            encoder = _torch_encoder(tensors, config, precision, threads)
        scorer = cls(WordPieceTokenizer(), encoder, tensors, config, sha, batch_size or BATCH_SIZES[runtime])
        scorer.model_info["runtime"] = runtime
        scorer.model_info["precision"] = precision
        scorer.runtime_reason = why
        scorer.post_cache = post_cache
        scorer.parallel_windows = parallel_windows
        return scorer

    @classmethod
    def load_fastest(cls, folder: Path | str | None = None, cores: int | None = None) -> "Scorer":
        """What a batch worker (Dask) runs: runtime and precision "auto", on `cores` cores
        (default: OMP_NUM_THREADS where set, else the cores this process may run on).

        Each forward run gets one thread and `cores` runs go at once: ONNX Runtime runs one
        window at a time, and one window on two threads ran 3.8 times slower than two
        windows on one thread each (bench/batch_throughput.md). torch batches 16 windows a
        run, so there one run at a time gets every core instead.
        """
        cores = cores or _omp_threads() or available_cores()
        scorer = cls.load(folder, runtime="auto", precision="auto", threads=1, parallel_windows=cores)
        if scorer.model_info["runtime"] == "torch":
            import torch

            torch.set_num_threads(cores)
            scorer.parallel_windows = 1
        return scorer

    @property
    def reads_context(self) -> bool:
        """Whether the heads read the post a text answers (weights trained with context)."""
        return self._context is not None

    # --- public API ----------------------------------------------------------------------

    def score_texts(self, texts: list[str], attributes=None, thresholds=None, parents: list[str | None] | None = None) -> list[dict]:
        """Scores without a thread: every attribute but off_topic.

        `parents`, one per text (None for none), are the posts the texts answer: the heads
        read them as context, as they read a reply's parent in a thread.
        """
        wanted = self._wanted(attributes, allow_off_topic=False)
        limits = self._limits(thresholds)
        encoded = self._forward([self._prepare(t) for t in texts])
        contexts = self._parent_embeddings(parents, len(texts))
        return [self._postprocess(t, e, c, None, wanted, limits) for t, e, c in zip(texts, encoded, contexts)]

    def score_thread(self, thread: dict, attributes=None, thresholds=None) -> list[dict]:
        """One result per post, in order: {"id", "scores", "flags", "spans", "quotes"}.

        The title and the first post define the topic. Every later post is read with the
        post it answers: its parent (parent_id), else what it quotes, else the opening
        post; off_topic also reads up to five replies before it. Quotes are scored apart
        and never raise their post's scores.
        """
        posts = thread.get("posts") or []
        wanted = self._wanted(attributes, allow_off_topic=True)
        limits = self._limits(thresholds)
        texts = [p.get("text") or "" for p in posts]
        by_id = {p.get("id"): i for i, p in enumerate(posts)}
        parents = [self._parent_index(i, p, by_id) for i, p in enumerate(posts)]
        need_off_topic = "off_topic" in wanted
        answered = {j for j in parents if isinstance(j, int)}
        need_embedding = [need_off_topic or (self.reads_context and i in answered) for i in range(len(posts))]
        encoded = self._forward([self._prepare(t) for t in texts], need_embedding)
        title = (thread.get("title") or "").strip()
        # A post's quotes are embedded where they are read: by off_topic (every quoting post)
        # and as the context of a reply that answers its quote rather than a named parent.
        quoted = {i: " ".join(q.get("text") or "" for q in p["quotes"]) for i, p in enumerate(posts)
                  if p.get("quotes") and (need_off_topic or (self.reads_context and parents[i] == "quote"))}
        extra = ([title] if title and need_off_topic else []) + list(quoted.values())
        extra_emb = self.embed(extra) if extra else np.zeros((0, HIDDEN))
        title_emb = extra_emb[0] if title and need_off_topic else None
        quote_emb = dict(zip(quoted, extra_emb[1:] if title_emb is not None else extra_emb)) if len(extra_emb) else {}
        contexts = []
        for i, j in enumerate(parents):
            if not self.reads_context or j is None:
                contexts.append(None)
            else:
                contexts.append(quote_emb.get(i) if j == "quote" else encoded[j].embedding)
        off_topic = self._off_topic(posts, encoded, by_id, title_emb, quote_emb) if need_off_topic else [None] * len(posts)
        quote_texts = [(i, q.get("text") or "") for i, p in enumerate(posts) for q in (p.get("quotes") or [])]
        quote_scores = self.score_texts([t for _, t in quote_texts], attributes=[a for a in wanted if a != "off_topic"] or None, thresholds=thresholds) if quote_texts else []
        quote_results = iter(quote_scores)  # in post order, as quote_texts was built
        results = []
        for i, (post, text, enc) in enumerate(zip(posts, texts, encoded)):
            result = {"id": post.get("id")}
            result.update(self._postprocess(text, enc, contexts[i], off_topic[i], wanted, limits))
            result["quotes"] = []
            for quote in post.get("quotes") or []:
                scored = next(quote_results)
                result["quotes"].append({"author": quote.get("author"), "scores": scored["scores"], "flags": scored["flags"]})
            results.append(result)
        return results

    def head_logits(self, texts: list[str], parents: list[str | None] | None = None) -> np.ndarray:
        """Uncalibrated worst-segment logits (N, 8): what calibration is fitted on."""
        if not texts:
            return np.zeros((0, len(HEAD_ATTRIBUTES)))
        encoded = self._forward([self._prepare(t) for t in texts])
        contexts = self._parent_embeddings(parents, len(texts))
        return np.vstack([self._segment_logits(e, c).max(0) for e, c in zip(encoded, contexts)])

    def token_spans(self, texts: list[str], attribute: str = "toxicity") -> list[list[tuple[int, int, float]]]:
        """The token-level head's word spans of `attribute` in each text, flagged or not.

        What the SemEval-2021 Task 5 metric is measured on (models/evaluate.py); the served
        spans are these for a flagged attribute, or its top contributing words when the
        token head marks none.
        """
        cut, relative = self.span_thresholds.get(attribute), self.span_relative.get(attribute)
        return [word_spans.over_threshold(t, offsets, probs, cut, relative) for t, (offsets, probs) in zip(texts, self.token_probabilities(texts, attribute))]

    def token_probabilities(self, texts: list[str], attribute: str) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        """Per text, the token offsets and the token-level head's probabilities for `attribute`."""
        if self._span_w is None or attribute not in SPAN_ATTRIBUTES:
            raise ValueError(f"these weights have no token-level head for {attribute!r}")
        return [(enc.token_offsets, self._token_probabilities(enc, attribute)) for enc in self._forward([self._prepare(t, sentences=False) for t in texts])]

    def _token_probabilities(self, enc: _Encoded, attribute: str) -> np.ndarray:
        k = SPAN_ATTRIBUTES.index(attribute)
        return sigmoid(enc.token_states @ self._span_w[k] + self._span_b[k]) if enc.token_offsets else np.zeros(0)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Pretrained sentence embeddings (unit length) of whole texts: (N, 384)."""
        encoded = self._forward([self._prepare(t, sentences=False) for t in texts], [True] * len(texts), heads=False)
        return np.vstack([e.embedding for e in encoded]) if encoded else np.zeros((0, HIDDEN))

    # --- preprocess ----------------------------------------------------------------------

    def _prepare(self, text: str, sentences: bool = True) -> _Post:
        """Token ids and offsets of the normalised text, its windows and its sentences."""
        normalised = normalize(text)
        if len(normalised) != len(text):  # the normaliser promises equal length; never trust offsets otherwise
            normalised = text
        with self._tokenizer_lock:
            enc = self.tokenizer(normalised, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
        spans = sentence_spans(text) if sentences else []
        return _Post(text, ids, offsets, token_windows(len(ids), WINDOW_TOKENS, WINDOW_STRIDE), spans if len(spans) > 1 else [])

    @staticmethod
    def _parent_index(i: int, post: dict, by_id: dict):
        """What post i answers: its parent's index, "quote", or None (the opening post)."""
        if i == 0:
            return None
        parent = by_id.get(post.get("parent_id"))
        if parent is not None and parent != i:
            return parent
        if post.get("quotes"):
            return "quote"
        return 0

    def _parent_embeddings(self, parents, n: int) -> list[np.ndarray | None]:
        if parents is not None and len(parents) != n:
            raise ValueError(f"{len(parents)} parents for {n} texts")
        if parents is None or not self.reads_context:
            return [None] * n
        present = [k for k, p in enumerate(parents) if p]
        out: list[np.ndarray | None] = [None] * n
        for k, vec in zip(present, self.embed([parents[k] for k in present]) if present else []):
            out[k] = vec
        return out

    # --- forward ---------------------------------------------------------------------------

    def _forward(self, posts: list[_Post], need_embedding: list[bool] | None = None, heads: bool = True) -> list[_Encoded]:
        """Each window once through the encoder -> per-text pooled vectors, token states and
        embeddings (numpy), in order. Posts found in `post_cache` (models/post_cache.py)
        with every part asked for are not encoded again."""
        need_embedding = need_embedding or [False] * len(posts)
        cache = self.post_cache
        found: list = [None] * len(posts)
        keys: list[str] = []
        if cache is not None:
            identity = encoder_identity(self.model_info, self.variant, self._windowing())
            keys = [post_key(identity, post.ids) for post in posts]
            found = cache.get_many(keys)
        ready = [e if e is not None and e.serves(len(post.windows), sum(b - a for a, b in post.windows), heads, need)
                 else None for post, e, need in zip(posts, found, need_embedding)]
        todo = [p for p, e in enumerate(ready) if e is None]
        fresh = self._encode([posts[p] for p in todo], [need_embedding[p] for p in todo], heads)
        for p, entry in zip(todo, fresh):
            ready[p] = entry.merged(found[p])
        if cache is not None and todo:
            cache.put_many({keys[p]: ready[p] for p in todo})
        out = []
        for post, entry, need in zip(posts, ready, need_embedding):
            enc = self._assemble(post, entry.window_vectors, entry.token_states) if heads else _Encoded(np.zeros((0, HIDDEN), np.float32), [])
            if need:
                enc.embedding = entry.embedding
            out.append(enc)
        return out

    def _windowing(self) -> tuple:
        return (WINDOW_TOKENS, WINDOW_STRIDE, self.tokenizer.cls_token_id, self.tokenizer.sep_token_id)

    def _window_pool(self):
        """The threads one request's batches run on (`parallel_windows` > 1), else None."""
        if self.parallel_windows < 2:
            return None
        with self._pool_lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(self.parallel_windows, thread_name_prefix="modlens-windows")
            return self._pool

    def _encode(self, posts: list[_Post], need_embedding: list[bool], heads: bool) -> list[EncodedPost]:
        """The encoder's output for each post (models/post_cache.py's EncodedPost), in order:
        windows of every post batched together, sorted by length. Only this method runs
        the encoder."""
        flat = [(p, start, end) for p, post in enumerate(posts) for start, end in post.windows]
        order = sorted(range(len(flat)), key=lambda k: flat[k][2] - flat[k][1])
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        window_vectors = np.zeros((len(flat), HIDDEN), dtype=np.float32)
        window_states: list[np.ndarray | None] = [None] * len(flat)
        embeddings = np.zeros((len(flat), HIDDEN), dtype=np.float32)

        def run(idx: list[int]) -> None:
            # One batch of windows; batches write disjoint rows, so they may run at once.
            lengths = [flat[k][2] - flat[k][1] + 2 for k in idx]
            input_ids = np.zeros((len(idx), max(lengths)), dtype=np.int64)
            mask = np.zeros((len(idx), max(lengths)), dtype=np.int64)
            for row, k in enumerate(idx):
                p, b, e = flat[k]
                input_ids[row, : lengths[row]] = [cls_id, *posts[p].ids[b:e], sep_id]
                mask[row, : lengths[row]] = 1
            trunk = self.encoder.run_trunk(input_ids, mask)
            # The pretrained top serves embeddings (and the baseline's heads); it runs only
            # on the rows that need it. run_top gives fp32 states whatever the encoder's precision.
            rows = list(range(len(idx))) if heads and self.HEADS_READ_PRETRAINED_TOP else [r for r, k in enumerate(idx) if need_embedding[flat[k][0]]]
            semantic = None
            if rows:
                sub = rows if len(rows) < len(idx) else slice(None)
                semantic = self.encoder.run_top(trunk[sub], mask[sub], tuned=False)
                for j, r in enumerate(rows):
                    embeddings[idx[r]] = semantic[j, : lengths[r]].mean(0)
            if not heads:
                return
            states = semantic if self.HEADS_READ_PRETRAINED_TOP else self.encoder.run_top(trunk, mask, tuned=True)
            for row, k in enumerate(idx):
                window_vectors[k] = states[row, : lengths[row]].mean(0)
                window_states[k] = states[row, 1 : lengths[row] - 1]

        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        pool = self._window_pool()
        if pool is None or len(batches) < 2:
            for idx in batches:
                run(idx)
        else:
            # Both runtimes let go of the GIL while they compute: one request's windows
            # spread over the cores an idle machine has free.
            for _ in pool.map(run, batches):
                pass
        out, k = [], 0
        for p, post in enumerate(posts):
            n = len(post.windows)
            vectors = tokens = embedding = None
            if heads:
                vectors = window_vectors[k : k + n].copy()
                tokens = np.vstack(window_states[k : k + n]).astype(np.float32, copy=False)
            if need_embedding[p]:
                weights = np.array([e - b + 2 for b, e in post.windows], dtype=np.float32)
                vec = (embeddings[k : k + n] * weights[:, None]).sum(0)
                embedding = vec / max(float(np.linalg.norm(vec)), 1e-9)
            out.append(EncodedPost(vectors, tokens, embedding))
            k += n
        return out

    @staticmethod
    def _assemble(post: _Post, window_vectors: np.ndarray, token_states: np.ndarray) -> _Encoded:
        """Window vectors, plus each sentence pooled from the states of its own tokens in
        the window(s) that hold it: sentence scores without a second encoding.
        `token_states`: every window's tokens, windows in order."""
        vectors = list(window_vectors)
        kinds = ["window"] * len(post.windows)
        offsets: list[tuple[int, int]] = []
        for b, e in post.windows:
            offsets.extend(post.offsets[b:e])
        if not offsets:
            token_states = np.zeros((0, HIDDEN), np.float32)
        if post.sentences and offsets:
            starts = np.array([o[0] for o in offsets])
            ends = np.array([o[1] for o in offsets])
            # Tokens of one window are contiguous in `offsets`; a sentence split by a window
            # edge is pooled once per window that holds a part of it.
            window_of = np.repeat(np.arange(len(post.windows)), [e - b for b, e in post.windows])
            for sb, se in post.sentences:
                inside = (starts >= sb) & (ends <= se) & (ends > starts)
                for w in np.unique(window_of[inside]):
                    sel = inside & (window_of == w)
                    vectors.append(token_states[sel].mean(0))
                    kinds.append("sentence")
        return _Encoded(np.asarray(vectors, dtype=np.float32).reshape(-1, HIDDEN), kinds, offsets, token_states)

    # --- postprocess -------------------------------------------------------------------------

    def _calibrated(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(self._slope * logits + self._intercept)

    def _effective_heads(self, context: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Head weights and biases with the answered post folded in: (8, 384), (8,).

        logit = W r + b + U p + V (r * p) = (W + V * p) r + (b + U p), so a post's context
        only changes the head, and every segment and token reads the same effective head.
        """
        if context is None or self._context is None:
            return self._head_w, self._head_b
        u, v = self._context[:, :HIDDEN], self._context[:, HIDDEN:]
        return self._head_w + v * context[None, :], self._head_b + u @ context

    def _segment_logits(self, enc: _Encoded, context: np.ndarray | None) -> np.ndarray:
        w, b = self._effective_heads(context)
        return enc.vectors.astype(np.float64) @ w.T.astype(np.float64) + b

    def _postprocess(self, text: str, enc: _Encoded, context, off_topic: float | None, wanted, limits) -> dict:
        probs = self._calibrated(self._segment_logits(enc, context))  # (S, 8)
        post = probs.max(0)
        scores = {a: float(post[k]) for k, a in enumerate(HEAD_ATTRIBUTES) if a in wanted}
        if off_topic is not None and "off_topic" in wanted:
            scores["off_topic"] = float(off_topic)
        flags = [a for a in scores if scores[a] >= limits[a]]
        spans = []
        for a in flags:
            if a == "off_topic" or not enc.token_offsets:
                continue  # a whole post is off-topic, not a phrase of it
            found = []
            if self._span_w is not None and a in SPAN_ATTRIBUTES:
                found = word_spans.over_threshold(text, enc.token_offsets, self._token_probabilities(enc, a), self.span_thresholds[a], self.span_relative[a])
            if not found:
                # No word-level head for this attribute, or it marked no word: the words whose
                # share of the head's logit is largest drove the score.
                contributions = enc.token_states @ self._effective_heads(context)[0][HEAD_ATTRIBUTES.index(a)]
                found = word_spans.top_contributions(text, enc.token_offsets, contributions, scores[a])
            spans.extend({"begin": sb, "end": se, "attribute": a, "score": float(v)} for sb, se, v in found)
        spans.sort(key=lambda s: (s["begin"], s["attribute"]))
        return {"scores": scores, "flags": flags, "spans": spans}

    def _off_topic(self, posts: list[dict], encoded: list[_Encoded], by_id: dict, title_emb, quote_emb: dict) -> list[float]:
        """off_topic probability of every post, from thread context (models/offtopic.py)."""
        if not posts:
            return []
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


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), else the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _omp_threads() -> int | None:
    try:
        return int(os.environ.get("OMP_NUM_THREADS", "")) or None
    except ValueError:
        return None


def _torch_encoder(tensors: dict, config: dict, precision: str, threads: int | None):
    """The split encoder on torch at `precision`, with our fine-tuned top layers."""
    # Capped in every process that scores with torch, not only gunicorn's workers (the
    # batch command, a Dask worker, flask run); read by torch at its first bf16 product.
    runtimes.cap_onednn_caches()
    import torch

    from .encoder import SplitEncoder, TorchEncoder, load_bert
    from .quantize import apply_precision

    if threads:
        torch.set_num_threads(threads)
    encoder = SplitEncoder(load_bert(), config["split"])
    tuned = {k[len("tuned_top."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("tuned_top.")}
    encoder.tuned_top.load_state_dict(tuned)
    return TorchEncoder(apply_precision(encoder, precision))
