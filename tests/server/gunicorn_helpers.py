"""Real gunicorn for the reliability tests: start the Procfile's server on a free loopback
port, with any app factory (a stand-in scorer the test controls), and wait until ready."""

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 240  # generous: a worker imports the app on a shared, busy machine


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, body=None, timeout=60, method=None):
    """(status, headers, JSON body) of one request; HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODLENS_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO)])
    env.update({k: str(v) for k, v in extra.items()})
    return env


def gunicorn_command(app="server:create_app()"):
    """The Procfile's command, with another app factory where a test needs one."""
    line = next(row for row in (REPO / "Procfile").read_text().splitlines() if row.startswith("web:"))
    command = shlex.split(line[len("web:"):])
    command[-1] = app
    return [sys.executable, "-m", *command] if command[0] == "gunicorn" else command


class Gunicorn:
    def __init__(self, log_path, app="server:create_app()", **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(gunicorn_command(app), cwd=REPO, env=clean_env(PORT=self.port, **env),
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout=STARTUP_SECONDS):
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log()[-3000:]}"
            try:
                status, _, _ = fetch(self.base + "/readyz", timeout=5)
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                status = None
            if status == 200:
                return
            assert time.monotonic() < deadline, f"not ready after {timeout}s:\n{self.log()[-3000:]}"
            time.sleep(0.2)

    def worker_pids(self):
        """The master's live children (gunicorn's workers)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
