"""Moderators' verdicts: stored only when the operator says so, on SQLite and on PostgreSQL;
a community's calibration fitted from them, applied only where it measures better, and
named in every scoring response.

The keyword fake scores (service_helpers.FakeScorer); every test that takes
`database_url` runs twice, on a SQLite file and on a real PostgreSQL server.
"""

import random
from datetime import timedelta

import numpy as np
import pytest
from service_helpers import assert_error

from models import ATTRIBUTES
from server import store

POST = "Thanks for the summary, it helped me a lot with the setup."


def verdict(text, attribute="toxicity", value=1, **extra):
    return {"post": {"text": text, **extra.pop("post", {})}, "attribute": attribute, "value": value, **extra}


def community_verdicts(n, seed=0):
    """A community that finds 'awful' posts toxic, which the global model does not.

    Each verdict is on its own post; half the posts call something awful, a third of them
    call someone an idiot (toxic to the global model too), the rest are civil.
    """
    rng = random.Random(seed)
    verdicts = []
    for i in range(n):
        awful, idiot = rng.random() < 0.5, rng.random() < 0.3
        words = ["This reply number", str(i), "is about the release notes"]
        if awful:
            words.append("and the awful new menu")
        if idiot:
            words.append("and the idiot who wrote it")
        verdicts.append(verdict(" ".join(words) + ".", value=int(awful or idiot), moderator=f"mod{i % 3}"))
    return verdicts


def rows(app, community=None):
    with app.app_context():
        found = store.db.session.scalars(store.db.select(store.Verdict)).all()
        return [r for r in found if community is None or r.community == community]


# --- off by default -----------------------------------------------------------------


def test_feedback_is_off_by_default_and_no_database_is_made(app, client):
    response = client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST)]})
    assert_error(response, 403, "feedback is off", "MODLENS_FEEDBACK=on")
    assert_error(client.get("/v1/communities/c"), 403, "feedback is off")
    assert_error(client.post("/v1/communities/c/adapt"), 403, "feedback is off")
    assert "modlens_store" not in app.extensions
    assert not (app.instance_path and __import__("os").path.exists(app.instance_path))


def test_suggestscore_drops_the_verdict_when_feedback_is_off(client):
    response = client.post("/v1alpha1/comments:suggestscore", json={
        "comment": {"text": POST}, "attributeScores": {"DELETED": {"summaryScore": {"value": 1}}},
        "communityId": "Coral:https://talk.example/", "clientToken": "comment:1"})
    assert response.status_code == 200
    assert response.get_json() == {"clientToken": "comment:1"}


def test_scoring_a_community_with_feedback_off_is_global_and_says_why(client):
    response = client.post("/v1/score", json={"posts": [{"id": "a", "text": POST}], "community": "c"})
    assert response.status_code == 200
    calibration = response.get_json()["calibration"]
    assert calibration["state"] == "global" and calibration["version"] == 0
    assert "feedback is off" in calibration["reason"]


# --- storing -------------------------------------------------------------------------


