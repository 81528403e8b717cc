"""Which runtime and precision run the encoder: chosen once at start, named in `model_info`.

    runtime, precision, why = choose("auto", "auto", sha256)

Runtimes: "torch" (fp32, bf16 or int8: models/quantize.py) and "onnx" (fp32 or int8:
models/onnx_encoder.py, exported by `python -m models.export_onnx`). "auto" takes the
first of `RANKING` that
- this CPU runs fast: bf16 only where it multiplies bf16 in hardware (AVX-512 BF16, AMX),
  int8 only where it has VNNI (without it, int8 products take slower instruction paths
  and ONNX Runtime's can saturate);
- keeps quality: an fp32 runtime always does (the ONNX export refuses to finish unless
  its token states match torch's, models/export_onnx.py); bf16 and int8 only where
  `bench/quality.py --record` measured these very weights (by sha256) within 0.005
  ROC-AUC of fp32 on every measure, as kept in `QUALITY_FILE`;
- can run here: onnxruntime installed, for "onnx".
A retrain therefore serves fp32 (ONNX Runtime) until its quality is measured again.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

# oneDNN, which runs torch's bf16 matrix products, compiles a kernel for every new input
# shape and keeps it: 1 024 in its own cache and 1 024 more in each thread's cache in
# torch (LRU_CACHE_CAPACITY), some 300 KB each. Windows are as long as their posts, so
# nearly every request brings a new shape, and a worker grew by 270-300 MB in a
# 10-minute soak while its caches held 70 MB (RELIABILITY.md). A forward pass reuses
# its few shapes from layer to layer, which 16 kernels cover; a kernel for a shape not
# kept takes some 20 ms to build again.
ONEDNN_CACHE_CAPACITY = 16


def cap_onednn_caches(environ=None) -> int:
    """Set both kernel caches' capacity (MODLENS_ONEDNN_CACHE_CAPACITY, else
    ONEDNN_CACHE_CAPACITY) in `environ` (os.environ), unless the library's own variables are
    set; torch reads them at its first bf16 product. gunicorn.conf.py calls it for the
    workers it forks, the torch scorer for any other process. Returns the capacity."""
    environ = os.environ if environ is None else environ
    raw = str(environ.get("MODLENS_ONEDNN_CACHE_CAPACITY", ONEDNN_CACHE_CAPACITY)).strip()
    if not raw.lstrip("-").isdigit() or int(raw) < 1:
        # torch's per-thread cache at capacity 0 kills the process (SIGSEGV) at its first bf16 product.
        raise ValueError(f"MODLENS_ONEDNN_CACHE_CAPACITY must be a whole number of at least 1, not {raw}")
    environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", raw)
    environ.setdefault("LRU_CACHE_CAPACITY", raw)
    return int(raw)


def glibc():
    """glibc through ctypes, or None where malloc is another one (macOS, musl): nothing to tune."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


# Dask's nanny starts every worker with MALLOC_TRIM_THRESHOLD_=65536 (its
# distributed.nanny.pre-spawn-environ). Any such variable also turns off glibc's sliding
# mmap threshold, so every buffer over 128 KB (each window's activations) is mapped and
# unmapped on every run, page faults and all: a batch worker spent 1.5 times the CPU a
# post (bench/batch_throughput.md). 32 MB for both restores the local rate.
MALLOC_THRESHOLD = 32 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def undo_small_malloc_trim(environ=None, libc=None) -> bool:
    """Where MALLOC_TRIM_THRESHOLD_ is set below MALLOC_THRESHOLD (a Dask worker), set
    glibc's trim and mmap thresholds to MALLOC_THRESHOLD; True if it did."""
    environ = os.environ if environ is None else environ
    raw = str(environ.get("MALLOC_TRIM_THRESHOLD_", "")).strip()
    if not raw.isdigit() or int(raw) >= MALLOC_THRESHOLD:
        return False
    libc = glibc() if libc is None else libc
    if libc is None:
        return False
    libc.mallopt(_M_MMAP_THRESHOLD, MALLOC_THRESHOLD)
    libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_THRESHOLD)
    return True


