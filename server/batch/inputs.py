"""Everything the batch command reads -> threads, and the reason for each file it cannot read.

Inputs: saved HTML pages, plain-text copies of thread pages, JSONL or CSV of posts
(`thread_id`, `post_id`, `parent_id`, `author`, `text`, `title`), folders of any of these,
and zip archives of them. Pages of one thread (same engine and thread address, or same
title when the address is unknown) are joined into one thread, in page order.
"""

import csv
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..config import DEFAULTS
from ..extraction.extract import ExtractionError, extract_thread
from ..extraction.textdump import split_text_dump

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv"}
RECORD_FIELDS = ("thread_id", "post_id", "parent_id", "author", "text", "title")
# Query parameters and path parts that only say which page of a thread this is.
PAGE_PARTS = re.compile(r"(/page[-/]?\d+/?$|[?&](page|start|st|p)=\d+|#.*$)")


MB = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """What one run reads at most, so that a hostile or broken input costs bounded memory
    and time, and is reported with its reason while the rest goes on.

    `page_bytes`: one saved page or text copy. Forum thread pages saved from a browser are
    a few hundred KB to a few MB; a parsed page takes some ten times its size in memory.
    `file_bytes`: one JSONL or CSV of posts (an export), read whole.
    `archive_bytes`: all members of one zip together, uncompressed.
    `ratio`: uncompressed to compressed size of a zip member over 1 MB; HTML and text
    compress 5 to 20 times, a zip bomb thousands of times.
    """

    page_bytes: int = DEFAULTS["BATCH_MAX_PAGE_BYTES"]
    file_bytes: int = DEFAULTS["BATCH_MAX_FILE_BYTES"]
    archive_bytes: int = DEFAULTS["BATCH_MAX_ARCHIVE_BYTES"]
    ratio: int = DEFAULTS["BATCH_MAX_RATIO"]

    @classmethod
    def from_config(cls, config):
        return cls(page_bytes=config["BATCH_MAX_PAGE_BYTES"], file_bytes=config["BATCH_MAX_FILE_BYTES"],
                   archive_bytes=config["BATCH_MAX_ARCHIVE_BYTES"], ratio=config["BATCH_MAX_RATIO"])

    def for_name(self, name):
        """The most bytes a file of this name may hold: pages are parsed whole into a tree."""
        suffix = PurePosixPath(name.split("!")[-1]).suffix.lower()
        return self.file_bytes if suffix in RECORD_SUFFIXES or suffix == ".zip" else self.page_bytes


DEFAULT_LIMITS = InputLimits()


def _size(n):
    return f"{n / MB:.1f} MB" if n >= MB / 10 else f"{n} bytes"


@dataclass
class Batch:
    """What a set of inputs yielded: threads in input order, and one error per bad input."""

    threads: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def fail(self, source, reason):
        self.errors.append({"source": str(source), "reason": reason})


def load_inputs(paths, engine=None, limits=DEFAULT_LIMITS):
    """Read every path (file, folder, zip) and return a Batch; nothing raises for a bad file."""
    batch, pages = Batch(), []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                _read_file(child, batch, pages, engine, limits)
        elif path.is_file():
            _read_file(path, batch, pages, engine, limits)
        else:
            batch.fail(path, "no such file or folder")
    batch.threads[:0] = join_pages(pages)
    return batch


def load_upload(name, data, engine=None):
    """One uploaded file, read in memory only (its size is capped by the upload itself)."""
    batch, pages = Batch(), []
    _read_member(name, data, batch, pages, engine)
    batch.threads[:0] = join_pages(pages)
    return batch


def _read_file(path, batch, pages, engine, limits=DEFAULT_LIMITS):
    try:
        size, cap = path.stat().st_size, limits.for_name(path.name)
        if size > cap:  # refused before a byte is read: memory stays bounded
            batch.fail(path, f"{_size(size)}, over the {_size(cap)} one file may hold; not read")
            return
        data = path.read_bytes()
    except OSError as error:
        batch.fail(path, f"unreadable: {error.strerror or error}")
        return
    if path.suffix.lower() == ".zip":
        _read_zip(path, data, batch, pages, engine, limits)
    else:
        _read_member(str(path), data, batch, pages, engine)


