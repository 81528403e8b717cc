"""A worker's memory over a stream of scoring requests, in one process, without HTTP.

    python bench/load/memory.py --requests 600                     # the service's defaults
    python bench/load/memory.py --requests 600 --post-cache-mb 0 --cache-size 0
    python bench/load/memory.py --requests 600 --tracemalloc       # + the Python heap's growth by line
    ONEDNN_PRIMITIVE_CACHE_CAPACITY=1024 LRU_CACHE_CAPACITY=1024 python bench/load/memory.py   # oneDNN's defaults

The scorer is loaded as a gunicorn worker loads it (gunicorn.conf.py's environment, then
server/scoring.py's `_load`: language model, malloc arenas, one request at a time, the
request cache over the per-post cache), then fed the load run's mix
(bench/load/locustfile.py): 30-post threads of typical posts, half one of 8 fixed
threads, half a fresh draw of 30 of the 400 posts with the first one changed. Requests
go one after another through a pool of as many threads as a worker has (gthread hands
them to whichever is idle, so every thread scores some). Every SAMPLE_EVERY requests it
records the resident memory, what glibc's malloc holds (mallinfo2: in use, free but
kept, mmapped), what the caches say they hold, and, with --tracemalloc, the bytes Python
allocated; at the end, the allocation sites that grew most between the first sample
after warm-up and the last, and each kind of request's wall and CPU time.
"""

import argparse
import ctypes
import ctypes.util
import json
import os
import platform
import random
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _MallInfo2
    return libc


LIBC = _libc()
MB = 2**20


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def malloc_mb() -> dict:
    """glibc's view, all arenas: bytes handed out, free but kept in the heaps, and mmapped chunks."""
    if LIBC is None:
        return {}
    info = LIBC.mallinfo2()
    return {"heap_mb": round(info.arena / MB, 1), "in_use_mb": round(info.uordblks / MB, 1),
            "free_kept_mb": round(info.fordblks / MB, 1), "mmapped_mb": round(info.hblkhd / MB, 1)}


def threads_mix(seed: int, posts: int = 30, repeated: int = 8):
    """An endless stream of (kind, thread) as the load run's clients send them."""
    from bench.inputs import posts as bench_posts

    texts, _ = bench_posts("typical", 400)
    fixed = [[texts[(n * posts + i) % len(texts)] for i in range(posts)] for n in range(repeated)]
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        if rng.random() < 0.5:
            k = rng.randrange(repeated)
            chosen, kind, title = fixed[k], "repeated", f"Repeated thread {k}"
        else:
            chosen = rng.sample(texts, posts)
            chosen[0] = f"{chosen[0]} (thread {os.getpid()}-{n})"
            kind, title = "new", f"New thread {n}"
        yield kind, {"title": title,
                     "posts": [{"id": f"p{i}", "text": t, "parent_id": None if i == 0 else "p0"} for i, t in enumerate(chosen)]}


