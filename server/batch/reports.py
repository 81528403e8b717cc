"""Scored threads -> JSON (default), JSONL, CSV or an HTML report, and back for --resume.

The HTML report is rendered by Jinja2 with autoescaping on, so no post text, author,
title or URL reaches the page as markup, and only http(s) addresses become links; its
data also rides along as escaped JSON, so that `--resume` can read which threads a report
already holds. A report file carries its own Content-Security-Policy (no script), since
no server sends it headers when it is opened from disk.
"""

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from models import ATTRIBUTES
from models.language import language_name

FORMATS = ("json", "jsonl", "csv", "html")
WORST_SHOWN = 10
CSV_FIELDS = ["thread_id", "title", "post_id", "parent_id", "author", "url", "worst", "flags", "language", "status",
              *ATTRIBUTES, "text"]
EMBEDDED = re.compile(r'<script type="application/json" id="modlens-data">(.*?)</script>', re.S)

_env = Environment(
    loader=PackageLoader("server.batch", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def worst_score(post):
    return max(post["scores"].values(), default=0.0)


def summarize(record):
    """Counts per attribute (posts flagged) and per language, the posts not scored for
    their language, and the worst posts first."""
    posts = record["posts"]
    flags = {attr: sum(attr in p["flags"] for p in posts) for attr in ATTRIBUTES if any(attr in p["scores"] for p in posts)}
    worst = sorted(posts, key=worst_score, reverse=True)
    # Reports written before languages were identified have none: they count nowhere.
    languages = Counter(p["language"] for p in posts if p.get("language"))
    return {
        "posts": len(posts),
        "flagged_posts": sum(bool(p["flags"]) for p in posts),
        "flags": flags,
        "languages": dict(languages.most_common()),
        "not_scored": sum(p.get("status") == "language_not_supported" for p in posts),
        "worst": [p["id"] for p in worst[:WORST_SHOWN]],
    }


def write_report(records, errors, fmt, stream, model=None):
    """Write a whole report of `records` (scored threads) and `errors` to a text stream."""
    if fmt == "json":
        json.dump({"model": model, "threads": records, "errors": errors}, stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    elif fmt == "jsonl":
        for record in records:
            write_jsonl_line(record, stream)
    elif fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        write_csv_rows(records, writer)
    elif fmt == "html":
        stream.write(render_html(records, errors, model))
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def write_jsonl_line(record, stream):
    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    stream.flush()


def write_csv_rows(records, writer):
    for record in records:
        for post in record["posts"]:
            row = {
                "thread_id": record["thread_id"], "title": record["title"], "post_id": post["id"],
                "parent_id": post.get("parent_id") or "", "author": post.get("author") or "",
                "url": post.get("url") or "", "worst": f"{worst_score(post):.4f}",
                "flags": ";".join(post["flags"]), "language": post.get("language") or "",
                "status": post.get("status") or "", "text": post["text"],
            }
            row.update({attr: f"{score:.4f}" for attr, score in post["scores"].items()})
            writer.writerow(row)


def render_html(records, errors, model):
    template = _env.get_template("report.html")
    threads = [html_thread(record) for record in records]
    data = {"model": model, "threads": records, "errors": errors}
    return template.render(threads=threads, errors=errors, model=model, data=data, attributes=ATTRIBUTES)


def render_upload_page(**context):
    """The service's root page: the upload form, and a report when one was just scored."""
    return _env.get_template("upload.html").render(attributes=ATTRIBUTES, **context)


def html_thread(record):
    """What the template shows of a thread: posts worst first, each with text segments."""
    order = {post["id"]: n for n, post in enumerate(record["posts"], start=1)}
    posts = []
    for post in sorted(record["posts"], key=worst_score, reverse=True):
        posts.append({
            **post,
            "number": order[post["id"]],
            "worst": worst_score(post),
            "segments": highlight(post["text"], post.get("spans") or []),
            "bars": sorted(post["scores"].items(), key=lambda item: -item[1]),
        })
    return {**record, "posts": posts}


def highlight(text, spans):
    """Split text into [(piece, span_or_None)]: spans (merged where they overlap) marked."""
    marks = sorted((s for s in spans if 0 <= s["begin"] < s["end"] <= len(text)), key=lambda s: (s["begin"], -s["score"]))
    segments, cursor = [], 0
    for span in marks:
        begin = max(span["begin"], cursor)
        if begin >= span["end"]:
            continue  # inside a span already marked (the higher-scored one shows)
        if begin > cursor:
            segments.append((text[cursor:begin], None))
        segments.append((text[begin:span["end"]], span))
        cursor = span["end"]
    if cursor < len(text):
        segments.append((text[cursor:], None))
    return segments


def web_url(url):
    """The address when it is a web page's (http or https), else None: a saved page or a
    JSONL row can give a post any "url", and a javascript: or data: one must never become
    a link in the report."""
    if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return None


def score_colour(score):
    """Green (0) through amber to red (1), as an HSL colour for a score bar."""
    return f"hsl({round(120 * (1 - max(0.0, min(1.0, score))))}, 70%, 45%)"


_env.filters["score_colour"] = score_colour
_env.filters["web_url"] = web_url
_env.filters["language_name"] = language_name


def existing_records(path, fmt):
    """The scored threads an existing report already holds (for --resume); raises
    ValueError when the file is not a report of that format."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return []
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        records = []
        for line in text.splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted run is scored again
        return records
    try:
        if fmt == "json":
            return json.loads(text)["threads"]
        if fmt == "html":
            found = EMBEDDED.search(text)
            if not found:
                raise ValueError("no Modlens report data in it")
            return json.loads(found.group(1))["threads"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"not a Modlens {fmt} report ({error})") from None
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and not {"thread_id", "post_id", "text"} <= set(rows[0]):
            raise ValueError("not a Modlens csv report (no thread_id, post_id, text columns)")
        return _records_from_csv(rows)
    raise ValueError(f"unknown format {fmt!r}")


def _records_from_csv(rows):
    records = {}
    for row in rows:
        record = records.setdefault(row["thread_id"], {"thread_id": row["thread_id"], "title": row["title"], "posts": []})
        record["posts"].append({
            "id": row["post_id"], "parent_id": row["parent_id"] or None, "author": row["author"] or None,
            "url": row["url"] or None, "text": row["text"], "flags": [f for f in row["flags"].split(";") if f],
            **({"language": row["language"], "status": row.get("status") or "scored"} if row.get("language") else {}),
            "scores": {a: float(row[a]) for a in ATTRIBUTES if row.get(a)}, "spans": [], "quotes": [],
        })
    return list(records.values())
