"""A real (tiny) training run: the command that reproduces the weights still works."""

import json

import pytest

from models.scorer import Scorer
from models.train import main


# Minutes on 2 cores (the trunk cache of every source's rows): opt-in with `pytest -m slow`.
pytestmark = pytest.mark.slow


def test_two_step_training_writes_loadable_weights(shared_dir, tmp_path):
    out = tmp_path / "weights"
    assert main(["--data", str(shared_dir / "data"), "--steps", "2", "--limit", "50", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] == 2
    scorer = Scorer.load(out)
    (result,) = scorer.score_texts(["A sentence to score."])
    assert all(0.0 <= v <= 1.0 for v in result["scores"].values())
