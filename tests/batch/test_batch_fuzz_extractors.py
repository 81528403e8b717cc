"""A fuzz run over the extractors (hypothesis): any bytes, any markup, broken real pages.

Whatever they are given, the page extractor may only refuse with ExtractionError, and
reading a file (any suffix, a zip included) may only report it in the batch's errors:
never another exception, never a hang. The run is derandomised and bounded so that it is
the same, quick check on every machine; `FUZZ_EXAMPLES=5000 pytest THIS_FILE` explores
afresh for longer.
"""

import os
import signal
import zipfile
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.extraction.extract import ExtractionError, extract_thread
from server.batch.inputs import Batch, _read_member, _read_zip
from server.extraction.textdump import split_text_dump

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(FIXTURES.glob("*.html"))
EXPLORE = "FUZZ_EXAMPLES" in os.environ
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 40)), deadline=None, derandomize=not EXPLORE,
                database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Not a speed bound: an extractor that has not answered in this long is stuck.
HANG_SECONDS = 60


@contextmanager
def no_hang():
    def stuck(*_):
        raise AssertionError(f"no answer within {HANG_SECONDS} s: the extractor hangs on this input")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


TAGS = ["div", "p", "span", "a", "blockquote", "article", "li", "ul", "br", "img", "script", "style", "table", "td",
        "section", "header", "time", "h1", "h2", "title", "meta", "link"]
CLASSES = ["post", "message", "message-body", "bbWrapper", "ipsComment", "cPost", "postbody", "content", "author",
           "username", "quote", "bbCodeBlock", "comment", "comtr", "athing", "js-post-body", "thing", ""]
ATTRIBUTES = st.dictionaries(st.sampled_from(["class", "id", "href", "data-author", "itemprop", "data-post-id", "rel"]),
                             st.one_of(st.sampled_from(CLASSES), st.text(max_size=12)), max_size=3)


def render(node):
    if isinstance(node, str):
        return node.replace("<", "&lt;")
    tag, attrs, children = node
    attributes = "".join(f' {k}="{v.replace(chr(34), "")}"' for k, v in attrs.items())
    return f"<{tag}{attributes}>{''.join(render(c) for c in children)}</{tag}>"


MARKUP = st.recursive(
    st.text(max_size=40),
    lambda children: st.tuples(st.sampled_from(TAGS), ATTRIBUTES, st.lists(children, max_size=5)),
    max_leaves=60,
)


@FUZZ
@given(st.lists(MARKUP, max_size=6), st.sampled_from(["", "<title>Kettle</title>", '<link rel="canonical" href="javascript:x">']))
def test_generated_markup_is_read_or_refused(nodes, head):
    page = f"<html><head>{head}</head><body>{''.join(render(n) for n in nodes)}</body></html>"
    with no_hang():
        try:
            thread = extract_thread(page.encode(), source="fuzz.html")
        except ExtractionError:
            return
    assert thread["posts"] and all(isinstance(p["text"], str) and p["text"].strip() for p in thread["posts"])


@FUZZ
@given(st.sampled_from(PAGES), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 200), st.binary(max_size=40)), min_size=1, max_size=8))
def test_damaged_real_pages_are_read_or_refused(path, edits):
    data = bytearray(path.read_bytes())
    for where, cut, insert in edits:  # cut some bytes out somewhere, put others in
        at = int(where * len(data))
        data[at:at + cut] = insert
    with no_hang():
        try:
            extract_thread(bytes(data), source=path.name)
        except ExtractionError:
            pass


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from([".html", ".txt", ".jsonl", ".csv", ".pdf", ""]))
def test_any_bytes_in_any_file_are_read_or_reported(data, suffix):
    batch, pages = Batch(), []
    with no_hang():
        _read_member(f"fuzz{suffix}", data, batch, pages, None)
    assert len(batch.errors) + len(batch.threads) + len(pages) >= 1 or not data.strip() or suffix in (".jsonl", ".csv")


@FUZZ
@given(st.text(max_size=3000))
def test_any_text_copy_splits_into_posts(text):
    with no_hang():
        thread = split_text_dump(text, title=None)
    assert all(isinstance(p["text"], str) for p in thread["posts"])


@FUZZ
@given(st.binary(max_size=2048), st.integers(0, 400), st.binary(max_size=64))
def test_any_zip_bytes_are_read_or_reported(member, at, damage):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("forum/page.html", member)
        zf.writestr("forum/posts.jsonl", b'{"text": "Sunday ferries"}\n')
    data = bytearray(buffer.getvalue())
    data[at:at + len(damage)] = damage  # a damaged archive: header, data or directory
    batch, pages = Batch(), []
    with no_hang():
        _read_zip("fuzz.zip", bytes(data), batch, pages, None)
