"""A per-post cache of what the encoder made of each post, so a thread with one new reply
encodes one post.

    scorer = Scorer.load(post_cache=PostCache(max_bytes=64 * 2**20))
    scorer.score_thread(thread)              # every post encoded
    scorer.score_thread(thread_plus_reply)   # only the new reply encoded

Only `Scorer._forward` runs the encoder, and what it leaves for a post depends on nothing
but the token ids of that post's normalised text and the model that reads them: windows
are cut from the ids alone, and each window is encoded on its own (padding is masked out).
Everything that reads the thread around a post (the answered post as context, off_topic,
sentence pooling, spans, calibration, thresholds) is numpy on top, computed afresh on every
request. So the key is a sha256 of the model (weights sha256, name, version, runtime,
precision, tuned or baseline heads), the windowing and special tokens, this module's
format, and the post's token ids; the thread, the context and the attributes asked for are
not in it, and need not be.

The value is the encoder's own fp32 output for the post, not rounded: each window's pooled
state, the states of its tokens (for sentences and spans), and the unit sentence embedding
when one was asked for (off_topic, or a reply that reads this post as context). A post
scored without its embedding and later needed with one is encoded again, and the fuller
entry replaces the old. What differs from scoring without the cache is only which posts
shared a forward batch: with fp32 runtimes that moves a score by rounding (under 1e-6);
with bf16, and ONNX int8 that quantises activations per batch, a post's scores can move
by the amount they already move between two uncached requests that batch it with other
neighbours (bench/post_cache.py measures both; bench/RESULTS.md).

Where it lives: in this process's memory, bounded by bytes (least recently used out
first); and, when the operator names a Redis (`redis_url`), there too, so that every
gunicorn worker and server reads what one of them encoded. A Redis that is down or slow
costs at most REDIS_TIMEOUT_S once, then is left alone for REDIS_RETRY_S while the local
cache serves: scoring never fails for it. Values are a fixed binary layout read back with
numpy and checked, never pickle, so a tampered Redis can at worst give wrong scores, not
run code. Nothing is written to disk.

What it holds reveals no more of a text than its feature vectors do: keys are digests,
values are floats. Token states are per-token vectors, though, and published inversion
attacks recover much of a text from such states; a Redis holding them deserves the same
care as the verdict store (README, Speed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .onnx_encoder import FORMAT as ONNX_FORMAT

log = logging.getLogger("modlens.post_cache")

# Bumped whenever what an entry holds or how the encoder's output is pooled changes, so
# that entries written by older code (in a long-lived Redis) are never read.
FORMAT = 1
HIDDEN = 384
# A typical 60-word post is ~80 tokens: ~125 KB of fp32 token states. 64 MB holds ~500 such
# posts (about 17 pages of 30) in each worker; a shared Redis holds the rest.
DEFAULT_MAX_BYTES = 64 * 2**20
# As for the rate-limit store (server/limits.py): a Redis that has gone away without a word
# would otherwise hold a request for the operating system's connect timeout.
REDIS_TIMEOUT_S = 0.5
# After a failure the local cache serves alone this long before Redis is tried again, so
# an outage costs one timeout every REDIS_RETRY_S, not one on every request.
REDIS_RETRY_S = 10.0
# Entries expire: threads are reopened within hours, and an operator's Redis should not
# grow without bound even where no maxmemory policy was set.
REDIS_TTL_S = 24 * 3600
KEY_PREFIX = "modlens:post:"

_MAGIC = b"MLPC"
_HEADER = struct.Struct("<4sHBII")  # magic, format, which parts are present, windows, tokens
_HAS_HEADS, _HAS_EMBEDDING = 1, 2
_ENTRY_OVERHEAD = 400  # the dataclass, three array headers and the key, roughly


@dataclass(frozen=True)
class EncodedPost:
    """The encoder's output for one post, fp32, read-only.

    window_vectors (W, 384) and token_states (T, 384): the tuned top's pooled state of each
    window and the states of every window's tokens, windows in order (None when only the
    embedding was asked for); embedding (384,): the unit sentence embedding, or None.
    """

    window_vectors: np.ndarray | None = None
    token_states: np.ndarray | None = None
    embedding: np.ndarray | None = None

    def __post_init__(self):
        for array in (self.window_vectors, self.token_states, self.embedding):
            if array is not None:
                array.setflags(write=False)  # shared by every request that reads it

    @property
    def has_heads(self) -> bool:
        return self.window_vectors is not None

    @property
    def nbytes(self) -> int:
        return _ENTRY_OVERHEAD + sum(a.nbytes for a in (self.window_vectors, self.token_states, self.embedding) if a is not None)

    def serves(self, windows: int, tokens: int, heads: bool, embedding: bool) -> bool:
        """Whether this entry has every part asked for, shaped for a post of `windows`
        windows holding `tokens` tokens in all."""
        if heads and (not self.has_heads or self.window_vectors.shape != (windows, HIDDEN) or self.token_states.shape != (tokens, HIDDEN)):
            return False
        return not embedding or self.embedding is not None

    def merged(self, older: "EncodedPost | None") -> "EncodedPost":
        """This entry with any part it lacks taken from `older`."""
        if older is None:
            return self
        heads = self if self.has_heads else older
        return EncodedPost(heads.window_vectors, heads.token_states, self.embedding if self.embedding is not None else older.embedding)


def encoder_identity(model_info: dict, variant: str, windowing: tuple) -> bytes:
    """What every key of one model starts from: the facts that change its encoder's output."""
    document = {
        "format": FORMAT,
        "model": {k: model_info.get(k) for k in ("name", "version", "sha256", "runtime", "precision")},
        "variant": variant,
        "windowing": list(windowing),
    }
    if model_info.get("runtime") == "onnx":
        document["onnx_format"] = ONNX_FORMAT  # another export, other int8 states
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).digest()