def test_verdicts_are_stored_without_text_and_with_the_moderator_hashed(feedback_app, feedback_client):
    response = feedback_client.post("/v1/feedback", json={"community": "police", "verdicts": [
        verdict("You idiot, read the thread.", "insult", 1, moderator="Alice",
                post={"id": "p1", "parent_text": "I think the rule is wrong."}, thread={"title": "Rules"}),
        verdict(POST, "toxicity", 0, moderator="Alice"),
    ]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"stored": 2, "community": "police"}
    stored = rows(feedback_app)
    assert [(r.attribute, r.value, r.source) for r in stored] == [("insult", 1, "api"), ("toxicity", 0, "api")]
    for row in stored:
        assert row.text is None and row.parent_text is None and row.title is None
        assert row.moderator and "Alice" not in row.moderator and len(row.moderator) == 32
        assert store.unpack(row.features).shape == (len(ATTRIBUTES) + 8,)  # nine logits, the fake's 8-d embedding
        assert row.model == "fake-scorer 0.0.0 0000000000000000"
    assert stored[0].moderator == stored[1].moderator  # the same moderator, the same digest
    assert stored[0].score == pytest.approx(0.9) and stored[0].threshold == pytest.approx(0.5)


def test_text_is_kept_only_when_the_operator_says_so_and_purged_after_the_retention(make_feedback_app):
    app = make_feedback_app(FEEDBACK_KEEP_TEXT="true", FEEDBACK_RETENTION_DAYS=7)
    client = app.test_client()
    body = {"community": "c", "verdicts": [verdict(POST, post={"parent_text": "Any guide?"}, thread={"title": "Setup"})]}
    assert client.post("/v1/feedback", json=body).status_code == 200
    (row,) = rows(app)
    assert (row.text, row.parent_text, row.title) == (POST, "Any guide?", "Setup")

    result = app.test_cli_runner().invoke(args=["feedback", "purge"])
    assert "blanked the text of 0 verdict(s) older than 7 day(s)" in result.output
    with app.app_context():
        old = store.db.session.get(store.Verdict, row.id)
        old.created_at = store.now() - timedelta(days=8)
        store.db.session.commit()
    result = app.test_cli_runner().invoke(args=["feedback", "purge"])
    assert "blanked the text of 1 verdict(s)" in result.output
    (row,) = rows(app)
    assert row.text is None and row.parent_text is None and row.title is None
    assert store.unpack(row.features).size  # what adaptation needs stays


def test_an_operator_can_forget_a_community(feedback_app, feedback_client):
    feedback_client.post("/v1/feedback", json={"community": "gone", "verdicts": community_verdicts(30)})
    feedback_client.post("/v1/feedback", json={"community": "kept", "verdicts": [verdict(POST)]})
    feedback_client.post("/v1/communities/gone/adapt")
    result = feedback_app.test_cli_runner().invoke(args=["feedback", "forget", "gone"])
    assert "deleted 30 verdict(s) and 1 calibration(s) of 'gone'" in result.output
    assert [r.community for r in rows(feedback_app)] == ["kept"]
    assert score(feedback_client, POST, "gone")["calibration"]["state"] == "global"


@pytest.mark.parametrize(("body", "status", "fragments"), [
    ({"verdicts": [verdict(POST)]}, 400, ["community is required"]),
    ({"community": "has space", "verdicts": [verdict(POST)]}, 400, ["community must be", "without spaces"]),
    ({"community": "c", "verdicts": []}, 400, ["verdicts must hold at least one"]),
    ({"community": "c", "verdicts": "x"}, 400, ["verdicts must be an array"]),
    ({"community": "c", "verdicts": [verdict(POST, "rudeness")]}, 400, ["verdicts[0].attribute", "'rudeness'", "hostility"]),
    ({"community": "c", "verdicts": [verdict(POST, value=2)]}, 400, ["verdicts[0].value must be 1", "or 0"]),
    ({"community": "c", "verdicts": [verdict(POST, value=True)]}, 400, ["verdicts[0].value"]),
    ({"community": "c", "verdicts": [{"attribute": "toxicity", "value": 1}]}, 400, ["verdicts[0].post is required"]),
    ({"community": "c", "verdicts": [verdict(" ")]}, 400, ["verdicts[0].post.text is empty"]),
    ({"community": "c", "verdicts": [verdict(POST), verdict(7)]}, 400, ["verdicts[1].post.text must be a string"]),
    ({"community": "c", "verdicts": [verdict(POST, moderator=5)]}, 400, ["verdicts[0].moderator must be a string"]),
    ({"community": "c", "source": "email", "verdicts": [verdict(POST)]}, 400, ["source must be extension or api"]),
    ({"community": "c", "verdicts": [verdict("x" * 30000)]}, 413, ["verdicts[0].post.text", "limit"]),
])
def test_bad_feedback_is_refused_naming_the_field_and_nothing_is_stored(feedback_app, feedback_client, body, status, fragments):
    assert_error(feedback_client.post("/v1/feedback", json=body), status, *fragments)
    assert rows(feedback_app) == []


def test_a_post_in_another_language_refuses_the_whole_request(feedback_app, feedback_client):
    polish = "Dziękuję bardzo za pomoc, wszystko już działa jak należy i jestem bardzo zadowolony."
    response = feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST), verdict(polish)]})
    assert_error(response, 400, "verdicts[1].post.text is in a language the model does not score", "pl")
    assert rows(feedback_app) == []


