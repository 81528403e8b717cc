"""Export the split encoder to ONNX, fused and int8: `python -m models.export_onnx`.

    python -m models.export_onnx                      # the committed weights -> models/weights/onnx/
    python -m models.export_onnx --weights DIR        # other weights -> DIR/onnx/

One command from the weights, so every retrain re-exports (the service does it at start
when the folder is missing or was made from other weights: models/runtime.py). Writes,
for each part of the encoder (frozen trunk with the embeddings, pretrained top, fine-tuned
top: models/encoder.py), `PART.onnx` (fp32, ONNX Runtime's BERT fusions applied) and
`PART.int8.onnx` (its matrix products quantised dynamically, per output channel, except
the trunk's feed-forward output products: `KEEP_FP32`), and
`manifest.json` (the weights' sha256, versions, fused operators, and the round trip:
largest difference of the exported token states from torch's on a few texts). The
export refuses to finish if fp32 states differ from torch's by more than `TOLERANCE`.

The layers are traced through `_layer` below rather than through transformers' own
forward: the same arithmetic (BertLayer with eager attention), written in the shape
ONNX Runtime's fuser recognises (one Attention operator per layer); transformers 5's
forward exports with an attention that it leaves unfused. The round trip checks the two
against each other on every export.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .encoder import SplitEncoder, load_bert
from .onnx_encoder import FORMAT, GRAPHS, MANIFEST, OnnxEncoder, export_status, graph_file, onnx_folder
from .tokenizer import WordPieceTokenizer
from .weights import load_weights

OPSET = 17
HEADS = 12  # all-MiniLM-L6-v2: 12 heads of 32 over 384 hidden units
# Largest |ONNX fp32 - torch fp32| allowed on token states (values of order 1): fused
# kernels sum in another order, which moves the sixth digit, never the third.
TOLERANCE = 1e-3
ROUND_TRIP_TEXTS = (
    "Thanks for the detailed report, I think the inspectorate makes a fair point about training.",
    "You are a pathetic idiot and everyone here thinks you are a moron.",
    "Here is my banana bread recipe. Mash three ripe bananas. Bake it for an hour.",
    "ok",
)


def _attention_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    # The additive mask transformers builds for eager attention: 0 where a token may be
    # read, the dtype's lowest value where it is padding.
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def _layer(layer, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One BertLayer, eager attention, as ONNX Runtime's attention fuser expects it."""
    batch, tokens, width = hidden.shape
    head = width // HEADS
    attention = layer.attention.self
    q = attention.query(hidden).view(batch, tokens, HEADS, head).permute(0, 2, 1, 3)
    k = attention.key(hidden).view(batch, tokens, HEADS, head).permute(0, 2, 3, 1)
    v = attention.value(hidden).view(batch, tokens, HEADS, head).permute(0, 2, 1, 3)
    probs = torch.softmax(torch.matmul(q, k) / math.sqrt(head) + bias, dim=-1)
    context = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(batch, tokens, width)
    attended = layer.attention.output.LayerNorm(layer.attention.output.dense(context) + hidden)
    inner = torch.nn.functional.gelu(layer.intermediate.dense(attended))
    return layer.output.LayerNorm(layer.output.dense(inner) + attended)


class _Trunk(nn.Module):
    def __init__(self, encoder: SplitEncoder):
        super().__init__()
        self.embeddings, self.layers = encoder.embeddings, encoder.trunk

    def forward(self, input_ids, attention_mask):
        hidden = self.embeddings(input_ids=input_ids)
        bias = _attention_bias(attention_mask, hidden.dtype)
        for layer in self.layers:
            hidden = _layer(layer, hidden, bias)
        return hidden