def post_key(identity: bytes, ids: list[int]) -> str:
    """sha256 hex of the model's identity and the post's token ids."""
    return hashlib.sha256(identity + np.asarray(ids, dtype="<i8").tobytes()).hexdigest()


def to_bytes(entry: EncodedPost) -> bytes:
    flags = (_HAS_HEADS if entry.has_heads else 0) | (_HAS_EMBEDDING if entry.embedding is not None else 0)
    windows = entry.window_vectors.shape[0] if entry.has_heads else 0
    tokens = entry.token_states.shape[0] if entry.has_heads else 0
    parts = [_HEADER.pack(_MAGIC, FORMAT, flags, windows, tokens)]
    if entry.has_heads:
        parts += [entry.window_vectors.astype("<f4").tobytes(), entry.token_states.astype("<f4").tobytes()]
    if entry.embedding is not None:
        parts.append(entry.embedding.astype("<f4").tobytes())
    return b"".join(parts)


def from_bytes(blob: bytes) -> EncodedPost | None:
    """The entry `to_bytes` wrote, or None for anything else (another format, a damaged value)."""
    if not isinstance(blob, (bytes, bytearray)) or len(blob) < _HEADER.size:
        return None
    magic, version, flags, windows, tokens = _HEADER.unpack_from(blob)
    if magic != _MAGIC or version != FORMAT or flags & ~(_HAS_HEADS | _HAS_EMBEDDING):
        return None
    rows = (windows + tokens if flags & _HAS_HEADS else 0) + (1 if flags & _HAS_EMBEDDING else 0)
    if len(blob) != _HEADER.size + rows * HIDDEN * 4:
        return None
    data = np.frombuffer(blob, dtype="<f4", offset=_HEADER.size).reshape(rows, HIDDEN).astype(np.float32)
    vectors = states = embedding = None
    if flags & _HAS_HEADS:
        vectors, states = data[:windows], data[windows : windows + tokens]
    if flags & _HAS_EMBEDDING:
        embedding = data[-1]
    return EncodedPost(vectors, states, embedding)


class LocalPostCache:
    """A thread-safe least-recently-used map of key -> EncodedPost, bounded by bytes."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive whole number, not {max_bytes!r}")
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._entries: OrderedDict[str, EncodedPost] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> EncodedPost | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: EncodedPost) -> None:
        size = entry.nbytes
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.nbytes -= old.nbytes
            if size > self.max_bytes:
                return  # one post larger than the whole cache is not kept at all
            self._entries[key] = entry
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.nbytes -= dropped.nbytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class RedisPostStore:
    """Entries shared through Redis; fails open: any error is a miss, and a pause."""

    def __init__(self, url: str, client=None):
        import redis

        self._errors = (redis.RedisError, OSError)
        self.client = client or redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)
        self.down_until = 0.0
        self.failures = 0

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys or not self._up():
            return [None] * len(keys)
        try:
            return list(self.client.mget([KEY_PREFIX + k for k in keys]))
        except self._errors as error:
            self._failed(error)
            return [None] * len(keys)

    def put_many(self, items: dict[str, bytes]) -> None:
        if not items or not self._up():
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, blob in items.items():
                pipe.set(KEY_PREFIX + key, blob, ex=REDIS_TTL_S)
            pipe.execute()
        except self._errors as error:
            self._failed(error)

    def _up(self) -> bool:
        return time.monotonic() >= self.down_until

    def _failed(self, error) -> None:
        self.failures += 1
        self.down_until = time.monotonic() + REDIS_RETRY_S
        log.warning("post cache: Redis unavailable (%s: %s); local cache only for %.0f s", type(error).__name__, error, REDIS_RETRY_S)


class PostCache:
    """The local cache, in front of a shared Redis store when `redis_url` is given."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, redis_url: str | None = None, shared=None):
        self.local = LocalPostCache(max_bytes)
        self.shared = shared if shared is not None else (RedisPostStore(redis_url) if redis_url else None)
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: list[str]) -> list[EncodedPost | None]:
        """Entries under `keys`, in order (None where absent): local first, then one
        round trip to Redis for the rest, which are then kept locally too."""
        found = [self.local.get(k) for k in keys]
        missing = [i for i, e in enumerate(found) if e is None]
        if missing and self.shared is not None:
            for i, blob in zip(missing, self.shared.get_many([keys[i] for i in missing])):
                entry = from_bytes(blob) if blob is not None else None
                if entry is not None:
                    self.local.put(keys[i], entry)
                    found[i] = entry
        hits = sum(e is not None for e in found)
        self.hits += hits
        self.misses += len(keys) - hits
        return found

    def put_many(self, items: dict[str, EncodedPost]) -> None:
        for key, entry in items.items():
            self.local.put(key, entry)
        if self.shared is not None:
            self.shared.put_many({k: to_bytes(e) for k, e in items.items()})