def test_coral_talk_decisions_are_stored_as_toxicity_verdicts(feedback_app, feedback_client):
    # The body Coral Talk sends when a moderator rejects (DELETED) or approves a comment.
    def coral(status, comment_id):
        return {"comment": {"text": f"Comment {comment_id} about the council budget and its idiot author."},
                "context": {"entries": [{"text": '{"url":"https://news.example/a#c","reply_to_id_Coral_comment_id":null,'
                                                 f'"Coral_comment_id":"{comment_id}"}}'}]},
                "attributeScores": {status: {"summaryScore": {"value": 1}}}, "languages": ["EN"],
                "communityId": "Coral:https://talk.example/", "clientToken": f"comment:{comment_id}"}

    for status, comment_id in (("DELETED", "c1"), ("APPROVED", "c2"), ("HIGHLIGHTED", "c3")):
        response = feedback_client.post("/v1alpha1/comments:suggestscore", json=coral(status, comment_id))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"clientToken": f"comment:{comment_id}"}
    stored = rows(feedback_app)
    assert [(r.community, r.attribute, r.value, r.source) for r in stored] == [
        ("Coral:https://talk.example/", "toxicity", 1, "perspective"),
        ("Coral:https://talk.example/", "toxicity", 0, "perspective"),
        ("Coral:https://talk.example/", "toxicity", 0, "perspective")]
    # Coral's note of comment ids is not the comment's parent: the key is the text's alone.
    from server.communities import post_key
    assert stored[0].post_key == post_key(coral("DELETED", "c1")["comment"]["text"], None, None)


def test_perspective_attribute_suggestions_are_stored_with_their_community(feedback_app, feedback_client):
    body = {"comment": {"text": POST}, "communityId": "forum-1",
            "attributeScores": {"INSULT": {"summaryScore": {"value": 0.9}}, "TOXICITY": {"summaryScore": {"value": 0.1}},
                                "SEVERE_TOXICITY": {"summaryScore": {"value": 0.0}}}}
    assert feedback_client.post("/v1alpha1/comments:suggestscore", json=body).status_code == 200
    assert sorted((r.attribute, r.value) for r in rows(feedback_app)) == [("insult", 1), ("toxicity", 0)]
    # Without a communityId there is no community to learn for: counted and dropped.
    del body["communityId"]
    assert feedback_client.post("/v1alpha1/comments:suggestscore", json=body).status_code == 200
    assert len(rows(feedback_app)) == 2


# --- reading a community -----------------------------------------------------------------


def test_an_unknown_community_is_404_naming_it(feedback_client):
    assert_error(feedback_client.get("/v1/communities/nobody"), 404, "'nobody' has no verdicts")
    assert_error(feedback_client.post("/v1/communities/nobody/adapt"), 404, "'nobody' has no verdicts")


def test_a_community_reports_todays_flags_against_its_verdicts(feedback_client):
    verdicts = community_verdicts(40)
    assert feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": verdicts}).status_code == 200
    state = feedback_client.get("/v1/communities/c").get_json()
    assert state["verdicts"] == 40 and state["calibration"]["state"] == "global"
    toxicity = state["attributes"]["toxicity"]
    yes = sum(v["value"] for v in verdicts)
    flagged_yes = sum(1 for v in verdicts if "idiot" in v["post"]["text"])
    assert toxicity["positives"] == yes
    assert toxicity["precision"] == 1.0  # the fake flags only idiots, whom moderators also remove
    assert toxicity["recall"] == pytest.approx(flagged_yes / yes, abs=1e-4)
    assert toxicity["threshold"] == 0.5 and toxicity["threshold_source"] == "global"
    assert set(toxicity["would_flip"]) == {"verdicts", "now_agree", "now_disagree"}


