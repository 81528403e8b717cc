"""Speed of Modlens beside a BERT-base peer, on the same posts: `python bench/speed.py`.

    python bench/speed.py                                   # everything, ~10 minutes on 2 cores
    python bench/speed.py --rounds 1 --skip-http            # a quick look at throughput
    python bench/speed.py --json bench/results.json         # also keep the figures

Measures, side by side and interleaved round by round (this machine is shared, so every
figure is a median over rounds, and Modlens/peer ratios are medians of per-round ratios):
1. throughput: posts/s of full scoring (all nine attributes, off_topic included, as
   30-post threads) of short, typical and long posts (bench/inputs.py), for Modlens on
   each runtime and precision (torch-fp32, torch-bf16, onnx-fp32, onnx-int8: models/runtime.py)
   and for the peer (bench/peer.py), in `--procs` processes of
   `--threads` torch threads scoring at once (by default one a core, one thread each, as
   gunicorn.conf.py runs workers); with the CPU seconds beside the wall seconds;
2. HTTP: a 30-post thread of typical posts POSTed to /v1/score of gunicorn started with
   the project's gunicorn.conf.py: p50 and p95 latency uncached (each request a new
   title and every post marked with the request's number, so a miss in both caches
   doing the full work) and cached (the same request
   again), and each worker's resident memory (RSS) afterwards; the peer the same way
   (bench/peer_app.py, no cache);
3. a profile of one typical thread for each variant: where the time goes (torch.profiler,
   or ONNX Runtime's own profile by operator type).
Nothing here asserts a time; RESULTS.md reads these figures against the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import inputs  # noqa: E402

THREAD_POSTS = 30
COUNTS = {"short": 60, "typical": 60, "long": 10}


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import torch

    import onnxruntime

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    flags = []
    try:
        flags = next(line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags"))
    except (OSError, StopIteration):
        pass
    wanted = sorted(f for f in flags if f.startswith(("avx512", "amx", "avx_vnni")) or f in ("avx2", "fma"))
    return {"cpu": cpu or platform.processor(), "flags": " ".join(wanted), "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "load_average_at_start": load}


def as_threads(texts: list[str], title: str) -> list[dict]:
    """`texts` as scorer threads of THREAD_POSTS posts (the first of each opens it)."""
    out = []
    for start in range(0, len(texts), THREAD_POSTS):
        body = inputs.thread(texts[start : start + THREAD_POSTS], f"{title} {start}")
        out.append({"title": body["thread"]["title"], "posts": body["posts"]})
    return out


# --- 1. throughput ----------------------------------------------------------------------


def variant(name: str) -> tuple[str, str]:
    """"onnx-int8" -> ("onnx", "int8"); a bare precision is torch's."""
    runtime, _, precision = name.rpartition("-")
    return runtime or "torch", precision


def load_systems(variants: list[str], peer: bool, threads: int | None = None) -> dict:
    from bench.peer import PeerScorer
    from models import Scorer

    systems = {}
    for name in variants:
        runtime, precision = variant(name)
        systems[f"modlens-{name}"] = Scorer.load(runtime=runtime, precision=precision, threads=threads)
        if systems[f"modlens-{name}"].model_info["runtime"] != runtime:
            raise SystemExit(f"{name}: fell back to torch ({systems[f'modlens-{name}'].runtime_reason})")
    if peer:
        systems["peer-fp32"] = PeerScorer()
    return systems


def _throughput_worker(rank, precisions, peer, kinds, rounds, threads, barrier, queue):
    """One process: load every system, then score each workload when all processes do."""
    import torch

    torch.set_num_threads(threads)
    systems = load_systems(precisions, peer, threads)
    names = list(systems)
    for kind, count in kinds.items():
        texts, _ = inputs.posts(kind, count)
        threads_ = as_threads(texts, kind)
        for scorer in systems.values():  # warm-up: first calls pay for allocation and kernel choice
            scorer.score_thread(threads_[0])
        for r in range(rounds):
            for name in names[r % len(names):] + names[: r % len(names)]:  # rotate who goes first
                barrier.wait()  # every process starts this workload together
                wall, cpu = time.perf_counter(), time.process_time()
                for t in threads_:
                    systems[name].score_thread(t)
                queue.put((kind, r, name, rank, time.perf_counter() - wall, time.process_time() - cpu))
    barrier.wait()