def worker_environment():
    """The variables gunicorn.conf.py sets before its workers import torch (which read them
    then), unless already set: here, as there, the libraries' own variables win."""
    from server.config import GUNICORN_SETTINGS

    threads = os.environ.get("MODLENS_TORCH_THREADS") or GUNICORN_SETTINGS["MODLENS_TORCH_THREADS"]
    kernels = os.environ.get("MODLENS_ONEDNN_CACHE_CAPACITY") or GUNICORN_SETTINGS["MODLENS_ONEDNN_CACHE_CAPACITY"]
    for name, value in (("OMP_NUM_THREADS", threads), ("MKL_NUM_THREADS", threads),
                        ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", kernels), ("LRU_CACHE_CAPACITY", kernels)):
        os.environ.setdefault(name, str(value))
    return {name: os.environ[name] for name in ("OMP_NUM_THREADS", "ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY")}


def load_scorer(post_cache_mb: float, cache_size: int, parallel_windows: int):
    """The scorer exactly as server/scoring.py's background loader builds it in a worker."""
    from server.admission import ModelQueue
    from server.config import DEFAULTS
    from server.scoring import ModelSlot, _load, make_post_cache

    slot = ModelSlot()
    post_cache = make_post_cache({"POST_CACHE_MB": post_cache_mb, "CACHE_URL": ""})
    # In a thread of its own, as init_app loads it (its allocations land in that thread's arena).
    loader = threading.Thread(target=_load, args=(slot, DEFAULTS["PRECISION"], cache_size, DEFAULTS["RUNTIME"]),
                              kwargs={"queue": ModelQueue(DEFAULTS["MAX_QUEUE"], 600.0), "post_cache": post_cache,
                                      "parallel_windows": parallel_windows})
    loader.start()
    loader.join()
    if slot.error:
        raise SystemExit(f"the model failed to load: {slot.error}")
    return slot.scorer, post_cache


def request_cache_of(scorer):
    """The whole-request cache (models/cache.py's ScoreCache), or None when it is off."""
    from models.cache import CachedScorer

    return scorer.cache if isinstance(scorer, CachedScorer) else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50, help="requests before the baseline sample")
    parser.add_argument("--post-cache-mb", type=float, default=None, help="default: server/config.py's POST_CACHE_MB")
    parser.add_argument("--cache-size", type=int, default=None, help="default: server/config.py's CACHE_SIZE")
    parser.add_argument("--threads", type=int, default=None, help="request threads (default: gunicorn.conf.py's, MAX_QUEUE + 2)")
    parser.add_argument("--parallel-windows", type=int, default=None, help="default: server/config.py's PARALLEL_WINDOWS")
    parser.add_argument("--sample-every", type=int, default=25)
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python's allocations (slower; adds its own memory)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from server.config import DEFAULTS

    post_cache_mb = DEFAULTS["POST_CACHE_MB"] if args.post_cache_mb is None else args.post_cache_mb
    cache_size = DEFAULTS["CACHE_SIZE"] if args.cache_size is None else args.cache_size
    threads = args.threads or DEFAULTS["MAX_QUEUE"] + 2
    parallel_windows = args.parallel_windows or DEFAULTS["PARALLEL_WINDOWS"]
    environment = worker_environment()

    from models.language_scoring import score_thread
    from server.scoring import _plain

    load_before = os.getloadavg()
    started = time.monotonic()
    rss_start = rss_mb()
    scorer, post_cache = load_scorer(post_cache_mb, cache_size, parallel_windows)
    loaded_s = time.monotonic() - started
    attributes = list(DEFAULTS["THRESHOLDS"])
    stream = threads_mix(args.seed)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
    # gthread hands each accepted connection to a free thread; sending one request at a
    # time through a pool of N still spreads them over N threads (and N malloc arenas).
    barrier = threading.Barrier(threads)
    list(pool.map(lambda _: barrier.wait(), range(threads)))  # start every thread now, as a busy worker has

    def one(thread):
        results = score_thread(scorer, thread, attributes=attributes, thresholds=DEFAULTS["THRESHOLDS"])
        return json.dumps({"results": [_plain(r, p["id"], attributes) for r, p in zip(results, thread["posts"])]})

    samples, snapshots, timings, cpu = [], {}, {"new": [], "repeated": []}, {"new": [], "repeated": []}
    t0 = time.monotonic()

    def record(n):
        entry = {"requests": n, "t": round(time.monotonic() - t0, 1), "rss_mb": round(rss_mb(), 1), **malloc_mb()}
        if post_cache is not None:
            entry["post_cache_mb"] = round(post_cache.local.nbytes / MB, 1)
            entry["post_cache_entries"] = len(post_cache.local)
        cache = request_cache_of(scorer)
        if cache is not None:
            entry["request_cache_entries"] = len(cache)
            if hasattr(cache, "nbytes"):
                entry["request_cache_mb"] = round(cache.nbytes / MB, 1)
        if tracemalloc.is_tracing():
            entry["python_traced_mb"] = round(tracemalloc.get_traced_memory()[0] / MB, 1)
        samples.append(entry)
        print(json.dumps(entry), flush=True)

    record(0)
    for n in range(1, args.requests + 1):
        if n == args.warmup and args.tracemalloc:
            tracemalloc.start(12)
        kind, thread = next(stream)
        began, began_cpu = time.perf_counter(), time.process_time()
        pool.submit(one, thread).result()
        timings[kind].append(1000 * (time.perf_counter() - began))
        # CPU time of the whole process: on a shared machine it moves far less than the wall clock.
        cpu[kind].append(1000 * (time.process_time() - began_cpu))
        if n == args.warmup:
            record(n)
            if tracemalloc.is_tracing():
                snapshots["first"] = tracemalloc.take_snapshot()
        elif n % args.sample_every == 0 or n == args.requests:
            record(n)
    if tracemalloc.is_tracing():
        snapshots["last"] = tracemalloc.take_snapshot()
    pool.shutdown()

    growth = []
    if len(snapshots) == 2:
        for stat in snapshots["last"].compare_to(snapshots["first"], "traceback")[:12]:
            frames = [f"{f.filename.replace(str(REPO) + '/', '')}:{f.lineno}" for f in stat.traceback
                      if "site-packages" not in f.filename and "/lib/python" not in f.filename][-4:]
            growth.append({"mb": round(stat.size_diff / MB, 2), "count": stat.count_diff, "where": frames or [str(stat.traceback[-1])]})
            print(json.dumps(growth[-1]), flush=True)

    def pct(values, q):
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

    after_warmup = [s for s in samples if s["requests"] >= args.warmup]
    result = {
        "command": " ".join(["python", "bench/load/memory.py", *sys.argv[1:]]),
        "when_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()], "note": args.note},
        "post_cache_mb": post_cache_mb, "cache_size": cache_size, "threads": threads, "parallel_windows": parallel_windows,
        "tracemalloc": args.tracemalloc,
        "environment": environment,
        "model": {k: str(v) for k, v in scorer.model_info.items()}, "load_s": round(loaded_s, 1),
        "rss_mb_before_load": round(rss_start, 1),
        "rss_mb_after_warmup": after_warmup[0]["rss_mb"] if after_warmup else None,
        "rss_mb_last": samples[-1]["rss_mb"],
        "ms": {kind: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95)} for kind, v in timings.items()},
        "cpu_ms": {kind: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "mean": round(sum(v) / len(v), 1) if v else None}
                   for kind, v in cpu.items()},
        "python_heap_growth_by_site": growth,
        "samples": samples,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("samples", "python_heap_growth_by_site")}, indent=1))


if __name__ == "__main__":
    main()
