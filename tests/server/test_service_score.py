"""POST /v1/score, GET /v1/attributes, /healthz and /readyz with the real model (offsets on the fake)."""

from models import ATTRIBUTES, DEFAULT_THRESHOLDS

THREAD = {
    "thread": {"title": "Which ferry runs to the island on Sundays in winter?", "site": "ips"},
    "posts": [
        {"id": "p1", "author": "ann", "text": "Which ferry runs to the island on Sundays in winter? "
                                               "The timetable on the website is confusing."},
        {"id": "p2", "author": "bob", "parent_id": "p1",
         "text": "The 9:40 from the north pier runs on Sundays all year, weather permitting."},
        {"id": "p3", "author": "cat", "parent_id": "p2",
         "text": "You are a pathetic idiot and nobody here wants your useless answers."},
        {"id": "p4", "author": "dan", "text": "My banana bread needs three ripe bananas, "
                                               "a cup of sugar and an hour in the oven."},
        {"id": "p5", "author": "eve", "parent_id": "p2", "text": "Thanks, useful summary.",
         "quotes": [{"author": "cat", "text": "You are a pathetic idiot."}]},
    ],
}


def test_scores_every_post_in_order(real_client, scorer):
    response = real_client.post("/v1/score", json=THREAD)
    assert response.status_code == 200
    data = response.get_json()
    assert data["model"] == {k: str(v) for k, v in scorer.model_info.items()}
    assert [p["id"] for p in data["posts"]] == ["p1", "p2", "p3", "p4", "p5"]
    for post, sent in zip(data["posts"], THREAD["posts"]):
        assert list(post["scores"]) == list(ATTRIBUTES)
        assert all(0 <= v <= 1 for v in post["scores"].values())
        assert post["flags"] == [a for a in ATTRIBUTES if post["scores"][a] >= DEFAULT_THRESHOLDS[a]]
        for span in post["spans"]:
            assert span["attribute"] in post["flags"]
            assert 0 <= span["begin"] < span["end"] <= len(sent["text"])
            assert sent["text"][span["begin"]:span["end"]].strip()


def test_the_insult_and_the_off_topic_reply_stand_out(real_client):
    posts = {p["id"]: p for p in real_client.post("/v1/score", json=THREAD).get_json()["posts"]}
    for name in ("toxicity", "insult"):
        assert posts["p3"]["scores"][name] > posts["p2"]["scores"][name]
    assert "toxicity" in posts["p3"]["flags"]
    assert posts["p4"]["scores"]["off_topic"] > posts["p2"]["scores"]["off_topic"]
    assert posts["p5"]["scores"]["off_topic"] < posts["p4"]["scores"]["off_topic"]


def test_quotes_are_scored_apart(real_client):
    post = real_client.post("/v1/score", json=THREAD).get_json()["posts"][4]
    assert post["quotes"][0]["author"] == "cat"
    assert post["quotes"][0]["scores"]["toxicity"] > post["scores"]["toxicity"]
    assert "toxicity" not in post["flags"]


def test_attributes_limit_the_answer(real_client):
    body = {**THREAD, "attributes": ["off_topic", "toxicity"]}
    for post in real_client.post("/v1/score", json=body).get_json()["posts"]:
        assert list(post["scores"]) == ["toxicity", "off_topic"]
        assert set(post["flags"]) <= {"toxicity", "off_topic"}


def test_span_offsets_in_code_points_or_utf16(client):
    # The keyword fake spans exactly the sentence with "idiot"; emoji before it take one
    # code point each in Python and two UTF-16 code units each in JavaScript.
    text = "😀😀 Lovely weather today. You are an idiot."
    body = {"posts": [{"id": "a", "text": text}], "attributes": ["toxicity"]}
    (span,) = client.post("/v1/score", json=body).get_json()["posts"][0]["spans"]
    assert text[span["begin"]:span["end"]] == "You are an idiot."
    (span,) = client.post("/v1/score", json={**body, "span_offsets": "utf16"}).get_json()["posts"][0]["spans"]
    assert text.encode("utf-16-le")[2 * span["begin"]:2 * span["end"]].decode("utf-16-le") == "You are an idiot."


def test_health_and_readiness(real_client, scorer):
    assert real_client.get("/healthz").get_json() == {"status": "ok"}
    ready = real_client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["model"]["sha256"] == scorer.model_info["sha256"]


def test_attributes_list_names_descriptions_thresholds(real_client):
    listed = real_client.get("/v1/attributes").get_json()["attributes"]
    assert [a["name"] for a in listed] == list(ATTRIBUTES)
    assert all(a["description"] and a["threshold"] == DEFAULT_THRESHOLDS[a["name"]] for a in listed)


ODD_TEXTS = [
    "a",
    "!!!",
    "😀" * 50,
    "\x00 nul byte",
    "line\u2028separator\u2029paragraph",
    "مرحبا بكم في المنتدى",
    "e\u0301\u0301\u0301 combining marks",
    "x" * 20_000,
    "word " * 4_000,
    "<script>alert(1)</script>",
    "f*** y0u @$$h0le",
    "\t\n  leading and trailing space \n",
]


def test_odd_texts_are_all_scored(real_client):
    body = {"posts": [{"id": f"p{i}", "text": t, "quotes": [{"text": t[:100]}]} for i, t in enumerate(ODD_TEXTS)],
            "span_offsets": "utf16"}
    response = real_client.post("/v1/score", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert len(response.get_json()["posts"]) == len(ODD_TEXTS)