def throughput(precisions: list[str], peer: bool, kinds: dict, rounds: int, procs: int, threads: int) -> dict:
    """{kind: {system: {"posts_per_s": median over rounds, ...}}} for `procs` processes at once.

    Each process scores the whole workload on `threads` torch threads, all starting
    together; a round's posts/s is procs x posts / the slowest process's wall time:
    what a machine running `procs` workers gets through.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # torch must not be forked once imported
    barrier, queue = ctx.Barrier(procs), ctx.Queue()
    workers = [ctx.Process(target=_throughput_worker, args=(k, precisions, peer, kinds, rounds, threads, barrier, queue))
               for k in range(procs)]
    for w in workers:
        w.start()
    names = [f"modlens-{p}" for p in precisions] + (["peer-fp32"] if peer else [])
    expected = len(kinds) * rounds * len(names) * procs
    timings = [queue.get(timeout=1800) for _ in range(expected)]
    for w in workers:
        w.join()
    results = {}
    for kind, count in kinds.items():
        texts, source = inputs.posts(kind, count)
        words = statistics.mean(len(t.split()) for t in texts)
        results[kind] = {"posts": len(texts), "mean_words": round(words, 1), "source": source, "systems": {}}
        walls = {}
        for name in names:
            per_round = []
            for r in range(rounds):
                runs = [(w, c) for k, rr, n, _, w, c in timings if k == kind and rr == r and n == name]
                per_round.append((max(w for w, _ in runs), statistics.mean(c for _, c in runs)))
            walls[name] = per_round
            results[kind]["systems"][name] = {
                "posts_per_s": round(statistics.median(procs * len(texts) / w for w, _ in per_round), 2),
                "cpu_ms_per_post": round(statistics.median(1000 * c / len(texts) for _, c in per_round), 1),
                "rounds_posts_per_s": [round(procs * len(texts) / w, 2) for w, _ in per_round],
            }
        if "peer-fp32" in walls:
            for name in names[:-1]:
                ratios = [p[0] / m[0] for m, p in zip(walls[name], walls["peer-fp32"])]
                results[kind]["systems"][name]["x_peer"] = round(statistics.median(ratios), 2)
        print(f"{kind}: " + ", ".join(f"{n} {v['posts_per_s']} posts/s" for n, v in results[kind]["systems"].items()), file=sys.stderr)
    return results


def agreement(systems: dict) -> dict:
    """Largest score difference of each variant from torch fp32 on the typical posts."""
    import numpy as np

    texts, _ = inputs.posts("typical", THREAD_POSTS)
    (thread,) = as_threads(texts, "agreement")
    scores = {n: np.array([[r["scores"][a] for a in sorted(r["scores"])] for r in s.score_thread(thread)])
              for n, s in systems.items() if n.startswith("modlens")}
    ref = scores.get("modlens-torch-fp32")
    return {n: float(np.abs(v - ref).max()) for n, v in scores.items() if ref is not None and n != "modlens-torch-fp32"}


# --- 2. HTTP -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, seconds: float) -> None:
    """Ask a server to stop (SIGTERM: gunicorn finishes its requests), killing it after `seconds`."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()


