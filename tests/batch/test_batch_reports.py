"""Report helpers: spans marked in the text, summaries, worst posts first."""

from server.batch.reports import highlight, html_thread, render_html, summarize


def post(pid, scores, flags=(), text="text", spans=()):
    return {"id": pid, "author": None, "parent_id": None, "url": None, "text": text, "quotes": [],
            "scores": scores, "flags": list(flags), "spans": list(spans)}


def test_highlight_marks_spans_and_keeps_all_text():
    text = "You are an idiot and a fool."
    spans = [{"begin": 11, "end": 16, "attribute": "insult", "score": 0.9},
             {"begin": 13, "end": 27, "attribute": "toxicity", "score": 0.6}]
    segments = highlight(text, spans)
    assert "".join(piece for piece, _ in segments) == text
    assert [(piece, span["attribute"] if span else None) for piece, span in segments] == [
        ("You are an ", None), ("idiot", "insult"), (" and a fool", "toxicity"), (".", None)]


def test_highlight_ignores_spans_outside_the_text():
    assert highlight("short", [{"begin": 3, "end": 99, "attribute": "toxicity", "score": 0.9}]) == [("short", None)]


def test_summary_counts_flags_and_orders_worst_first():
    record = {"posts": [post("a", {"toxicity": 0.1, "insult": 0.2}),
                        post("b", {"toxicity": 0.9, "insult": 0.7}, ["toxicity", "insult"]),
                        post("c", {"toxicity": 0.6, "insult": 0.1}, ["toxicity"])]}
    assert summarize(record) == {"posts": 3, "flagged_posts": 2, "flags": {"toxicity": 2, "insult": 1},
                                 "languages": {}, "not_scored": 0, "worst": ["b", "c", "a"]}


def test_html_lists_posts_worst_first_with_their_place_in_the_thread():
    record = {"thread_id": "t", "title": "T", "url": None, "site": "records", "guessed": False, "source": "s",
              "posts": [post("a", {"toxicity": 0.1}, text="calm"), post("b", {"toxicity": 0.9}, ["toxicity"], "rude")]}
    record["summary"] = summarize(record)
    assert [(p["id"], p["number"]) for p in html_thread(record)["posts"]] == [("b", 2), ("a", 1)]
    html = render_html([record], [{"source": "x.png", "reason": "unsupported file type .png"}], None)
    assert html.index("rude") < html.index("calm")
    assert "x.png" in html and "unsupported file type .png" in html
    assert "width: 90.0%" in html
