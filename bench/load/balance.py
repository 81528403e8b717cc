"""How evenly gunicorn's workers share a burst: requests refused (503) while another
worker still had room.

    python bench/load/balance.py --trials 5
    python bench/load/balance.py --trials 5 --gunicorn-args "--worker-connections 4"

Real gunicorn from the Procfile, 2 workers, the gated stand-in scorer of the tests
(tests/server/gated_app.py: each scoring request waits until the run opens a gate), so
the model is busy for as long as the run says. Per trial, REQUESTS scoring requests are
sent SPACING seconds apart with the gate shut. Two workers can hold 2 x (1 scoring +
MODLENS_MAX_QUEUE waiting) = 6 at the defaults, so with 6 requests none needs refusing:
every 503 is a request the busy worker accepted and refused while the other worker had
room. Then the gate opens and every answer is read.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "server")]  # the gate's app imports the project
from gated_app import booted, started_per_worker  # noqa: E402 - the gate's own files
from gunicorn_helpers import Gunicorn, fetch  # noqa: E402 - the tests' real-gunicorn helper


def trial(gunicorn_args, requests, spacing):
    folder = Path(tempfile.mkdtemp(prefix="modlens-balance-"))
    gate = folder / "gate"
    gate.mkdir()
    env = {"GATE_DIR": gate, "WEB_CONCURRENCY": 2}
    if gunicorn_args:
        env["GUNICORN_CMD_ARGS"] = gunicorn_args
    server = Gunicorn(folder / "gunicorn.log", app="gated_app:create()", **env)
    try:
        server.wait_ready()
        while booted(gate) < 2:
            time.sleep(0.05)
        with ThreadPoolExecutor(requests) as pool:
            futures = []
            for n in range(requests):
                body = {"thread": {"title": f"Ferries {n}"}, "posts": [{"id": "p1", "text": f"Which ferry runs on day {n}?"}]}
                futures.append(pool.submit(fetch, server.base + "/v1/score", body))
                time.sleep(spacing)
            time.sleep(0.5)
            refused_while_held = sum(1 for f in futures if f.done() and f.result()[0] == 503)
            ready = fetch(server.base + "/readyz", timeout=10)[0]
            (gate / "open").touch()
            statuses = [f.result()[0] for f in futures]
        by_worker = started_per_worker(gate)
        return {"refused": refused_while_held, "served": statuses.count(200), "readyz": ready,
                "started_per_worker": sorted(by_worker.values(), reverse=True)}
    finally:
        (gate / "open").touch()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--requests", type=int, default=6)
    parser.add_argument("--spacing", type=float, default=0.3, help="seconds between requests")
    parser.add_argument("--gunicorn-args", default="", help="extra gunicorn settings (GUNICORN_CMD_ARGS)")
    args = parser.parse_args()
    results = [trial(args.gunicorn_args, args.requests, args.spacing) for _ in range(args.trials)]
    refused = sum(r["refused"] for r in results)
    print(json.dumps({"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                      "gunicorn_args": args.gunicorn_args, "trials": results,
                      "refused_with_room": f"{refused} of {args.trials * args.requests}"}, indent=1))


if __name__ == "__main__":
    main()
