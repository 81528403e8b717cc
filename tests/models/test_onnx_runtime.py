"""The ONNX Runtime path: export, round trip, scores beside torch's, the choice at start,
and the fallback to torch (never a crash) when the export is missing or of other weights.

One export per test session (about 15 s on 2 cores), made the way the service makes it:
by `Scorer.load(runtime="onnx")` finding a weights folder without one.
"""

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.onnx_encoder import FORMAT
from models.weights import CONFIG_FILE, WEIGHTS_FILE

POLITE = "Thanks for the detailed report, I think the inspectorate makes a fair point about training."
INSULT = "You are a pathetic idiot and everyone here thinks you are a moron."
RECIPE = "Here is my banana bread recipe. Mash three ripe bananas. Bake it for an hour."
THREAT = "Shut the f*** up, nobody asked you. I know where you live."
TEXTS = [POLITE, INSULT, RECIPE, THREAT, "Thanks, useful summary.", "ok", ""]
THREAD = {
    "title": "Police let down modern slavery victims, says report",
    "posts": [{"id": "p0", "text": "Victims are being let down by police, a report by the inspectorate has said."}]
    + [{"id": f"p{i}", "parent_id": "p0", "text": t} for i, t in enumerate(TEXTS, 1)],
}


def copy_weights(folder):
    from models.scorer import DEFAULT_WEIGHTS_DIR

    folder.mkdir()
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        shutil.copy(DEFAULT_WEIGHTS_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def onnx_weights(tmp_path_factory):
    """A copy of the committed weights, exported by the scorer at load as the service does."""
    from models import Scorer
    from models.onnx_encoder import onnx_folder

    folder = copy_weights(tmp_path_factory.mktemp("onnx") / "weights")
    assert not onnx_folder(folder).exists()
    scorer = Scorer.load(folder, runtime="onnx", precision="fp32", threads=1)
    assert scorer.model_info["runtime"] == "onnx", getattr(scorer, "runtime_reason", "")
    return folder


@pytest.fixture(scope="session")
def onnx_scorer(onnx_weights):
    from models import Scorer

    return Scorer.load(onnx_weights, runtime="onnx", precision="fp32", threads=1, export=False)


def test_tokenizer_gives_transformers_ids_and_offsets():
    """The scorer reads ids with `tokenizers` alone; transformers' fast tokenizer is the reference."""
    from models.encoder import load_tokenizer
    from models.tokenizer import WordPieceTokenizer

    ours, theirs = WordPieceTokenizer(), load_tokenizer()
    texts = TEXTS + ["Café naïve résumé, ÜBER straße", "日本語のテキスト and 中文", "emoji 😡👍 end", "sh1t p***ing f*ck",
                     "tabs\tand\nnewlines  and   spaces", "x" * 300, "a " * 400]
    for text in texts:
        a = ours(text, add_special_tokens=False, return_offsets_mapping=True)
        b = theirs(text, add_special_tokens=False, return_offsets_mapping=True)
        assert a["input_ids"] == b["input_ids"], text
        assert a["offset_mapping"] == [tuple(o) for o in b["offset_mapping"]], text
    assert (ours.cls_token_id, ours.sep_token_id) == (theirs.cls_token_id, theirs.sep_token_id)


def test_export_names_its_weights_and_round_trips(onnx_weights):
    from models.export_onnx import TOLERANCE
    from models.onnx_encoder import export_status, onnx_folder, read_manifest
    from models.weights import load_weights

    _, _, sha = load_weights(onnx_weights)
    manifest = read_manifest(onnx_folder(onnx_weights))
    assert export_status(onnx_weights, sha) is None
    assert manifest["weights_sha256"] == sha
    assert max(manifest["round_trip_max_abs_difference"]["fp32"].values()) < TOLERANCE
    # The fuser recognised every layer: one Attention operator each.
    assert manifest["fused_operators"]["trunk"]["Attention"] == 3
    assert manifest["fused_operators"]["tuned_top"]["Attention"] == 3


def test_int8_trunk_keeps_its_feed_forward_outputs_in_fp32(onnx_weights):
    # The recipe that brought int8 within the quality bar (models/export_onnx.py KEEP_FP32):
    # in the trunk's int8 graph the three feed-forward output products are still fp32
    # MatMuls, every other product is quantised; the tops are quantised throughout.
    import onnx

    from models.onnx_encoder import graph_file, onnx_folder, read_manifest

    folder = onnx_folder(onnx_weights)
    kept = read_manifest(folder)["int8_kept_fp32"]
    assert len(kept["trunk"]) == 3 and kept["semantic_top"] == kept["tuned_top"] == []
    for graph in ("trunk", "tuned_top"):
        nodes = onnx.load(str(folder / graph_file(graph, "int8")), load_external_data=False).graph.node
        fp32 = {n.name for n in nodes if n.op_type == "MatMul"}
        quantised = [n for n in nodes if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul", "QAttention")]
        assert fp32 == set(kept[graph]), graph
        assert len(quantised) >= 9, graph  # three layers: attention, its output and the first feed-forward product


def test_token_states_match_torch_fp32(onnx_scorer, scorer):
    prepared = [scorer._prepare(t) for t in (POLITE, INSULT, RECIPE, "ok")]
    ours, theirs = onnx_scorer._forward(prepared, [True] * 4), scorer._forward(prepared, [True] * 4)
    for a, b in zip(ours, theirs):
        assert np.abs(a.token_states - b.token_states).max() < 1e-4
        assert np.abs(a.vectors - b.vectors).max() < 1e-4
        assert np.abs(a.embedding - b.embedding).max() < 1e-5


def test_scores_match_torch_within_a_hundredth(onnx_scorer, scorer):
    ours, theirs = onnx_scorer.score_thread(THREAD), scorer.score_thread(THREAD)
    for a, b in zip(ours, theirs):
        assert a["scores"].keys() == b["scores"].keys()
        assert max(abs(a["scores"][k] - b["scores"][k]) for k in a["scores"]) < 0.01
        assert a["flags"] == b["flags"]
        assert [(s["begin"], s["end"], s["attribute"]) for s in a["spans"]] == [(s["begin"], s["end"], s["attribute"]) for s in b["spans"]]
    assert onnx_scorer.model_info["sha256"] == scorer.model_info["sha256"]
    assert (onnx_scorer.model_info["runtime"], onnx_scorer.model_info["precision"]) == ("onnx", "fp32")


def test_int8_scores_close_to_fp32(onnx_weights, scorer):
    from models import Scorer

    int8 = Scorer.load(onnx_weights, runtime="onnx", precision="int8", threads=1, export=False)
    assert int8.model_info["precision"] == "int8"
    for a, b in zip(int8.score_texts(TEXTS), scorer.score_texts(TEXTS)):
        # As for torch's int8 (test_speed_features.py): a few hundredths at most on these
        # texts; bench/quality.py holds it to 0.005 ROC-AUC before auto may choose it.
        assert max(abs(a["scores"][k] - b["scores"][k]) for k in a["scores"]) < 0.1


def test_int8_scores_of_a_post_do_not_depend_on_the_posts_beside_it(onnx_weights):
    # int8 activations are quantised over each run's whole input: with several windows a
    # run, a post's scores moved with its neighbours (up to 0.07). ONNX runs one window a run.
    from models import Scorer

    int8 = Scorer.load(onnx_weights, runtime="onnx", precision="int8", threads=1, export=False)
    assert int8.batch_size == 1
    together = int8.score_texts(TEXTS)
    for text, result in zip(TEXTS, together):
        assert int8.score_texts([text])[0]["scores"] == result["scores"]
    # Several windows a run remain possible when asked for.
    batched = Scorer.load(onnx_weights, runtime="onnx", precision="int8", threads=1, export=False, batch_size=16)
    assert batched.batch_size == 16


def test_windows_run_at_once_give_the_same_scores_as_one_after_the_other(onnx_weights, onnx_scorer):
    from models import Scorer

    parallel = Scorer.load(onnx_weights, runtime="onnx", precision="fp32", threads=1, export=False, parallel_windows=2)
    long_post = {"id": "long", "parent_id": "p0", "text": " ".join([POLITE, INSULT, RECIPE] * 20)}
    thread = {**THREAD, "posts": THREAD["posts"] + [long_post]}
    assert parallel.score_thread(thread) == onnx_scorer.score_thread(thread)
    assert parallel._pool is not None and parallel._pool._max_workers == 2
    with pytest.raises(ValueError, match="parallel_windows"):
        Scorer.load(onnx_weights, runtime="onnx", precision="fp32", export=False, parallel_windows=0)


def test_runs_at_once_share_the_cores_unless_threads_are_set(onnx_weights, monkeypatch):
    # Two runs at once, each on every core, oversubscribed the batch command: 60 posts/s
    # against 103 with one thread a run (bench/batch_throughput.md).
    import models.scorer as scorer_module
    from models import Scorer

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(scorer_module, "available_cores", lambda: 4)
    shared = Scorer.load(onnx_weights, runtime="onnx", precision="fp32", parallel_windows=2, export=False)
    assert (shared.parallel_windows, shared.encoder.threads) == (2, 2)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as gunicorn.conf.py sets it: taken as given
    assert Scorer.load(onnx_weights, runtime="onnx", precision="fp32", parallel_windows=2, export=False).encoder.threads == 1
    # A batch worker: one thread a run, as many runs at once as it has cores.
    fastest = Scorer.load_fastest(onnx_weights, cores=3)
    assert fastest.model_info["runtime"] == "onnx"
    assert (fastest.parallel_windows, fastest.encoder.threads) == (3, 1)


def test_a_batch_worker_on_torch_runs_one_batch_on_every_core(onnx_weights, monkeypatch):
    # torch batches 16 windows a run: one run on all the worker's cores, not one core a run.
    import torch

    import models.runtime as runtime_module
    from models import Scorer

    monkeypatch.setattr(runtime_module, "onnxruntime_installed", lambda: False)
    before = torch.get_num_threads()
    try:
        fastest = Scorer.load_fastest(onnx_weights, cores=2)
        assert fastest.model_info["runtime"] == "torch"
        assert (fastest.parallel_windows, torch.get_num_threads()) == (1, 2)
    finally:
        torch.set_num_threads(before)


def test_missing_export_falls_back_to_torch_with_one_log_line(tmp_path, caplog, scorer):
    from models import Scorer

    folder = copy_weights(tmp_path / "weights")
    with caplog.at_level(logging.WARNING, logger="modlens.scorer"):
        fallback = Scorer.load(folder, runtime="onnx", precision="fp32", export=False)
    assert (fallback.model_info["runtime"], fallback.model_info["precision"]) == ("torch", "fp32")
    lines = [r.getMessage() for r in caplog.records if r.name == "modlens.scorer"]
    assert len(lines) == 1 and "no ONNX export" in lines[0] and "torch" in lines[0]
    assert fallback.score_texts([INSULT]) == scorer.score_texts([INSULT])


def test_export_of_other_weights_is_stale(onnx_weights, tmp_path, caplog):
    from models import Scorer
    from models.onnx_encoder import ONNX_DIRNAME, export_status

    folder = copy_weights(tmp_path / "weights")
    shutil.copytree(onnx_weights / ONNX_DIRNAME, folder / ONNX_DIRNAME)
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["version"] = "retrained"  # new weights: a new sha256
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    scorer = Scorer.load(folder, runtime="onnx", precision="fp32", export=False)
    assert "other weights" in export_status(folder, scorer.model_info["sha256"])
    assert scorer.model_info["runtime"] == "torch"


def test_failed_export_falls_back_to_torch(tmp_path, monkeypatch):
    """An export that does not finish (here: a timeout no export can meet) is no crash."""
    from models import Scorer, runtime

    folder = copy_weights(tmp_path / "weights")
    monkeypatch.setattr(runtime, "EXPORT_TIMEOUT_S", 0.001)
    scorer = Scorer.load(folder, runtime="onnx", precision="fp32")
    assert scorer.model_info["runtime"] == "torch"
    assert "did not finish" in scorer.runtime_reason


def test_damaged_export_falls_back_to_torch(onnx_weights, tmp_path):
    from models import Scorer
    from models.onnx_encoder import ONNX_DIRNAME

    folder = copy_weights(tmp_path / "weights")
    shutil.copytree(onnx_weights / ONNX_DIRNAME, folder / ONNX_DIRNAME)
    (folder / ONNX_DIRNAME / "tuned_top.onnx").write_bytes(b"not a graph")
    scorer = Scorer.load(folder, runtime="onnx", precision="fp32", export=False)
    assert scorer.model_info["runtime"] == "torch"
    assert "does not load" in scorer.runtime_reason


def test_serving_with_onnx_imports_neither_torch_nor_transformers(onnx_weights):
    code = (
        "import sys\n"
        "from models import Scorer\n"
        f"s = Scorer.load({str(onnx_weights)!r}, runtime='onnx', precision='fp32', threads=1, export=False)\n"
        "assert s.model_info['runtime'] == 'onnx', s.runtime_reason\n"
        "s.score_thread({'title': 't', 'posts': [{'id': 'a', 'text': 'You idiot.'}, {'id': 'b', 'text': 'Thanks!'}]})\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


# --- the choice at start -------------------------------------------------------------------

ZEN4 = {"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}
SKYLAKE = {"avx2", "avx512f"}  # neither bf16 nor VNNI
HASWELL = {"avx2", "fma"}
SHA = "a" * 64


@pytest.mark.parametrize(
    ("flags", "quality", "expected"),
    [
        (ZEN4, {"onnx-int8": 0.003, "torch-bf16": 0.0004}, ("onnx", "int8")),
        (ZEN4, {"onnx-int8": 0.009, "torch-bf16": 0.0004}, ("torch", "bf16")),  # int8 short of the bar
        (ZEN4, {}, ("onnx", "fp32")),  # these weights not measured: fp32 only
        (SKYLAKE, {"onnx-int8": 0.003, "torch-bf16": 0.0004}, ("onnx", "fp32")),  # no VNNI, no bf16
        (HASWELL, {"onnx-int8": 0.003}, ("onnx", "fp32")),
        ({"amx_bf16", "amx_int8"}, {"torch-bf16": 0.0004}, ("torch", "bf16")),
    ],
)
def test_auto_takes_the_fastest_choice_that_keeps_quality(flags, quality, expected):
    from models.runtime import choose

    assert choose("auto", "auto", SHA, flags=flags, quality=quality, onnx=True)[:2] == expected


def test_auto_without_onnxruntime_is_torch():
    from models.runtime import choose

    assert choose("auto", "auto", SHA, flags=ZEN4, quality={"onnx-int8": 0.001}, onnx=False)[:2] == ("torch", "fp32")
    assert choose("auto", "auto", SHA, flags=ZEN4, quality={"torch-bf16": 0.001}, onnx=False)[:2] == ("torch", "bf16")


def test_auto_within_a_runtime_or_a_precision():
    from models.runtime import choose

    assert choose("torch", "auto", SHA, flags=ZEN4, quality={"torch-bf16": 0.001}, onnx=True)[:2] == ("torch", "bf16")
    assert choose("auto", "fp32", SHA, flags=ZEN4, quality={}, onnx=True)[:2] == ("onnx", "fp32")
    assert choose("onnx", "int8", SHA, flags=HASWELL, quality={}, onnx=True)[:2] == ("onnx", "int8")  # as configured


@pytest.mark.parametrize(("runtime", "precision"), [("onnx", "bf16"), ("tensorrt", "fp32"), ("torch", "fp8")])
def test_impossible_choices_are_refused(runtime, precision):
    from models.runtime import choose

    with pytest.raises(ValueError, match="runtime|precision"):
        choose(runtime, precision, SHA)


def test_quality_record_is_read_by_sha(tmp_path):
    from models.runtime import measured_quality

    path = tmp_path / "runtime_quality.json"
    path.write_text(json.dumps({SHA: {"worst_auc_difference": {"onnx-int8": 0.002}, "onnx_format": FORMAT}}))
    assert measured_quality(SHA, path) == {"onnx-int8": 0.002}
    assert measured_quality("b" * 64, path) == {}
    assert measured_quality(SHA, tmp_path / "absent.json") == {}


def test_quality_of_another_onnx_export_format_is_not_read(tmp_path):
    # A changed export (another int8 recipe) must be measured again before auto may take it;
    # torch's figures do not depend on the export and still count.
    from models.runtime import measured_quality

    path = tmp_path / "runtime_quality.json"
    for stale in ({"onnx_format": FORMAT - 1}, {}):
        path.write_text(json.dumps({SHA: {"worst_auc_difference": {"onnx-int8": 0.002, "torch-bf16": 0.001}, **stale}}))
        assert measured_quality(SHA, path) == {"torch-bf16": 0.001}


def test_quality_bar_reads_every_kind_of_roc_auc_key():
    # The bar must cover CAD's "_auc" rows and the reply-context sets' "auc_with_parent" /
    # "auc_text_only" rows, not only keys ending in ".auc" (which once left them unchecked).
    from bench.quality import is_auc

    for key in ("jigsaw.toxicity.auc", "cad.person_directed.insult_auc", "uq.hostility.auc_with_parent",
                "fox_news.identity_attack.auc_text_only"):
        assert is_auc(key), key
    for key in ("uc.rows", "toxic_spans.trial.char_f1", "seconds", "threats.flagged_at_cut"):
        assert not is_auc(key), key


def test_a_dask_workers_small_malloc_trim_threshold_is_undone():
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap
    # threshold at 128 KB: each window's buffers were mapped and unmapped on every run.
    from models.runtime import MALLOC_THRESHOLD, undo_small_malloc_trim

    class FakeLibc:
        def __init__(self):
            self.calls = []

        def mallopt(self, option, value):
            self.calls.append((option, value))

    libc = FakeLibc()
    assert undo_small_malloc_trim({"MALLOC_TRIM_THRESHOLD_": "65536"}, libc)
    assert sorted(libc.calls) == [(-3, MALLOC_THRESHOLD), (-1, MALLOC_THRESHOLD)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    for environ in ({}, {"MALLOC_TRIM_THRESHOLD_": str(MALLOC_THRESHOLD)}, {"MALLOC_TRIM_THRESHOLD_": "lots"}):
        libc = FakeLibc()
        assert not undo_small_malloc_trim(environ, libc) and libc.calls == [], environ
