"""bench/layer_budget.py's arithmetic and its timing wrapper (never a time itself)."""

import time

import pytest

from bench.layer_budget import PARTS, TimedEncoder, budget, layer_counts


def test_budget_divides_what_a_target_leaves_by_one_tuned_layer():
    ms = {"trunk": 7.8, "pretrained top": 5.4, "fine-tuned top": 5.4, "rest": 1.0, "total": 19.6}
    out = budget(ms, {"trunk": 3, "pretrained top": 3, "fine-tuned top": 3}, cores=2,
                 targets={"service": 250.0, "batch": 200.0})
    assert out["ms_a_tuned_layer"] == pytest.approx(1.8)
    assert out["layers_now"] == 9
    assert out["posts_per_s_now"] == pytest.approx(2000 / 19.6)
    assert out["targets"]["service"]["ms_a_post"] == pytest.approx(8.0)
    assert out["targets"]["service"]["layers"] == pytest.approx(7.0 / 1.8)
    assert out["targets"]["batch"]["layers"] == pytest.approx(9.0 / 1.8)


def test_a_target_below_the_rest_leaves_no_layer():
    ms = {"trunk": 1.0, "pretrained top": 1.0, "fine-tuned top": 1.0, "rest": 30.0, "total": 33.0}
    out = budget(ms, {"trunk": 3, "pretrained top": 3, "fine-tuned top": 3}, cores=2, targets={"fast": 250.0})
    assert out["targets"]["fast"]["layers"] == 0.0


def test_layer_counts_follow_the_weights_split():
    assert layer_counts({"split": 3}) == {"trunk": 3, "pretrained top": 3, "fine-tuned top": 3}
    assert layer_counts({"split": 2}) == {"trunk": 2, "pretrained top": 4, "fine-tuned top": 4}


class BusyEncoder:
    """Burns CPU only in the fine-tuned top, and says which part ran."""

    precision = "int8"

    def run_trunk(self, input_ids, mask):
        return "trunk"

    def run_top(self, hidden, mask, tuned):
        if tuned:
            end = time.process_time() + 0.05
            while time.process_time() < end:
                pass
        return "tuned" if tuned else "pretrained"


def test_timed_encoder_passes_calls_through_and_charges_the_part_that_ran():
    timed = TimedEncoder(BusyEncoder())
    assert timed.run_trunk(None, None) == "trunk"
    assert timed.run_top(None, None, tuned=False) == "pretrained"
    assert timed.run_top(None, None, tuned=True) == "tuned"
    assert timed.precision == "int8"  # anything else is the wrapped encoder's
    assert set(timed.seconds) == set(PARTS)
    assert timed.seconds["fine-tuned top"] >= 0.05
    assert timed.seconds["fine-tuned top"] > 10 * max(timed.seconds["trunk"], timed.seconds["pretrained top"], 1e-4)
