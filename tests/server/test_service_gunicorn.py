"""The Procfile's command serves the API over real HTTP, and gunicorn.conf.py's choices."""

import json
import os
import runpy
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # a cold worker imports torch and loads the model


def procfile_command():
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line[len("web:"):])
    raise AssertionError("Procfile has no web: line")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODLENS_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PORT"] = str(port)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(procfile_command(), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            try:
                status, _, body = fetch(base + "/readyz", timeout=5)
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                status, body = None, None
            if status == 200:
                break
            if status == 503 and "failed to load" in body["error"]["message"]:
                pytest.fail(body["error"]["message"])
            assert time.monotonic() < deadline, f"not ready after {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        yield base, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_procfile_command_scores_a_thread_over_http(served, scorer):
    base, log = served
    thread = {"thread": {"title": "Ferry times"},
              "posts": [{"id": "a", "text": "Which ferry runs on Sundays?"},
                        {"id": "b", "parent_id": "a", "text": "You are a pathetic idiot."}]}
    status, headers, body = fetch(base + "/v1/score", thread)
    assert status == 200, body
    assert headers["X-Request-ID"]
    assert body["model"]["sha256"] == scorer.model_info["sha256"]
    assert [p["id"] for p in body["posts"]] == ["a", "b"]
    assert body["posts"][1]["scores"]["toxicity"] > body["posts"][0]["scores"]["toxicity"]
    status, _, body = fetch(base + "/v1/score", {"posts": "nope"})
    assert status == 400 and body["error"]["message"] == "posts must be an array"
    text = log.read_text()
    # No key configured: loopback only, said at start; the texts never reach the log.
    assert f"Listening at: {base}" in text
    assert "loopback" in text
    assert "route=/v1/score status=200 posts=2" in text
    assert "pathetic" not in text and "ferry" not in text.lower()


def gunicorn_settings(**env):
    with mock.patch.dict(os.environ, env, clear=False):
        for name in ("MODLENS_API_KEYS", "MODLENS_API_KEY_HASHES", "WEB_CONCURRENCY", "MODLENS_TORCH_THREADS"):
            if name not in env:
                os.environ.pop(name, None)
        return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_without_keys_gunicorn_binds_loopback_only():
    assert gunicorn_settings(PORT="8123")["bind"] == "127.0.0.1:8123"


def test_with_keys_gunicorn_binds_every_interface():
    assert gunicorn_settings(PORT="8123", MODLENS_API_KEYS="k")["bind"] == "0.0.0.0:8123"


def test_gunicorn_never_preloads_and_sizes_to_the_cores():
    settings = gunicorn_settings()
    assert settings["preload_app"] is False
    assert settings["workers"] * settings["torch_threads"] <= max(os.cpu_count(), 2)
    assert settings["timeout"] >= 60
    assert settings["accesslog"] is None  # it would print ?key= from Perspective clients
    assert gunicorn_settings(WEB_CONCURRENCY="3", MODLENS_TORCH_THREADS="1")["workers"] == 3
