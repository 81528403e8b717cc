"""Forum and comment-thread loaders (models/forum_data.py).

The always-run tests check the split helper and the span and de-duplication helpers on
synthetic input; the `shared` tests read every set in ../shared/data once and check the
splits, labels and spans the loaders return.
"""

import json
from collections import Counter

import pytest

from models import forum_data as fd
from models.data import Example, held_out

# --- Always run: helpers on synthetic input ----------------------------------------------------


def test_three_way_is_deterministic_and_keeps_its_shares():
    keys = [f"row:{i}" for i in range(20_000)]
    first = [fd._three_way(k, 0.1, 0.4) for k in keys]
    assert first == [fd._three_way(k, 0.1, 0.4) for k in keys]
    shares = Counter(first)
    assert abs(shares["train"] / len(keys) - 0.5) < 0.015
    assert abs(shares["val"] / len(keys) - 0.1) < 0.01
    assert abs(shares["test"] / len(keys) - 0.4) < 0.015

    shares = Counter(fd._three_way(k, 0.1, 0.1) for k in keys)
    assert abs(shares["train"] / len(keys) - 0.8) < 0.015
    assert abs(shares["val"] / len(keys) - 0.1) < 0.01
    assert abs(shares["test"] / len(keys) - 0.1) < 0.01

    # One SHA-1 fraction, as in data.held_out: the top test_share of it is test, so a row
    # that held_out puts in its top 10 % is test here too.
    assert all((fd._three_way(k, 0.1, 0.1) == "test") == (not held_out(k, 0.9)) for k in keys[:2000])
    assert {fd._three_way(k, 0.2, 0.0) for k in keys[:2000]} == {"train", "val"}
    with pytest.raises(ValueError):
        fd._three_way("x", 0.7, 0.4)


def test_ranges_are_contiguous_runs():
    assert fd._ranges([]) == []
    assert fd._ranges([5, 3, 4, 9, 10, 4]) == [(3, 6), (9, 11)]
    text, offsets = fd._strip_offsets("  ab cd ", [2, 3, 5, 6, 7])
    assert text == "ab cd" and offsets == [0, 1, 3, 4]


def test_disjoint_prefers_test_then_val():
    splits = {
        "train": [Example("Hello  there", "s"), Example("only train", "s"), Example("in val", "s")],
        "val": [Example("In val", "s"), Example("hello there", "s")],
        "test": [Example("hello there", "s")],
    }
    out = fd._disjoint(splits)
    assert [e.text for e in out["test"]] == ["hello there"]
    assert [e.text for e in out["val"]] == ["In val"]
    assert [e.text for e in out["train"]] == ["only train"]


def test_unknown_split_is_refused_before_reading(tmp_path):
    for loader in fd.FORUM_LOADERS.values():
        with pytest.raises(ValueError):
            loader(tmp_path, "dev")
    with pytest.raises(ValueError):
        fd.load_toxic_spans_typed(tmp_path, "test")


UC_LABELS = ("antagonize", "condescending", "dismissive", "generalisation", "generalisation_unfair", "healthy", "hostile", "sarcastic")
UC_HEADER = ("_unit_id", "_trusted_judgments", "comment") + tuple(f"{k}{suffix}" for k in UC_LABELS for suffix in ("", ":confidence"))


