"""Every response, the HTML pages above all, carries the Content-Security-Policy and the
usual security headers: the route table is walked, so a page added later is covered."""

import re

import pytest

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def every_get_path(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith("/static"):
            yield re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "ferries-forum" if "communit" in rule.rule else "x", rule.rule)


def check(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    if response.mimetype == "text/html":
        assert "no-store" in response.headers["Cache-Control"]


def test_every_get_route_has_the_headers(app):
    client = app.test_client()
    paths = sorted(set(every_get_path(app)))
    assert "/" in paths
    for path in paths:
        check(client.get(path))


@pytest.mark.parametrize("path", ["/", "/communities/ferries-forum", "/no-such-page"])
def test_html_pages_and_errors_have_the_headers(app, path):
    check(app.test_client().get(path))


def test_the_upload_report_and_api_errors_have_the_headers(client):
    check(client.post("/", data={}, content_type="multipart/form-data"))
    check(client.post("/v1/score", json={"posts": "not a list"}))
    check(client.post("/v1/score", json={"posts": [{"id": "p1", "text": "Hello there."}]}))


def test_a_page_may_set_a_stricter_header_itself(make_app):
    app = make_app()

    @app.get("/framed-test")
    def framed():
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    assert app.test_client().get("/framed-test").headers["X-Frame-Options"] == "SAMEORIGIN"
