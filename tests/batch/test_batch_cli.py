"""`flask score`: every input kind, every report format, bad files reported, exit status, --resume."""

import csv
import io
import json
import zipfile

import pytest

from models import ATTRIBUTES


def make_inputs(tmp_path, fixtures_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ips.html").write_bytes((fixtures_dir / "ips.html").read_bytes())
    (folder / "thread.txt").write_bytes((fixtures_dir / "thread.txt").read_bytes())
    return folder


def test_scores_a_folder_to_json(score, tmp_path, fixtures_dir):
    folder = make_inputs(tmp_path, fixtures_dir)
    result = score(folder, "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["model"]["name"] == "hash-double"
    assert report["errors"] == []
    assert [t["title"] for t in report["threads"]] == ["Kettle broken", "Kettle broken"]
    assert sorted(len(t["posts"]) for t in report["threads"]) == [2, 3]
    post = report["threads"][0]["posts"][0]
    assert set(post["scores"]) == set(ATTRIBUTES)
    assert {"id", "author", "text", "url", "flags", "spans", "quotes", "parent_id"} <= set(post)
    summary = report["threads"][0]["summary"]
    assert summary["posts"] == len(report["threads"][0]["posts"])


def test_bad_files_are_reported_and_the_rest_go_on(score, tmp_path, fixtures_dir):
    folder = make_inputs(tmp_path, fixtures_dir)
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "empty.html").write_text("<html><body><p>nothing here</p></body></html>")
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "posts.jsonl").write_text('{"thread_id": "t1", "post_id": "1", "text": "fine"}\n{not json\n')
    result = score(folder, "-o", tmp_path / "out.json")
    assert result.exit_code == 1
    for name, reason in [("photo.png", "unsupported file type .png"), ("empty.html", "no forum engine recognised"),
                         ("broken.zip", "not a readable zip archive"), ("posts.jsonl:2", "not JSON")]:
        assert any(name in line and reason in line for line in result.stderr.splitlines()), (name, result.stderr)
    report = json.loads((tmp_path / "out.json").read_text())
    assert len(report["errors"]) == 4
    assert len(report["threads"]) == 3  # the page, the text copy and the one good JSONL thread


def test_missing_path_fails_with_its_reason(score, tmp_path):
    result = score(tmp_path / "nope.html")
    assert result.exit_code == 1
    assert "nope.html: no such file or folder" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "html"])
def test_each_format(score, tmp_path, fixtures_dir, fmt):
    out = tmp_path / f"out.{fmt}"
    result = score(fixtures_dir / "ips.html", fixtures_dir / "smf.html", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
        assert [len(r["posts"]) for r in records] == [2, 2]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 4 and {r["author"] for r in rows} == {"alice", "bob"}
        assert all(0 <= float(r["toxicity"]) <= 1 for r in rows)
    else:
        assert text.startswith("<!doctype html>")
        assert "Quoted from alice" in text and "view on the forum" in text


def test_json_to_stdout_by_default(score, fixtures_dir):
    result = score(fixtures_dir / "nodebb.html")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["threads"][0]["site"] == "nodebb"
    assert "scored 1 thread(s), 2 post(s)" in result.stderr


def test_pages_of_one_thread_are_joined_from_a_zip(score, tmp_path, fixtures_dir):
    page1 = (fixtures_dir / "ips.html").read_text()
    page2 = (page1.replace("elComment_1001", "elComment_1003").replace("elComment_1002", "elComment_1004")
             .replace("Who used it last?", "Still broken today."))
    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("thread/page2.html", page2)
        zf.writestr("thread/page1.html", page1)
    result = score(archive, "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.output
    (thread,) = json.loads((tmp_path / "out.json").read_text())["threads"]
    assert [p["id"] for p in thread["posts"]] == ["1001", "1002", "1003", "1004"]


def test_records_in_jsonl_and_csv(score, tmp_path):
    (tmp_path / "posts.jsonl").write_text(
        '{"thread_id": "a", "post_id": "1", "author": "alice", "title": "Kettle", "text": "It broke."}\n'
        '{"thread_id": "b", "post_id": "9", "text": "Other thread."}\n'
        '{"thread_id": "a", "post_id": "2", "parent_id": "1", "text": "Descale it."}\n')
    (tmp_path / "posts.csv").write_text("thread_id,post_id,parent_id,author,text,title\nc,1,,carol,\"Hello, all\",Greetings\nc,2,1,dave,,Greetings\n")
    result = score(tmp_path / "posts.jsonl", tmp_path / "posts.csv", "-o", tmp_path / "out.json")
    assert result.exit_code == 1  # the CSV's second post has no text
    assert "posts.csv:3: the post has no text" in result.stderr
    threads = {t["thread_id"]: t for t in json.loads((tmp_path / "out.json").read_text())["threads"]}
    assert [p["parent_id"] for p in threads["a"]["posts"]] == [None, "1"]
    assert threads["a"]["title"] == "Kettle" and len(threads["b"]["posts"]) == 1
    assert threads["c"]["posts"][0]["text"] == "Hello, all"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "html"])
