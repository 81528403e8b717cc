"""off_topic features: the similarity block, the pair block, and weights that must match."""

import json
import shutil

import numpy as np
import pytest

from models.offtopic import FEATURES, PAIR_FEATURES, feature_vector
from models.scorer import DEFAULT_WEIGHTS_DIR, Scorer


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def embeddings():
    rng = np.random.default_rng(3)
    return [unit(rng.normal(size=384)) for _ in range(4)]


def test_similarity_block_comes_first_and_pair_block_follows(embeddings):
    reply, title, opening, ack = embeddings
    short = feature_vector(reply, 5, title, opening, None, None, ack[None, :], pair=False)
    full = feature_vector(reply, 5, title, opening, None, None, ack[None, :])
    assert short.shape == (len(FEATURES),)
    assert full.shape == (len(FEATURES) + 384 * len(PAIR_FEATURES),)
    np.testing.assert_array_equal(full[: len(FEATURES)], short)
    np.testing.assert_allclose(full[len(FEATURES) : len(FEATURES) + 384], reply)
    np.testing.assert_allclose(full[len(FEATURES) + 384 : len(FEATURES) + 768], reply * opening, rtol=1e-6)
    np.testing.assert_allclose(full[len(FEATURES) + 768 :], np.abs(reply - opening), rtol=1e-6)
    # cos_opening is the dot product of the two unit vectors
    assert short[FEATURES.index("cos_opening")] == pytest.approx(float(reply @ opening), abs=1e-6)


def test_missing_parent_and_title_fall_back_to_the_opening_post(embeddings):
    reply, _, opening, ack = embeddings
    f = feature_vector(reply, 5, None, opening, None, None, ack[None, :], pair=False)
    cos = float(reply @ opening)
    for name in ("cos_title", "cos_parent", "cos_previous_max", "cos_thread_mean", "cos_best"):
        assert f[FEATURES.index(name)] == pytest.approx(cos, abs=1e-6)


def test_weights_whose_off_topic_size_disagrees_with_their_config_are_refused(tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(DEFAULT_WEIGHTS_DIR, folder)
    config = json.loads((folder / "config.json").read_text())
    features = config["offtopic"]["features"]
    # Claim the other layout than the one the tensors hold.
    config["offtopic"]["features"] = list(FEATURES) if "reply" in features else list(FEATURES) + list(PAIR_FEATURES)
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="off_topic weights have"):
        Scorer.load(folder)
