"""The moderators' page of a community, in the browser: `/communities/ID`.

It shows what `GET /v1/communities/ID` answers (verdicts, precision and recall of today's
flags, suggested thresholds and what they would flip, the audit log), applies a calibration
as `POST /v1/communities/ID/adapt` does, and exports the community's verdicts as CSV and
JSONL. Everything it knows comes from server/communities.py; this module only renders it.

A browser sends no Authorization header when it follows a link or submits a form, so these
views are public to the key check (server/auth.py) and check the key themselves: from the
header as the API does, else from the page's form (as the upload page does). The key then
rides along in the page's own forms, so the page is never cached. The API's other rules
hold unchanged: no key configured means this machine only, a key bound to communities
sees only those, and with feedback off (MODLENS_FEEDBACK) the page says so with a 403.

Every value is rendered by Jinja with autoescaping; the page has no script at all, so a
strict Content-Security-Policy needs no exception for it.
"""

import csv
import io
import json
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, stream_with_context

from models import ATTRIBUTES

from . import auth, communities, store
from .errors import APIError
from .validation import string

bp = Blueprint("moderators", __name__, template_folder="templates")

ASSETS = Path(__file__).resolve().parent / "assets"
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)"):
# exported text gets a leading apostrophe there, as OWASP advises for CSV injection.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _KeyNeeded(Exception):
    """The server has keys and the request brought none (or a wrong one): ask for it."""

    def __init__(self, message=None):
        super().__init__(message)
        self.message = message


def init_app(app):
    app.register_blueprint(bp)
    # The document's extension point (server/openapi.py): every route is in /openapi.json.
    app.extensions.setdefault("modlens_openapi_paths", {}).update(openapi_paths())


# --- who may see the page --------------------------------------------------------------------


def _authorize():
    """The request's key (None where the server has none), checked as the API checks it."""
    if not current_app.config["API_KEY_HASHES"]:
        auth.check_local()  # no key configured: this machine only
        return None
    key = auth.presented_key() or request.form.get("key") or None
    if key is None:
        raise _KeyNeeded()
    if not auth.key_is_valid(key):
        raise _KeyNeeded("The API key is not valid.")
    return key


def _from_this_site():
    """False for a form another site made the browser send (cross-site request forgery).

    Browsers say where a request came from (Sec-Fetch-Site, else Origin); a client that
    says neither is not a browser, and has no one's session to abuse.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def _community(community, key):
    """The checked community id: feedback on, a well-formed id, one the key may use."""
    store.require()
    return communities.check_community(community, "community", key=key)


# --- the page --------------------------------------------------------------------------------


def _page(template, status=200, **context):
    response = Response(render_template(f"moderators/{template}", **context), status, mimetype="text/html")
    # The page's forms carry the key: no cache may keep it, whatever server/security.py
    # decides for HTML at large (it also keeps other sites from framing the Apply button).
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_errors(view):
    """An APIError or a missing key becomes an HTML page with the same status and message."""

    def wrapped(community):
        try:
            return view(community)
        except _KeyNeeded as needed:
            return _page("key.html", 401 if needed.message or request.method == "POST" else 200,
                         community=community, message=needed.message or "Enter the API key to see this community.")
        except APIError as error:
            response = _page("error.html", error.status, community=community, code=error.status,
                             message=error.message)
            response.headers.update(error.headers)
            return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return auth.public(wrapped)  # the key is checked in _authorize, from the header or the form


@bp.route("/communities/<community:community>", methods=["GET", "POST"])
@_page_errors
def community_page(community):
    """The community's state; POST is the same page for a key given in the form."""
    key = _authorize()
    community = _community(community, key)
    return _render_state(community, key)


@bp.post("/communities/<community:community>/apply")
@_page_errors
def apply(community):
    """Fit and apply the community's calibration (as POST /v1/communities/ID/adapt), then show it."""
    if not _from_this_site():
        raise APIError("refused: this form was sent from another site", 403)
    key = _authorize()
    community = _community(community, key)
    moderator = string(request.form.get("moderator", "").strip() or None, "moderator", required=False, max_bytes=256)
    answer = communities.adapt_community(community, set(ATTRIBUTES), moderator, key)
    return _render_state(community, key, applied=_applied_rows(answer["attributes"]),
                         stale=answer.get("stale_verdicts"))


