"""Shared by the batch fault tests: an archive of threads, and the real `flask score` in a
child process on the hash stand-in (cli_app.py), to be killed or starved of disk."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def thread_lines(n, posts=30):
    return "".join(json.dumps({"thread_id": f"thread-{n:02d}", "post_id": f"p{i}", "title": f"Thread {n}",
                               "author": f"user{i % 7}", "text": f"Post {i} of thread {n}: ferries run on Sundays {i * n}."}) + "\n"
                   for i in range(posts))


def make_archive(tmp_path, threads=12, name="archive.zip"):
    """A zip of `threads` threads of 30 posts, one JSONL file each."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(threads):
            zf.writestr(f"forum/thread-{n:02d}.jsonl", thread_lines(n))
    return path


def run_child(args, tmp_path, **env):
    """`flask score ARGS` in a child process on the stand-in scorer; returns the Popen."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MODLENS_")}
    environment.update(PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]), PYTHONDONTWRITEBYTECODE="1", **env)
    command = [sys.executable, "-m", "flask", "--app", "cli_app:create", "score", "--no-progress", *map(str, args)]
    return subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


