"""Every time the verdict store gives back says it is UTC, on SQLite as on PostgreSQL.

SQLite keeps no offset: a time read back from it was naive, so the audit log's `at` and an
export's `created_at` were no RFC 3339 date-time there (found by the stateful schemathesis
run), while PostgreSQL's carried +00:00.
"""

import json
from datetime import datetime, timedelta

POST = "Thanks for the summary, it helped me a lot with the setup."


def test_the_audit_log_and_the_export_state_utc(feedback_client):
    verdict = {"post": {"text": POST}, "attribute": "toxicity", "value": 0}
    assert feedback_client.post("/v1/feedback", json={"community": "c", "verdicts": [verdict]}).status_code == 200
    assert feedback_client.post("/v1/communities/c/adapt").status_code == 200
    (entry,) = feedback_client.get("/v1/communities/c").get_json()["audit"]
    assert datetime.fromisoformat(entry["at"]).utcoffset() == timedelta(0), entry["at"]
    (row,) = map(json.loads, feedback_client.get("/communities/c/verdicts.jsonl").get_data(as_text=True).splitlines())
    assert datetime.fromisoformat(row["created_at"]).utcoffset() == timedelta(0), row["created_at"]