def _render_state(community, key, **extra):
    report = communities.community_report(community)
    return _page(
        "community.html",
        community=community,
        key=key,
        report=report,
        calibration=report["calibration"],
        rows=[_attribute_row(name, state) for name, state in report["attributes"].items()],
        audit=[_audit_row(entry) for entry in report["audit"]],
        **extra,
    )


def _number(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def _attribute_row(name, state):
    """One table row of the page: every figure as the text shown."""
    flip = state.get("would_flip")
    if state.get("suggested_threshold") is None:
        suggestion = "none yet"
        change = state.get("needs", "")
    elif not flip["verdicts"]:
        suggestion = _number(state["suggested_threshold"])
        change = "no verdict would flip"
    else:
        suggestion = _number(state["suggested_threshold"])
        change = (f"{flip['verdicts']} past verdict{'s' if flip['verdicts'] != 1 else ''} would flip: "
                  f"{flip['now_agree']} to agree with the moderators, {flip['now_disagree']} to disagree")
    return {
        "attribute": name,
        "verdicts": state["verdicts"],
        "positives": state["positives"],
        "precision": _number(state["precision"]),
        "recall": _number(state["recall"]),
        "threshold": f"{_number(state['threshold'])} ({state['threshold_source']})",
        "refit": "yes" if state["refit"] else "no",
        "suggested": suggestion,
        "change": change,
    }


def _applied_rows(reports):
    """What Apply did, per attribute: before and after, and why, as the text shown."""
    rows = []
    for name, report in reports.items():
        before, after = report["before"], report["after"]
        applied = [part for part in ("refit", "threshold") if report["applied"][part]]
        rows.append({
            "attribute": name,
            "verdicts": report["verdicts"],
            "applied": ", ".join("re-fitted score" if p == "refit" else "threshold" for p in applied) or "nothing",
            "f1": f"{_number(before['f1'])} → {_number(after['f1'])}",
            "roc_auc": f"{_number(before['roc_auc'])} → {_number(after['roc_auc'])}",
            "threshold": f"{_number(before['threshold'])} → {_number(after['threshold'])}",
            "reasons": [f"{'Re-fit' if part == 'refit' else 'Threshold'}: {why}" for part, why in report["reasons"].items()],
        })
    return rows


def _audit_row(entry):
    detail = entry["detail"] or {}
    if entry["action"] == "adapt":
        applied = detail.get("applied") or {}
        parts = [f"{name}: " + ", ".join(
            ([f"threshold {_number(c['threshold'])}"] if c.get("threshold") is not None else [])
            + (["re-fitted score"] if c.get("refit") else [])) for name, c in applied.items()]
        summary = (f"version {detail.get('version')} from {detail.get('verdicts')} verdicts; "
                   + ("; ".join(parts) if parts else "nothing applied"))
    else:
        summary = ", ".join(f"{k}: {v}" for k, v in detail.items())
    return {"at": entry["at"][:19].replace("T", " "), "action": entry["action"], "actor": entry["actor"],
            "summary": summary}


@bp.get("/communities-assets/<name>")
@auth.public  # a stylesheet, the same for everyone; a browser sends no key for it
def asset(name):
    return send_from_directory(ASSETS, name, max_age=3600)


# --- export ----------------------------------------------------------------------------------


def _export(community, kind):
    try:
        key = _authorize()
    except _KeyNeeded as needed:
        raise APIError(needed.message or "an API key is required: send Authorization: Bearer KEY, or use the "
                                         "community's page", 401) from None
    community = _community(community, key)
    try:
        if not store.verdict_count(community):
            raise communities.unknown_community(community)
    except store.SQLAlchemyError as error:
        raise store.unavailable(error) from None
    lines = _csv_lines if kind == "csv" else _jsonl_lines
    mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
    filename = f"verdicts-{re.sub(r'[^A-Za-z0-9._-]+', '_', community)[:80]}.{kind}"
    response = Response(stream_with_context(lines(community)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _plain(row):
    return {name: (value.isoformat() if hasattr(value, "isoformat") else value) for name, value in row.items()}


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_lines(community):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(store.EXPORT_COLUMNS)
    for row in store.export_rows(community):
        writer.writerow([_csv_cell(value) for value in _plain(row).values()])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_lines(community):
    for row in store.export_rows(community):
        yield json.dumps(_plain(row), ensure_ascii=False) + "\n"


def _export_view(kind):
    def view(community):
        return _export(community, kind)

    view.__name__ = f"export_{kind}"
    return auth.public(view)  # the key is checked in _authorize, from the header or the form


bp.add_url_rule("/communities/<community:community>/verdicts.csv", view_func=_export_view("csv"),
                methods=["GET", "POST"])
bp.add_url_rule("/communities/<community:community>/verdicts.jsonl", view_func=_export_view("jsonl"),
                methods=["GET", "POST"])


# --- the OpenAPI document ----------------------------------------------------------------------


def openapi_paths():
    """These routes in /openapi.json: HTML and files, each status they answer."""
    from .communities import COMMUNITY_PATTERN

    parameter = [{"name": "community", "in": "path", "required": True,
                  "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": COMMUNITY_PATTERN}}]
    html = {"text/html": {"schema": {"type": "string"}}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

    def page(description):
        return {"description": description, "content": html}

    key_form = {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {"key": {"type": "string", "description": "The API key, where one is configured."}},
    }}}}
    page_statuses = {
        "200": page("The page, or where the server has keys and none was given, a form asking for one."),
        "400": page("The community id is malformed."),
        "401": page("The key given is not valid: the form asks again."),
        "403": {"description": "Feedback is off, or the key does not serve this community (a page); or, with no "
                               "key configured, the request is not from this machine (the API's JSON error).",
                "content": {**html, **error}},
        "404": page("The community has no verdicts."),
        "413": {"description": "The form is over the size limit.", "content": {**html, **error}},
        "503": page("The verdict store is unavailable."),
    }

    def export(kind, mimetype):
        operation = {
            "summary": f"Every verdict of the community as {kind.upper()} (the features left out).",
            "security": [], "parameters": parameter,
            "responses": {"200": {"description": f"{kind.upper()}, one verdict a line.",
                                  "content": {mimetype: {"schema": {"type": "string"}}}},
                          **{status: {"description": "Refused.", "content": error}
                             for status in ("400", "401", "403", "404", "413", "503")}},
        }
        return {"get": {**operation, "operationId": f"exportVerdicts{kind.title()}"},
                "post": {**operation, "operationId": f"exportVerdicts{kind.title()}Form", "requestBody": key_form}}

    return {
        "/communities/{community}": {
            "get": {"summary": "The moderators' page of a community.", "operationId": "communityPage",
                    "security": [], "parameters": parameter, "responses": page_statuses},
            "post": {"summary": "The moderators' page, for a key given in its form.", "operationId": "communityPageForm",
                     "security": [], "parameters": parameter, "requestBody": key_form, "responses": page_statuses},
        },
        "/communities/{community}/apply": {"post": {
            "summary": "Fit and apply the community's calibration from its verdicts, then show the page.",
            "operationId": "communityPageApply", "security": [], "parameters": parameter,
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": {
                    "key": {"type": "string"},
                    "moderator": {"type": "string", "description": "Recorded, hashed, in the audit log."}},
            }}}},
            "responses": {**page_statuses, "200": page("The page, with what was applied.")},
        }},
        "/communities/{community}/verdicts.csv": export("csv", "text/csv"),
        "/communities/{community}/verdicts.jsonl": export("jsonl", "application/x-ndjson"),
        "/communities-assets/{name}": {"get": {
            "summary": "The moderators' page's stylesheet.", "operationId": "communityPageAsset", "security": [],
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The file.", "content": {"text/css": {"schema": {"type": "string"}}}},
                          **{status: {"description": "No such file; or, with no key configured, not from this machine.",
                                      "content": error} for status in ("403", "404")}},
        }},
    }
