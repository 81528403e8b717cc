"""Threat template sets: both kinds in each, intimidation among them, disjoint, deterministic, labelled as documented.

That no forum probe (models/probes.py) is or holds a template sentence is checked in test_probes.py.
"""

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
    # (rows, threats) at least: intimidation added about half again to each set's threats.
    for rows, least, threats in ((evaluation, 450, 220), (training, 1100, 620), (validation, 140, 70)):
        labels = [r["label"] for r in rows]
        assert set(labels) == {0, 1}
        assert 0.3 < sum(labels) / len(labels) < 0.7
        assert len(rows) >= least
        assert sum(labels) >= threats


@pytest.mark.parametrize("name", ["TRAIN", "VALIDATION", "EVAL"])
def test_every_harm_phrase_also_appears_in_non_threats(name):
    # Reported threats reuse the harm phrases with label 0: the word alone must not decide,
    # for "post his home address online" as much as for "kill him".
    rows = getattr(tt, {"TRAIN": "training_set", "EVAL": "evaluation_set", "VALIDATION": "validation_set"}[name])()
    for harm in getattr(tt, f"{name}_HARMS"):
        phrase = harm.format(o="him", p="his")
        assert {r["label"] for r in rows if phrase in r["text"]} == {0, 1}, phrase


# What intimidation names, and the hard non-threats said beside it: each set holds every one.
INTIMIDATION = {
    "address made public": r"address|where you live|phone number",
    "family": r"\b(kids|wife|family|mum)\b",
    "car": r"\bcar\b|tyres|number plate",
    "home": r"house|front door|doorstep|\bflat\b|doors|windows",
    "watch your back": r"watch your back|over your shoulder|watch yourself|rear-view|one eye open|both eyes open",
    "conditional": r"^(say that again|post that one more time|one more word|try that again|reply once more"
                   r"|mention me once more|type one more word|say my name again)",
    "waiting": r"waiting|outside your|turn up at|be round your",
}
HARD_NON_THREATS = {
    "report to the moderators": r"moderators|admins|\bmods\b",
    "break a leg": r"break a leg",
    "ice": r"\bice\b",
    "reported intimidation, arrested or cautioned": r"(arrest|caution).*(knew|address)|(knew|address).*(arrest|caution)",
    "harassment case": r"harassment",
}


@pytest.mark.parametrize("what, pattern", INTIMIDATION.items())
def test_each_set_holds_intimidation(what, pattern, evaluation, training, validation):
    for rows in (evaluation, training, validation):
        assert [r for r in rows if r["label"] == 1 and re.search(pattern, r["text"], re.I)], what


@pytest.mark.parametrize("what, pattern", HARD_NON_THREATS.items())
def test_each_set_holds_the_hard_non_threats_beside_intimidation(what, pattern, evaluation, training, validation):
    for rows in (evaluation, training, validation):
        assert [r for r in rows if r["label"] == 0 and re.search(pattern, r["text"], re.I)], what


def test_reporting_to_the_moderators_is_never_a_threat(evaluation, training, validation):
    # "Say that again and I'll report you to the moderators" is what a forum asks members to do.
    rows = [r for r in evaluation + training + validation if re.search(HARD_NON_THREATS["report to the moderators"], r["text"], re.I)]
    assert len(rows) > 50
    assert {r["label"] for r in rows} == {0}


@pytest.mark.parametrize("text, label", [
    ("I know where you live.", 1),
    ("Say that again and I'll post your home address online.", 1),
    ("Post that one more time and I'll go after your kids.", 1),
    ("You'd better sleep with one eye open.", 1),
    ("I'll report you to the moderators if this carries on.", 0),
    ("I'll report this post, it breaks the forum rules.", 0),
    ("He threatened to kill his neighbour, so we arrested him.", 0),
    ("She said she knew where he lived, and we cautioned her.", 0),
    ("Watch your step on the ice outside the front office.", 0),
    ("Say that again and I'll report you to the moderators.", 0),
])
def test_training_set_labels_intimidation_as_documented(text, label, training):
    assert {r["text"]: r["label"] for r in training}[text] == label


def test_evaluation_set_has_its_own_intimidation(evaluation):
    labels = {r["text"]: r["label"] for r in evaluation}
    assert labels["I'll be waiting for you after work."] == 1
    assert labels["Everyone will know where you live by the morning."] == 1
    assert labels["I am going to publish your home address."] == 1
    assert labels["I am going to give you a lift home after work."] == 0
    assert labels["The accused admitted saying she knew where he lived; a caution followed."] == 0


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
    # nor does a sentence of one set turn up inside a longer sentence of the other
    norm = lambda text: " ".join(text.lower().split()).rstrip(".!?")  # noqa: E731
    for a, b in ((one, other), (other, one)):
        shorter, longer = {norm(t) for t in texts(a)}, {norm(t) for t in texts(b)}
        assert not [(s, t) for s in shorter for t in longer if s in t]


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
