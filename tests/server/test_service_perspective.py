"""comments:analyze speaks Perspective's request and response format.

The mapping (thresholds, spans, SEVERE_TOXICITY, context, UTF-16 offsets) is checked on
the keyword fake, whose scores are known exactly; the real model then answers the same
requests in the same shape.
"""

import pytest

ANALYZE = "/v1alpha1/comments:analyze"
ALL = ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT",
       "NEGATIVITY", "HOSTILITY", "SARCASM", "OFF_TOPIC")


def analyze(text, *names, **extra):
    return {"comment": {"text": text, "type": "PLAIN_TEXT"},
            "requestedAttributes": {name: {} for name in names or ("TOXICITY",)}, **extra}


def utf16_slice(text, begin, end):
    return text.encode("utf-16-le")[2 * begin:2 * end].decode("utf-16-le")


def test_response_shape(client):
    body = analyze("You are an idiot.", "TOXICITY", "INSULT", clientToken="abc", doNotStore=True, languages=["en"])
    response = client.post(ANALYZE, json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"attributeScores", "languages", "detectedLanguages", "clientToken", "model", "calibration"}
    assert data["languages"] == data["detectedLanguages"] == ["en"] and data["clientToken"] == "abc"
    assert data["model"]["name"] == "fake-scorer"
    assert set(data["attributeScores"]) == {"TOXICITY", "INSULT"}
    assert data["attributeScores"]["TOXICITY"] == {"summaryScore": {"value": 0.9, "type": "PROBABILITY"}}


def test_no_client_token_none_echoed(client):
    assert "clientToken" not in client.post(ANALYZE, json=analyze("hello")).get_json()


def test_score_threshold_leaves_out_lower_scores(client):
    body = analyze("You are an idiot.")
    body["requestedAttributes"] = {"TOXICITY": {"scoreThreshold": 0.95}, "INSULT": {"scoreThreshold": 0.5},
                                   "THREAT": {"scoreType": "PROBABILITY", "scoreThreshold": 0.5}}
    assert set(client.post(ANALYZE, json=body).get_json()["attributeScores"]) == {"INSULT"}


def test_version_suffix_is_mirrored(client):
    scores = client.post(ANALYZE, json=analyze("hello", "TOXICITY@6")).get_json()["attributeScores"]
    assert set(scores) == {"TOXICITY@6"}


def test_every_attribute_is_served(client):
    scores = client.post(ANALYZE, json=analyze("hello", *ALL)).get_json()["attributeScores"]
    assert set(scores) == set(ALL)


def test_severe_toxicity_is_derived(client):
    # toxicity 0.9 x max(identity_attack 0.05, insult 0.9, threat 0.05)
    scores = client.post(ANALYZE, json=analyze("You idiot.", "SEVERE_TOXICITY")).get_json()["attributeScores"]
    assert scores["SEVERE_TOXICITY"]["summaryScore"]["value"] == pytest.approx(0.81)
    # profanity alone does not make it severe: 0.05 x 0.05
    scores = client.post(ANALYZE, json=analyze("Damn.", "SEVERE_TOXICITY")).get_json()["attributeScores"]
    assert scores["SEVERE_TOXICITY"]["summaryScore"]["value"] == pytest.approx(0.0025)


def test_span_scores_per_sentence_in_utf16(client):
    text = "😀 Nice day, all. You idiot. 👍 Bye."
    body = analyze(text, "TOXICITY", "SEVERE_TOXICITY", spanAnnotations=True)
    scores = client.post(ANALYZE, json=body).get_json()["attributeScores"]
    spans = scores["TOXICITY"]["spanScores"]
    assert [utf16_slice(text, s["begin"], s["end"]) for s in spans] == ["😀 Nice day, all.", "You idiot.", "👍 Bye."]
    assert [s["score"]["value"] for s in spans] == [0.05, 0.9, 0.05]
    assert all(s["score"]["type"] == "PROBABILITY" for s in spans)
    severe = scores["SEVERE_TOXICITY"]["spanScores"]
    assert [s["score"]["value"] for s in severe] == pytest.approx([0.05 * 0.05, 0.9 * 0.9, 0.05 * 0.05])


def test_a_whole_post_attribute_gets_one_span_over_the_comment(client):
    text = "Banana bread. Mix and bake."
    scores = client.post(ANALYZE, json=analyze(text, "OFF_TOPIC", spanAnnotations=True)).get_json()["attributeScores"]
    assert scores["OFF_TOPIC"]["spanScores"] == [
        {"begin": 0, "end": len(text), "score": {"value": 0.9, "type": "PROBABILITY"}}]


def test_no_spans_unless_asked(client):
    scores = client.post(ANALYZE, json=analyze("You idiot.")).get_json()["attributeScores"]
    assert "spanScores" not in scores["TOXICITY"]


def test_context_becomes_the_thread(client, fake_scorer):
    body = analyze("Thanks!", "OFF_TOPIC", context={"entries": [
        {"text": "Ferry timetable for the summer", "type": "PLAIN_TEXT"}, {"text": ""}, {"text": "It starts in June."}]})
    assert client.post(ANALYZE, json=body).status_code == 200
    posts = fake_scorer.threads[-1]["posts"]
    assert [p["text"] for p in posts] == ["Ferry timetable for the summer", "It starts in June.", "Thanks!"]
    assert posts[-1]["parent_id"] == posts[-2]["id"]


@pytest.mark.parametrize("languages", [["en"], ["EN-gb"], ["de", "en"], []])
def test_english_among_the_languages_is_served(client, languages):
    assert client.post(ANALYZE, json=analyze("hello", languages=languages)).status_code == 200


def test_real_model_in_perspective_format(real_client):
    insult = real_client.post(ANALYZE, json=analyze("You are a pathetic idiot. Nobody wants you here.", *ALL,
                                                     spanAnnotations=True, clientToken="t"))
    polite = real_client.post(ANALYZE, json=analyze("Thanks for the clear summary, that helps a lot.", *ALL))
    assert insult.status_code == polite.status_code == 200
    bad, good = insult.get_json()["attributeScores"], polite.get_json()["attributeScores"]
    assert set(bad) == set(good) == set(ALL)
    for name in ("TOXICITY", "INSULT"):
        assert bad[name]["summaryScore"]["value"] > good[name]["summaryScore"]["value"]
    for entry in bad.values():
        assert 0 <= entry["summaryScore"]["value"] <= 1
        assert entry["spanScores"]
        for span in entry["spanScores"]:
            assert 0 <= span["begin"] < span["end"] <= len("You are a pathetic idiot. Nobody wants you here.")
            assert 0 <= span["score"]["value"] <= 1
    assert insult.get_json()["clientToken"] == "t"


def test_real_model_reads_the_context(real_client):
    context = {"entries": [{"text": "Which ferry runs to the island on Sundays in winter?"}]}
    on = real_client.post(ANALYZE, json=analyze("The 9:40 from the north pier runs on Sundays all year.",
                                                 "OFF_TOPIC", context=context)).get_json()
    off = real_client.post(ANALYZE, json=analyze("My banana bread needs three ripe bananas and an hour in the oven.",
                                                  "OFF_TOPIC", context=context)).get_json()
    assert off["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"] > \
        on["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]
