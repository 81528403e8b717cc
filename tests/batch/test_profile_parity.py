"""One meaning of a site profile: the extension and the batch command read the same posts.

site-profiles.json has two interpreters, the extension's adapter (JavaScript) and the
batch extractor (Python). `node extension/tools/extract.js PAGE` prints what the
extension's real adapter reads from a saved page; this test requires the same engine,
title, posts, ids, authors, texts, parents and quotes from both, on every page we have.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.extraction.extract import ExtractionError, extract_thread

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "extension" / "tools" / "extract.js"
SHARED_PAGES = REPO.parent / "shared" / "pages"
FIXTURE_PAGES = sorted([*(REPO / "tests" / "batch" / "fixtures").glob("*.html"),
                        *(REPO / "extension" / "test" / "fixtures" / "pages").glob("*.html")])
SHARED = sorted(SHARED_PAGES.glob("*/*.html")) if SHARED_PAGES.is_dir() else []
POST_FIELDS = ("id", "author", "text", "parent_id", "quotes")


def _node_or_skip():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the parity test runs the extension's adapter under Node")
    if not (REPO / "extension" / "node_modules" / "jsdom").is_dir():
        pytest.skip("extension/node_modules lacks jsdom: run `npm ci` in extension/ (scripts/test does)")
    return node


@pytest.fixture(scope="module")
def extension_reads():
    """What the extension reads from every page, from one run of the tool."""
    node = _node_or_skip()
    pages = FIXTURE_PAGES + SHARED
    result = subprocess.run([node, str(TOOL), *map(str, pages)], capture_output=True, text=True, timeout=600)
    lines = result.stdout.splitlines()
    assert len(lines) == len(pages), f"extract.js printed {len(lines)} lines for {len(pages)} pages:\n{result.stderr}"
    return {page: json.loads(line) for page, line in zip(pages, lines)}


def batch_reads(page):
    """The batch extractor's thread, in the tool's field names."""
    try:
        thread = extract_thread(page.read_bytes(), source=page.name)
    except ExtractionError as error:
        return {"engine": None, "error": str(error)}
    return {
        "engine": thread["site"], "guessed": thread["guessed"], "title": thread["title"], "url": thread["url"],
        "near_miss": thread["near_miss"],
        "posts": [{field: post[field] for field in POST_FIELDS} for post in thread["posts"]],
    }


def assert_same_reading(batch, extension):
    assert extension["engine"] == batch["engine"]
    if batch["engine"] is None:
        assert extension.get("error") == batch["error"]
        return
    for key in ("guessed", "title", "url", "near_miss"):
        assert extension[key] == batch[key], key
    extension_posts = [{field: post[field] for field in POST_FIELDS} for post in extension["posts"]]
    assert [p["id"] for p in extension_posts] == [p["id"] for p in batch["posts"]]
    for ours, theirs in zip(batch["posts"], extension_posts):
        assert theirs == ours, f"post {ours['id']}"


@pytest.mark.parametrize("page", FIXTURE_PAGES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURE_PAGES])
def test_fixture_page_reads_the_same_in_both(page, extension_reads):
    assert_same_reading(batch_reads(page), extension_reads[page])


@pytest.mark.shared
@pytest.mark.parametrize("page", SHARED or [None], ids=[f"{p.parent.name}/{p.name}" for p in SHARED] or ["shared-pages"])
def test_shared_page_reads_the_same_in_both(page, shared_dir, extension_reads):
    if page is None:
        pytest.skip(f"{SHARED_PAGES} holds no saved pages")
    assert_same_reading(batch_reads(page), extension_reads[page])


def test_the_tool_prints_the_batch_field_names():
    node = _node_or_skip()
    result = subprocess.run([node, str(TOOL), str(REPO / "tests" / "batch" / "fixtures" / "xenforo2.html")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    thread = json.loads(result.stdout)
    assert {"engine", "guessed", "posts"} <= thread.keys()
    assert set(thread["posts"][0]) == {"id", "author", "text", "parent_id", "quotes"}
    assert set(thread["posts"][1]["quotes"][0]) == {"author", "text"}


def test_a_page_without_a_thread_is_an_error_in_both(tmp_path):
    node = _node_or_skip()
    page = tmp_path / "about.html"
    page.write_text("<html><body><p>Just one paragraph.</p></body></html>")
    result = subprocess.run([node, str(TOOL), str(page)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == batch_reads(page)["error"]
