"""Lower-precision inference for the split encoder: fp32 (as trained), bf16 or int8.

    encoder = apply_precision(SplitEncoder(...), "int8")

- "fp32": unchanged; what training and the quality report's reference use.
- "bf16": every parameter cast to bfloat16. On CPUs with AVX-512 BF16 or AMX the matrix
  products run in hardware bf16 at several times the fp32 rate, and the weights take
  half the memory. Activations stay bf16 from the embeddings to the pooled output; the
  scorer casts the pooled vectors back to fp32 before the heads and calibration.
- "int8": torch dynamic quantization of every Linear layer (weights int8 per output
  channel, activations quantized per batch at run time), on the "x86" engine, which
  picks fbgemm or oneDNN kernels (VNNI/AMX) by shape. Embeddings and LayerNorm stay fp32.

Quality must stay within 0.005 ROC-AUC of fp32 on the public test files; measure it with
`python -m models.evaluate --precision int8` (and bf16) before serving either.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

PRECISIONS = ("fp32", "bf16", "int8")


def auto_precision(cpuinfo: str = "/proc/cpuinfo") -> str:
    """"bf16" where the CPU multiplies bf16 in hardware (AVX-512 BF16 or AMX), else "fp32".

    bench/quality.py holds bf16 to within 0.005 ROC-AUC of fp32 and bench/speed.py
    times it; both sets of figures are in bench/RESULTS.md.
    """
    from .runtime import bf16_in_hardware, cpu_flags

    return "bf16" if bf16_in_hardware(cpu_flags(cpuinfo)) else "fp32"


def apply_precision(encoder: nn.Module, precision: str) -> nn.Module:
    """Return `encoder` (changed in place) ready for inference at `precision`."""
    if precision == "auto":
        precision = auto_precision()
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    encoder.eval()
    if precision != "fp32":
        # The full BERT the split encoder keeps for its mask helper still holds the
        # pooler, which is never run; its fp32 weights alias the memory-mapped
        # checkpoint and keep all of it (86 MB) resident in every worker.
        for bert in getattr(encoder, "_bert", []):
            bert.pooler = None
    if precision == "bf16":
        return encoder.to(torch.bfloat16)
    if precision == "int8":
        return quantize_int8(encoder)
    return encoder


def quantize_int8(module: nn.Module) -> nn.Module:
    """Dynamic int8 quantization of the Linear layers of `module`, for CPU inference."""
    if "x86" in torch.backends.quantized.supported_engines:
        # "x86" dispatches each shape to fbgemm or oneDNN, whichever is faster there;
        # it measured fastest of the three engines on this project's layer shapes.
        torch.backends.quantized.engine = "x86"
    with warnings.catch_warnings():
        # torch.ao.quantization announces its move to torchao; the eager API still works
        # in the pinned torch, and torchao is not a dependency of this project.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        # One scale per output row, not one per matrix: the fine-tuned layers have rows of
        # very different norms, and a shared scale costs them most of their digits.
        # In place: a copy would also deep-copy the full BERT the encoder keeps for its
        # mask helper, doubling resident memory for nothing.
        return quantize_dynamic(module, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)


def parameter_dtype(encoder: nn.Module) -> torch.dtype:
    """The dtype activations must enter the encoder in (bf16 for a bf16 encoder, else fp32)."""
    for p in encoder.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32