class _Top(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers

    def forward(self, hidden, attention_mask):
        bias = _attention_bias(attention_mask, hidden.dtype)
        for layer in self.layers:
            hidden = _layer(layer, hidden, bias)
        return hidden


def build_encoder(weights: Path) -> tuple[SplitEncoder, str]:
    """The fp32 split encoder exactly as `Scorer.load(runtime="torch")` builds it, and the weights' sha256."""
    tensors, config, sha = load_weights(weights)
    encoder = SplitEncoder(load_bert(), config["split"])
    tuned = {k[len("tuned_top."):]: torch.from_numpy(np.asarray(v)) for k, v in tensors.items() if k.startswith("tuned_top.")}
    encoder.tuned_top.load_state_dict(tuned)
    return encoder.eval(), sha


def _export_graph(module: nn.Module, inputs: tuple, names: list[str], path: Path) -> None:
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "states"]}
    with warnings.catch_warnings():
        # The TorchScript exporter is announced as legacy; the torch.export one needs
        # onnxscript and writes graphs the BERT fuser does not recognise.
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), inputs, str(path), input_names=names, output_names=["states"],
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False)


def _fuse(path: Path, out: Path) -> dict:
    from onnxruntime.transformers.optimizer import optimize_model

    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        model = optimize_model(str(path), model_type="bert", num_heads=HEADS, hidden_size=384)
    model.save_model_to_file(str(out))
    return {k: v for k, v in model.get_fused_operator_statistics().items() if v}


# The parts whose feed-forward output products stay fp32 in their int8 graph: they read
# GELU's output, whose range one int8 scale per run covers worst, and the trunk's error
# reaches every score through six more layers. Measured on the weights of 2026-12-01
# (`python bench/quality.py --variants torch-fp32,onnx-int8`): everything in int8, 0.0059
# ROC-AUC from fp32 at worst (UC condescending); the trunk's three in fp32, 0.0028 at
# worst; the whole trunk in fp32, 0.0045, and slower. bench/RESULTS.md, seventh session.
KEEP_FP32 = frozenset({"trunk"})


