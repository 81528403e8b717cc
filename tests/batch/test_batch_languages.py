"""Batch reports name each post's language, leave posts in other languages unscored and
count them per thread."""

import csv
import io
import json

from server.batch.reports import existing_records, render_html, summarize

POLISH = "Nie pisz bzdur, człowieku, bo nikt ci nie uwierzy."
MIXED = "Cheers for the info mate. Dzięki, jutro tam pójdę i zapytam o cenę."


def write_records(tmp_path):
    rows = [{"thread_id": "a", "post_id": "1", "title": "Parking", "text": "Where can I park near the station?"},
            {"thread_id": "a", "post_id": "2", "parent_id": "1", "text": POLISH},
            {"thread_id": "a", "post_id": "3", "parent_id": "1", "text": MIXED}]
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_each_post_names_its_language_and_a_foreign_one_is_not_scored(score, tmp_path):
    result = score(write_records(tmp_path), "-o", tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    [thread] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["threads"]
    english, polish, mixed = thread["posts"]
    assert (english["language"], english["status"]) == ("en", "scored") and english["scores"]
    assert (polish["language"], polish["status"]) == ("pl", "language_not_supported")
    assert polish["scores"] == {} and polish["flags"] == [] and polish["spans"] == []
    assert mixed["mixed"] is True and mixed["unscored_parts"][0]["language"] == "pl" and mixed["scores"]
    assert thread["summary"]["languages"] == {"en": 1, "pl": 2} and thread["summary"]["not_scored"] == 1
    assert polish["id"] not in thread["summary"]["worst"][:1]


def test_the_csv_report_has_a_language_column_and_reads_back(score, tmp_path):
    out = tmp_path / "out.csv"
    assert score(write_records(tmp_path), "-o", out, "--format", "csv").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["language"], r["status"]) for r in rows] == [
        ("en", "scored"), ("pl", "language_not_supported"), ("pl", "scored")]
    assert all(rows[1][a] == "" for a in ("toxicity", "insult"))
    [record] = existing_records(out, "csv")
    assert [p["language"] for p in record["posts"]] == ["en", "pl", "pl"]
    assert summarize(record)["not_scored"] == 1


def test_the_html_report_says_not_scored_and_counts_languages(score, tmp_path):
    out = tmp_path / "out.html"
    assert score(write_records(tmp_path), "-o", out, "--format", "html").exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "not scored: Polish" in html
    assert "Languages: Polish 2, English 1" in html
    assert "1 not scored (language)" in html
    assert "scored on its English; left out: Polish" in html


def test_a_report_written_before_languages_still_summarises_and_renders():
    record = {"thread_id": "t", "title": "T", "url": None, "site": "records", "guessed": False, "source": "s",
              "posts": [{"id": "a", "author": None, "parent_id": None, "url": None, "text": "calm", "quotes": [],
                         "scores": {"toxicity": 0.1}, "flags": [], "spans": []}]}
    record["summary"] = summarize(record)
    assert record["summary"]["languages"] == {} and record["summary"]["not_scored"] == 0
    assert "not scored" not in render_html([record], [], None)
