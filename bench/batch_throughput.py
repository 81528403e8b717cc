"""Batch throughput (posts/s) of `flask score` on an archive of >= 10 000 posts, locally
and on Dask LocalClusters of 1 and 2 workers.

    python3 bench/batch_throughput.py                      # every run, results on stdout
    python3 bench/batch_throughput.py --json bench/batch_throughput.json
    python3 bench/batch_throughput.py --workers 1,2 --variant onnx-int8 --sample-threads 300

The archive is the SemEval-2016 CQA Qatar Living threads in ../shared/data (each
question with its ten comments), written as the JSONL the batch command reads; the runs
go through the command's own code (load_inputs, score_local, score_on_cluster). Each
worker's model is loaded before the clock starts, as the local one is, so the figures
compare scoring, not start-up. The local scorer is built as the app builds it for
`flask score` (server/scoring.py: runtime and precision "auto", PARALLEL_WINDOWS); a
cluster's workers load theirs with the batch command's own loader, each on its share of
the cores. `--variant RUNTIME-PRECISION` holds every run to one choice instead of "auto".
The CPU and its flags are stated with the figures; every run's scores are compared with
the local run's.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATA = REPO.parent / "shared" / "data" / "semeval2016_cqa"
FILES = ["SemEval2016-Task3-CQA-QL-train-part2.xml", "SemEval2016-Task3-CQA-QL-dev.xml"]


def write_archive(folder, min_posts):
    """JSONL of posts (thread_id, post_id, parent_id, author, text, title); returns (path, posts)."""
    path, posts = folder / "qatar_living.jsonl", 0
    with path.open("w", encoding="utf-8") as out:
        for name in FILES:
            for thread in ET.parse(DATA / name).getroot().iter("Thread"):
                question = thread.find("RelQuestion")
                thread_id = thread.get("THREAD_SEQUENCE")
                title = question.findtext("RelQSubject") or ""
                rows = [{"post_id": question.get("RELQ_ID"), "parent_id": None, "author": question.get("RELQ_USERNAME"),
                         "text": (question.findtext("RelQBody") or title)}]
                rows += [{"post_id": c.get("RELC_ID"), "parent_id": question.get("RELQ_ID"),
                          "author": c.get("RELC_USERNAME"), "text": c.findtext("RelCText") or ""}
                         for c in thread.findall("RelComment")]
                for row in rows:
                    if row["text"].strip():
                        out.write(json.dumps({"thread_id": thread_id, "title": title, **row}) + "\n")
                        posts += 1
    if posts < min_posts:
        raise SystemExit(f"the archive has {posts} posts, fewer than {min_posts}")
    return path, posts


def timed(outcomes, total, label, checkpoint=None):
    """Drain the outcomes (with a progress bar on stderr); returns (records, seconds).

    Every 50 threads `checkpoint(threads, posts, seconds)` records the rate so far, so a
    run cut short (the shared machine) still leaves a measured figure behind."""
    from tqdm import tqdm

    started = time.perf_counter()
    records, posts = [], 0
    for _, record, _ in tqdm(outcomes, total=total, desc=label, unit="thread", file=sys.stderr):
        if record is None:
            raise SystemExit(f"{label}: some threads failed to score")
        records.append(record)
        posts += len(record["posts"])
        if checkpoint and len(records) % 50 == 0:
            checkpoint(len(records), posts, time.perf_counter() - started)
    return records, time.perf_counter() - started


def load_variant():
    """A cluster worker's scorer on the variant the bench names (BENCH_VARIANT), not "auto"."""
    from models import Scorer

    runtime, _, precision = os.environ["BENCH_VARIANT"].rpartition("-")
    return Scorer.load(runtime=runtime, precision=precision)


