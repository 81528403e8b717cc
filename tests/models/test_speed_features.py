"""Speed features by their behaviour (never by a time; bench/speed.py measures speed):
the score cache, lower-precision encoders, and embeddings made of windows only."""

import re
import threading

import numpy as np
import pytest

from models.cache import CachedScorer, ScoreCache, request_key

POLITE = "Thanks for the detailed report, I think the inspectorate makes a fair point about training."
INSULT = "You are a pathetic idiot and everyone here thinks you are a moron."
RECIPE = "Here is my banana bread recipe. Mash three ripe bananas. Bake it for an hour."
THREAD = {
    "title": "Police let down modern slavery victims, says report",
    "posts": [
        {"id": "p0", "text": "Victims are being let down by police, a report by the inspectorate has said."},
        {"id": "p1", "parent_id": "p0", "text": POLITE},
        {"id": "p2", "parent_id": "p0", "text": RECIPE},
    ],
}


class CountingScorer:
    """The Scorer contract, counting calls; scores depend on every input so keys matter."""

    def __init__(self, version="1"):
        self.calls = 0
        self.thresholds = {"toxicity": 0.5, "off_topic": 0.5}
        self.model_info = {"name": "counting", "version": version, "sha256": "0" * 64, "precision": "fp32"}

    def score_thread(self, thread, attributes=None, thresholds=None):
        self.calls += 1
        return [{"id": p["id"], "scores": {"toxicity": len(p["text"]) / 1000}, "flags": [], "spans": [], "quotes": []}
                for p in thread["posts"]]

    def score_texts(self, texts, attributes=None, thresholds=None):
        self.calls += 1
        return [{"scores": {"toxicity": len(t) / 1000}, "flags": [], "spans": []} for t in texts]


def copy_of(thread, **changes):
    import copy

    out = copy.deepcopy(thread)
    out.update(changes)
    return out


# --- the cache -------------------------------------------------------------------------------


def test_repeat_is_a_hit_with_the_same_results():
    inner = CountingScorer()
    cached = CachedScorer(inner, max_entries=8)
    first = cached.score_thread(THREAD)
    second = cached.score_thread(copy_of(THREAD))
    assert first == second
    assert inner.calls == 1
    assert (cached.cache.hits, cached.cache.misses) == (1, 1)


def test_real_scorer_results_are_unchanged_by_the_cache(scorer):
    cached = CachedScorer(scorer, max_entries=4)
    direct = scorer.score_thread(THREAD)
    assert cached.score_thread(THREAD) == direct
    assert cached.score_thread(THREAD) == direct
    assert cached.cache.hits == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.update(title="Another subject"),  # the topic every off_topic reads
        lambda t: t["posts"][0].update(text="A different opening post."),
        lambda t: t["posts"][2].update(parent_id="p1"),  # the parent changes the judgement
        lambda t: t["posts"].insert(2, {"id": "px", "parent_id": "p0", "text": "An earlier reply."}),
        lambda t: t["posts"][1].update(quotes=[{"author": "a", "text": "quoted"}]),
    ],
    ids=["title", "opening", "parent", "previous", "quotes"],
)
def test_context_is_part_of_the_key(change):
    inner = CountingScorer()
    cached = CachedScorer(inner)
    cached.score_thread(THREAD)
    changed = copy_of(THREAD)
    change(changed)
    cached.score_thread(changed)
    assert inner.calls == 2


def test_attributes_and_thresholds_are_part_of_the_key():
    inner = CountingScorer()
    cached = CachedScorer(inner)
    cached.score_thread(THREAD)
    cached.score_thread(THREAD, attributes=["toxicity"])
    cached.score_thread(THREAD, thresholds={"toxicity": 0.9})
    cached.score_thread(THREAD, thresholds={"toxicity": 0.5})  # the default in force: same key as the first
    assert inner.calls == 3
    inner.thresholds["toxicity"] = 0.7  # the server's own thresholds changed
    cached.score_thread(THREAD)
    assert inner.calls == 4


