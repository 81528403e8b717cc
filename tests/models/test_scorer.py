"""The scoring engine with the committed weights: what every other part relies on."""

import json
import threading

import numpy as np
import pytest

from models import ATTRIBUTES
from models.heads import HEAD_ATTRIBUTES
from models.weights import CONFIG_FILE, WEIGHTS_FILE, sha256_of

POLITE = "Thanks for the detailed report, I think the inspectorate makes a fair point about training."
INSULT = "You are a pathetic idiot and everyone here thinks you are a moron."
TOPIC = {
    "title": "Police let down modern slavery victims, says report",
    "opening": "Victims of modern slavery are being let down at every stage by police in England and Wales, "
    "a report by the inspectorate has said. Cases were closed without enquiries being made.",
    "on_topic": "The report is right that cases get closed too early; our force had no trafficking training at all.",
    "off_topic": "Here is my banana bread recipe: mash three ripe bananas, add flour, sugar and butter, bake for an hour.",
}


def thread(*replies, title=TOPIC["title"]):
    posts = [{"id": "p0", "text": TOPIC["opening"]}]
    posts += [{"id": f"p{i}", "parent_id": "p0", **r} for i, r in enumerate(replies, 1)]
    return {"title": title, "posts": posts}


def test_weights_load_and_match_model_info(scorer):
    from models.scorer import DEFAULT_WEIGHTS_DIR

    config = json.loads((DEFAULT_WEIGHTS_DIR / CONFIG_FILE).read_text())
    assert scorer.model_info["sha256"] == sha256_of(DEFAULT_WEIGHTS_DIR / WEIGHTS_FILE, DEFAULT_WEIGHTS_DIR / CONFIG_FILE)
    assert scorer.model_info["version"] == config["version"]
    assert scorer.model_info["name"] == config["name"]


def test_score_thread_returns_every_attribute_in_order(scorer):
    results = scorer.score_thread(thread({"text": TOPIC["on_topic"]}, {"text": POLITE}))
    assert [r["id"] for r in results] == ["p0", "p1", "p2"]
    for r in results:
        assert set(r["scores"]) == set(ATTRIBUTES)
        assert all(0.0 <= v <= 1.0 for v in r["scores"].values())
        assert set(r["flags"]) <= set(ATTRIBUTES)
        assert all(r["scores"][a] >= scorer.thresholds[a] for a in r["flags"])


def test_score_texts_has_no_off_topic_and_plain_floats(scorer):
    (result,) = scorer.score_texts([POLITE])
    assert set(result["scores"]) == set(ATTRIBUTES) - {"off_topic"}
    assert all(type(v) is float for v in result["scores"].values())


def test_insult_outscores_polite_post(scorer):
    polite, insult = scorer.score_texts([POLITE, INSULT])
    for attribute in ("toxicity", "insult"):
        assert insult["scores"][attribute] > polite["scores"][attribute] + 0.3, attribute


def test_a_direct_threat_is_flagged_and_harmless_uses_of_its_words_are_not(scorer):
    # None of these sentences is in the threat templates the model was trained on.
    threat, call, reported, idiom = scorer.score_texts([
        "Keep lying about me and I am going to kill you.",
        "I am going to call you after the briefing.",
        "The man was heard threatening to kill his brother, the officer said.",
        "This shift pattern is killing me.",
    ], attributes=["threat"])
    assert "threat" in threat["flags"]
    for other in (call, reported, idiom):
        assert "threat" not in other["flags"]
        assert threat["scores"]["threat"] > 3 * other["scores"]["threat"]


def test_off_topic_reply_outscores_on_topic_reply(scorer):
    _, on, off, ack = scorer.score_thread(
        thread({"text": TOPIC["on_topic"]}, {"text": TOPIC["off_topic"]}, {"text": "Thanks, useful summary."})
    )
    assert off["scores"]["off_topic"] > on["scores"]["off_topic"] + 0.3
    # A short acknowledgement is on-topic: it must read as less off-topic than the recipe.
    assert off["scores"]["off_topic"] > ack["scores"]["off_topic"]


def test_quotes_never_raise_the_quoting_post(scorer):
    reply = {"text": "I disagree with that, the report shows the opposite."}
    quoted = dict(reply, quotes=[{"author": "troll", "text": "You are all useless f*cking morons, go die."}])
    plain, with_quote = scorer.score_thread(thread(reply))[1], scorer.score_thread(thread(quoted))[1]
    for attribute in ATTRIBUTES:
        assert with_quote["scores"][attribute] <= plain["scores"][attribute] + 1e-9, attribute
    # The quote itself is scored apart, and is the toxic one.
    assert with_quote["quotes"][0]["scores"]["toxicity"] > with_quote["scores"]["toxicity"]