def serve_and_measure(app_spec: str, env: dict, requests_n: int, cached: bool, log: Path) -> dict:
    import psutil
    import requests

    port = free_port()
    environment = {**os.environ, **env, "PORT": str(port), "MODLENS_RATELIMIT_ENABLED": "false",
                   "PYTHONPATH": str(REPO)}
    for name in ("MODLENS_API_KEYS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment.pop(name, None)  # gunicorn.conf.py sets the thread counts from its own rule
    with open(log, "ab") as out:
        master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app_spec],
                                  cwd=REPO, env=environment, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if session.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if master.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({master.returncode}); see {log}")
            time.sleep(0.5)
        else:
            raise RuntimeError(f"{app_spec} was not ready in 300 s; see {log}")
        texts, _ = inputs.posts("typical", THREAD_POSTS)
        workers = psutil.Process(master.pid).children()

        def post(body):
            started = time.perf_counter()
            response = session.post(f"{base}/v1/score", json=body, timeout=300)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or len(response.json()["posts"]) != len(texts):
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
            return 1000 * elapsed

        # Warm-up: first requests pay for kernel choice and allocation. The session keeps
        # its connection, so one worker answers them all, as one moderator's browser would be.
        for i in range(2):
            post(inputs.thread(texts, f"warm-up {i}"))
        out = {"workers": len(workers), "model": session.post(f"{base}/v1/score", json=inputs.thread(texts[:1], "model"), timeout=300).json().get("model")}
        # Every post of an uncached request is new, not only its title: the service's
        # per-post cache (models/post_cache.py) would otherwise serve all 30 posts.
        uncached = [post(inputs.thread([f"({i}) {t}" for t in texts], f"uncached {i}")) for i in range(requests_n)]
        out["uncached_ms"] = summary(uncached)
        if cached:
            body = inputs.thread(texts, "cached")
            post(body)  # fills the cache of the worker that answers it
            hits = [post(body) for _ in range(requests_n * 2)]
            # With several workers each has its own cache: a repeat can land on one that
            # has not seen the request yet, so the first round of misses is shown apart.
            out["cached_ms"] = summary(hits)
        out["rss_mb_per_worker"] = [round(p.memory_info().rss / 2**20) for p in workers]
        # USS: the memory only that worker holds (RSS counts shared libraries in each).
        out["uss_mb_per_worker"] = [round(p.memory_full_info().uss / 2**20) for p in workers]
        return out
    finally:
        stop(master, 30)


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ms), "p50": round(statistics.median(ms), 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}


# --- 3. profile --------------------------------------------------------------------------


def profile(scorer) -> dict:
    """Where one typical thread's time goes: pipeline stages, then torch operators."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    texts, _ = inputs.posts("typical", THREAD_POSTS)
    (thread,) = as_threads(texts, "profile")
    scorer.score_thread(thread)
    started = time.perf_counter()
    prepared = [scorer._prepare(t) for t in texts]
    preprocess = time.perf_counter() - started
    started = time.perf_counter()
    scorer._forward(prepared, [True] * len(prepared))
    forward = time.perf_counter() - started
    started = time.perf_counter()
    scorer.score_thread(thread)
    total = time.perf_counter() - started
    if scorer.model_info["runtime"] == "onnx":
        top_ops = onnx_operators(scorer, thread)
    else:
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            scorer.score_thread(thread)
        ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        op_total = sum(e.self_cpu_time_total for e in ops) or 1
        top_ops = [{"op": e.key, "calls": e.count, "share": round(e.self_cpu_time_total / op_total, 3)} for e in ops[:10]]
    # Each window is encoded once; sentences are pooled from its token states, so the
    # tokens encoded are the windows' own.
    windows = sum(e - b + 2 for post in prepared for b, e in post.windows)
    return {
        "posts": len(texts),
        "segments": sum(len(post.windows) for post in prepared),
        "tokens_all_segments": windows,
        "tokens_windows": windows,
        "stage_ms": {"preprocess": round(1000 * preprocess), "forward (posts, not title)": round(1000 * forward),
                     "whole score_thread": round(1000 * total)},
        "top_ops": top_ops,
    }


def onnx_operators(scorer, thread: dict) -> list[dict]:
    """ONNX Runtime's own profile of one scoring of `thread`: share of operator time by type."""
    from collections import Counter

    from models.onnx_encoder import OnnxEncoder, onnx_folder
    from models.scorer import DEFAULT_WEIGHTS_DIR

    original = scorer.encoder
    profiled = OnnxEncoder(onnx_folder(DEFAULT_WEIGHTS_DIR), original.precision, threads=1,
                           profile_prefix=str(Path(tempfile.gettempdir()) / "modlens-ort-profile"))
    scorer.encoder = profiled
    try:
        scorer.score_thread(thread)
    finally:
        scorer.encoder = original
    time_by_op, calls = Counter(), Counter()
    for path in profiled.end_profiling():
        for event in json.loads(Path(path).read_text()):
            if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
                op = event.get("args", {}).get("op_name", "?")
                time_by_op[op] += event.get("dur", 0)
                calls[op] += 1
        Path(path).unlink()
    total = sum(time_by_op.values()) or 1
    return [{"op": op, "calls": calls[op], "share": round(t / total, 3)} for op, t in time_by_op.most_common(10)]