@pytest.mark.parametrize("field", ["name", "version", "sha256", "precision"])
def test_model_identity_is_part_of_the_key(field):
    info = {"name": "m", "version": "1", "sha256": "a" * 64, "precision": "fp32"}
    other = dict(info, **{field: "other"})
    assert request_key(info, "thread", THREAD, None, {}) != request_key(other, "thread", THREAD, None, {})


def test_key_ignores_key_order_and_holds_no_text():
    reordered = {"posts": THREAD["posts"], "title": THREAD["title"]}
    key = request_key({"name": "m"}, "thread", THREAD, None, {"toxicity": 0.5})
    assert key == request_key({"name": "m"}, "thread", reordered, None, {"toxicity": 0.5})
    assert re.fullmatch(r"[0-9a-f]{64}", key)  # a sha256 digest: the text cannot be read back
    assert key != request_key({"name": "m"}, "thread", reordered, None, {"toxicity": 0.6})


def test_texts_are_cached_apart_from_threads():
    inner = CountingScorer()
    cached = CachedScorer(inner)
    assert cached.score_texts([POLITE]) == cached.score_texts([POLITE])
    cached.score_texts([INSULT])
    assert inner.calls == 2


def test_callers_cannot_change_what_the_cache_holds():
    cached = CachedScorer(CountingScorer())
    first = cached.score_thread(THREAD)
    original = first[0]["scores"]["toxicity"]
    first[0]["scores"]["toxicity"] = 99.0
    first.append({"id": "added"})
    again = cached.score_thread(THREAD)
    assert again[0]["scores"]["toxicity"] == original
    assert len(again) == len(THREAD["posts"])
    assert cached.cache.hits == 1


def test_size_is_bounded_and_least_recently_used_goes_first():
    cache = ScoreCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "10"])
def test_size_must_be_a_positive_whole_number(size):
    with pytest.raises(ValueError):
        ScoreCache(size)


