"""Posts in other languages: named and left unscored, mixed posts scored on their English.

On the keyword fake (whose scores are known exactly) for the contract, and on the real
model for one thread of each kind. Detection itself is tested in tests/models/test_language.py.
"""

import logging

import jsonschema
import pytest

POLISH = "Nie pisz bzdur, człowieku, bo nikt ci nie uwierzy."
POLISH_IDIOT = "Ty idiot, nie pisz bzdur, człowieku, bo nikt ci nie uwierzy."  # "idiot" would flag on the fake
MIXED = "You are an idiot. Dzięki, jutro tam pójdę i zapytam o cenę w sklepie."
ANALYZE = "/v1alpha1/comments:analyze"


def score(client, *texts, **extra):
    body = {"thread": {"title": "Parking in Ealing"},
            "posts": [{"id": f"p{i}", "text": t} for i, t in enumerate(texts)], **extra}
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["posts"]


def conforms(document, data, schema_name):
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(data)


def test_an_english_post_says_so_and_is_scored(client):
    [post] = score(client, "You are an idiot and everyone on this forum knows it.")
    assert post["status"] == "scored" and post["language"] == "en"
    assert post["language_confidence"] > 0.9 and post["language_uncertain"] is False
    assert post["mixed"] is False and post["unscored_parts"] == []
    assert "insult" in post["flags"]


def test_a_post_in_another_language_gets_no_scores_flags_or_spans(client):
    [post] = score(client, POLISH_IDIOT)
    assert post["status"] == "language_not_supported"
    assert post["language"] == "pl" and post["language_confidence"] >= 0.9
    assert post["scores"] == {} and post["flags"] == [] and post["spans"] == []


def test_a_thread_with_nothing_in_english_is_not_scored_at_all(client, fake_scorer):
    posts = score(client, POLISH, "Dzięki za info, jutro tam pójdę i zapytam.")
    assert [p["status"] for p in posts] == ["language_not_supported"] * 2
    assert fake_scorer.threads == []


def test_a_foreign_post_stays_in_the_thread_as_context(client, fake_scorer):
    posts = score(client, POLISH, "Agreed, the parking there is awful after six.")
    assert [p["status"] for p in posts] == ["language_not_supported", "scored"]
    assert [p["text"] for p in fake_scorer.threads[0]["posts"]] == [POLISH, "Agreed, the parking there is awful after six."]
    assert posts[1]["scores"]["negativity"] == 0.9


def test_a_mixed_post_is_scored_on_its_english_and_says_what_was_left_out(client, fake_scorer):
    [post] = score(client, MIXED)
    assert post["status"] == "scored" and post["mixed"] is True
    [part] = post["unscored_parts"]
    assert part["language"] == "pl" and MIXED[part["begin"]:part["end"]].startswith("Dzięki")
    read = fake_scorer.threads[0]["posts"][0]["text"]
    assert len(read) == len(MIXED) and "Dzięki" not in read and read.startswith("You are an idiot.")
    assert "insult" in post["flags"]


def test_unscored_parts_count_utf16_units_when_asked(client):
    text = "😀😀 You are an idiot. Dzięki, jutro tam pójdę i zapytam o cenę w sklepie."
    [post] = score(client, text, span_offsets="utf16")
    [part] = post["unscored_parts"]
    assert text.encode("utf-16-le")[2 * part["begin"]:2 * part["end"]].decode("utf-16-le").startswith("Dzięki")


def test_a_post_too_short_to_tell_is_scored_as_english_and_says_it_is_uncertain(client):
    [post] = score(client, "lol same")
    assert post["status"] == "scored" and post["language"] == "en" and post["language_uncertain"] is True
    assert set(post["scores"]) and "flags" in post


def test_a_quote_in_another_language_gets_no_scores(client):
    body = {"posts": [{"id": "p1", "text": "Can anyone translate this for me, please?",
                       "quotes": [{"author": "Ola", "text": POLISH_IDIOT}]}]}
    [post] = client.post("/v1/score", json=body).get_json()["posts"]
    [quote] = post["quotes"]
    assert quote["status"] == "language_not_supported" and quote["language"] == "pl"
    assert quote["scores"] == {} and quote["flags"] == []
    assert post["status"] == "scored"


def test_the_answer_conforms_to_the_openapi_document(client):
    document = client.get("/openapi.json").get_json()
    body = {"posts": [{"id": "a", "text": "You are an idiot.", "quotes": [{"text": POLISH}]},
                      {"id": "b", "text": POLISH}, {"id": "c", "text": MIXED}, {"id": "d", "text": "ok"}]}
    conforms(document, client.post("/v1/score", json=body).get_json(), "ScoreResponse")
    body = {"comment": {"text": MIXED}, "requestedAttributes": {"TOXICITY": {}}}
    conforms(document, client.post(ANALYZE, json=body).get_json(), "AnalyzeResponse")


def test_the_openapi_document_names_the_statuses(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["PostScores"]["properties"]["status"]["enum"] == ["scored", "language_not_supported"]
    assert {"status", "language", "language_confidence", "mixed"} <= set(schemas["PostScores"]["required"])


def test_no_post_text_is_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        score(client, POLISH, MIXED)
    assert "bzdur" not in caplog.text and "Dzięki" not in caplog.text and "idiot" not in caplog.text


# --- Perspective route -------------------------------------------------------------------


def analyze(text, **extra):
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}


@pytest.mark.parametrize("languages", [None, ["en"], ["pl", "en"]])
def test_perspective_refuses_a_comment_not_in_english_whatever_the_request_names(client, languages):
    body = analyze(POLISH, **({"languages": languages} if languages is not None else {}))
    response = client.post(ANALYZE, json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert "TOXICITY" in error["message"] and "pl" in error["message"]


def test_perspective_says_what_was_detected(client):
    data = client.post(ANALYZE, json=analyze("You are an idiot and you know it.")).get_json()
    assert data["languages"] == data["detectedLanguages"] == ["en"]


def test_perspective_scores_a_mixed_comment_on_its_english(client, fake_scorer):
    data = client.post(ANALYZE, json=analyze(MIXED, spanAnnotations=True)).get_json()
    assert data["languages"] == data["detectedLanguages"] == ["pl", "en"]  # mostly Polish; its English was scored
    assert data["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == 0.9
    assert "Dzięki" not in fake_scorer.threads[0]["posts"][-1]["text"]


def test_perspective_scores_a_short_comment_as_english(client):
    data = client.post(ANALYZE, json=analyze("lol same")).get_json()
    assert data["languages"] == ["en"] and "TOXICITY" in data["attributeScores"]


# --- The real model ------------------------------------------------------------------------


def test_real_model_thread_with_a_polish_and_a_mixed_post(real_client):
    posts = score(real_client, "Anyone know a good letting agent in Ealing?", POLISH_IDIOT, MIXED, "Agreed.")
    assert [p["status"] for p in posts] == ["scored", "language_not_supported", "scored", "scored"]
    assert posts[1]["scores"] == {} and posts[1]["flags"] == []
    assert posts[2]["mixed"] is True and all(s["end"] <= posts[2]["unscored_parts"][0]["begin"] for s in posts[2]["spans"])
    assert posts[3]["language_uncertain"] is True and set(posts[3]["scores"])