def feed_forward_outputs(path: Path) -> list[str]:
    """Names of the MatMul nodes that read a GELU's output: each layer's feed-forward output product."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    gelu_outputs = {o for n in graph.node if n.op_type in ("BiasGelu", "Gelu", "FastGelu") for o in n.output}
    return [n.name for n in graph.node if n.op_type == "MatMul" and n.input[0] in gelu_outputs]


def _quantize(path: Path, out: Path, keep_fp32: list[str] = ()) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per output channel, as models/quantize.py does for torch: the fine-tuned layers'
    # rows differ in norm, and one scale per matrix costs the small rows their digits.
    # The embeddings (a table lookup) stay fp32; so do the products named in `keep_fp32`.
    from onnx import TensorProto

    # Shape inference cannot type the outputs of the fused (com.microsoft) operators;
    # every tensor here is fp32.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for static quantisation
    try:
        quantize_dynamic(str(path), str(out), op_types_to_quantize=["MatMul", "Attention"], per_channel=True,
                         weight_type=QuantType.QInt8, nodes_to_exclude=list(keep_fp32),
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def _batch(tokenizer: WordPieceTokenizer, texts) -> tuple[np.ndarray, np.ndarray]:
    rows = [[tokenizer.cls_token_id, *tokenizer(t)["input_ids"], tokenizer.sep_token_id] for t in texts]
    ids = np.zeros((len(rows), max(map(len, rows))), dtype=np.int64)
    mask = np.zeros_like(ids)
    for r, row in enumerate(rows):
        ids[r, : len(row)], mask[r, : len(row)] = row, 1
    return ids, mask


def round_trip(encoder: SplitEncoder, folder: Path, texts=ROUND_TRIP_TEXTS) -> dict:
    """Largest |ONNX - torch| of token states, per precision and part, on `texts` (padded as a batch)."""
    ids, mask = _batch(WordPieceTokenizer(), texts)
    keep = mask.astype(bool)
    with torch.inference_mode():
        t_ids, t_mask = torch.from_numpy(ids), torch.from_numpy(mask)
        trunk = encoder.run_trunk(t_ids, t_mask)
        reference = {"trunk": trunk.numpy(), "semantic_top": encoder.run_top(trunk, t_mask, tuned=False).numpy(),
                     "tuned_top": encoder.run_top(trunk, t_mask, tuned=True).numpy()}
    out = {}
    for precision in ("fp32", "int8"):
        onnx = OnnxEncoder(folder, precision, threads=1)
        hidden = onnx.run_trunk(ids, mask)
        # Each top reads torch's trunk states, so a part's figure is its own error only.
        got = {"trunk": hidden, "semantic_top": onnx.run_top(reference["trunk"], mask, tuned=False),
               "tuned_top": onnx.run_top(reference["trunk"], mask, tuned=True)}
        out[precision] = {g: float(np.abs(got[g] - reference[g])[keep].max()) for g in GRAPHS}
    return out


@contextlib.contextmanager
def _locked(folder: Path):
    """One export at a time beside these weights: gunicorn's workers start together."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def export(weights: Path, force: bool = False, log=print) -> Path:
    """Export the encoder of `weights` into `weights/onnx/` (unless it is current); return that folder."""
    import onnxruntime

    weights = Path(weights)
    folder = onnx_folder(weights)
    with _locked(folder):
        _, _, sha = load_weights(weights)
        if not force and export_status(weights, sha) is None:
            log(f"{folder} is current (weights {sha[:12]})")
            return folder
        started = time.time()
        encoder, sha = build_encoder(weights)
        # Written into a fresh folder beside the old one and swapped in whole, so a worker
        # that reads the export while another writes it never sees half of one.
        work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=weights))
        work.chmod(0o755)  # mkdtemp's 0700 would keep the export from a service run as another user
        try:
            ids, mask = _batch(WordPieceTokenizer(), ROUND_TRIP_TEXTS[:2])
            sample = torch.zeros(ids.shape[0], ids.shape[1], encoder.embeddings.word_embeddings.embedding_dim)
            parts = {"trunk": (_Trunk(encoder), (torch.from_numpy(ids), torch.from_numpy(mask)), ["input_ids", "attention_mask"]),
                     "semantic_top": (_Top(encoder.semantic_top), (sample, torch.from_numpy(mask)), ["hidden", "attention_mask"]),
                     "tuned_top": (_Top(encoder.tuned_top), (sample, torch.from_numpy(mask)), ["hidden", "attention_mask"])}
            fused, kept = {}, {}
            for graph, (module, inputs, names) in parts.items():
                raw = work / f"{graph}.raw.onnx"
                _export_graph(module, inputs, names, raw)
                fused[graph] = _fuse(raw, work / graph_file(graph, "fp32"))
                kept[graph] = feed_forward_outputs(work / graph_file(graph, "fp32")) if graph in KEEP_FP32 else []
                if graph in KEEP_FP32 and len(kept[graph]) != len(module.layers):
                    raise RuntimeError(f"{graph}: found {len(kept[graph])} feed-forward output products, not one a layer: export refused")
                _quantize(work / graph_file(graph, "fp32"), work / graph_file(graph, "int8"), kept[graph])
                raw.unlink()
            differences = round_trip(encoder, work)
            worst = max(differences["fp32"].values())
            if worst > TOLERANCE:
                raise RuntimeError(f"exported fp32 token states differ from torch's by {worst:.2e} (> {TOLERANCE}): export refused")
            manifest = {"format": FORMAT, "weights_sha256": sha, "opset": OPSET, "onnxruntime": onnxruntime.__version__,
                        "torch": torch.__version__, "fused_operators": fused, "int8_kept_fp32": kept,
                        "round_trip_max_abs_difference": differences,
                        "exported_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                        "seconds": round(time.time() - started, 1), "command": "python -m models.export_onnx"}
            (work / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
            old = None
            if folder.exists():
                old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
                folder.rename(old)
            work.rename(folder)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log(f"exported {folder} in {time.time() - started:.0f} s: fp32 within {worst:.1e} of torch, "
        f"int8 within {max(differences['int8'].values()):.2f}")
    return folder


def main(argv=None) -> int:
    from .scorer import DEFAULT_WEIGHTS_DIR

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS_DIR, help="weights folder (default: the committed ones)")
    parser.add_argument("--force", action="store_true", help="export even when the folder is current")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    export(args.weights, force=args.force, log=lambda line: print(line, file=sys.stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
