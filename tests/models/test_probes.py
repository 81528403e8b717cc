"""Forum probes: enough of each kind, labels that match the kind, and nothing shared with the threat templates."""

import re
from collections import Counter

import pytest

from models import probes as pr
from models import threat_templates as tt

ALL_KINDS = pr.HOSTILE_KINDS + pr.CIVIL_KINDS


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _template_texts() -> set[str]:
    rows = tt.training_set() + tt.validation_set() + tt.evaluation_set()
    return {_norm(r["text"]) for r in rows}


def test_at_least_170_probes_with_unique_ids_and_texts():
    assert len(pr.PROBES) >= 170
    ids = [p["id"] for p in pr.PROBES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"p\d{3}", i) for i in ids), ids
    texts = [_norm(p["text"]) for p in pr.PROBES]
    assert [t for t, n in Counter(texts).items() if n > 1] == []


def test_every_kind_has_its_minimum_and_no_other_kind_exists():
    counts = Counter(p["kind"] for p in pr.PROBES)
    assert set(counts) == set(ALL_KINDS) == set(pr.MIN_PER_KIND)
    for kind, least in pr.MIN_PER_KIND.items():
        assert counts[kind] >= least, (kind, counts[kind])


def test_kind_groups_are_consistent():
    assert not set(pr.HOSTILE_KINDS) & set(pr.CIVIL_KINDS)
    assert pr.THREAT_KINDS == ("intimidation",)
    assert set(pr.THREAT_KINDS) <= set(pr.HOSTILE_KINDS)
    assert pr.LOOKALIKE_KINDS == ("reported_threat", "threat_lookalike")
    assert set(pr.LOOKALIKE_KINDS) <= set(pr.CIVIL_KINDS)


@pytest.mark.parametrize("probe", pr.PROBES, ids=lambda p: p["id"])
def test_labels_match_the_kind(probe):
    labels = probe["labels"]
    assert set(labels) == {"hostility", "threat", "insult"}
    assert set(labels.values()) <= {0, 1}
    if probe["kind"] in pr.HOSTILE_KINDS:
        assert labels["hostility"] == 1
    else:
        # Civil kinds: anger at events, disagreement and reported threats are not attacks on a member.
        assert labels == {"hostility": 0, "threat": 0, "insult": 0}
    assert labels["threat"] == int(probe["kind"] in pr.THREAT_KINDS)


def test_aggressive_probes_hold_both_name_calling_and_plain_aggression():
    insults = {p["labels"]["insult"] for p in pr.PROBES if p["kind"] == "aggressive"}
    assert insults == {0, 1}


@pytest.mark.parametrize("probe", pr.PROBES, ids=lambda p: p["id"])
def test_every_probe_is_a_reply_in_a_thread(probe):
    for field in ("title", "parent", "text"):
        assert isinstance(probe[field], str) and probe[field].strip(), field
    assert 5 <= len(probe["text"].split()) <= 80, probe["text"]
    assert _norm(probe["parent"]) != _norm(probe["text"])


@pytest.mark.parametrize("kind, title, text", [
    ("condescending", "Which ferry runs on Sundays in winter?",
     "Oh great, another genius who cannot read a timetable. Well done."),
    ("intimidation", None, "If you post that again I will find out where you live."),
    ("aggressive", None, "You are a pathetic idiot."),
])
def test_the_issues_three_replies_are_probes(kind, title, text):
    [probe] = [p for p in pr.PROBES if p["text"] == text]
    assert probe["kind"] == kind
    assert title is None or probe["title"] == title
    if text == "You are a pathetic idiot.":
        assert probe["labels"]["insult"] == 1


def test_probes_returns_copies():
    first = pr.probes()
    assert first == list(pr.PROBES)
    first[0]["text"] = "changed"
    first[0]["labels"]["hostility"] = 0
    assert pr.PROBES[0]["text"] != "changed" and pr.PROBES[0]["labels"]["hostility"] == 1


def test_no_probe_is_or_holds_a_template_sentence():
    # The probes measure the forum, not our template wording: a probe that repeats a
    # generated sentence (or one held inside a longer probe) would be a training row in disguise.
    templates = _template_texts()
    bare = {t.rstrip(".!?") for t in templates}
    for p in pr.PROBES:
        text = _norm(p["text"])
        assert text not in templates, p["id"]
        assert not [t for t in bare if t in text], p["id"]
        assert not [t for t in templates if text.rstrip(".!?") in t], p["id"]


def test_no_probe_holds_a_template_harm_phrase():
    # "kill him", "post your home address online": whole harm phrases, as the templates fill them.
    phrases = {h.format(o=o, p=p).lower()
               for name in ("TRAIN", "VALIDATION", "EVAL")
               for h in getattr(tt, f"{name}_HARMS")
               for o, p in tt.TARGETS}
    for probe in pr.PROBES:
        text = _norm(probe["text"])
        assert not [h for h in phrases if re.search(rf"\b{re.escape(h)}\b", text)], probe["id"]
