"""Security headers on every response: the HTML pages' Content-Security-Policy and the rest.

One `after_request` hook for the whole app, so every page has them, today's (the upload
page and its report at /, the moderators' page at /communities/ID) and any added later,
whatever blueprint it lives in. A view that sets one of these headers itself keeps its own.

The policy (CONTENT_SECURITY_POLICY, server/config.py) allows no script at all: the pages
have none, so text from a forum that slipped through as markup still could not run.
Styles may be inline (the report's score bars are sized in a style attribute) or from this
server (the moderators' page's stylesheet); forms post only here; no other site may frame
a page. JSON answers get the same headers; a browser applies none of them to a fetch.
"""

from flask import current_app


def init_app(app):
    app.after_request(add_headers)


def add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    # A browser must not guess a type: a JSON answer quoting a post is never run as HTML.
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # The report links to forum threads; the thread's site learns nothing of this server.
    headers.setdefault("Referrer-Policy", "no-referrer")
    # frame-ancestors in the policy, and this for browsers that predate it.
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        # A page shows the posts just scored, and nothing is stored: nor by the browser.
        headers.setdefault("Cache-Control", "no-store")
    return response
