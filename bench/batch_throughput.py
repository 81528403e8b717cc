"""Batch throughput (posts/s) of `flask score` on an archive of >= 10 000 posts, locally
and on a two-worker Dask LocalCluster.

    python3 bench/batch_throughput.py                      # both runs, results on stdout
    python3 bench/batch_throughput.py --json bench/batch_throughput.json

The archive is the SemEval-2016 CQA Qatar Living threads in ../shared/data (each
question with its ten comments), written as the JSONL the batch command reads; the runs
go through the command's own code (load_inputs, score_local, score_on_cluster). Each
worker's model is loaded before the clock starts, as the local one is, so the figures
compare scoring, not start-up. Both runs must give the same scores; the script checks.
"""

import argparse
import json
import os
import platform
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-posts", type=int, default=10_000)
    parser.add_argument("--sample-threads", type=int, default=None,
                        help="score only the first N threads of the archive (a quick run; the figure says so)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument("--skip-local", action="store_true", help="cluster run only (no local figure, no comparison)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    from models import Scorer
    from server.batch.inputs import load_inputs
    from server.batch.runner import preload, score_local, score_on_cluster

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
        "archive": {"threads": len(batch.threads), "posts": sum(len(t["posts"]) for t in batch.threads),
                    "read_seconds": round(read_seconds, 2)},
        "scored": {"threads": len(threads), "posts": posts, "sample": bool(args.sample_threads)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }

    def checkpoint(label):
        def save(done_threads, done_posts, seconds):
            if args.json:
                partial = {**results, f"{label}_so_far": {"threads": done_threads, "posts": done_posts,
                                                         "seconds": round(seconds, 1),
                                                         "posts_per_second": round(done_posts / seconds, 1)}}
                args.json.write_text(json.dumps(partial, indent=1) + "\n")
        return save

    local = []
    if not args.skip_local:
        scorer = Scorer.load()
        results["model"] = dict(scorer.model_info)
        local, local_seconds = timed(score_local(threads, scorer), len(threads), "local", checkpoint("local"))
        results["local"] = {"seconds": round(local_seconds, 1), "posts_per_second": round(posts / local_seconds, 1)}
        print(f"local: {posts / local_seconds:.1f} posts/s ({local_seconds:.0f} s)", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n")  # kept if the cluster run is cut short
        del scorer

    if not args.skip_cluster:
        from distributed import Client, LocalCluster

        # Each worker process gets an equal share of the cores for torch, as a real
        # cluster would give each machine its own.
        threads_per_worker = max(1, (os.cpu_count() or 1) // args.workers)
        env = {"OMP_NUM_THREADS": str(threads_per_worker), "MKL_NUM_THREADS": str(threads_per_worker)}
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=40, env=env) as cluster:
            with Client(cluster.scheduler_address) as client:
                client.run(preload)  # each worker loads the model once, off the clock
            remote, remote_seconds = timed(score_on_cluster(threads, cluster.scheduler_address), len(threads), "cluster",
                                           checkpoint("cluster"))
        results.setdefault("model", remote[0]["model"] if remote else None)
        differences = [abs(a - b) for x, y in zip(local, remote) for p, q in zip(x["posts"], y["posts"])
                       for a, b in zip(p["scores"].values(), q["scores"].values())]
        results["cluster"] = {
            "workers": args.workers, "torch_threads_per_worker": threads_per_worker,
            "seconds": round(remote_seconds, 1), "posts_per_second": round(posts / remote_seconds, 1),
            "threads_scored": len(remote), "max_score_difference_vs_local": max(differences) if differences else None,
        }
        print(f"cluster ({args.workers} workers): {posts / remote_seconds:.1f} posts/s ({remote_seconds:.0f} s)",
              file=sys.stderr)

    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
