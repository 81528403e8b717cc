"""The batch command SIGKILLed halfway through an archive, then run again with --resume:
the final report equals a clean run's, no thread lost or doubled.

The killed run is the real `flask score` in a child process (cli_app.py), stopped by
SIGKILL once it has scored a known number of threads; the resuming run and the clean run
it is compared with are the same command in-process, on the same stand-in scorer.
"""

import json
import signal
import time

import pytest
from batch_children import make_archive, run_child


@pytest.fixture
def archive(tmp_path):
    return make_archive(tmp_path)


def kill_after(tmp_path, args, threads):
    """Start the command, let it score `threads` threads, then SIGKILL it mid-run."""
    mark = tmp_path / "stalled"
    child = run_child(args, tmp_path, STALL_AFTER=str(threads), STALL_MARK=str(mark))
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "the child never reached the stall"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL


def test_jsonl_resume_after_sigkill_equals_a_clean_run(score, archive, tmp_path):
    clean = tmp_path / "clean.jsonl"
    assert score(archive, "-o", clean).exit_code == 0

    report = tmp_path / "report.jsonl"
    kill_after(tmp_path, [archive, "-o", report], threads=5)
    lines = report.read_bytes().splitlines(keepends=True)
    assert len(lines) == 5 and all(line.endswith(b"\n") for line in lines)
    # The same, had the kill come inside a write: the start of a sixth line, no newline.
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines) + clean.read_bytes().splitlines(keepends=True)[5][:700])

    for killed in (report, cut):
        result = score(archive, "-o", killed, "--resume")
        assert result.exit_code == 0, result.stderr
        assert "resuming: 5 thread(s)" in result.stderr
        assert killed.read_bytes() == clean.read_bytes()
        ids = [json.loads(line)["thread_id"] for line in killed.read_text().splitlines()]
        assert ids == sorted(set(ids)) and len(ids) == 12  # none lost, none doubled


def test_a_whole_report_resumes_from_its_checkpoint_after_sigkill(score, archive, tmp_path, fmt="html"):
    clean = tmp_path / f"clean.{fmt}"
    assert score(archive, "-o", clean).exit_code == 0

    report = tmp_path / f"report.{fmt}"
    checkpoint = tmp_path / f".report.{fmt}.partial.jsonl"
    kill_after(tmp_path, [archive, "-o", report], threads=7)
    assert not report.exists()  # a whole report is written only at the end...
    assert len(checkpoint.read_text().splitlines()) == 7  # ...but no scored thread is lost

    result = score(archive, "-o", report, "--resume")
    assert result.exit_code == 0, result.stderr
    assert "resuming: 7 thread(s)" in result.stderr
    assert report.read_bytes() == clean.read_bytes()
    assert not checkpoint.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_cut_line_is_dropped_before_appending(tmp_path):
    from server.batch.cli import _drop_cut_line

    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    _drop_cut_line(path)
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    _drop_cut_line(path)
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    path.write_bytes(b'{"c": ')
    _drop_cut_line(path)
    assert path.read_bytes() == b""
