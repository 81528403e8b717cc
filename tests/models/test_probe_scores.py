"""models/probe_scores.py: the probe-by-probe table that says which replies make a report's shares."""

from __future__ import annotations

import pytest

from models import probe_scores
from models.evaluate import evaluate_probes, score_probes
from models.probes import probes


def _result(score: float) -> dict:
    return {"scores": {"threat": score}}


def test_table_marks_flags_and_the_replies_where_weights_disagree():
    rows = [{"kind": "intimidation", "text": "I know where you live."},
            {"kind": "intimidation", "text": "Watch your back."},
            {"kind": "threat_lookalike", "text": "Break a leg tomorrow!"}]
    columns = [("old", [_result(0.5), _result(0.05), _result(0.2)]),
               ("new", [_result(0.3), _result(0.15), _result(0.01)])]
    lines = probe_scores.table(rows, columns, "threat", 0.1)
    assert lines[:2] == ["[1] old", "[2] new"]
    body = lines[3:-1]
    assert "0.500*" in body[0] and "0.300*" in body[0] and "differs" not in body[0]
    assert "0.050 " in body[1] and "0.150*" in body[1] and body[1].endswith("<- differs")
    assert body[2].startswith("threat_lookalike") and body[2].endswith("<- differs")
    assert lines[-1].split()[-2:] == ["2/3", "2/3"]


def test_score_probes_is_what_the_report_reads():
    class Fixed:
        """Scores a reply by its length, so each probe gets its own score."""
        thresholds = {}

        def score_thread(self, thread):
            return [None] + [{"scores": {"threat": len(p["text"]) / 1000}, "flags": []} for p in thread["posts"][1:]]

    rows = [p for p in probes() if p["kind"] == "intimidation"]
    results = score_probes(Fixed(), rows)
    assert [r["scores"]["threat"] for r in results] == [len(p["text"]) / 1000 for p in rows]


def test_unknown_kind_is_refused_before_any_model_loads(capsys):
    with pytest.raises(SystemExit) as stop:
        probe_scores.main(["--kinds", "intimidation,menacing"])
    assert stop.value.code == 2
    assert "unknown probe kinds: menacing" in capsys.readouterr().err


def test_a_folder_without_weights_is_refused_by_name(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        probe_scores.main(["--weights", str(tmp_path / "no-run")])
    assert stop.value.code == 2
    assert f"not a weights folder (no config.json): {tmp_path / 'no-run'}" in capsys.readouterr().err


def test_committed_weights_flag_the_same_share_as_the_report(capsys):
    from models.scorer import Scorer

    assert probe_scores.main(["--kinds", "intimidation", "--attribute", "threat"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    flagged, total = (int(x) for x in last.split()[-1].split("/"))
    assert total == sum(p["kind"] == "intimidation" for p in probes())
    share = evaluate_probes(Scorer.load())["probes.threats_flagged_share"]
    assert flagged / total == pytest.approx(share)
