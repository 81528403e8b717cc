"""Reply context and word-level spans in the served scorer, by behaviour."""

from pathlib import Path

import numpy as np
import pytest

from models import ATTRIBUTES
from models.heads import HEAD_ATTRIBUTES, SPAN_ATTRIBUTES
from models.scorer import Scorer
from models.spans import words

PARENT = "Does anyone know which ferry runs on Sundays in winter?"
REPLY = "Oh great, another genius who cannot read a timetable. Well done."
INSULT = "  I read the whole report last night.\n\nYou are a pathetic f*cking idiot.  Anyway, back to work. "


def test_spans_are_whole_words_of_the_original_text(scorer):
    (result,) = scorer.score_texts([INSULT], thresholds={a: 0.0 for a in HEAD_ATTRIBUTES})
    boundaries = {b for b, _ in words(INSULT)}, {e for _, e in words(INSULT)}
    assert {s["attribute"] for s in result["spans"]} == set(HEAD_ATTRIBUTES), "every flagged attribute points at words"
    for span in result["spans"]:
        assert span["begin"] in boundaries[0] and span["end"] in boundaries[1], span
        assert 0.0 <= span["score"] <= 1.0
        # Words, not the whole sentence.
        assert span["end"] - span["begin"] < len("You are a pathetic f*cking idiot.")


def test_token_head_marks_the_insult_not_the_rest(scorer):
    if scorer._span_w is None:
        pytest.fail("the committed weights must carry the token-level head")
    (found,) = scorer.token_spans([INSULT], "insult")
    marked = " ".join(INSULT[b:e] for b, e, _ in found)
    assert "idiot" in marked
    assert "report" not in marked and "work" not in marked


def test_token_spans_refuse_an_attribute_without_a_word_level_head(scorer):
    with pytest.raises(ValueError, match="token-level head"):
        scorer.token_spans([INSULT], "hostility")


def test_parent_changes_only_what_reads_it(scorer):
    alone, answered = scorer.score_texts([REPLY, REPLY], parents=[None, PARENT])
    assert set(alone["scores"]) == set(answered["scores"]) == set(ATTRIBUTES) - {"off_topic"}
    if scorer.reads_context:
        assert any(abs(alone["scores"][a] - answered["scores"][a]) > 1e-6 for a in HEAD_ATTRIBUTES)
    else:
        assert alone["scores"] == answered["scores"]


def test_parents_must_match_texts(scorer):
    with pytest.raises(ValueError, match="parents"):
        scorer.score_texts([REPLY, REPLY], parents=[PARENT])


def test_thread_reply_reads_its_parent_as_score_texts_does(scorer):
    thread = {"title": "Sunday ferries", "posts": [{"id": "a", "text": PARENT}, {"id": "b", "text": REPLY, "parent_id": "a"}]}
    in_thread = scorer.score_thread(thread, attributes=list(HEAD_ATTRIBUTES))[1]
    (direct,) = scorer.score_texts([REPLY], parents=[PARENT])
    for a in HEAD_ATTRIBUTES:
        assert in_thread["scores"][a] == pytest.approx(direct["scores"][a], abs=1e-5), a


@pytest.mark.parametrize(
    ("index", "post", "expected"),
    [
        (0, {"id": "a"}, None),
        (2, {"id": "c", "parent_id": "b"}, 1),
        (2, {"id": "c", "parent_id": "zzz"}, 0),
        (2, {"id": "c", "quotes": [{"text": "x"}]}, "quote"),
        (2, {"id": "c", "parent_id": "c"}, 0),
    ],
)
def test_what_a_post_answers(index, post, expected):
    assert Scorer._parent_index(index, post, {"a": 0, "b": 1, "c": 2}) == expected


def test_context_folds_into_one_effective_head(scorer):
    """logit(r, p) = W r + b + U p + V (r * p) for every pooled state r."""
    if not scorer.reads_context:
        pytest.skip("weights without reply context")
    rng = np.random.default_rng(0)
    r, p = rng.normal(size=384).astype(np.float32), rng.normal(size=384).astype(np.float32)
    w, b = scorer._effective_heads(p)
    u, v = scorer._context[:, :384], scorer._context[:, 384:]
    direct = scorer._head_w @ r + scorer._head_b + u @ p + v @ (r * p)
    assert np.allclose(w @ r + b, direct, atol=1e-3)


def test_span_attributes_are_head_attributes():
    assert set(SPAN_ATTRIBUTES) <= set(HEAD_ATTRIBUTES)


def test_the_span_report_measures_the_head_and_what_is_served(scorer, tmp_path):
    # A trial file of our own in SemEval's format: the report reads the head's words and
    # the spans a moderator is shown, both with the task's character F1.
    from models.evaluate import evaluate_spans

    folder = tmp_path / "toxic_spans"
    folder.mkdir()
    rows = [("You absolute idiot.", "idiot"), ("What a pathetic moron you are, honestly.", "pathetic moron")]
    lines = ["spans,text"]
    for text, marked in rows:
        begin = text.index(marked)
        lines.append(f'"{list(range(begin, begin + len(marked)))}",{text}')
    (folder / "SemEval2021__data__tsd_trial.csv").write_text("\n".join(lines) + "\n")
    (folder / "SemEval2021__data__tsd_train.csv").write_text("spans,text\n")
    report = evaluate_spans(scorer, tmp_path)
    assert report["toxic_spans.trial.rows"] == 2 and report["toxic_spans.trial.empty_gold_share"] == 0.0
    # Each insult is marked, at least in part, by the head and in what is served.
    assert report["toxic_spans.trial.char_f1"] > 0.5
    assert report["toxic_spans.trial.char_f1_served"] > 0.5


def test_the_scorer_reads_relative_span_cuts_and_weights_without_them(scorer, tmp_path):
    import json
    import shutil

    from models.weights import CONFIG_FILE, WEIGHTS_FILE

    source = Path(__file__).resolve().parents[2] / "models" / "weights"
    committed = json.loads((source / CONFIG_FILE).read_text())
    assert scorer.span_relative == {a: committed.get("span_relative", {}).get(a) for a in SPAN_ATTRIBUTES}
    # A folder written before relative cuts existed: its fixed cuts alone, and a post whose
    # words all sit under the fixed cut gets no token-head span, where a relative cut marks them.
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(source / WEIGHTS_FILE, old / WEIGHTS_FILE)
    config = dict(committed)
    config.pop("span_relative", None)
    config["span_thresholds"] = {a: 0.99 for a in SPAN_ATTRIBUTES}
    (old / CONFIG_FILE).write_text(json.dumps(config))
    fixed = Scorer.load(old, runtime="torch")
    assert fixed.span_relative == {a: None for a in SPAN_ATTRIBUTES}
    assert fixed.token_spans([INSULT], "insult") == [[]]
    config["span_relative"] = {a: 0.6 for a in SPAN_ATTRIBUTES}
    (old / CONFIG_FILE).write_text(json.dumps(config))
    relative = Scorer.load(old, runtime="torch")
    (found,) = relative.token_spans([INSULT], "insult")
    assert "idiot" in " ".join(INSULT[b:e] for b, e, _ in found)