def _read_zip(path, data, batch, pages, engine, limits=DEFAULT_LIMITS):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        batch.fail(path, f"not a readable zip archive: {error}")
        return
    budget = limits.archive_bytes
    for member in sorted(members, key=lambda m: m.filename):
        name = f"{path}!{member.filename}"
        refused = _refused_member(member, limits, budget)
        if refused:
            batch.fail(name, refused)
            continue
        if PurePosixPath(member.filename).name.startswith(".") or member.filename.startswith("__MACOSX/"):
            continue
        cap = min(limits.for_name(member.filename), budget)
        try:
            # Read no more than the cap, whatever the member's header claims its size is.
            with archive.open(member) as stream:
                content = stream.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, ValueError, EOFError, NotImplementedError) as error:
            # zlib.error: a damaged deflate stream (found by tests/batch/test_batch_fuzz_extractors.py;
            # it used to end the whole run). lzma and bz2 members fail as OSError or ValueError.
            batch.fail(name, f"unreadable zip member: {error}")
            continue
        if len(content) > cap:
            batch.fail(name, f"unpacks to more than {_size(cap)} (its header said {_size(member.file_size)}); not read")
            continue
        budget -= len(content)
        _read_member(name, content, batch, pages, engine)


def _refused_member(member, limits, budget):
    """Why a zip member is not unpacked at all, or None. Nothing is ever written to disk,
    but a member whose path would leave the folder it is unpacked into (zip slip) is no
    thread page, and is named as what it is."""
    path = member.filename
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if path.startswith(("/", "\\")) or PureWindowsPath(path).drive or ".." in parts:
        return "its path leaves the archive's folder (zip slip); not read"
    if member.file_size > limits.for_name(path):
        return f"unpacks to {_size(member.file_size)}, over the {_size(limits.for_name(path))} one file may hold; not read"
    if member.file_size > MB and member.file_size > limits.ratio * max(member.compress_size, 1):
        return (f"compressed {member.file_size // max(member.compress_size, 1)} times (over {limits.ratio}), "
                "as a zip bomb is; not read")
    if member.file_size > budget:
        return f"the archive unpacks to more than {_size(limits.archive_bytes)} in all; the rest is not read"
    return None


def _read_member(name, data, batch, pages, engine):
    suffix = PurePosixPath(name.split("!")[-1]).suffix.lower()
    try:
        if suffix in HTML_SUFFIXES or (not suffix and data.lstrip()[:1] == b"<"):
            if _looks_binary(data):
                raise ExtractionError("binary data, not a saved page")
            pages.append(extract_thread(data, source=name, engine=engine))
        elif suffix in TEXT_SUFFIXES:
            thread = split_text_dump(_decode(data), title=None)
            if not thread["posts"]:
                raise ExtractionError("no post text found")
            thread["source"] = name
            thread["thread_id"] = name
            batch.threads.append(thread)
        elif suffix in (".jsonl", ".ndjson"):
            batch.threads.extend(_threads_from_rows(name, _jsonl_rows(name, _decode(data), batch), batch))
        elif suffix == ".csv":
            batch.threads.extend(_threads_from_rows(name, _csv_rows(_decode(data)), batch))
        else:
            raise ExtractionError(f"unsupported file type {suffix or '(none)'}: expected a saved page "
                                  "(.html), a text copy (.txt), JSONL or CSV of posts, or a .zip of them")
    except ExtractionError as error:
        batch.fail(name, str(error))
    except (UnicodeDecodeError, csv.Error) as error:
        batch.fail(name, f"unreadable: {error}")
    except RecursionError:  # a structure nested past Python's stack (JSON arrays in arrays, ...)
        batch.fail(name, "nested too deeply to read")


_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13})  # all but tab, newline, form feed, return


