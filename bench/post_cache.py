"""What the per-post cache saves: a 30-post thread cold, then again with one new reply.

    python bench/post_cache.py                          # the service's own choice (auto)
    python bench/post_cache.py --variants torch-fp32,onnx-int8 --rounds 3 --threads 1

For each variant, in one process on `--threads` threads, each round takes 31 typical posts
(bench/inputs.py) not seen in any earlier round and scores, through Scorer.score_thread
with all nine attributes:
- uncached: the 31-post thread with no post cache (the reference);
- cold: the first 30 posts with an empty post cache (every post encoded, and stored);
- one new reply: the 31-post thread, the first 30 posts cached (one post encoded);
- repeat: the 31-post thread again (nothing encoded; the whole-request cache, which the
  service also has, is not used here).
It prints the medians over rounds, the windows the encoder saw, the largest score
difference between "one new reply" and "uncached", and beside it how far the same 30
posts' scores move between two uncached requests (30 posts, then 31): on bf16 and int8 a
post's scores depend on its batch neighbours. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import inputs  # noqa: E402
from bench.speed import machine, variant  # noqa: E402

THREAD_POSTS = 30


class CountingEncoder:
    """The real encoder, counting the rows (windows) sent through its trunk; the post
    cache's tests count with it too."""

    def __init__(self, encoder):
        self.encoder, self.rows = encoder, 0

    def run_trunk(self, input_ids, mask):
        self.rows += input_ids.shape[0]
        return self.encoder.run_trunk(input_ids, mask)

    def run_top(self, hidden, mask, tuned):
        return self.encoder.run_top(hidden, mask, tuned)


def as_thread(texts):
    body = inputs.thread(texts, "Post cache benchmark")
    return {"title": body["thread"]["title"], "posts": body["posts"]}


def timed(scorer, thread):
    scorer.encoder.rows = 0
    started = time.perf_counter()
    results = scorer.score_thread(thread)
    return 1000 * (time.perf_counter() - started), scorer.encoder.rows, results


def measure(name: str, rounds: int, threads: int | None, pool: list[str]) -> dict:
    import numpy as np

    from models import Scorer
    from models.post_cache import PostCache

    runtime, precision = ("auto", "auto") if name == "auto" else variant(name)
    scorer = Scorer.load(runtime=runtime, precision=precision, threads=threads)
    scorer.encoder = CountingEncoder(scorer.encoder)
    scorer.score_thread(as_thread(pool[: THREAD_POSTS + 1]))  # warm-up: kernel choice, allocation
    rows = {"uncached": [], "cold": [], "one new reply": [], "repeat": []}
    encoded, worst, drift = {}, 0.0, 0.0
    flat = lambda res: np.array([v for x in res for v in x["scores"].values()])  # noqa: E731
    for r in range(rounds):
        texts = pool[(r + 1) * (THREAD_POSTS + 1) : (r + 2) * (THREAD_POSTS + 1)]
        scorer.post_cache = None
        ms, n, reference = timed(scorer, as_thread(texts))
        rows["uncached"].append(ms)
        encoded["uncached"] = n
        scorer.post_cache = PostCache()
        scored = {}
        for label, thread in (("cold", as_thread(texts[:THREAD_POSTS])), ("one new reply", as_thread(texts)), ("repeat", as_thread(texts))):
            ms, n, scored[label] = timed(scorer, thread)
            rows[label].append(ms)
            encoded[label] = n
        worst = max(worst, float(np.abs(flat(scored["one new reply"]) - flat(reference)).max()))
        # Cold, the first 30 posts went through the batches an uncached 30-post request
        # uses: how far the same posts move between two uncached requests that differ by
        # one post, the bar the cached scores are read against.
        drift = max(drift, float(np.abs(flat(scored["cold"]) - flat(reference[:THREAD_POSTS])).max()))
    return {"model": dict(scorer.model_info), "ms_median": {k: round(statistics.median(v), 1) for k, v in rows.items()},
            "ms_all": {k: [round(x, 1) for x in v] for k, v in rows.items()}, "windows_encoded": encoded,
            "max_score_difference_vs_uncached": worst, "max_score_difference_uncached_30_vs_31": drift}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="auto", help="comma-separated: auto, torch-fp32, torch-bf16, onnx-fp32, onnx-int8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="runtime threads (default: OMP_NUM_THREADS or the runtime's own)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pool, source = inputs.posts("typical", (args.rounds + 1) * (THREAD_POSTS + 1))
    out = {"command": "python bench/post_cache.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "posts": source, "machine": machine(), "results": {}}
    for name in args.variants.split(","):
        out["results"][name] = result = measure(name, args.rounds, args.threads, pool)
        m = result["ms_median"]
        print(f"{name} ({result['model']['runtime']}-{result['model']['precision']}): 30-post thread cold {m['cold']:.0f} ms, "
              f"+1 reply {m['one new reply']:.0f} ms, repeat {m['repeat']:.0f} ms, 31 uncached {m['uncached']:.0f} ms; "
              f"windows encoded {result['windows_encoded']}; max |score difference| cached vs uncached "
              f"{result['max_score_difference_vs_uncached']:.2g}, uncached 30 vs 31 posts {result['max_score_difference_uncached_30_vs_31']:.2g}",
              flush=True)
    out["machine"]["load_average_at_end"] = os.getloadavg()
    text = json.dumps(out, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
