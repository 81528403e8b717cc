"""models.compare_reports: the rule new weights are held to, read off two quality reports."""

import json

import pytest

from models import compare_reports as cr

BASE = {
    "jigsaw.toxicity.auc": 0.925, "offensive.macro_f1": 0.764, "offensive.threshold_from_val": 0.13,
    "uc.hostile.auc": 0.849, "uc.antagonize.auc": 0.804, "uc.condescending.auc": 0.755, "uc.dismissive.auc": 0.806,
    "probes.hostility.auc": 0.875, "probes.hostile_flagged_share": 0.34, "probes.civil_flagged_share": 0.01,
    "identity.flagged_share": 0.0, "off_topic.injected.cosine_baseline_auc": 0.914,
    "threats.probes": {"I am going to kill you.": 0.88},
}


def _write(tmp_path, name, tuned, intervals=None):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"tuned": tuned, "model": {}, "intervals": intervals or {}}))
    return path


def _changed(**changes):
    tuned = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        tuned[key.replace("__", ".")] = value
    return tuned


def test_rows_read_are_rocaucs_and_f1s_only():
    rows = [k for k in cr.flatten(BASE) if cr.is_quality_row(k)]
    assert "offensive.macro_f1" in rows and "uc.hostile.auc" in rows
    assert not {"offensive.threshold_from_val", "off_topic.injected.cosine_baseline_auc", "probes.civil_flagged_share",
                "threats.probes/I am going to kill you."} & set(rows)


def test_a_candidate_better_on_uc_and_no_worse_elsewhere_passes(tmp_path, capsys):
    base = _write(tmp_path, "base", BASE, {"uc.hostile.auc": {"ci95": [0.80, 0.89], "positives": 40, "negatives": 1700}})
    new = _write(tmp_path, "new", _changed(uc__hostile__auc=0.86, jigsaw__toxicity__auc=0.918))  # -0.007: allowed
    assert cr.main([str(base), str(new)]) == 0
    out = capsys.readouterr().out
    assert "passes the rule" in out and "0.800-0.890" in out


@pytest.mark.parametrize("changes,failed", [
    ({"uc__hostile__auc": 0.80, "uc__antagonize__auc": 0.86}, "no UC row down"),          # mean up, one row falls 0.049
    ({"jigsaw__toxicity__auc": 0.90, "uc__hostile__auc": 0.86}, "no other of"),            # another row falls 0.025
    ({"offensive__macro_f1": 0.70, "uc__hostile__auc": 0.86}, "no other of"),              # an F1 row counts too
    ({"probes__hostility__auc": 0.86, "uc__hostile__auc": 0.86}, "probes' hostility"),
    ({"probes__hostile_flagged_share": 0.30, "uc__hostile__auc": 0.86}, "hostile probes flagged"),
    ({"probes__civil_flagged_share": 0.06, "uc__hostile__auc": 0.86}, "hostile probes flagged"),
    ({"identity__flagged_share": 0.04, "uc__hostile__auc": 0.86}, "identity templates"),
    ({}, "UC hostility rows' mean up"),                                                    # unchanged is not better
])
def test_each_check_can_fail_on_its_own(tmp_path, capsys, changes, failed):
    base, new = _write(tmp_path, "base", BASE), _write(tmp_path, "new", _changed(**changes))
    assert cr.main([str(base), str(new)]) == 1
    fails = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and failed in fails[0], fails


def test_seeds_are_read_as_their_mean(tmp_path, capsys):
    # Seed A alone fails (UC hostile -0.03) and seed B alone passes; their mean fails on
    # the UC mean (0.849 -> 0.8465 on hostile, nothing else up).
    base = _write(tmp_path, "base", BASE)
    a = _write(tmp_path, "a", _changed(uc__hostile__auc=0.819))
    b = _write(tmp_path, "b", _changed(uc__hostile__auc=0.874))
    assert cr.main([str(base), str(b)]) == 0
    assert cr.main([str(base), str(a), str(b), "--mean"]) == 1
    assert "mean of 2" in capsys.readouterr().out
    assert cr.mean_of([{"x": 1.0, "y": 2.0}, {"x": 3.0}]) == {"x": 2.0}  # only rows both hold


def test_several_candidates_need_mean_and_bad_files_exit_2(tmp_path, capsys):
    base = _write(tmp_path, "base", BASE)
    with pytest.raises(SystemExit):
        cr.main([str(base), str(base), str(base)])
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert cr.main([str(base), str(broken)]) == 2
    assert cr.main([str(base), str(tmp_path / "missing.json")]) == 2
    assert "not a quality report" in capsys.readouterr().err
    no_rows = _write(tmp_path, "no_rows", {"jigsaw.toxicity.auc": 0.93})
    assert cr.main([str(base), str(no_rows)]) == 1