def test_resume_skips_threads_already_in_the_output(score, hash_scorer, tmp_path, fixtures_dir, fmt):
    out = tmp_path / f"out.{fmt}"
    assert score(fixtures_dir / "ips.html", "-o", out).exit_code == 0
    assert hash_scorer.calls == 1
    result = score(fixtures_dir / "ips.html", fixtures_dir / "phpbb3.html", "-o", out, "--resume")
    assert result.exit_code == 0, result.output
    assert hash_scorer.calls == 2, "only the new thread is scored"
    assert "1 thread(s) already in" in result.stderr
    from server.batch.reports import existing_records

    assert sorted(r["title"] for r in existing_records(out, fmt)) == ["Kettle broken", "Kettle broken"]
    assert len({r["thread_id"] for r in existing_records(out, fmt)}) == 2


def test_resume_needs_an_output_file(score, fixtures_dir):
    result = score(fixtures_dir / "ips.html", "--resume")
    assert result.exit_code == 2 and "--resume needs --output" in result.stderr


def test_unknown_attribute_is_a_usage_error(score, fixtures_dir):
    result = score(fixtures_dir / "ips.html", "--attributes", "toxicity,rudeness")
    assert result.exit_code == 2 and "rudeness" in result.stderr


def test_attributes_limit_what_is_scored(score, fixtures_dir):
    result = score(fixtures_dir / "ips.html", "--attributes", "toxicity,off_topic")
    post = json.loads(result.stdout)["threads"][0]["posts"][0]
    assert set(post["scores"]) == {"toxicity", "off_topic"}


def test_a_thread_the_scorer_rejects_is_reported_and_others_go_on(batch_app, score, hash_scorer, fixtures_dir, monkeypatch):
    original = hash_scorer.score_thread

    def picky(thread, **kwargs):
        if thread["title"] == "Why is my kettle broken?":
            raise ValueError("posts[0].text is too long")
        return original(thread, **kwargs)

    monkeypatch.setattr(hash_scorer, "score_thread", picky)
    result = score(fixtures_dir / "stackexchange.html", fixtures_dir / "ips.html")
    assert result.exit_code == 1
    assert "stackexchange.html: scoring failed: ValueError: posts[0].text is too long" in result.stderr
    report = json.loads(result.stdout)
    assert [t["site"] for t in report["threads"]] == ["ips"]
    assert report["errors"][0]["reason"].startswith("scoring failed")


def test_html_report_escapes_all_data(score, tmp_path):
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    (tmp_path / "evil.jsonl").write_text(json.dumps({
        "thread_id": "x", "post_id": '"><b>', "author": evil, "title": evil, "url": "javascript:alert(3)",
        "text": f"idiot {evil}", "quotes": [{"author": evil, "text": evil}]}) + "\n")
    out = tmp_path / "out.html"
    assert score(tmp_path / "evil.jsonl", "-o", out).exit_code == 0
    html = out.read_text()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("</script>") == 1, "the embedded data cannot close its script element"
    assert '<mark title="toxicity 0.99">idiot</mark>' in html  # the span is highlighted


def test_nothing_is_logged_of_what_is_scored(score, fixtures_dir, caplog):
    caplog.set_level("DEBUG")
    score(fixtures_dir / "ips.html")
    assert "kettle" not in caplog.text.lower()


def test_resume_from_a_file_that_is_no_report(score, tmp_path, fixtures_dir):
    out = tmp_path / "out.json"
    out.write_text("my shopping list")
    result = score(fixtures_dir / "ips.html", "-o", out, "--resume")
    assert result.exit_code == 1 and "cannot resume from" in result.stderr
    assert out.read_text() == "my shopping list"


def test_unknown_engine_is_a_usage_error(score, fixtures_dir):
    result = score(fixtures_dir / "ips.html", "--engine", "lotus-notes")
    assert result.exit_code == 2 and "lotus-notes" in result.stderr