RUNTIMES = ("torch", "onnx")
PRECISIONS = {"torch": ("fp32", "bf16", "int8"), "onnx": ("fp32", "int8")}
# Fastest first, as measured on an AMD EPYC (Zen 4: AVX-512 BF16 and VNNI, no AMX) for
# typical posts, CPU ms a post: onnx int8 21.6, torch bf16 29.9 (bench/RESULTS.md,
# 2026-12-02), onnx fp32 42, torch fp32 52 (2026-12-01/02). torch int8 comes last:
# slower than bf16 and short of the quality bar on every weights so far. Unmeasured on
# CPUs with AMX.
RANKING = (("onnx", "int8"), ("torch", "bf16"), ("onnx", "fp32"), ("torch", "fp32"), ("torch", "int8"))
QUALITY_BAR = 0.005
QUALITY_FILE = Path(__file__).resolve().parent / "runtime_quality.json"
_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
_VNNI_FLAGS = {"avx512_vnni", "avx_vnni", "amx_int8"}
EXPORT_TIMEOUT_S = 600

log = logging.getLogger("modlens.runtime")


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    try:
        with open(cpuinfo) as f:
            return set(next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), []))
    except OSError:
        return set()


def bf16_in_hardware(flags: set[str] | None = None) -> bool:
    """Whether the CPU (`flags`, default this one's) multiplies bf16 in hardware (AVX-512
    BF16 or AMX); elsewhere bf16 is emulated and slower than fp32."""
    return bool((cpu_flags() if flags is None else flags) & _BF16_FLAGS)


def measured_quality(sha256: str, path: Path = QUALITY_FILE) -> dict[str, float]:
    """{"runtime-precision": largest |AUC - fp32 AUC|} measured on these weights, or {}.

    ONNX figures count only if they were measured on an export of this code's format: a
    changed export (models/onnx_encoder.py FORMAT) must be measured again.
    """
    from .onnx_encoder import FORMAT

    try:
        entry = json.loads(Path(path).read_text()).get(sha256, {})
    except (OSError, ValueError, AttributeError):
        return {}
    worst = dict(entry.get("worst_auc_difference", {}))
    if entry.get("onnx_format") != FORMAT:
        worst = {k: v for k, v in worst.items() if not k.startswith("onnx-")}
    return worst


def onnxruntime_installed() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def check(runtime: str, precision: str) -> None:
    if runtime not in (*RUNTIMES, "auto"):
        raise ValueError(f"runtime must be auto or one of {', '.join(RUNTIMES)}, not {runtime!r}")
    allowed = {p for r in RUNTIMES for p in PRECISIONS[r]} if runtime == "auto" else set(PRECISIONS[runtime])
    if precision != "auto" and precision not in allowed:
        raise ValueError(f"precision must be auto or one of {', '.join(sorted(allowed))} for runtime {runtime}, not {precision!r}")


def choose(runtime: str, precision: str, sha256: str, flags: set[str] | None = None,
           quality: dict[str, float] | None = None, onnx: bool | None = None) -> tuple[str, str, str]:
    """(runtime, precision, why): the fastest allowed choice that keeps quality here.

    An explicit runtime and precision are taken as asked; "auto" in either picks from
    `RANKING` among the choices that the other allows.
    """
    check(runtime, precision)
    if runtime != "auto" and precision != "auto":
        return runtime, precision, "as configured"
    flags = cpu_flags() if flags is None else flags
    quality = measured_quality(sha256) if quality is None else quality
    onnx = onnxruntime_installed() if onnx is None else onnx
    for r, p in RANKING:
        if runtime not in ("auto", r) or precision not in ("auto", p):
            continue
        if r == "onnx" and not onnx:
            continue
        if p == "bf16" and not bf16_in_hardware(flags):
            continue
        if p == "int8" and not flags & _VNNI_FLAGS:
            continue
        if p == "fp32":
            return r, p, "the fastest fp32 choice here"
        worst = quality.get(f"{r}-{p}")
        if worst is not None and worst <= QUALITY_BAR:
            return r, p, f"measured within {worst:.4f} ROC-AUC of fp32 on these weights"
    return (runtime if runtime != "auto" else "torch"), "fp32", "no faster choice kept quality here"


def ensure_export(weights_folder: Path, sha256: str, export: bool = True) -> str | None:
    """None when `weights_folder/onnx/` is current (exporting it first if `export`); else why not.

    The export runs in a child process: it needs torch and transformers, which a
    worker serving with ONNX Runtime should never hold in its own memory.
    """
    from .onnx_encoder import export_status

    problem = export_status(weights_folder, sha256)
    if problem is None or not export:
        return problem
    log.info("%s: exporting it now (python -m models.export_onnx)", problem)
    command = [sys.executable, "-m", "models.export_onnx", "--weights", str(weights_folder)]
    try:
        done = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
                              timeout=EXPORT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{problem}; the export did not finish ({type(error).__name__})"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{problem}; the export failed: {last}"
    return export_status(weights_folder, sha256)
