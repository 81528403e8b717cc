"""Training runs the fine-tuned top over packed tokens (models/encoder.py run_top_packed):
the per-token products skip the padding of a random batch. It must be the padded top's
computation: the same states at real positions, the same dropout draws in training, the
same gradients up to the order of float sums. Our own random states; no shared data."""

import random

import pytest
import torch

from models.encoder import DEFAULT_SPLIT, SplitEncoder, load_bert, mean_pool


@pytest.fixture(scope="module")
def encoder():
    return SplitEncoder(load_bert(), DEFAULT_SPLIT)


def batch(lengths, seed=1):
    """Trunk-like states (B, T, 384) and a 0/1 mask: rows of mixed length, as training draws them."""
    gen = torch.Generator().manual_seed(seed)
    longest = max(lengths)
    hidden = torch.randn(len(lengths), longest, 384, generator=gen)
    mask = torch.zeros(len(lengths), longest, dtype=torch.long)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    return hidden, mask


LENGTHS = [random.Random(i).choice([3, 12, 25, 40, 77, 128]) for i in range(12)]


@pytest.mark.parametrize("bf16", [False, True])
def test_packed_states_equal_the_padded_ones_at_every_real_token(encoder, bf16):
    hidden, mask = batch(LENGTHS)
    encoder.eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        padded = encoder.run_top(hidden, mask, tuned=True).float()
        packed = encoder.run_top_packed(hidden, mask, tuned=True).float()
    real = mask.bool()
    assert packed.shape == padded.shape
    torch.testing.assert_close(packed[real], padded[real], atol=1e-5 if not bf16 else 2e-2, rtol=1e-4 if not bf16 else 2e-2)
    assert torch.count_nonzero(packed[~real]) == 0  # padding is left at zero, never read
    # The pretrained top packs the same way.
    with torch.no_grad():
        torch.testing.assert_close(encoder.run_top_packed(hidden, mask, tuned=False)[real], encoder.run_top(hidden, mask, tuned=False)[real], atol=1e-5, rtol=1e-4)


def test_training_mode_draws_the_same_dropout_and_gives_the_same_gradients(encoder):
    hidden, mask = batch(LENGTHS, seed=2)
    encoder.tuned_top.train()
    try:
        grads, outputs, after = [], [], []
        for run in (encoder.run_top, encoder.run_top_packed):
            encoder.zero_grad()
            torch.manual_seed(7)
            states = run(hidden, mask, tuned=True)
            loss = mean_pool(states, mask).pow(2).sum()
            loss.backward()
            outputs.append(states.detach()[mask.bool()])
            grads.append(torch.cat([p.grad.flatten() for p in encoder.tuned_top.parameters()]))
            after.append(torch.rand(3))  # where the random stream stands after the pass
        # Dropout was on (the two passes differ from an eval pass) and drew the same masks.
        encoder.tuned_top.eval()
        with torch.no_grad():
            plain = encoder.run_top(hidden, mask, tuned=True)[mask.bool()]
        assert not torch.allclose(outputs[0], plain, atol=1e-3)
        torch.testing.assert_close(outputs[1], outputs[0], atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(after[1], after[0])
        torch.testing.assert_close(grads[1], grads[0], atol=1e-3, rtol=1e-4)
        assert grads[0].abs().sum() > 0
    finally:
        encoder.tuned_top.eval()
        encoder.zero_grad()


def test_a_batch_without_padding_and_a_single_token_row(encoder):
    hidden, mask = batch([5, 5, 5])
    with torch.no_grad():
        torch.testing.assert_close(encoder.run_top_packed(hidden, mask), encoder.run_top(hidden, mask, tuned=True), atol=1e-5, rtol=1e-4)
    hidden, mask = batch([1, 9])
    with torch.no_grad():
        packed = encoder.run_top_packed(hidden, mask)
        padded = encoder.run_top(hidden, mask, tuned=True)
    torch.testing.assert_close(packed[mask.bool()], padded[mask.bool()], atol=1e-5, rtol=1e-4)
