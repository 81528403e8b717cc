"""Load, soak and overload runs against the service as the Procfile starts it.

    python bench/load/run.py --seconds 60                       # the short run in RELIABILITY.md
    python bench/load/run.py --seconds 600 --out soak.json      # the 10-minute soak
    python bench/load/run.py --seconds 60 --wait 0.5 1.5 --out overload.json   # far past capacity

Starts gunicorn with the Procfile's command on a free loopback port (the real model, every
worker loaded before the clock starts), then runs locust headless (bench/load/locustfile.py:
USERS clients posting 30-post threads, half repeated and half new, with WAIT seconds of
think time), and samples every worker's resident memory, open files and threads from
/proc every few seconds. It reports p50/p95/p99 of the requests served (200) and of those
shed (503), every other status, dropped connections, and the slope of each worker's
memory, files and threads over the second half of the run, per hour.

Needs `pip install -r bench/load/requirements.txt` (locust). Linux only (/proc).
"""

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from bench.speed import free_port, stop  # noqa: E402 - the speed bench's server helpers


def procfile_command():
    line = next(row for row in (REPO / "Procfile").read_text().splitlines() if row.startswith("web:"))
    command = shlex.split(line[len("web:"):])
    return [sys.executable, "-m", *command] if command[0] == "gunicorn" else command


def children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def sample(pid):
    """(RSS in MB, open files, threads) of one process, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss = int(fields["VmRSS"].split()[0]) / 1024
        return rss, len(os.listdir(f"/proc/{pid}/fd")), int(fields["Threads"])
    except (FileNotFoundError, ProcessLookupError, KeyError):
        return None


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, in value per hour."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return None if var == 0 else 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def percentiles(values):
    if not values:
        return None
    ordered = sorted(values)

    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"n": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def wait_ready(base, process, log, workers, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        loaded = log.read_text(errors="replace").count("model loaded")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                ready = response.status == 200
        except OSError:
            ready = False
        if ready and loaded >= workers:
            return
        time.sleep(1)
    raise SystemExit(f"not ready after {timeout} s:\n{log.read_text()[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--wait", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"),
                        help="think time between a client's requests, seconds")
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None, help="WEB_CONCURRENCY (default: gunicorn.conf.py's)")
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--note", default="", help="what else ran on the machine, for the record")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "load.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="modlens-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PORT"] = str(port)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    log = work / "gunicorn.log"
    load_before = os.getloadavg()
    with log.open("wb") as out:
        server = subprocess.Popen(procfile_command(), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        started = time.monotonic()
        time.sleep(2)
        workers = len(children(server.pid)) or 1
        wait_ready(base, server, log, workers, timeout=600)
        boot_seconds = time.monotonic() - started
        pids = children(server.pid)

        samples, load_over = [], threading.Event()

        def sampler():
            t0 = time.monotonic()
            while not load_over.is_set():
                now = time.monotonic() - t0
                for pid in children(server.pid):
                    found = sample(pid)
                    if found:
                        samples.append({"t": round(now, 1), "pid": pid, "rss_mb": round(found[0], 1),
                                        "fds": found[1], "threads": found[2]})
                load_over.wait(args.sample_every)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        requests_log = work / "requests.jsonl"
        locust_env = {**env, "LOAD_LOG": str(requests_log), "LOAD_WAIT_MIN": str(args.wait[0]),
                      "LOAD_WAIT_MAX": str(args.wait[1]), "LOAD_POSTS": str(args.posts)}
        command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
                   "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s", "--host", base,
                   "--stop-timeout", "200", "--loglevel", "WARNING"]
        locust = subprocess.run(command, cwd=REPO, env=locust_env, capture_output=True, text=True)
        load_over.set()
        thread.join()
        after_pids = children(server.pid)
    finally:
        stop(server, 60)

    records = [json.loads(line) for line in requests_log.read_text().splitlines()] if requests_log.exists() else []
    if not records:
        raise SystemExit(f"locust sent no request:\n{(locust.stdout + locust.stderr)[-3000:]}")
    result = summarize(records, samples, args, boot_seconds, pids, after_pids, load_before, locust)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("samples", "locust_tail")}, indent=1))
    print(f"written: {args.out}; gunicorn log: {log}")


def summarize(records, samples, args, boot_seconds, pids, after_pids, load_before, locust):
    served = [r for r in records if r["status"] == 200]
    shed = [r for r in records if r["status"] == 503]
    statuses = {}
    for r in records:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    span = (max(r["t"] for r in records) - min(r["t"] for r in records)) if len(records) > 1 else 0
    half = max((s["t"] for s in samples), default=0) / 2
    per_worker = {}
    for pid in sorted({s["pid"] for s in samples}):
        mine = [s for s in samples if s["pid"] == pid]
        late = [s for s in mine if s["t"] >= half]
        per_worker[str(pid)] = {
            "rss_mb_first": mine[0]["rss_mb"], "rss_mb_last": mine[-1]["rss_mb"], "rss_mb_max": max(s["rss_mb"] for s in mine),
            "rss_mb_per_hour_second_half": _round(slope_per_hour([(s["t"], s["rss_mb"]) for s in late])),
            "fds_first": mine[0]["fds"], "fds_last": mine[-1]["fds"],
            "fds_per_hour_second_half": _round(slope_per_hour([(s["t"], s["fds"]) for s in late])),
            "threads_first": mine[0]["threads"], "threads_last": mine[-1]["threads"],
            "threads_per_hour_second_half": _round(slope_per_hour([(s["t"], s["threads"]) for s in late])),
            "samples": len(mine),
        }
    return {
        "command": " ".join(["python", "bench/load/run.py", *sys.argv[1:]]),
        "when_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()], "note": args.note},
        "users": args.users, "seconds": args.seconds, "think_time_s": list(args.wait), "posts_per_thread": args.posts,
        "boot_to_all_workers_ready_s": round(boot_seconds, 1), "workers": len(pids),
        "workers_replaced_during_run": sorted(set(pids) - set(after_pids)),
        "requests": len(records), "requests_per_s": round(len(records) / span, 2) if span else None,
        "statuses": statuses,
        "dropped_connections": sum(1 for r in records if r["status"] == 0),
        "server_errors_other_than_503": sum(1 for r in records if r["status"] >= 500 and r["status"] != 503),
        "served_ms": percentiles([r["ms"] for r in served]),
        "served_new_ms": percentiles([r["ms"] for r in served if r["kind"] == "new"]),
        "served_repeated_ms": percentiles([r["ms"] for r in served if r["kind"] == "repeated"]),
        "shed_503_ms": percentiles([r["ms"] for r in shed]),
        "per_worker": per_worker,
        "samples": samples,
        "locust_tail": (locust.stdout + locust.stderr)[-3000:],
    }


def _round(value):
    return None if value is None else round(value, 2)


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