def test_span_offsets_slice_the_original_text(scorer):
    text = "  I read the whole report last night.\n\nYou are a pathetic f*cking idiot.  Anyway, back to work. "
    (result,) = scorer.score_texts([text], thresholds={a: 0.0 for a in HEAD_ATTRIBUTES})
    assert result["spans"], "every attribute is flagged at threshold 0, so spans must exist"
    for span in result["spans"]:
        piece = text[span["begin"] : span["end"]]
        assert piece == piece.strip() and piece
    insult_spans = [text[s["begin"] : s["end"]] for s in result["spans"] if s["attribute"] == "insult"]
    assert any("idiot" in s for s in insult_spans)


def test_masked_profanity_scores_like_the_plain_words(scorer):
    plain, masked, leet, polite = scorer.score_texts(
        ["This is f**king sh1t.".replace("f**king", "fucking").replace("sh1t", "shit"), "This is f**king sh1t.", "What a f*cking a$$hole.", POLITE]
    )
    assert abs(plain["scores"]["profanity"] - masked["scores"]["profanity"]) < 0.05
    assert masked["scores"]["profanity"] > polite["scores"]["profanity"] + 0.3
    assert leet["scores"]["profanity"] > polite["scores"]["profanity"] + 0.3


def test_long_post_reflects_its_worst_part(scorer):
    filler = " ".join(["The inspectorate looked at ten forces and found some good practice in each."] * 40)
    alone, buried = scorer.score_texts([INSULT, filler + " " + INSULT])
    assert buried["scores"]["insult"] >= alone["scores"]["insult"] - 0.1
    assert "insult" in buried["flags"]
    assert any(s["attribute"] == "insult" and s["begin"] > len(filler) for s in buried["spans"])


def test_calibration_is_monotone(scorer):
    grid = np.linspace(-10, 10, 201)[:, None].repeat(len(HEAD_ATTRIBUTES), 1)
    probabilities = scorer._calibrated(grid)
    assert (np.diff(probabilities, axis=0) >= 0).all()
    assert (probabilities > 0).all() and (probabilities < 1).all()


def test_unknown_attribute_is_refused(scorer):
    with pytest.raises(ValueError, match="unknown attributes"):
        scorer.score_texts([POLITE], attributes=["toxicity", "rudeness"])


def test_requested_attributes_only(scorer):
    (result,) = scorer.score_thread(thread(), attributes=["insult", "off_topic"])
    assert set(result["scores"]) == {"insult", "off_topic"}


def test_concurrent_calls_match_serial_ones(scorer):
    texts = [POLITE, INSULT, TOPIC["off_topic"], "Agreed."]
    expected = scorer.score_texts(texts)
    got, errors = {}, []

    def work(k):
        try:
            got[k] = scorer.score_texts(texts)
        except Exception as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    for result in got.values():
        for a, b in zip(result, expected):
            assert a["scores"] == pytest.approx(b["scores"], abs=1e-6)


def test_empty_thread_and_empty_text(scorer):
    assert scorer.score_thread({"title": "x", "posts": []}) == []
    (result,) = scorer.score_texts([""])
    assert set(result["scores"]) == set(ATTRIBUTES) - {"off_topic"}


def test_the_frozen_baseline_reads_the_pretrained_top_with_its_own_heads(scorer):
    from models.baseline import FrozenBaseline

    baseline = FrozenBaseline.load()
    assert baseline.model_info["name"].endswith("-frozen-baseline") and baseline.variant == "baseline"
    assert baseline._span_w is None and baseline._context is None and not baseline.reads_context
    text = "You are a pathetic idiot and everyone here knows it."
    ours, theirs = scorer.head_logits([text]), baseline.head_logits([text])
    assert ours.shape == theirs.shape and not np.allclose(ours, theirs)
    # Its window vector is the pretrained top's mean state: the sentence embedding's direction.
    pooled = baseline._forward([baseline._prepare(text, sentences=False)])[0].vectors[0]
    embedding = scorer.embed([text])[0]
    assert float(pooled @ embedding / np.linalg.norm(pooled)) > 0.999
