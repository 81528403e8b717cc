"""The split encoder run by ONNX Runtime, from the graphs `python -m models.export_onnx` writes.

    encoder = OnnxEncoder(onnx_folder(weights), "int8", threads=1)
    hidden = encoder.run_trunk(input_ids, mask)          # numpy in, numpy out
    states = encoder.run_top(hidden, mask, tuned=True)

The same three parts as models/encoder.py's SplitEncoder (frozen trunk, pretrained top,
fine-tuned top), each one graph, so the scorer runs the pretrained top only on the rows
whose embedding it needs, exactly as with torch. The graphs carry ONNX Runtime's fused
BERT operators (Attention, BiasGelu, SkipLayerNormalization); "int8" is the same graphs
with every matrix product quantised dynamically (int8 weights per output channel,
activations quantised per batch at run time: VNNI's u8 x s8 products).

Nothing here imports torch or transformers: a worker that serves with ONNX Runtime holds
neither (bench/RESULTS.md, memory). The export is tied to the weights it was made from by
their sha256; `export_status` says whether a folder is there and current.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ONNX_DIRNAME = "onnx"  # beside the weights it was exported from; gitignored
MANIFEST = "manifest.json"
GRAPHS = ("trunk", "semantic_top", "tuned_top")
PRECISIONS = ("fp32", "int8")
# Bumped whenever the export changes what the files hold, so an older export is redone,
# and a quality record of another format is not read as this one's (models/runtime.py).
# 2: the trunk's feed-forward output products stay fp32 in its int8 graph.
FORMAT = 2


def onnx_folder(weights_folder: Path | str) -> Path:
    return Path(weights_folder) / ONNX_DIRNAME


def graph_file(graph: str, precision: str) -> str:
    return f"{graph}.onnx" if precision == "fp32" else f"{graph}.{precision}.onnx"


def read_manifest(folder: Path | str) -> dict | None:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def export_status(weights_folder: Path | str, sha256: str) -> str | None:
    """None when the export beside `weights_folder` is complete and made from these
    weights (`sha256`, as models.weights.load_weights gives it); else why not, in words."""
    folder = onnx_folder(weights_folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return f"no ONNX export at {folder}"
    if manifest.get("format") != FORMAT:
        return f"the ONNX export at {folder} is of format {manifest.get('format')}, this code reads {FORMAT}"
    if manifest.get("weights_sha256") != sha256:
        return f"the ONNX export at {folder} is of other weights ({str(manifest.get('weights_sha256'))[:12]}, not {sha256[:12]})"
    missing = [graph_file(g, p) for p in PRECISIONS for g in GRAPHS if not (folder / graph_file(g, p)).is_file()]
    if missing:
        return f"the ONNX export at {folder} lacks {', '.join(missing)}"
    return None


class OnnxEncoder:
    """The trunk and both tops as ONNX Runtime sessions, on `threads` intra-op threads."""

    def __init__(self, folder: Path | str, precision: str = "fp32", threads: int | None = None, profile_prefix: str | None = None):
        """`profile_prefix`: write ONNX Runtime's per-operator profile (bench/speed.py reads it)."""
        import onnxruntime as ort

        if precision not in PRECISIONS:
            raise ValueError(f"the ONNX runtime's precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        folder = Path(folder)
        options = ort.SessionOptions()
        # The service runs one worker a core, each scoring one request at a time
        # (gunicorn.conf.py); more threads than that only contend, as torch's did.
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default, one a core
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Batches vary in length; the arena that would keep the largest batch's buffers
        # for ever is what grows a worker's memory, and allocation is a small part of a pass.
        options.enable_cpu_mem_arena = False
        if profile_prefix:
            options.enable_profiling = True
            options.profile_file_prefix = profile_prefix
        self.precision = precision
        self.threads = threads or 0  # each run's intra-op threads (0: one a core)
        self._sessions = {g: ort.InferenceSession(str(folder / graph_file(g, precision)), options, providers=["CPUExecutionProvider"])
                          for g in GRAPHS}

    def end_profiling(self) -> list[str]:
        """The profile files written since the sessions started (JSON traces), one per part."""
        return [session.end_profiling() for session in self._sessions.values()]

    def run_trunk(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token ids (B, T) and 0/1 mask (B, T), int64 -> states after the frozen trunk (B, T, 384)."""
        return self._sessions["trunk"].run(None, {"input_ids": input_ids, "attention_mask": mask})[0]

    def run_top(self, hidden: np.ndarray, mask: np.ndarray, tuned: bool) -> np.ndarray:
        """Trunk states (B, T, 384) -> final token states (B, T, 384) of the tuned or pretrained top, fp32."""
        session = self._sessions["tuned_top" if tuned else "semantic_top"]
        return session.run(None, {"hidden": np.ascontiguousarray(hidden, dtype=np.float32), "attention_mask": mask})[0]
