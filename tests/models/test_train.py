"""A real (tiny) training run: the command that reproduces the weights still works."""

import json

import pytest

from safetensors.numpy import load_file

from models.encoder import DEFAULT_SPLIT
from models.scorer import Scorer
from models.train import main


# Minutes on 2 cores (the trunk cache of every source's rows): opt-in with `pytest -m slow`.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("split", [None, 2])
def test_two_step_training_writes_loadable_weights(shared_dir, tmp_path, split):
    out = tmp_path / "weights"
    extra = [] if split is None else ["--split", str(split)]
    assert main(["--data", str(shared_dir / "data"), "--steps", "2", "--limit", "50", "--out", str(out), *extra]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] == 2
    assert config["split"] == (DEFAULT_SPLIT if split is None else split)
    tuned_layers = {k.split(".")[1] for k in load_file(str(out / "modlens.safetensors")) if k.startswith("tuned_top.")}
    assert len(tuned_layers) == 6 - config["split"]
    scorer = Scorer.load(out)
    (result,) = scorer.score_texts(["A sentence to score."])
    assert all(0.0 <= v <= 1.0 for v in result["scores"].values())