def test_a_post_judged_twice_counts_once_with_its_latest_verdict(feedback_client):
    for value in (1, 0):
        feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST, value=value)]})
    state = feedback_client.get("/v1/communities/c").get_json()
    assert state["verdicts"] == 2
    assert state["attributes"]["toxicity"]["verdicts"] == 1 and state["attributes"]["toxicity"]["positives"] == 0


# --- adapting --------------------------------------------------------------------------


def score(client, text, community=None, **extra):
    body = {"posts": [{"id": "a", "text": text}], **extra}
    if community is not None:
        body["community"] = community
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_community_without_verdicts_scores_exactly_as_the_global_model(feedback_client):
    text = "What an awful idea, you idiot."
    plain, named = score(feedback_client, text), score(feedback_client, text, "new-forum")
    assert named["posts"] == plain["posts"]
    assert named["calibration"] == {"community": "new-forum", "version": 0, "verdicts": 0, "state": "global",
                                    "adapted": {}, "reason": "no calibration applied to this community yet"}
    assert plain["calibration"]["community"] is None


def test_too_few_verdicts_change_nothing_and_say_what_is_needed(feedback_client):
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": community_verdicts(10)})
    response = feedback_client.post("/v1/communities/c/adapt")
    assert response.status_code == 200
    report = response.get_json()["attributes"]["toxicity"]
    assert report["applied"] == {"refit": False, "threshold": False}
    assert "needs 20 verdicts" in report["reasons"]["threshold"]
    assert "needs 100 verdicts" in report["reasons"]["refit"]
    text = "What an awful menu."
    assert score(feedback_client, text, "c")["posts"] == score(feedback_client, text)["posts"]


def test_adapting_learns_the_communitys_norm_and_says_before_and_after(feedback_app, feedback_client):
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": community_verdicts(160)})
    response = feedback_client.post("/v1/communities/c/adapt", json={"moderator": "Head Mod"})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    report = answer["attributes"]["toxicity"]
    assert report["applied"]["refit"] is True
    assert report["after"]["roc_auc"] > report["before"]["roc_auc"] + 0.2
    assert report["after"]["f1"] > report["before"]["f1"]
    assert answer["calibration"]["state"] == "adapted" and answer["calibration"]["version"] == 1
    assert answer["calibration"]["adapted"]["toxicity"]["refit"] is True

    awful = score(feedback_client, "What an awful new menu.", "c")
    assert awful["calibration"]["version"] == 1
    assert "toxicity" in awful["posts"][0]["flags"]
    assert "toxicity" not in score(feedback_client, "What an awful new menu.")["posts"][0]["flags"]
    civil = score(feedback_client, "The release notes are out.", "c")["posts"][0]
    assert "toxicity" not in civil["flags"]
    # Attributes asked for are still the only ones answered.
    assert set(score(feedback_client, "awful", "c", attributes=["toxicity"])["posts"][0]["scores"]) == {"toxicity"}

    state = feedback_client.get("/v1/communities/c").get_json()
    assert state["attributes"]["toxicity"]["refit"] is True
    (entry,) = state["audit"]
    assert entry["action"] == "adapt" and entry["actor"].startswith("moderator:")
    assert "Head Mod" not in entry["actor"] and entry["detail"]["version"] == 1


def test_noise_is_not_applied(feedback_client):
    rng = random.Random(3)
    verdicts = [verdict(f"Reply {i} about the release notes and the menu.", value=int(rng.random() < 0.5))
                for i in range(120)]
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": verdicts})
    report = feedback_client.post("/v1/communities/c/adapt").get_json()["attributes"]["toxicity"]
    assert report["applied"]["refit"] is False
    assert "not applied" in report["reasons"]["refit"]


def test_adapt_refuses_an_unknown_attribute(feedback_client):
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST)]})
    assert_error(feedback_client.post("/v1/communities/c/adapt", json={"attributes": ["rudeness"]}), 400,
                 "attributes[0]", "'rudeness'")