# --- main --------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="processes scoring at once (as gunicorn workers)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (as gunicorn.conf.py)")
    parser.add_argument("--variants", "--precisions", dest="precisions", default="torch-fp32,torch-bf16,onnx-fp32,onnx-int8",
                        help="RUNTIME-PRECISION, comma-separated; a bare precision is torch's")
    parser.add_argument("--kinds", default="short,typical,long")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of posts (0.25 for a quick look)")
    parser.add_argument("--http-requests", type=int, default=20)
    parser.add_argument("--http-precision", default="onnx-int8", help="the variants the Modlens server runs at, comma-separated (auto: the server's own choice)")
    parser.add_argument("--workers", default="", help="e.g. '2x1,1x2': gunicorn workers x torch threads to compare (default: gunicorn.conf.py's)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-profile", action="store_true", help="no agreement check and no profile (a quick ratio run)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    results = {"command": "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "machine": machine(), "procs": args.procs, "threads_per_proc": args.threads,
               "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}
    precisions = [p if "-" in p else f"torch-{p}" for p in args.precisions.split(",")]
    kinds = {k: max(1, int(COUNTS[k] * args.scale)) for k in args.kinds.split(",")}
    results["throughput"] = throughput(precisions, not args.skip_peer, kinds, args.rounds, args.procs, args.threads)

    import torch

    torch.set_num_threads(args.threads)
    if not args.skip_profile:
        systems = load_systems(precisions, peer=False, threads=args.threads)
        results["model"] = next(iter(systems.values())).model_info
        results["max_score_difference_from_fp32"] = agreement(systems)
        results["profile"] = {name: profile(system) for name, system in systems.items()}
        del systems

    if not args.skip_http:
        log = Path(tempfile.gettempdir()) / "modlens-bench-gunicorn.log"
        layouts = [w.split("x") for w in args.workers.split(",") if w] or [[None, None]]
        results["http"] = {}
        for n, (workers, threads) in enumerate(layouts):
            label = f"{workers}x{threads}" if workers else "gunicorn.conf.py defaults"
            for served in args.http_precision.split(","):
                runtime, precision = variant(served) if served != "auto" else ("auto", "auto")
                env = {"MODLENS_RUNTIME": runtime, "MODLENS_PRECISION": precision}
                if workers:
                    env.update(WEB_CONCURRENCY=workers, MODLENS_TORCH_THREADS=threads)
                key = f"modlens-{served} ({label})"
                results["http"][key] = serve_and_measure("server:create_app()", env, args.http_requests, True, log)
                print(f"http {key}: {results['http'][key]}", file=sys.stderr)
            if not args.skip_peer and n == 0:  # the peer in the first layout only: it is slow
                results["http"][f"peer-fp32 ({label})"] = serve_and_measure("bench.peer_app:create_app()", env, max(5, args.http_requests // 4), False, log)
                print(f"http peer {label}: {results['http'][f'peer-fp32 ({label})']}", file=sys.stderr)

    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
