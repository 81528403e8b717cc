"""Hostile and broken inputs to the batch command and the upload page: each is reported
with its reason, the rest are scored, and memory and time stay bounded (the caps are
server/batch/inputs.py InputLimits and server/extraction/extract.py MAX_DEPTH, MAX_TAGS)."""

import io
import json
import zipfile

import pytest

from server import create_app

GOOD_THREAD = "".join(json.dumps({"thread_id": "good", "post_id": f"p{i}", "title": "Ferries", "text": f"Sunday ferry {i}."}) + "\n"
                      for i in range(3))


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


@pytest.fixture
def hostile_folder(tmp_path, fixtures_dir):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "good.jsonl").write_text(GOOD_THREAD)
    (folder / "ips.html").write_bytes((fixtures_dir / "ips.html").read_bytes())
    (folder / "slip.zip").write_bytes(zip_bytes({
        "../../etc/cron.d/evil.html": b"<p>x</p>", "/abs/evil.html": b"<p>x</p>", "..\\..\\win.html": b"<p>x</p>",
        "C:/evil.html": b"<p>x</p>", "ok/inner.jsonl": GOOD_THREAD.replace('"good"', '"inner"').encode()}))
    (folder / "bomb.zip").write_bytes(zip_bytes({
        "bomb.html": b" " * (5 * 1024 * 1024),  # 5 MB of spaces: compressed about 1000 times
        "huge.html": b"a" * (25 * 1024 * 1024)}))  # over the 20 MB a page may hold
    with (folder / "fifty.html").open("wb") as f:  # a 50 MB page: refused unread
        f.write(b"<html><body>" + b"<p>post</p>" * (50 * 1024 * 1024 // 11) + b"</body></html>")
    (folder / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 1000 + b"<p>deep</p>" + b"</div>" * 1000 + b"</body></html>")
    (folder / "tags.html").write_bytes(b"<html><body>" + b"<b></b>" * 150_000 + b"</body></html>")
    (folder / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    (folder / "nested.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "bad.zip").write_bytes(b"PK\x03\x04 this is not an archive")
    # Invalid encodings are read, not refused: scored with what can be decoded.
    page = (fixtures_dir / "ips.html").read_bytes().replace(b"Have you tried descaling it?", b"Have you tried \xff\xfe descaling \xc3\x28 it?")
    (folder / "bad-utf8.html").write_bytes(page.replace(b"Kettle broken", b"Kettle \x81 broken"))
    (folder / "latin1.txt").write_bytes("Caf\u00e9 talk\n\nThe caf\u00e9 ferry runs on Sundays.\n".encode("latin-1"))
    (folder / "utf16.txt").write_bytes("Ferry talk\n\nThe ferry runs on Sundays.\n".encode("utf-16"))
    return folder


EXPECTED_ERRORS = {
    "slip.zip!../../etc/cron.d/evil.html": "zip slip",
    "slip.zip!/abs/evil.html": "zip slip",
    "slip.zip!..\\..\\win.html": "zip slip",
    "slip.zip!C:/evil.html": "zip slip",
    "bomb.zip!bomb.html": "as a zip bomb is",
    "bomb.zip!huge.html": "over the 20.0 MB one file may hold",
    "fifty.html": "over the 20.0 MB one file may hold",
    "deep.html": "nest 1003 deep, over the 512",
    "tags.html": "over the 200000 a thread page needs",
    "image.html": "binary data",
    "nested.jsonl": "nested too deeply",
    "notes.pdf": "unsupported file type",
    "bad.zip": "not a readable zip archive",
}


def test_each_hostile_input_is_reported_and_the_rest_are_scored(score, hostile_folder, tmp_path):
    report = tmp_path / "report.json"
    result = score(hostile_folder, "-o", report)
    assert result.exit_code == 1, result.stderr  # 1: some inputs failed, and said why
    data = json.loads(report.read_text())
    errors = {e["source"].split("inputs/", 1)[1]: e["reason"] for e in data["errors"]}
    for source, reason in EXPECTED_ERRORS.items():
        assert source in errors, (source, sorted(errors))
        assert reason in errors[source], (source, errors[source])
    assert set(errors) == set(EXPECTED_ERRORS), sorted(set(errors) - set(EXPECTED_ERRORS))
    scored = {t["thread_id"]: t for t in data["threads"]}
    assert {"good", "inner"} <= set(scored)
    sources = " ".join(t["source"] for t in data["threads"])
    for readable in ("ips.html", "bad-utf8.html", "latin1.txt", "utf16.txt"):
        assert readable in sources, readable
    texts = " ".join(p["text"] for t in data["threads"] for p in t["posts"])
    assert "The café ferry runs on Sundays." in texts and "The ferry runs on Sundays." in texts
    assert "descaling" in texts  # the post with broken bytes is still read
    assert "not read: " in result.stderr


def test_an_archive_is_read_up_to_its_total_cap(hash_scorer, tmp_path):
    app = create_app({"TESTING": True, "SCORER": hash_scorer, "RATELIMIT_ENABLED": False, "BATCH_MAX_ARCHIVE_BYTES": 1000})
    members = {f"t{n}.jsonl": GOOD_THREAD.replace('"good"', f'"t{n}"').encode() for n in range(6)}
    archive = tmp_path / "many.zip"
    archive.write_bytes(zip_bytes(members))
    report = tmp_path / "r.json"
    result = app.test_cli_runner().invoke(args=["score", "--no-progress", str(archive), "-o", str(report)])
    data = json.loads(report.read_text())
    per_member = len(members["t0.jsonl"])
    assert len(data["threads"]) == 1000 // per_member
    refused = [e for e in data["errors"] if "in all; the rest is not read" in e["reason"]]
    assert len(refused) == 6 - 1000 // per_member and result.exit_code == 1


@pytest.mark.parametrize("name, data, status, reason", [
    ("image.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, 422, "binary data"),
    ("deep.html", b"<div>" * 2000 + b"</div>" * 2000, 422, "over the 512"),
    ("tags.html", b"<b></b>" * 150_000, 422, "over the 200000"),
    ("nested.jsonl", b"[" * 50_000 + b"]" * 50_000, 422, "nested too deeply"),
    ("big.html", b"<p>x</p>" * (3584 * 1024 // 8), 413, "larger than 3072 KB"),
    ("fifty.html", b"<p>x</p>" * (50 * 1024 * 1024 // 8), 413, "exceeds the capacity limit"),  # refused unread
], ids=["binary", "deep", "tags", "nested-json", "over-upload-cap", "fifty-MB"])
def test_the_upload_page_reports_hostile_files(batch_app, name, data, status, reason):
    response = batch_app.test_client().post("/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)


def test_the_upload_page_reads_a_page_with_broken_bytes(batch_app, fixtures_dir):
    page = (fixtures_dir / "ips.html").read_bytes().replace(b"Have you tried descaling it?", b"Have you tried \xff\xfe descaling \xc3\x28 it?")
    response = batch_app.test_client().post("/", data={"file": (io.BytesIO(page), "ips.html")}, content_type="multipart/form-data")
    assert response.status_code == 200 and "descaling" in response.get_data(as_text=True)
