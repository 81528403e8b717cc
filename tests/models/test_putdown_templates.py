"""Put-down template sets: both labels and every kind in each, trigger words on both sides,
disjoint, deterministic, and nothing shared with the forum probe set."""

import re

import pytest

import models.data
from models import putdown_templates as pt

SETS = {"TRAIN": "training_set", "VALIDATION": "validation_set", "EVAL": "evaluation_set"}
PAIRS = [("TRAIN", "EVAL"), ("TRAIN", "VALIDATION"), ("VALIDATION", "EVAL")]


@pytest.fixture(scope="module")
def rows():
    return {name: getattr(pt, fn)() for name, fn in SETS.items()}


def _fills(name):
    return set(getattr(pt, f"{name}_TASKS")) | set(getattr(pt, f"{name}_TOPICS"))


def _templates(name):
    frames = {f for fs in getattr(pt, f"{name}_FRAMES").values() for f in fs}
    return frames, set(getattr(pt, f"{name}_OPENERS")) - {""}, set(getattr(pt, f"{name}_CLOSERS")) - {""}


@pytest.mark.parametrize("name, least", [("TRAIN", 1400), ("VALIDATION", 200), ("EVAL", 400)])
def test_each_set_holds_both_labels_at_a_balanced_share(name, least, rows):
    labels = [r["label"] for r in rows[name]]
    assert set(labels) == {0, 1}
    assert 0.35 <= sum(labels) / len(labels) <= 0.65
    assert len(labels) >= least


@pytest.mark.parametrize("name", SETS)
def test_every_kind_appears_with_its_label(name, rows):
    assert {r["kind"] for r in rows[name]} == set(pt.HOSTILE_KINDS + pt.CIVIL_KINDS)
    for r in rows[name]:
        assert r["label"] == (1 if r["kind"] in pt.HOSTILE_KINDS else 0), r
        assert set(r) == {"text", "label", "kind"}


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("trigger", pt.TRIGGERS)
def test_trigger_words_appear_with_both_labels(name, trigger, rows):
    # "well done, genius" is a put-down and "Genius idea, thank you!" is not: the words alone must not decide.
    pattern = re.compile(rf"\b{re.escape(trigger)}\b", re.I)
    assert {r["label"] for r in rows[name] if pattern.search(r["text"])} == {0, 1}, trigger


@pytest.mark.parametrize("one, other", PAIRS)
def test_sets_share_no_sentence_template_or_fill_phrase(one, other, rows):
    texts = {name: {r["text"] for r in rows[name]} for name in (one, other)}
    assert not texts[one] & texts[other]
    for part_one, part_other in zip(_templates(one), _templates(other)):
        assert not part_one & part_other
    free = lambda name: {t for _, t in getattr(pt, f"{name}_FREE")}  # noqa: E731
    assert not free(one) & free(other)
    assert not _fills(one) & _fills(other)
    # no fill phrase of one set turns up anywhere in the other's text
    for a, b in ((one, other), (other, one)):
        lowered = [t.lower() for t in texts[b]]
        assert not [(f, t) for f in _fills(a) for t in lowered if f.lower() in t]
    # nor does a sentence of one set turn up inside a longer sentence of the other
    norm = lambda text: " ".join(text.lower().split()).rstrip(".!?")  # noqa: E731
    for a, b in ((one, other), (other, one)):
        shorter, longer = {norm(t) for t in texts[a]}, {norm(t) for t in texts[b]}
        assert not [(s, t) for s in shorter for t in longer if s in t]


def test_sets_are_deterministic_and_without_repeats(rows):
    for name, fn in SETS.items():
        assert getattr(pt, fn)() == rows[name]
        texts = [r["text"] for r in rows[name]]
        assert len(texts) == len(set(texts))


def test_every_placeholder_is_filled_and_replies_start_upper_case(rows):
    for name in SETS:
        for r in rows[name]:
            assert not re.search(r"[{}]", r["text"]), r["text"]
            assert r["text"][0].isupper(), r["text"]
            assert r["text"] == r["text"].strip() and "  " not in r["text"], r["text"]


def test_no_template_row_is_or_holds_a_probe_and_no_probe_holds_a_row(rows):
    # The probes are a held-apart evaluation set: only the template row is shown on failure.
    from models.probes import probes

    norm = lambda text: " ".join(text.lower().split())  # noqa: E731
    probe_texts = [norm(p["text"]) for p in probes()]
    for name in SETS:
        for r in rows[name]:
            text = norm(r["text"])
            assert not any(p in text or text in p for p in probe_texts), (name, r["text"])


def test_loader_reads_training_and_validation_rows_as_hostility(rows):
    load = getattr(models.data, "load_putdown_templates", None)
    if load is None:
        pytest.skip("loader not added yet")
    train = load()
    assert [e.text for e in train] == [r["text"] for r in rows["TRAIN"]]
    assert [e.text for e in load(split="train")] == [r["text"] for r in rows["TRAIN"]]
    val = load(split="val")
    assert [e.text for e in val] == [r["text"] for r in rows["VALIDATION"]]
    for examples, set_rows in ((train, rows["TRAIN"]), (val, rows["VALIDATION"])):
        for e, r in zip(examples, set_rows):
            assert e.source == "putdowns"
            assert e.labels == {"hostility": r["label"]}
    for split in ("test", "eval"):
        with pytest.raises(ValueError):
            load(split=split)