def _looks_binary(data):
    """A NUL, or many other control bytes, in the first 8 KB: an image or an archive named
    .html, not a page (unless it begins with a UTF-16 byte order mark)."""
    head = data[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    return b"\x00" in head or sum(head.count(c) for c in _CONTROL) > len(head) // 10


def _decode(data):
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a UTF-16 text copy (Windows' Notepad saves these)
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:4096]:
        raise ExtractionError("binary data, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _jsonl_rows(name, text, batch):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            batch.fail(f"{name}:{number}", f"not JSON: {error.msg}")
            continue
        if not isinstance(row, dict):
            batch.fail(f"{name}:{number}", "each line must be a JSON object")
            continue
        yield number, row


def _csv_rows(text):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "text" not in reader.fieldnames:
        raise ExtractionError(f"a CSV of posts needs a header with at least 'text' (and {', '.join(RECORD_FIELDS)})")
    for number, row in enumerate(reader, start=2):
        yield number, row


def _threads_from_rows(name, rows, batch):
    """Group post rows by thread_id (in order of first appearance); a row without text is an error."""
    threads = {}
    for number, row in rows:
        if isinstance(row.get("posts"), list):  # a whole thread on one line
            thread_id = str(row.get("thread_id") or row.get("url") or f"{name}:{number}")
            threads[thread_id] = _thread_record(name, thread_id, row.get("title"), row.get("url"))
            for index, post in enumerate(row["posts"], start=1):
                _add_row(threads[thread_id], post, f"{name}:{number}: posts[{index - 1}]", batch, index)
            continue
        thread_id = str(row.get("thread_id") or name)
        thread = threads.setdefault(thread_id, _thread_record(name, thread_id, row.get("title"), row.get("url")))
        _add_row(thread, row, f"{name}:{number}", batch, len(thread["posts"]) + 1)
    return [t for t in threads.values() if t["posts"]]


def _thread_record(name, thread_id, title, url):
    return {"thread_id": thread_id, "title": str(title or ""), "url": url or None, "site": "records",
            "guessed": False, "next_page": None, "source": name, "posts": []}


def _add_row(thread, row, where, batch, index):
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        batch.fail(where, "the post has no text")
        return
    if not thread["title"] and row.get("title"):
        thread["title"] = str(row["title"])
    quotes = row.get("quotes") if isinstance(row.get("quotes"), list) else []
    thread["posts"].append({
        "id": str(row.get("post_id") or row.get("id") or f"p{index}"),
        "author": (str(row["author"]) if row.get("author") else None),
        "text": text,
        "parent_id": (str(row["parent_id"]) if row.get("parent_id") not in (None, "") else None),
        "quotes": [{"author": q.get("author"), "text": q["text"]} for q in quotes if isinstance(q, dict) and q.get("text")],
        "url": row.get("url") or None,
    })


def thread_key(thread):
    url = thread.get("url")
    if url:
        return (thread["site"], PAGE_PARTS.sub("", url.split("#")[0]).rstrip("/"))
    return (thread["site"], thread["title"].strip().lower() or thread.get("source"))


def join_pages(pages):
    """Pages of one thread become one thread: posts in page order, each post once."""
    groups = {}
    for page in pages:
        groups.setdefault(thread_key(page), []).append(page)
    threads = []
    for key, group in groups.items():
        group.sort(key=_page_order)
        thread = dict(group[0])
        seen, posts = set(), []
        for page in group:
            for post in page["posts"]:
                if post["id"] not in seen:
                    seen.add(post["id"])
                    posts.append(post)
        thread["posts"] = posts
        thread["source"] = ", ".join(p["source"] for p in group)
        thread["thread_id"] = key[1] if thread.get("url") else thread["source"]
        thread["pages"] = len(group)
        threads.append(thread)
    return threads


def _page_order(page):
    """Numeric post ids grow over a thread's life on every engine that has them; otherwise
    the file names' order (page1, page2, ...) stands."""
    first = page["posts"][0]["id"] if page["posts"] else ""
    return (0, int(first), "") if first.isdigit() else (1, 0, page.get("source", ""))
