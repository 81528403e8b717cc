"""Speed of Modlens beside a BERT-base peer, on the same posts: `python bench/speed.py`.

    python bench/speed.py                                   # everything, ~10 minutes on 2 cores
    python bench/speed.py --rounds 1 --skip-http            # a quick look at throughput
    python bench/speed.py --json bench/results.json         # also keep the figures

Measures, side by side and interleaved round by round (this machine is shared, so every
figure is a median over rounds, and Modlens/peer ratios are medians of per-round ratios):
1. throughput: posts/s of full scoring (all nine attributes, off_topic included, as
   30-post threads) of short, typical and long posts (bench/inputs.py), for Modlens at
   each precision and for the peer (bench/peer.py), in this process, on `--threads`
   torch threads; with the process CPU seconds beside the wall seconds;
2. HTTP: a 30-post thread of typical posts POSTed to /v1/score of gunicorn started with
   the project's gunicorn.conf.py: p50 and p95 latency uncached (each request a new
   thread title, so a cache miss doing the full work) and cached (the same request
   again), and each worker's resident memory (RSS) afterwards; the peer the same way
   (bench/peer_app.py, no cache);
3. a profile (torch.profiler) of one typical thread: where the time goes.
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

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "load_average_at_start": load}


def as_threads(texts: list[str], title: str) -> list[dict]:
    """`texts` as scorer threads of THREAD_POSTS posts (the first of each opens it)."""
    out = []
    for start in range(0, len(texts), THREAD_POSTS):
        body = inputs.thread(texts[start : start + THREAD_POSTS], f"{title} {start}")
        out.append({"title": body["thread"]["title"], "posts": body["posts"]})
    return out


# --- 1. throughput ----------------------------------------------------------------------


def throughput(systems: dict, kinds: dict, rounds: int) -> dict:
    """{kind: {system: {"posts_per_s": median, "cpu_s_per_post": median, "rounds": [...]}}}."""
    results = {}
    for kind, count in kinds.items():
        texts, source = inputs.posts(kind, count)
        threads = as_threads(texts, kind)
        words = statistics.mean(len(t.split()) for t in texts)
        for scorer in systems.values():  # warm-up: first calls pay for allocation and kernel choice
            for t in threads[:1]:
                scorer.score_thread(t)
        per = {name: [] for name in systems}
        names = list(systems)
        for r in range(rounds):
            for name in names[r % len(names):] + names[: r % len(names)]:  # rotate who goes first
                wall, cpu = time.perf_counter(), time.process_time()
                for t in threads:
                    systems[name].score_thread(t)
                per[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        results[kind] = {"posts": len(texts), "mean_words": round(words, 1), "source": source, "systems": {}}
        for name, runs in per.items():
            results[kind]["systems"][name] = {
                "posts_per_s": round(statistics.median(len(texts) / w for w, _ in runs), 2),
                "cpu_ms_per_post": round(statistics.median(1000 * c / len(texts) for _, c in runs), 1),
                "rounds_posts_per_s": [round(len(texts) / w, 2) for w, _ in runs],
            }
        peer = per.get("peer-fp32")
        if peer:
            for name, runs in per.items():
                if name != "peer-fp32":
                    ratios = [p[0] / m[0] for m, p in zip(runs, peer)]
                    results[kind]["systems"][name]["x_peer"] = round(statistics.median(ratios), 2)
        print(f"{kind}: " + ", ".join(f"{n} {v['posts_per_s']} posts/s" for n, v in results[kind]["systems"].items()), file=sys.stderr)
    return results


def agreement(systems: dict) -> dict:
    """Largest score difference of each precision from fp32 on the typical posts."""
    import numpy as np

    texts, _ = inputs.posts("typical", THREAD_POSTS)
    (thread,) = as_threads(texts, "agreement")
    scores = {n: np.array([[r["scores"][a] for a in sorted(r["scores"])] for r in s.score_thread(thread)])
              for n, s in systems.items() if n.startswith("modlens")}
    ref = scores.get("modlens-fp32")
    return {n: float(np.abs(v - ref).max()) for n, v in scores.items() if ref is not None and n != "modlens-fp32"}


# --- 2. HTTP -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

        # Every worker warms up (first requests pay for kernel choice and allocation).
        for i in range(2 * max(1, len(workers))):
            post(inputs.thread(texts, f"warm-up {i}"))
        out = {"workers": len(workers)}
        uncached = [post(inputs.thread(texts, f"uncached {i}")) for i in range(requests_n)]
        out["uncached_ms"] = summary(uncached)
        if cached:
            body = inputs.thread(texts, "cached")
            post(body)  # fills the cache of the worker that answers it
            hits = [post(body) for _ in range(requests_n * 2)]
            # With several workers each has its own cache: a repeat can land on one that
            # has not seen the request yet, so the first round of misses is shown apart.
            out["cached_ms"] = summary(hits)
        out["rss_mb_per_worker"] = [round(p.memory_info().rss / 2**20) for p in workers]
        return out
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            master.kill()


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
    segments = [scorer._segments(i, t) for i, t in enumerate(texts)]
    preprocess = time.perf_counter() - started
    started = time.perf_counter()
    scorer._forward(segments, need_embedding=True)
    forward = time.perf_counter() - started
    started = time.perf_counter()
    scorer.score_thread(thread)
    total = time.perf_counter() - started
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        scorer.score_thread(thread)
    ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    op_total = sum(e.self_cpu_time_total for e in ops) or 1
    tokens = sum(len(s.ids) + 2 for segs in segments for s in segs)
    windows = sum(len(s.ids) + 2 for segs in segments for s in segs if s.kind == "window")
    return {
        "posts": len(texts),
        "segments": sum(map(len, segments)),
        "tokens_all_segments": tokens,
        "tokens_windows": windows,
        "stage_ms": {"preprocess": round(1000 * preprocess), "forward (posts, not title)": round(1000 * forward),
                     "whole score_thread": round(1000 * total)},
        "top_ops": [{"op": e.key, "calls": e.count, "share": round(e.self_cpu_time_total / op_total, 3)} for e in ops[:10]],
    }


# --- main --------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads in this process")
    parser.add_argument("--precisions", default="fp32,int8,bf16")
    parser.add_argument("--kinds", default="short,typical,long")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of posts (0.25 for a quick look)")
    parser.add_argument("--http-requests", type=int, default=20)
    parser.add_argument("--http-precision", default="int8", help="the precision the Modlens server runs at")
    parser.add_argument("--workers", default="", help="e.g. '1x2,2x1': gunicorn workers x torch threads to compare")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from bench.peer import PeerScorer
    from models import Scorer

    results = {"command": "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "machine": machine(), "threads": args.threads, "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}
    systems = {f"modlens-{p}": Scorer.load(precision=p) for p in args.precisions.split(",")}
    if not args.skip_peer:
        systems["peer-fp32"] = PeerScorer()
    results["model"] = next(iter(systems.values())).model_info
    kinds = {k: max(1, int(COUNTS[k] * args.scale)) for k in args.kinds.split(",")}
    results["throughput"] = throughput(systems, kinds, args.rounds)
    results["max_score_difference_from_fp32"] = agreement(systems)
    best = f"modlens-{args.http_precision}" if f"modlens-{args.http_precision}" in systems else next(iter(systems))
    results["profile"] = {"system": best, **profile(systems[best])}
    del systems

    if not args.skip_http:
        log = Path(tempfile.gettempdir()) / "modlens-bench-gunicorn.log"
        layouts = [w.split("x") for w in args.workers.split(",") if w] or [[None, None]]
        results["http"] = {}
        for workers, threads in layouts:
            env = {"MODLENS_PRECISION": args.http_precision}
            if workers:
                env.update(WEB_CONCURRENCY=workers, MODLENS_TORCH_THREADS=threads)
            label = f"{workers}x{threads}" if workers else "gunicorn.conf.py defaults"
            results["http"][f"modlens-{args.http_precision} ({label})"] = serve_and_measure("server:create_app()", env, args.http_requests, True, log)
            print(f"http modlens {label}: {results['http'][f'modlens-{args.http_precision} ({label})']}", file=sys.stderr)
            if not args.skip_peer:
                results["http"][f"peer-fp32 ({label})"] = serve_and_measure("bench.peer_app:create_app()", env, max(5, args.http_requests // 2), False, log)
                print(f"http peer {label}: {results['http'][f'peer-fp32 ({label})']}", file=sys.stderr)

    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
