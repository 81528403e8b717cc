"""Post text written to attack the page that shows it renders inert: in the HTML report the
batch command writes, and in the report the upload page shows.

Each hostile string is a post's text, author, title or address. The page is parsed (lxml,
as a browser would build it) and must hold no script but the report's JSON data block, no
event-handler attribute, no link that is not http(s); the text must still be there, as
text, and the JSON data block must give it back unchanged.
"""

import io
import json

import pytest
from bs4 import BeautifulSoup

HOSTILE = [
    "<script>alert('post')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(2)>',
    "</script><script>alert(3)</script>",
    '<a href="javascript:alert(4)">click</a>',
    "<iframe srcdoc='<script>alert(5)</script>'></iframe>",
    "{{ 7*7 }} {% raw %}",
]
BAD_URLS = ["javascript:alert(6)", " JaVaScRiPt:alert(7)", "data:text/html,<script>alert(8)</script>", "vbscript:msgbox(9)"]


def hostile_jsonl():
    lines = []
    for n, text in enumerate(HOSTILE):
        lines.append({"thread_id": "t1", "post_id": f"p{n}", "title": HOSTILE[3], "author": HOSTILE[2], "text": text,
                      "url": BAD_URLS[n % len(BAD_URLS)]})
    lines.append({"thread_id": "t1", "post_id": "good", "text": "A fine post.", "url": "https://forum.example/t/1#good"})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def assert_inert(html):
    soup = BeautifulSoup(html, "lxml")
    scripts = soup.find_all("script")
    assert [s.get("type") for s in scripts] in ([], ["application/json"]), scripts
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), (element.name, name)
            if name in ("href", "src", "action", "formaction", "srcdoc"):
                assert name != "srcdoc" and str(value).startswith(("https://", "http://", "#", "/")) or value == "", value
    assert not soup.find_all(["iframe", "svg", "img", "object", "embed"])
    shown = soup.get_text()
    for text in HOSTILE:
        assert text in shown, text  # shown as text, whole
    # The one real link survives.
    assert soup.find("a", href="https://forum.example/t/1#good")
    return soup


def test_the_html_report_renders_hostile_posts_inert(score, tmp_path):
    source = tmp_path / "hostile.jsonl"
    source.write_text(hostile_jsonl())
    report = tmp_path / "report.html"
    result = score(source, "-o", report)
    assert result.exit_code == 0, result.stderr
    html = report.read_text()
    soup = assert_inert(html)
    # The report opened from disk has no server to send headers: it carries its own policy.
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    data = json.loads(soup.find("script", id="modlens-data").string)
    assert [p["text"] for p in data["threads"][0]["posts"]] == [*HOSTILE, "A fine post."]


def test_the_upload_page_renders_hostile_posts_inert(batch_app):
    response = batch_app.test_client().post(
        "/", data={"file": (io.BytesIO(hostile_jsonl().encode()), "hostile.jsonl")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True))
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_hostile_file_name_is_shown_as_text(batch_app):
    name = '<img src=x onerror=alert(1)>.html'
    response = batch_app.test_client().post(
        "/", data={"file": (io.BytesIO(b"\x00\x01binary"), name)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all("img") and name in soup.get_text()


@pytest.mark.parametrize("url, shown", [("https://a.example/t", "https://a.example/t"), ("http://a.example", "http://a.example"),
                                        ("javascript:alert(1)", None), ("  javascript:alert(1)", None), ("data:,x", None),
                                        ("//evil.example/x", None), ("/relative", None), (None, None), (42, None)])
def test_only_web_addresses_become_links(url, shown):
    from server.batch.reports import web_url

    assert web_url(url) == shown