def differences(reference, records):
    """Largest |score difference| of each post's scores between two runs over the same threads."""
    return max((abs(a - b) for x, y in zip(reference, records) for p, q in zip(x["posts"], y["posts"])
                for a, b in zip(p["scores"].values(), q["scores"].values())), default=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-posts", type=int, default=10_000)
    parser.add_argument("--sample-threads", type=int, default=None,
                        help="score only the first N threads of the archive (a quick run; the figure says so)")
    parser.add_argument("--workers", default="1,2", help="cluster sizes to measure, comma-separated (default 1,2)")
    parser.add_argument("--variant", default="auto",
                        help="RUNTIME-PRECISION for every run (onnx-int8, torch-bf16, ...); default auto, as the command runs")
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument("--skip-local", action="store_true", help="cluster runs only (no local figure, no comparison)")
    parser.add_argument("--no-dask-profile", action="store_true",
                        help="turn off the workers' statistical profiler (distributed.worker.profile.enabled)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.workers.split(",") if n.strip()]

    from bench.speed import machine
    from models import Scorer
    from server.batch.inputs import load_inputs
    from server.batch.runner import DEFAULT_LOADER, preload, score_local, score_on_cluster
    from server.config import DEFAULTS

    with tempfile.TemporaryDirectory() as tmp:
        archive, posts = write_archive(Path(tmp), args.min_posts)
        started = time.perf_counter()
        batch = load_inputs([archive])
        read_seconds = time.perf_counter() - started
    threads = batch.threads
    assert sum(len(t["posts"]) for t in threads) == posts and not batch.errors
    if args.sample_threads:
        threads = threads[:args.sample_threads]
        posts = sum(len(t["posts"]) for t in threads)
    print(f"archive: {len(threads)} threads, {posts} posts (read in {read_seconds:.1f} s)", file=sys.stderr)

    results = {
        "command": "python3 bench/batch_throughput.py " + " ".join(sys.argv[1:]),
        "archive": {"threads": len(batch.threads), "posts": sum(len(t["posts"]) for t in batch.threads),
                    "read_seconds": round(read_seconds, 2)},
        "scored": {"threads": len(threads), "posts": posts, "sample": bool(args.sample_threads)},
        "machine": machine(),
        "variant": args.variant,
        "dask_worker_profile": not args.no_dask_profile,
    }

    def save():
        if args.json:  # after every run, so a run cut short leaves the figures before it
            args.json.write_text(json.dumps(results, indent=1) + "\n")

    def checkpoint(label):
        def note(done_threads, done_posts, seconds):
            results[f"{label}_so_far"] = {"threads": done_threads, "posts": done_posts, "seconds": round(seconds, 1),
                                          "posts_per_second": round(done_posts / seconds, 1)}
            save()
        return note

    runtime, _, precision = ("auto-auto" if args.variant == "auto" else args.variant).rpartition("-")
    local = []
    if not args.skip_local:
        # As the app loads it for `flask score` (server/scoring.py _load).
        scorer = Scorer.load(runtime=runtime, precision=precision, parallel_windows=DEFAULTS["PARALLEL_WINDOWS"])
        results["model"] = dict(scorer.model_info)
        local, local_seconds = timed(score_local(threads, scorer), len(threads), "local", checkpoint("local"))
        results.pop("local_so_far", None)
        results["local"] = {"parallel_windows": scorer.parallel_windows, "seconds": round(local_seconds, 1),
                            "posts_per_second": round(posts / local_seconds, 1)}
        print(f"local: {posts / local_seconds:.1f} posts/s ({local_seconds:.0f} s)", file=sys.stderr)
        save()
        del scorer

    if not args.skip_cluster:
        from distributed import Client, LocalCluster

        loader = DEFAULT_LOADER if args.variant == "auto" else "bench.batch_throughput:load_variant"
        results["clusters"] = []
        for workers in sizes:
            # Each worker process gets an equal share of the cores, as a real cluster
            # would give each machine its own.
            threads_per_worker = max(1, (os.cpu_count() or 1) // workers)
            env = {"OMP_NUM_THREADS": str(threads_per_worker), "MKL_NUM_THREADS": str(threads_per_worker),
                   "BENCH_VARIANT": args.variant, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
            if args.no_dask_profile:
                env["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] = "False"
            label = f"cluster of {workers}"
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None, silence_logs=40, env=env) as cluster:
                with Client(cluster.scheduler_address) as client:
                    client.run(preload, loader)  # each worker loads the model once, off the clock
                remote, seconds = timed(score_on_cluster(threads, cluster.scheduler_address, loader=loader),
                                        len(threads), label, checkpoint(label))
            results.pop(f"{label}_so_far", None)
            results.setdefault("model", remote[0]["model"] if remote else None)
            results["clusters"].append({
                "workers": workers, "threads_per_worker": threads_per_worker, "model": remote[0]["model"] if remote else None,
                "seconds": round(seconds, 1), "posts_per_second": round(posts / seconds, 1),
                "threads_scored": len(remote), "max_score_difference_vs_local": differences(local, remote) if local else None,
            })
            print(f"{label}: {posts / seconds:.1f} posts/s ({seconds:.0f} s)", file=sys.stderr)
            save()

    print(json.dumps(results, indent=1))
    save()


if __name__ == "__main__":
    main()
