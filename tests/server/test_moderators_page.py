"""The moderators' page (/communities/ID) and the verdict exports: what the JSON routes say,
rendered escaped, under the same rules for keys, communities and feedback being off.

Every test that takes `feedback_app` runs on SQLite and on a real PostgreSQL server, as the
verdict store's own tests do (tests/server/conftest.py).
"""

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup
from service_helpers import assert_error
from test_service_feedback import POST, community_verdicts, verdict

from server.config import hash_key


def page(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def row_text(soup, table, attribute):
    row = soup.select_one(f"table#{table} tr[data-attribute={attribute}]")
    return {cell["class"][0]: cell.get_text(strip=True) for cell in row.find_all("td")}


def send(client, community, verdicts, **headers):
    response = client.post("/v1/feedback", json={"community": community, "verdicts": verdicts}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


# --- feedback off, unknown communities, a store that is down ---------------------------------


def test_with_feedback_off_the_page_and_the_exports_say_so_and_open_no_database(app, client):
    soup = page(client.get("/communities/c"), 403)
    assert "feedback is off" in soup.select_one(".error").get_text()
    for path in ("/communities/c/verdicts.csv", "/communities/c/verdicts.jsonl"):
        assert_error(client.get(path), 403, "feedback is off")
    assert "modlens_store" not in app.extensions


def test_an_unknown_community_is_a_404_page_naming_it(feedback_client):
    assert "'nobody' has no verdicts" in page(feedback_client.get("/communities/nobody"), 404).get_text()
    assert_error(feedback_client.get("/communities/nobody/verdicts.csv"), 404, "'nobody' has no verdicts")


def test_a_malformed_community_is_a_400_page_naming_the_rule(feedback_client):
    soup = page(feedback_client.get("/communities/a%0Ab"), 400)
    assert "printable text without spaces" in soup.get_text()


def test_an_unreachable_store_is_a_503_page_with_retry_after(make_app, tmp_path):
    client = make_app(FEEDBACK="on", DATABASE_URL=f"postgresql://nobody@/modlens?host={tmp_path}&port=1").test_client()
    response = client.get("/communities/c")
    assert "unavailable" in page(response, 503).get_text()
    assert response.headers["Retry-After"] == "30"
    assert_error(client.get("/communities/c/verdicts.csv"), 503, "unavailable")


# --- what the page shows -----------------------------------------------------------------------


def test_the_page_shows_the_counts_precision_recall_and_suggestion_of_the_json_route(make_feedback_app):
    # A server that flags toxicity only from 0.95: the keyword fake's 0.9 never reaches it,
    # and the moderators' verdicts suggest a threshold that flags their idiots again.
    client = make_feedback_app(THRESHOLDS={"toxicity": 0.95}).test_client()
    send(client, "c", community_verdicts(40))
    state = client.get("/v1/communities/c").get_json()
    soup = page(client.get("/communities/c"))
    assert soup.select_one("#verdict-count").get_text() == "40"
    assert soup.select_one("#calibration-state").get_text() == "global"
    toxicity, shown = state["attributes"]["toxicity"], row_text(soup, "attributes", "toxicity")
    assert shown["verdicts"] == "40" and shown["positives"] == str(toxicity["positives"])
    assert shown["precision"] == "–" and shown["recall"] == "0.00"  # nothing flagged at 0.95
    assert shown["threshold"] == "0.95 (global)"
    assert shown["suggested"] == f"{toxicity['suggested_threshold']:.2f}"
    flip = toxicity["would_flip"]
    assert flip["verdicts"] > 0 and flip["now_disagree"] == 0
    assert shown["change"] == (f"{flip['verdicts']} past verdicts would flip: {flip['now_agree']} to agree with the "
                               f"moderators, 0 to disagree")
    assert soup.select_one("#audit").get_text(" ", strip=True).endswith("Nothing applied yet.")


def test_a_suggestion_that_changes_nothing_says_so(feedback_client):
    send(feedback_client, "c", community_verdicts(40))
    shown = row_text(page(feedback_client.get("/communities/c")), "attributes", "toxicity")
    assert shown["precision"] == "1.00" and shown["change"] == "no verdict would flip"


def test_too_few_verdicts_say_what_a_suggestion_needs(feedback_client):
    send(feedback_client, "c", [verdict(POST, value=0)])
    shown = row_text(page(feedback_client.get("/communities/c")), "attributes", "toxicity")
    assert shown["suggested"] == "none yet" and "20 verdicts" in shown["change"]
    assert shown["precision"] == "–"  # nothing flagged: no precision to speak of


def test_every_value_is_escaped(feedback_client):
    community = '<img/src=x/onerror=alert(1)>&"'
    send(feedback_client, community, [verdict(POST)])
    response = feedback_client.get(f"/communities/{community}")
    html = response.get_data(as_text=True)
    assert "<img" not in html and "&lt;img/src=x/onerror=alert(1)&gt;&amp;" in html
    assert page(response).select_one("h1 .community").get_text() == community
    assert "<script" not in html  # and the page has no script of its own


# --- apply -------------------------------------------------------------------------------------


def test_apply_fits_applies_and_audits_as_the_adapt_route_does(feedback_client):
    send(feedback_client, "c", community_verdicts(160))
    soup = page(feedback_client.post("/communities/c/apply", data={"moderator": "Head Mod"},
                                     headers={"Sec-Fetch-Site": "same-origin"}))
    row = soup.select_one("#applied tr[data-attribute=toxicity]")
    assert "re-fitted score" in row.select_one(".applied").get_text()
    assert "Re-fit: applied" in row.select_one(".reasons").get_text()
    assert soup.select_one("#calibration-state").get_text() == "adapted"
    assert row_text(soup, "attributes", "toxicity")["refit"] == "yes"
    audit = soup.select("#audit tbody tr")
    assert len(audit) == 1 and audit[0].select_one(".action").get_text() == "adapt"
    assert "Head Mod" not in audit[0].get_text() and "moderator:" in audit[0].get_text()
    state = feedback_client.get("/v1/communities/c").get_json()
    assert state["calibration"]["version"] == 1 and state["audit"][0]["actor"].startswith("moderator:")


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example"}])
def test_apply_refuses_a_form_sent_from_another_site(feedback_client, headers):
    send(feedback_client, "c", community_verdicts(30))
    soup = page(feedback_client.post("/communities/c/apply", headers=headers), 403)
    assert "another site" in soup.get_text()
    assert feedback_client.get("/v1/communities/c").get_json()["audit"] == []


# --- export ------------------------------------------------------------------------------------


def test_csv_and_jsonl_hold_every_verdict_without_features(feedback_client):
    verdicts = community_verdicts(12)
    send(feedback_client, "c", verdicts)
    send(feedback_client, "other", [verdict(POST)])
    response = feedback_client.post("/communities/c/verdicts.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="verdicts-c.csv"'
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(table) == 12 and "features" not in table[0]
    assert [int(r["value"]) for r in table] == [v["value"] for v in verdicts]
    assert {r["community"] for r in table} == {"c"} and {r["source"] for r in table} == {"api"}
    assert all(r["text"] == "" for r in table)  # the text is not kept by default
    assert len({r["moderator"] for r in table}) == 3 and not any("mod" in r["moderator"] for r in table)

    response = feedback_client.get("/communities/c/verdicts.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [(r["id"], r["attribute"], r["value"]) for r in lines] == [(int(r["id"]), r["attribute"], int(r["value"]))
                                                                     for r in table]
    assert lines[0]["text"] is None and lines[0]["created_at"].startswith("20")


def test_kept_text_is_exported_with_formulas_defused_in_csv_only(make_feedback_app):
    client = make_feedback_app(FEEDBACK_KEEP_TEXT="true").test_client()
    text = '=HYPERLINK("http://evil.example","click") you idiot'
    send(client, "c", [verdict(text, thread={"title": "@SUM(A1)"})])
    (row,) = csv.DictReader(io.StringIO(client.get("/communities/c/verdicts.csv").get_data(as_text=True)))
    assert row["text"] == "'" + text and row["title"] == "'@SUM(A1)"
    (line,) = client.get("/communities/c/verdicts.jsonl").get_data(as_text=True).splitlines()
    assert json.loads(line)["text"] == text


# --- keys ----------------------------------------------------------------------------------------


@pytest.fixture
def keyed_client(make_feedback_app):
    app = make_feedback_app(API_KEYS="mod-a,admin", API_KEY_COMMUNITIES={hash_key("mod-a"): ["forum-a"]})
    client = app.test_client()
    for community in ("forum-a", "forum-b"):
        send(client, community, [verdict(POST)], Authorization="Bearer admin")
    return client


def test_with_keys_the_page_asks_for_one_and_shows_nothing_without_it(keyed_client):
    soup = page(keyed_client.get("/communities/forum-a"))
    assert soup.select_one("form.key input[type=password][name=key]")
    assert soup.select_one("#verdict-count") is None
    soup = page(keyed_client.post("/communities/forum-a", data={"key": "wrong"}), 401)
    assert "not valid" in soup.select_one(".message").get_text() and soup.select_one("#verdict-count") is None


def test_a_key_given_in_the_form_opens_the_page_and_rides_in_its_forms(keyed_client):
    soup = page(keyed_client.post("/communities/forum-a", data={"key": "mod-a"}))
    assert soup.select_one("#verdict-count").get_text() == "1"
    assert [i["value"] for i in soup.select("input[type=hidden][name=key]")] == ["mod-a"] * 3
    response = keyed_client.post("/communities/forum-a/verdicts.csv", data={"key": "mod-a"})
    assert response.status_code == 200 and len(response.get_data(as_text=True).splitlines()) == 2


def test_a_key_bound_to_other_communities_sees_neither_their_page_nor_their_verdicts(keyed_client):
    soup = page(keyed_client.post("/communities/forum-b", data={"key": "mod-a"}), 403)
    assert "does not serve community 'forum-b'" in soup.get_text()
    page(keyed_client.post("/communities/forum-b/apply", data={"key": "mod-a"}), 403)
    for kind in ("csv", "jsonl"):
        assert_error(keyed_client.post(f"/communities/forum-b/verdicts.{kind}", data={"key": "mod-a"}), 403,
                     "does not serve community 'forum-b'")
        assert_error(keyed_client.get(f"/communities/forum-b/verdicts.{kind}",
                                      headers={"Authorization": "Bearer mod-a"}), 403, "forum-b")
        assert_error(keyed_client.get(f"/communities/forum-a/verdicts.{kind}"), 401, "API key is required")
        assert keyed_client.get(f"/communities/forum-b/verdicts.{kind}",
                                headers={"Authorization": "Bearer admin"}).status_code == 200


def test_without_keys_the_page_serves_this_machine_only(feedback_app):
    client = feedback_app.test_client()
    send(client, "c", [verdict(POST)])
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert_error(client.get("/communities/c", environ_base=remote), 403, "own machine")
    assert_error(client.get("/communities/c/verdicts.csv", environ_base=remote), 403, "own machine")
    assert page(client.get("/communities/c")).select_one("#verdict-count").get_text() == "1"


def test_the_stylesheet_is_served_without_a_key(keyed_client):
    response = keyed_client.get("/communities-assets/moderators.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert keyed_client.get("/communities-assets/nothing.css").status_code == 404