def test_perspective_names_the_calibration_and_uses_the_communitys_score(feedback_client):
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": community_verdicts(160)})
    feedback_client.post("/v1/communities/c/adapt")

    def analyze(**extra):
        response = feedback_client.post("/v1alpha1/comments:analyze", json={
            "comment": {"text": "What an awful new menu."}, "requestedAttributes": {"TOXICITY": {}}, **extra})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    plain, community = analyze(), analyze(communityId="c")
    assert plain["calibration"]["state"] == "global"
    assert community["calibration"]["state"] == "adapted"
    assert community["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5 > \
        plain["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert set(community["attributeScores"]) == {"TOXICITY"}


# --- a new model, and a store that is down ----------------------------------------------------


def test_a_new_model_version_makes_the_calibration_stale_until_refitted(feedback_app, feedback_client, fake_scorer):
    feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": community_verdicts(160)})
    feedback_client.post("/v1/communities/c/adapt")
    fake_scorer.model_info = {**fake_scorer.model_info, "version": "0.0.1"}
    answer = score(feedback_client, "What an awful new menu.", "c")
    assert answer["calibration"]["state"] == "stale" and "re-fit" in answer["calibration"]["reason"]
    assert answer["posts"] == score(feedback_client, "What an awful new menu.")["posts"]

    # Without the text, the verdicts cannot be read by the new model: adapt says so.
    refit = feedback_client.post("/v1/communities/c/adapt").get_json()
    assert refit["stale_verdicts"]["left_out"] == 160 and refit["stale_verdicts"]["rescored"] == 0
    assert refit["attributes"] == {}


def test_with_the_text_kept_a_new_model_version_refits_from_what_is_stored(make_feedback_app, fake_scorer):
    client = make_feedback_app(FEEDBACK_KEEP_TEXT=True).test_client()
    client.post("/v1/feedback", json={"community": "c", "verdicts": community_verdicts(160)})
    client.post("/v1/communities/c/adapt")
    fake_scorer.model_info = {**fake_scorer.model_info, "version": "0.0.1"}
    refit = client.post("/v1/communities/c/adapt").get_json()
    assert refit["stale_verdicts"]["rescored"] == 160 and refit["stale_verdicts"]["left_out"] == 0
    assert refit["calibration"]["state"] == "adapted" and refit["calibration"]["version"] == 2


def test_an_unreachable_database_scores_globally_and_refuses_writes_with_503(make_app, tmp_path):
    # A PostgreSQL socket folder where no server listens: every connection fails at once.
    app = make_app(FEEDBACK="on", DATABASE_URL=f"postgresql://nobody@/modlens?host={tmp_path}&port=1")
    client = app.test_client()
    answer = score(client, "What an awful new menu.", "c")
    assert answer["calibration"]["state"] == "unavailable"
    assert answer["posts"] == score(client, "What an awful new menu.")["posts"]
    response = client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST)]})
    error = assert_error(response, 503, "verdict store is unreachable", "nothing was written")
    assert error["status"] == "UNAVAILABLE" and response.headers["Retry-After"] == "30"
    assert_error(client.get("/v1/communities/c"), 503, "unavailable")
    assert_error(client.post("/v1/communities/c/adapt"), 503, "unavailable")


def test_a_store_without_its_tables_says_to_migrate(make_app, tmp_path):
    client = make_app(FEEDBACK="on", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}").test_client()
    response = client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict(POST)]})
    assert_error(response, 503, "nothing was written")
    assert_error(client.get("/v1/communities/c"), 503, "flask --app server db upgrade")


