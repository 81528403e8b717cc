"""Training's bf16 option: when it is taken, and that what it caches and trains stays
close to fp32 (a few steps on our own rows, no shared data needed)."""

import numpy as np
import pytest
import torch

from models.data import Example
from models.encoder import DEFAULT_SPLIT, SplitEncoder, load_bert, load_tokenizer
from models.train import TrunkCache, embed_texts, train_heads, training_bf16

ROWS = [
    Example("You are a complete idiot and everyone here knows it.", "jigsaw", {"toxicity": 1, "insult": 1}),
    Example("Thanks, the timetable on the council site answered it.", "jigsaw", {"toxicity": 0, "insult": 0}),
    Example("Well done, genius. Did you even read the question?", "uc", {"hostility": 1}, parent="Which ferry runs on Sundays?"),
    Example("The winter timetable starts in November, I think.", "uc", {"hostility": 0}, parent="Which ferry runs on Sundays?"),
    Example("If you post that again I will find out where you live.", "threats", {"threat": 1, "toxicity": 1}),
    Example("He threatened his neighbour, so the police arrested him.", "threats", {"threat": 0, "toxicity": 0}),
]


@pytest.fixture(scope="module")
def parts():
    return load_tokenizer(), SplitEncoder(load_bert(), DEFAULT_SPLIT)


def test_auto_takes_bf16_only_where_the_cpu_multiplies_it():
    assert training_bf16("auto", {"avx512f", "avx512_bf16"})
    assert training_bf16("auto", {"amx_bf16", "amx_tile"})
    assert not training_bf16("auto", {"avx512f", "avx512_vnni"})  # Intel without BF16: emulated, slower
    assert not training_bf16("auto", set())
    assert training_bf16("bf16", set())  # asked for: taken even where it is emulated
    assert not training_bf16("fp32", {"avx512_bf16"})


def test_bf16_cache_is_close_to_fp32(parts):
    tokenizer, encoder = parts
    texts = [r.text for r in ROWS]
    fp32 = embed_texts(encoder, tokenizer, texts, batch_size=4)
    bf16 = embed_texts(encoder, tokenizer, texts, batch_size=4, bf16=True)
    assert bf16.dtype == np.float32
    cosine = (fp32 * bf16).sum(1) / np.linalg.norm(fp32, axis=1) / np.linalg.norm(bf16, axis=1)
    assert cosine.min() > 0.995, cosine
    assert not np.array_equal(fp32, bf16)  # the bf16 path really ran in bf16


def test_bf16_training_steps_move_the_weights_and_stay_finite(parts):
    tokenizer, encoder = parts
    cache = TrunkCache(encoder, tokenizer, ROWS, batch_size=4, bf16=True)
    assert all(s.dtype == torch.float16 for s in cache.states)
    before = {k: v.clone() for k, v in encoder.tuned_top.state_dict().items()}
    try:
        heads, sources = train_heads(encoder, cache, ROWS, steps=3, seed=1, batch_size=2, bf16=True)
        after = encoder.tuned_top.state_dict()
        assert sources == ["jigsaw", "threats", "uc"]
        assert all(v.dtype == torch.float32 for v in after.values())
        assert all(torch.isfinite(v).all() for v in after.values())
        assert any(not torch.equal(before[k], after[k]) for k in before)
        assert torch.isfinite(heads.linear.weight).all()
    finally:
        encoder.tuned_top.load_state_dict(before)
