"""A report whose write fails (the disk full) leaves the report that was there intact.

The real `flask score` runs in a child process whose files fail past a size (EFBIG, as a
full disk fails with ENOSPC): the report is written to a temporary file and renamed over
the old one only when whole, so the old report must be byte for byte what it was.
"""

from batch_children import make_archive, run_child


def test_a_failed_report_write_leaves_the_old_report_intact(score, tmp_path):
    archive = make_archive(tmp_path)
    report = tmp_path / "report.html"
    assert score(archive, "-o", report).exit_code == 0
    old = report.read_bytes()
    bigger = make_archive(tmp_path, threads=13, name="bigger.zip")

    # The checkpoint (compact JSONL) fits under the limit; the new HTML report, a thread
    # longer than the old one, does not.
    child = run_child([bigger, "-o", report], tmp_path, FILE_SIZE_LIMIT=str(len(old)))
    _, stderr = child.communicate(timeout=120)
    stderr = stderr.decode()
    assert child.returncode == 1, stderr
    assert "cannot write the report" in stderr and "left as it was" in stderr and "Traceback" not in stderr, stderr
    assert report.read_bytes() == old
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert leftovers == [".report.html.partial.jsonl"]  # no half-written temporary report

    # With room again, --resume finishes from the checkpoint, no thread scored twice.
    result = score(bigger, "-o", report, "--resume")
    assert result.exit_code == 0, result.stderr
    clean = tmp_path / "clean.html"
    assert score(bigger, "-o", clean).exit_code == 0
    assert report.read_bytes() == clean.read_bytes()


