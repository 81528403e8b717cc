"""CORS: only the configured origins, with preflight answered for them alone."""

import pytest

ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


@pytest.fixture
def cors_client(make_app):
    return make_app(CORS_ORIGINS=f"{ORIGIN},moz-extension://1234", API_KEYS="k").test_client()


def preflight(client, origin):
    return client.options("/v1/score", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })


def test_preflight_from_an_allowed_origin(cors_client):
    response = preflight(cors_client, ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_preflight_from_another_origin_gets_no_grant(cors_client):
    response = preflight(cors_client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_actual_request_from_an_allowed_origin(cors_client):
    response = cors_client.post("/v1/score", json={"posts": [{"id": "p", "text": "hi"}]},
                                headers={"Origin": ORIGIN, "Authorization": "Bearer k"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


def test_errors_carry_cors_headers_too(cors_client):
    # Without them a browser hides the 401's JSON from the extension.
    response = cors_client.post("/v1/score", json={}, headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_no_origins_configured_means_no_cors_headers(client):
    response = preflight(client, ORIGIN)
    assert "Access-Control-Allow-Origin" not in response.headers
