"""One forward pass per window against the code before it, in the same run.

    python bench/one_pass.py --before /path/to/older/checkout [--rounds 3] [--json out.json]
    python bench/one_pass.py --before OTHER --runtime onnx --precision int8   # what `auto` serves

Scores threads of 30 typical posts (bench/inputs.py: ~60-word CQA replies) with every
attribute, as the service does, on one thread (Scorer.load's threads=1), in this checkout
and in `--before` (a checkout of the commit to compare with, e.g. `git worktree add
../before HEAD~5`).
Each tree runs in its own subprocess with its own code and weights; rounds alternate
between the trees, so a shared machine's load falls on both alike. Prints posts/s per
tree and precision, the median over rounds, the CPU and its flags, and the ratio: the
ratio is the figure that holds from one machine to another.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
THREADS, POSTS = 8, 30

WORKER = r"""
import json, sys, time
sys.path.insert(0, {tree!r})
sys.path.insert(0, {bench!r})
import inputs
from models import Scorer
texts, source = inputs.posts("typical", {threads} * {posts})
threads = [{{"title": "Benchmark thread", "posts": [{{"id": f"p{{i}}", "text": t}} for i, t in enumerate(texts[k:k + {posts}])]}}
           for k in range(0, len(texts), {posts})]
scorer = Scorer.load(runtime={runtime!r}, precision={precision!r}, threads=1)
scorer.score_thread(threads[0])  # warm-up: first-call allocations are not the steady state
started = time.perf_counter()
for thread in threads:
    scorer.score_thread(thread)
seconds = time.perf_counter() - started
print(json.dumps({{"posts_per_s": len(texts) / seconds, "source": source, "precision": scorer.model_info["precision"]}}))
"""


def run(tree: Path, precision: str, runtime: str) -> dict:
    code = WORKER.format(tree=str(tree), bench=str(REPO / "bench"), threads=THREADS, posts=POSTS, precision=precision, runtime=runtime)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    wanted = [f for f in flags if f.startswith(("avx512", "amx")) or f in ("avx2", "fma")]
    return f"{model}; flags: {' '.join(wanted)}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="fp32,bf16", help="comma-separated precisions (fp32, bf16, int8)")
    parser.add_argument("--runtime", choices=("torch", "onnx"), default="torch",
                        help="onnx: ONNX Runtime, what `auto` serves where int8 keeps quality (int8 or fp32 only)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "now": REPO}
    results = {}
    for precision in args.precision.split(","):
        rates = {name: [] for name in trees}
        for r in range(args.rounds):
            for name, tree in trees.items():
                got = run(tree, precision, args.runtime)
                rates[name].append(got["posts_per_s"])
                print(f"round {r + 1} {precision} {name}: {got['posts_per_s']:.1f} posts/s", file=sys.stderr)
        results[precision] = {name: round(statistics.median(v), 1) for name, v in rates.items()}
        results[precision]["ratio_now_to_before"] = round(results[precision]["now"] / results[precision]["before"], 2)
    report = {"cpu": cpu(), "inputs": f"{THREADS} threads of {POSTS} typical posts (bench/inputs.py), every attribute, one thread",
              "runtime": args.runtime,
              "rounds": args.rounds, "results": results, "command": f"python bench/one_pass.py --before PATH --runtime {args.runtime} --precision {args.precision}"}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