def test_migrations_go_down_and_up_again(feedback_app, database_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from server.store import MIGRATIONS

    with feedback_app.app_context():
        assert {"verdicts", "calibrations", "audit_log", "store_settings"} <= set(inspect(store.db.engine).get_table_names())
        downgrade(directory=str(MIGRATIONS), revision="base")
        assert "verdicts" not in inspect(store.db.engine).get_table_names()
        upgrade(directory=str(MIGRATIONS))
        assert "verdicts" in inspect(store.db.engine).get_table_names()


def test_features_round_trip_exactly():
    vector = np.linspace(-3, 3, 17)
    assert np.allclose(store.unpack(store.pack(vector)), vector.astype(np.float32))


def test_with_the_real_model_a_verdict_keeps_the_scores_and_the_sentence_embedding(scorer, tmp_path):
    from flask_migrate import upgrade

    from server import create_app
    from server.store import MIGRATIONS

    app = create_app({"TESTING": True, "SCORER": scorer, "RATELIMIT_ENABLED": False, "FEEDBACK": "on",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'verdicts.sqlite3'}"})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
    client = app.test_client()
    text = "Well done, genius. Read the timetable before you ask."
    response = client.post("/v1/feedback", json={"community": "ferries", "verdicts": [
        verdict(text, "hostility", 1, post={"parent_text": "Is there a Sunday boat in winter?"},
                thread={"title": "Winter ferries"})]})
    assert response.status_code == 200, response.get_data(as_text=True)
    (row,) = rows(app)
    x = store.unpack(row.features)
    assert x.shape == (len(ATTRIBUTES) + 384,) and np.isfinite(x).all()
    assert row.score == pytest.approx(float(1 / (1 + np.exp(-x[ATTRIBUTES.index("hostility")]))), abs=1e-4)
    assert row.text is None
    answer = score(client, text, "ferries")
    assert answer["calibration"]["state"] == "global"
    assert answer["posts"] == score(client, text)["posts"]


def test_a_key_bound_to_communities_serves_only_those(make_feedback_app):
    from server.config import hash_key

    app = make_feedback_app(API_KEYS="mod-a,admin", API_KEY_COMMUNITIES={hash_key("mod-a"): ["forum-a"]})
    client = app.test_client()

    def as_key(key):
        return {"Authorization": f"Bearer {key}"}

    body = {"community": "forum-a", "verdicts": [verdict(POST)]}
    assert client.post("/v1/feedback", json=body, headers=as_key("mod-a")).status_code == 200
    for request in (
        lambda k: client.post("/v1/feedback", json={**body, "community": "forum-b"}, headers=as_key(k)),
        lambda k: client.get("/v1/communities/forum-b", headers=as_key(k)),
        lambda k: client.post("/v1/communities/forum-b/adapt", headers=as_key(k)),
        lambda k: client.post("/v1/score", json={"posts": [{"id": "a", "text": POST}], "community": "forum-b"},
                              headers=as_key(k)),
        lambda k: client.post(f"/v1alpha1/comments:analyze?key={k}", json={
            "comment": {"text": POST}, "requestedAttributes": {"TOXICITY": {}}, "communityId": "forum-b"}),
    ):
        assert_error(request("mod-a"), 403, "does not serve community 'forum-b'")
        assert request("admin").status_code != 403  # a key not bound serves every community
    assert client.get("/v1/communities/forum-a", headers=as_key("mod-a")).status_code == 200


def test_binding_an_unknown_key_is_a_configuration_error(make_app):
    from server import ConfigError

    with pytest.raises(ConfigError, match="not one of the API keys"):
        make_app(API_KEYS="k", API_KEY_COMMUNITIES={"0" * 64: ["c"]})


def test_a_worker_reads_a_communitys_calibration_once_per_interval(feedback_app, feedback_client, monkeypatch):
    from server import communities

    calls = []
    real = store.latest_calibration
    monkeypatch.setattr(store, "latest_calibration", lambda community: calls.append(community) or real(community))
    for _ in range(3):
        score(feedback_client, POST, "c")
    assert calls == ["c"]
    monkeypatch.setattr(communities, "CALIBRATION_TTL_SECONDS", 0.0)
    feedback_app.extensions["modlens_calibrations"].clear()  # as if the interval had passed
    score(feedback_client, POST, "c")
    score(feedback_client, POST, "c")
    assert calls == ["c", "c", "c"]