def _uc_csv(path, rows):
    """rows: (id, comment, {label: (majority, confidence)}); unnamed labels are 0 at 1.0."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(UC_HEADER)
        for uid, comment, given in rows:
            values = {"_unit_id": uid, "_trusted_judgments": 3, "comment": comment}
            for k in UC_LABELS:
                label, confidence = given.get(k, (0, 1.0))
                values[k], values[k + ":confidence"] = label, confidence
            w.writerow([values[h] for h in UC_HEADER])


def test_uc_soft_targets_are_the_raters_shares_and_labels_stay_the_majority(tmp_path):
    _uc_csv(tmp_path / "unhealthy_conversations" / "corpus__val.csv", [
        # A third of the raters found it condescending and a fifth dismissive: no majority for
        # any of the four, so hostility is 0, but its share is the larger of the two.
        (1, "Delusional much? Do some research.", {"condescending": (0, 0.6667), "dismissive": (0, 0.8), "healthy": (1, 0.6)}),
        (2, "Nobody asked you.", {"dismissive": (1, 0.7), "hostile": (1, 0.55), "sarcastic": (0, 0.9)}),
        (3, "Thanks, that timetable helped.", {"healthy": (1, 1.0)}),
    ])
    rows = {e.text: e for split in fd.SPLITS for e in fd.load_uc(tmp_path, split)}
    borderline, dismissive, civil = (rows[t] for t in ("Delusional much? Do some research.", "Nobody asked you.", "Thanks, that timetable helped."))
    assert borderline.labels == {"hostility": 0, "sarcasm": 0}
    assert borderline.soft["hostility"] == pytest.approx(1 / 3, abs=1e-3)
    assert dismissive.labels["hostility"] == 1 and dismissive.soft["hostility"] == pytest.approx(0.7)
    assert dismissive.soft["sarcasm"] == pytest.approx(0.1)
    assert civil.soft == {"hostility": 0.0, "sarcasm": 0.0}


def test_label_matrix_takes_soft_shares_only_when_asked():
    from models.train import HEAD_ATTRIBUTES, label_matrix

    rows = [
        Example("a", "uc", {"hostility": 0, "sarcasm": 1}, soft={"hostility": 0.4, "sarcasm": 0.6}),
        Example("b", "jigsaw", {"insult": 1}),
    ]
    hard, mask = label_matrix(rows)
    soft, soft_mask = label_matrix(rows, soft=True)
    h, s, i = (HEAD_ATTRIBUTES.index(a) for a in ("hostility", "sarcasm", "insult"))
    assert (hard[0, h], hard[0, s]) == (0.0, 1.0)
    assert soft[0, h] == pytest.approx(0.4) and soft[0, s] == pytest.approx(0.6)
    assert hard[1, i] == soft[1, i] == 1.0  # a source without shares keeps its labels
    assert (mask == soft_mask).all() and mask[0, i] == 0 and mask[1, h] == 0


# --- Shared data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(shared_dir):
    return shared_dir / "data"


@pytest.fixture(scope="module")
def loaded(data_dir):
    """source -> split -> examples, for every split each source provides."""
    out = {}
    for source, loader in fd.FORUM_LOADERS.items():
        out[source] = {}
        for split in fd.SPLITS:
            try:
                out[source][split] = loader(data_dir, split)
            except ValueError:
                assert (source, split) == ("toxic_spans_typed", "test")
    return out


@pytest.mark.shared
def test_every_source_loads_every_split(loaded):
    for source, splits in loaded.items():
        expected = {"train", "val"} if source == "toxic_spans_typed" else set(fd.SPLITS)
        assert set(splits) == expected, source
        for split, rows in splits.items():
            assert rows, (source, split)
            assert all(e.source == source for e in rows)


@pytest.mark.shared
def test_splits_are_disjoint(loaded):
    for source, splits in loaded.items():
        keys = {split: {fd._dedup_key(e.text) for e in rows} for split, rows in splits.items()}
        names = sorted(keys)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                assert not keys[a] & keys[b], (source, a, b, sorted(keys[a] & keys[b])[:3])


@pytest.mark.shared
def test_labels_are_binary_and_texts_clean(loaded):
    for source, splits in loaded.items():
        for rows in splits.values():
            for e in rows:
                assert e.text and e.text == e.text.strip(), source
                assert set(e.labels) <= set(fd.ATTRIBUTES), (source, e.labels)
                assert all(v in (0, 1) for v in e.labels.values()), (source, e.labels)
                assert e.parent is None or e.parent.strip(), source
            if source != "toxic_spans":  # SemEval rows carry spans only
                assert all(e.labels for e in rows), source


@pytest.mark.shared
def test_soft_shares_agree_with_the_majority_labels(loaded):
    # Where a source gives raters' shares, a majority 1 has a share of at least one half and a
    # majority 0 at most one half, and only labelled attributes carry one.
    for source in ("uc", "uq"):
        for rows in loaded[source].values():
            assert all(e.soft for e in rows), source
            for e in rows:
                assert set(e.soft) == set(e.labels), (source, e.soft)
                for a, share in e.soft.items():
                    assert 0.0 <= share <= 1.0
                    assert share >= 0.5 if e.labels[a] else share <= 0.5, (source, e.text[:60], a, share)


@pytest.mark.shared
def test_spans_lie_inside_the_text_sorted_and_apart(loaded):
    seen = 0
    for source, splits in loaded.items():
        for rows in splits.values():
            for e in rows:
                if e.spans is None:
                    continue
                for attribute, ranges in e.spans.items():
                    assert attribute in fd.ATTRIBUTES
                    seen += len(ranges)
                    for b, end in ranges:
                        assert 0 <= b < end <= len(e.text), (source, b, end, len(e.text))
                    for (_, e1), (b2, _) in zip(ranges, ranges[1:]):
                        assert e1 < b2, (source, ranges)
                if source == "toxic_spans":
                    offsets = [o for b, end in e.spans["toxicity"] for o in range(b, end)]
                    assert offsets == e.meta["offsets"]
    assert seen > 10_000


@pytest.mark.shared
def test_typed_spans_hold_no_semeval_trial_text(loaded, data_dir):
    trial = {fd._norm(e.text) for e in loaded["toxic_spans"]["test"]}
    assert len(trial) == 690
    for rows in loaded["toxic_spans_typed"].values():
        assert not any(fd._norm(e.text) in trial for e in rows)
    # The two Toxic Spans releases put a shared text on the same side.
    semeval_val = {fd._norm(e.text) for e in loaded["toxic_spans"]["val"]}
    typed_train = {fd._norm(e.text) for e in loaded["toxic_spans_typed"]["train"]}
    assert not semeval_val & typed_train


@pytest.mark.shared
def test_toxichat_has_no_machine_generated_turn(loaded, data_dir):
    human, machine = set(), set()
    for name in ("train.jsonl", "dev.jsonl"):
        with open(data_dir / "toxichat" / name, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                human |= {fd._toxichat_text(t["text"]) for t in row["reddit_thread"]}
                for key in ("final_dgpt_response", "final_gpt3_response"):
                    machine.add(fd._toxichat_text(row[key]["text"]))
    machine -= human  # a short reply ("Thanks!") may also be a human turn
    assert machine
    for rows in loaded["toxichat"].values():
        texts = {e.text for e in rows}
        assert texts <= human
        assert not texts & machine
        assert all(e.parent is None or e.parent in human for e in rows)


@pytest.mark.shared
def test_goemotions_anger_is_negativity_not_hostility(loaded):
    anger = [e for rows in loaded["goemotions"].values() for e in rows if e.meta["emotions"] == ["anger"]]
    assert len(anger) > 500
    assert all(e.labels == {"negativity": 1} for e in anger)
    assert not any("hostility" in e.labels for rows in loaded["goemotions"].values() for e in rows)


def _politeness_csv(path, scores):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("Community,Id,Request,Normalized Score\n")
        for i, s in enumerate(scores):
            f.write(f"Test,{i},Request number {i}?,{s}\n")


def test_politeness_reads_only_the_impolite_tail_as_hostile_and_skips_the_middle(tmp_path):
    # 100 requests per file scored 0..99: the least polite 6 (0..5, cut at index 6 inclusive)
    # are hostile, 51..99 (above the median, 50) are not, and 7..50 are left unlabelled.
    for name in fd.POLITENESS_FILES:
        _politeness_csv(tmp_path / "politeness" / name, range(100))
    rows = [e for split in fd.SPLITS for e in fd.load_politeness(tmp_path, split)]
    by_score = {}
    for e in rows:
        by_score.setdefault(e.meta["score"], set()).add(e.labels["hostility"])
    # The two files hold the same texts, so each text is kept once across splits.
    assert set(by_score) == set(range(7)) | set(range(51, 100))
    assert all(by_score[s] == {1} for s in range(7))
    assert all(by_score[s] == {0} for s in range(51, 100))