def test_threads_share_one_cache_safely():
    inner = CountingScorer()
    cached = CachedScorer(inner, max_entries=16)
    threads_ = [copy_of(THREAD, title=f"subject {i % 20}") for i in range(200)]
    results, errors = [None] * len(threads_), []

    def work(lo, hi):
        try:
            for i in range(lo, hi):
                results[i] = cached.score_thread(threads_[i])
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    workers = [threading.Thread(target=work, args=(k * 50, (k + 1) * 50)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert all(r == inner.score_thread(t) for r, t in zip(results, threads_))
    assert len(cached.cache) <= 16
    assert cached.cache.hits + cached.cache.misses == 200


def test_other_attributes_are_the_wrapped_scorers():
    inner = CountingScorer(version="7")
    cached = CachedScorer(inner)
    assert cached.model_info["version"] == "7"
    assert cached.thresholds is inner.thresholds


# --- lower precision ----------------------------------------------------------------------


@pytest.fixture(scope="module", params=["int8", "bf16"])
def low_precision(request):
    from models import Scorer

    return Scorer.load(precision=request.param)


def test_low_precision_loads_and_names_itself(low_precision, scorer):
    assert low_precision.model_info["precision"] in ("int8", "bf16")
    assert low_precision.model_info["sha256"] == scorer.model_info["sha256"]


def test_low_precision_scores_close_to_fp32(low_precision, scorer):
    texts = [POLITE, INSULT, RECIPE, "Thanks, useful summary."]
    low, full = low_precision.score_texts(texts), scorer.score_texts(texts)
    for a, b in zip(low, full):
        assert set(a["scores"]) == set(b["scores"])
        for name in a["scores"]:
            assert type(a["scores"][name]) is float
            # int8 moves a calibrated score by a few hundredths at most on these texts;
            # bf16 by under a thousandth. The quality report holds both to 0.005 AUC.
            assert abs(a["scores"][name] - b["scores"][name]) < 0.1, name
    cosine = np.sum(low_precision.embed(texts) * scorer.embed(texts), axis=1)
    assert cosine.min() > 0.9


def test_low_precision_scores_a_whole_thread(low_precision):
    results = low_precision.score_thread(THREAD)
    assert [r["id"] for r in results] == ["p0", "p1", "p2"]
    assert all(0.0 <= v <= 1.0 for r in results for v in r["scores"].values())


def test_unknown_precision_is_refused():
    from models import Scorer

    with pytest.raises(ValueError, match="precision"):
        Scorer.load(precision="fp8")


# --- one pass per post ----------------------------------------------------------------------


def test_post_embedding_is_its_windows_alone(scorer):
    """Sentences are pooled from the window's states; the embedding must not notice them."""
    (encoded,) = scorer._forward([scorer._prepare(RECIPE)], [True])
    assert encoded.kinds.count("sentence") == 3
    assert np.allclose(encoded.embedding, scorer.embed([RECIPE])[0], atol=1e-5)


def test_each_window_is_encoded_once_whatever_its_sentences(scorer, monkeypatch):
    """Post, sentence and word scores come from one forward pass over each window."""
    rows = []
    run_trunk = scorer.encoder.run_trunk

    def counting(input_ids, mask):
        rows.append(int(mask.sum()))
        return run_trunk(input_ids, mask)

    monkeypatch.setattr(scorer.encoder, "run_trunk", counting)
    scorer.score_texts([RECIPE, POLITE], thresholds={"toxicity": 0.0})
    prepared = [scorer._prepare(t) for t in (RECIPE, POLITE)]
    assert sum(rows) == sum(e - b + 2 for p in prepared for b, e in p.windows)
    assert len(prepared[0].sentences) == 3 and len(prepared[0].windows) == 1


# --- the service's wiring ---------------------------------------------------------------------


def test_service_loads_a_cached_serialised_scorer(monkeypatch):
    from models import Scorer
    from server import scoring

    monkeypatch.setattr(Scorer, "load", classmethod(lambda cls, precision="fp32", runtime="torch", **_where: CountingScorer(version=precision)))
    slot = scoring.ModelSlot()
    scoring._load(slot, "bf16", 8)
    assert slot.ready
    assert isinstance(slot.scorer, CachedScorer) and isinstance(slot.scorer.scorer, scoring.OneAtATime)
    assert slot.scorer.model_info["version"] == "bf16"
    slot.scorer.score_thread(THREAD)
    slot.scorer.score_thread(THREAD)
    assert slot.scorer.cache.hits == 1

    scoring._load(slot, "fp32", 0)  # a cache of size 0 is no cache
    assert isinstance(slot.scorer, scoring.OneAtATime)


@pytest.mark.parametrize("config", [{"PRECISION": "fp16"}, {"RUNTIME": "tensorrt"}, {"RUNTIME": "onnx", "PRECISION": "bf16"},
                                    {"CACHE_SIZE": -1}, {"CACHE_SIZE": "many"}])
def test_service_refuses_bad_speed_settings(config):
    from server import ConfigError, create_app

    with pytest.raises(ConfigError, match="MODLENS_(RUNTIME|PRECISION|CACHE_SIZE)"):
        create_app({"TESTING": True, **config})


@pytest.mark.parametrize(
    ("flags", "expected"),
    [("fpu avx512f avx512_bf16 avx512_vnni", "bf16"), ("fpu amx_bf16 amx_tile", "bf16"), ("fpu avx2 avx512f", "fp32")],
)
def test_auto_precision_is_bf16_only_where_the_cpu_has_it(tmp_path, flags, expected):
    from models.quantize import auto_precision

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    assert auto_precision(str(cpuinfo)) == expected
    assert auto_precision(str(tmp_path / "absent")) == "fp32"
