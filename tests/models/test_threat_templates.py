"""Threat template sets: both kinds in each, disjoint, deterministic, labelled as documented."""

import re

import pytest

from models import threat_templates as tt
from models.data import load_threat_templates


@pytest.fixture(scope="module")
def evaluation():
    return tt.evaluation_set()


@pytest.fixture(scope="module")
def training():
    return tt.training_set()


@pytest.fixture(scope="module")
def validation():
    return tt.validation_set()


def test_each_set_holds_threats_and_hard_non_threats(evaluation, training, validation):
    for rows, least in ((evaluation, 250), (training, 500), (validation, 80)):
        labels = [r["label"] for r in rows]
        assert set(labels) == {0, 1}
        assert 0.3 < sum(labels) / len(labels) < 0.7
        assert len(rows) >= least


def test_harm_phrases_also_appear_in_non_threats(evaluation, training):
    # Reported threats reuse the harm phrases with label 0: the word alone must not decide.
    for rows, harms in ((training, tt.TRAIN_HARMS), (evaluation, tt.EVAL_HARMS)):
        phrase = harms[0].format(o="him", p="his")
        assert {r["label"] for r in rows if phrase in r["text"]} == {0, 1}


@pytest.mark.parametrize("one, other", [("TRAIN", "EVAL"), ("TRAIN", "VALIDATION"), ("VALIDATION", "EVAL")])
def test_sets_share_no_sentence_template_or_harm_phrase(one, other):
    texts = lambda name: {r["text"] for r in getattr(tt, {"TRAIN": "training_set", "EVAL": "evaluation_set", "VALIDATION": "validation_set"}[name])()}  # noqa: E731
    assert not texts(one) & texts(other)
    for part in ("FRAMES", "HARMS", "BENIGN", "REPORTS", "TAILS", "THREATS_FREE", "NOT_THREATS"):
        a, b = set(getattr(tt, f"{one}_{part}")), set(getattr(tt, f"{other}_{part}"))
        assert not (a & b) - {""}, part
    # the main verb of each harm phrase differs too ("kill" is never in the evaluation set's)
    verbs = lambda name: {h.split()[0] for h in getattr(tt, f"{name}_HARMS")}  # noqa: E731
    assert not verbs(one) & verbs(other)


def test_sets_are_deterministic_and_without_repeats(evaluation, training, validation):
    assert tt.evaluation_set() == evaluation and tt.training_set() == training and tt.validation_set() == validation
    for rows in (evaluation, training, validation):
        texts = [r["text"] for r in rows]
        assert len(texts) == len(set(texts))


def test_every_placeholder_is_filled_and_sentences_start_upper_case(evaluation, training, validation):
    for r in evaluation + training + validation:
        assert not re.search(r"[{}]", r["text"]), r["text"]
        assert r["text"][0].isupper(), r["text"]


def test_sentences_that_address_the_reader_threaten_the_reader(evaluation, training, validation):
    # "If I ever see you again I will kill him" mixes two people; the generator leaves it out.
    for r in evaluation + training + validation:
        assert not (re.search(r"\byou\b", r["text"], re.I) and re.search(r"\b(him|his)\b", r["text"])), r["text"]
    assert any(r["text"] == "If I ever see you again I will kill you." for r in training)


def test_loader_labels_threats_toxic_and_non_threats_harmless(validation):
    rows = load_threat_templates()
    assert {r.source for r in rows} == {"threats"}
    assert [r.text for r in load_threat_templates(split="val")] == [r["text"] for r in validation]
    for r in rows:
        if r.labels["threat"]:
            assert r.labels == {"threat": 1, "toxicity": 1}
        else:
            assert r.labels == {"threat": 0, "toxicity": 0, "insult": 0, "identity_attack": 0, "profanity": 0}
    with pytest.raises(ValueError, match="evaluation set is separate"):
        load_threat_templates(split="test")
