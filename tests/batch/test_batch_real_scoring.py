"""The batch path on the real model (the root `scorer` fixture): saved page -> report."""

import json

import pytest

from models import ATTRIBUTES
from server import create_app


@pytest.fixture(scope="module")
def real_score(scorer):
    app = create_app({"TESTING": True, "SCORER": scorer, "RATELIMIT_ENABLED": False})
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["score", "--no-progress", *map(str, args)])

    return invoke


def test_saved_page_scores_every_post_with_the_real_model(real_score, scorer, fixtures_dir):
    result = real_score(fixtures_dir / "ips.html", fixtures_dir / "thread.txt")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] == dict(scorer.model_info)
    for thread in report["threads"]:
        for post in thread["posts"]:
            assert set(post["scores"]) == set(ATTRIBUTES)
            assert all(0.0 <= s <= 1.0 for s in post["scores"].values())
            for span in post["spans"]:
                assert 0 <= span["begin"] < span["end"] <= len(post["text"])
            for quote in post["quotes"]:
                assert set(quote["scores"]) <= set(ATTRIBUTES) and quote["scores"]


def test_report_matches_scoring_the_thread_directly(real_score, scorer, fixtures_dir):
    from server.extraction.extract import extract_thread
    from server.batch.runner import scoring_payload

    thread = extract_thread((fixtures_dir / "phpbb3.html").read_bytes())
    direct = scorer.score_thread(scoring_payload(thread))
    report = json.loads(real_score(fixtures_dir / "phpbb3.html").stdout)
    assert [p["scores"] for p in report["threads"][0]["posts"]] == [d["scores"] for d in direct]


@pytest.mark.shared
def test_seed_thread_quote_is_scored_apart(real_score, shared_dir):
    report = json.loads(real_score(shared_dir / "seeds" / "police_community_modern_slavery_thread.txt").stdout)
    posts = report["threads"][0]["posts"]
    assert len(posts) == 6
    assert posts[5]["quotes"][0]["author"] == "Zulu 22" and posts[5]["quotes"][0]["scores"]
    assert "Strange that the report" not in posts[5]["text"]
