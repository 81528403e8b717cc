"""Averaging runs of one recipe (models/soup.py): what is averaged, what is kept, what is refused."""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from models.soup import average, main
from models.weights import write_weights as write


def fake_run(folder, seed, split=3, fill=0.0, attributes=("toxicity", "insult")):
    """A weights folder with the committed layout's tensor names, filled with known values."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    tensors = {
        "tuned_top.0.attention.self.query.weight": rng.normal(size=(4, 4)).astype(np.float16),
        "head.weight": rng.normal(size=(len(attributes), 4)).astype(np.float32),
        "head.bias": np.full(len(attributes), fill, dtype=np.float32),
        "context.weight": rng.normal(size=(len(attributes), 8)).astype(np.float32),
        "span.weight": rng.normal(size=(1, 4)).astype(np.float32),
        "span.bias": np.full(1, fill, dtype=np.float32),
        "baseline.weight": np.full((len(attributes), 4), seed, dtype=np.float32),
        "baseline.bias": np.zeros(len(attributes), dtype=np.float32),
        "offtopic.coef": np.full(3, seed, dtype=np.float32),
    }
    save_file(tensors, str(folder / "modlens.safetensors"))
    config = {"encoder": "minilm", "split": split, "head_attributes": list(attributes), "span_attributes": ["toxicity"], "version": "2026.12.01", "training": {"seed": seed}}
    (folder / "config.json").write_text(json.dumps(config))
    return tensors


def test_tuned_layers_and_heads_are_averaged_the_rest_is_the_first_runs(tmp_path):
    a = fake_run(tmp_path / "a", seed=1, fill=1.0)
    b = fake_run(tmp_path / "b", seed=2, fill=3.0)
    tensors, config, shas = average([tmp_path / "a", tmp_path / "b"])
    for name in ("tuned_top.0.attention.self.query.weight", "head.weight", "context.weight", "span.weight"):
        expected = (a[name].astype(np.float32) + b[name].astype(np.float32)) / 2
        np.testing.assert_allclose(tensors[name], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(tensors["head.bias"], [2.0, 2.0])
    np.testing.assert_array_equal(tensors["baseline.weight"], a["baseline.weight"])  # never sees the tuned layers
    np.testing.assert_array_equal(tensors["offtopic.coef"], a["offtopic.coef"])
    assert config["training"]["seed"] == 1
    assert len(shas) == 2 and shas[0] != shas[1]


def test_written_soup_keeps_the_committed_dtypes(tmp_path):
    fake_run(tmp_path / "a", seed=1)
    fake_run(tmp_path / "b", seed=2)
    tensors, config, _ = average([tmp_path / "a", tmp_path / "b"])
    write(tmp_path / "out", tensors, config)
    stored = load_file(str(tmp_path / "out" / "modlens.safetensors"))
    assert stored["tuned_top.0.attention.self.query.weight"].dtype == np.float16
    assert stored["head.weight"].dtype == np.float32
    assert json.loads((tmp_path / "out" / "config.json").read_text())["split"] == 3


@pytest.mark.parametrize(
    "other, message",
    [
        ({"split": 2}, "split"),
        ({"attributes": ("toxicity", "threat")}, "head_attributes"),
    ],
)
def test_runs_of_different_architectures_are_refused(tmp_path, other, message):
    fake_run(tmp_path / "a", seed=1)
    fake_run(tmp_path / "b", seed=2, **other)
    with pytest.raises(ValueError, match=message):
        average([tmp_path / "a", tmp_path / "b"])


def test_a_tensor_of_another_shape_is_refused(tmp_path):
    fake_run(tmp_path / "a", seed=1)
    fake_run(tmp_path / "b", seed=2)
    tensors = load_file(str(tmp_path / "b" / "modlens.safetensors"))
    tensors["head.weight"] = np.zeros((2, 5), dtype=np.float32)
    save_file(tensors, str(tmp_path / "b" / "modlens.safetensors"))
    with pytest.raises(ValueError, match="head.weight has shape"):
        average([tmp_path / "a", tmp_path / "b"])


def test_command_line_refuses_one_run_and_overwriting_a_run(tmp_path, capsys):
    fake_run(tmp_path / "a", seed=1)
    fake_run(tmp_path / "b", seed=2)
    with pytest.raises(SystemExit):
        main(["--weights", str(tmp_path / "a"), "--data", str(tmp_path), "--out", str(tmp_path / "c")])
    assert "at least two runs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--weights", str(tmp_path / "a"), str(tmp_path / "b"), "--data", str(tmp_path), "--out", str(tmp_path / "a")])
    assert "must not be one of the runs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--weights", str(tmp_path / "a"), str(tmp_path / "missing"), "--data", str(tmp_path), "--out", str(tmp_path / "c")])
    assert "no trained weights" in capsys.readouterr().err


@pytest.mark.slow
def test_mean_of_two_tiny_runs_is_calibrated_and_scores(shared_dir, tmp_path):
    """Minutes on 2 cores: two 2-step trainings, then the command end to end."""
    from models.scorer import Scorer
    from models.train import main as train

    runs = []
    for seed in (1, 2):
        runs.append(tmp_path / f"run{seed}")
        assert train(["--data", str(shared_dir / "data"), "--steps", "2", "--limit", "50", "--seed", str(seed), "--out", str(runs[-1])]) == 0
    out = tmp_path / "soup"
    assert main(["--weights", *map(str, runs), "--data", str(shared_dir / "data"), "--limit", "50", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert [r["seed"] for r in config["training"]["soup_of"]] == [1, 2]
    first = json.loads((runs[0] / "config.json").read_text())["training"]
    assert config["training"]["rows_per_source"] == first["rows_per_source"]  # a soup of soups calibrates on the same rows
    assert config["calibration"]["toxicity"] != [1.0, 0.0]  # refitted, not the placeholder
    (result,) = Scorer.load(out).score_texts(["A sentence to score."])
    assert all(0.0 <= v <= 1.0 for v in result["scores"].values())
