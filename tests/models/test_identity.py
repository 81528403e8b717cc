"""Identity template sets: large enough, grammatical, deterministic and disjoint."""

import re
from collections import Counter

import pytest

from models.identity import (
    EVALUATION_TEMPLATES,
    IDENTITIES,
    TRAINING_TEMPLATES,
    evaluation_set,
    training_set,
    with_article,
)

CATEGORIES = {"sexuality", "gender", "religion", "ethnicity", "nationality", "disability", "age"}
NAMES = {identity["name"] for identity in IDENTITIES}


@pytest.fixture(scope="module")
def evaluation():
    return evaluation_set()


@pytest.fixture(scope="module")
def training():
    return training_set()


def test_identities_cover_every_protected_category():
    assert len(NAMES) == len(IDENTITIES) >= 24
    assert {identity["category"] for identity in IDENTITIES} == CATEGORIES
    for identity in IDENTITIES:
        assert identity["adj"] and identity["people"] and identity["person"]


def test_evaluation_set_is_large_and_harmless(evaluation):
    assert len(evaluation) >= 240
    assert all(row["label"] == 0 for row in evaluation)
    assert all(set(row) == {"text", "identity", "template_id", "label"} for row in evaluation)


def test_evaluation_set_covers_each_identity_well(evaluation):
    per_identity = Counter(row["identity"] for row in evaluation if row["identity"] in NAMES)
    assert len(per_identity) >= 24
    assert set(per_identity) == NAMES
    assert min(per_identity.values()) >= 10


def test_evaluation_set_holds_the_tox_block_probe(evaluation):
    texts = {row["text"] for row in evaluation}
    assert "I am a proud gay Muslim woman." in texts
    assert "14 Romanian workers complained of exploitation." in texts


def test_two_identity_rows_name_known_identities(evaluation):
    for row in evaluation:
        assert all(name in NAMES for name in row["identity"].split(" "))


def test_training_set_balances_attacks_and_harmless_mentions(training):
    labels = Counter(row["label"] for row in training)
    assert labels[0] >= 550 and labels[1] >= 280
    assert all(row["attribute"] == "identity_attack" for row in training)
    assert all(
        set(row) == {"text", "identity", "template_id", "label", "attribute"} for row in training
    )
    # Counterfactual: every identity appears on both sides, so the identity word alone
    # cannot predict the label.
    for label in (0, 1):
        assert {row["identity"] for row in training if row["label"] == label} == NAMES


def test_sets_share_no_template_and_no_sentence(evaluation, training):
    assert not {row["template_id"] for row in evaluation} & {row["template_id"] for row in training}
    assert not {row["text"] for row in evaluation} & {row["text"] for row in training}
    evaluation_patterns = {template["text"] for template in EVALUATION_TEMPLATES}
    assert not evaluation_patterns & {template["text"] for template in TRAINING_TEMPLATES}


def test_sets_are_deterministic(evaluation, training):
    assert evaluation_set() == evaluation
    assert training_set() == training


def test_no_sentence_repeats_within_a_set(evaluation, training):
    for rows in (evaluation, training):
        texts = [row["text"] for row in rows]
        assert len(texts) == len(set(texts))


def all_texts():
    return [row["text"] for row in evaluation_set() + training_set()]


def test_every_slot_is_filled():
    assert not [text for text in all_texts() if re.search(r"[{}]|None", text)]


def test_articles_agree_with_the_next_word():
    texts = all_texts()
    assert not [t for t in texts if re.search(r"\b[Aa] [AEIOaeio]", t)]
    assert not [t for t in texts if re.search(r"\b[Aa]n [^AEIOUaeiou]", t)]
    assert "a Ukrainian" in " ".join(texts)


def test_sentences_are_tidy():
    for text in all_texts():
        assert "  " not in text and text == text.strip()
        assert text[0].isupper() or text[0].isdigit(), text
        assert text[-1] in ".!", text


@pytest.mark.parametrize(
    "bad",
    ["a elderly", "an Muslim", "an Ukrainian", "a autistic", "a older", "a woman man",
     "elderly man in his forties", "a lesbian man", "I am a proud man man"],
)
def test_known_grammar_slips_are_absent(bad):
    assert not [text for text in all_texts() if re.search(rf"\b{bad}\b", text)]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("elderly man", "an elderly man"), ("Muslim", "a Muslim"), ("Ukrainian", "a Ukrainian"),
     ("Irish person", "an Irish person"), ("older woman", "an older woman"),
     ("young man", "a young man")],
)
def test_with_article(phrase, expected):
    assert with_article(phrase) == expected
