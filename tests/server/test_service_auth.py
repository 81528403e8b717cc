"""API keys (Bearer, X-API-Key, ?key= on Perspective routes), and the localhost-only mode."""

import hashlib
import logging

import pytest
from service_helpers import assert_error

from server import ConfigError, create_app

KEY = "s3cret-key"
SCORE = {"posts": [{"id": "p1", "text": "hello"}]}
ANALYZE = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}


@pytest.fixture
def keyed(make_app):
    return make_app(API_KEYS=KEY).test_client()


def test_missing_key_is_401(keyed):
    response = keyed.post("/v1/score", json=SCORE)
    assert_error(response, 401, "API key is required")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer wrong"},
    {"X-API-Key": "wrong"},
    {"Authorization": f"Basic {KEY}"},
    {"Authorization": "Bearer "},
])
def test_wrong_key_is_401(keyed, headers):
    assert_error(keyed.post("/v1/score", json=SCORE, headers=headers), 401)


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}])
def test_right_key_is_200(keyed, headers):
    assert keyed.post("/v1/score", json=SCORE, headers=headers).status_code == 200


def test_perspective_takes_the_key_in_the_query(keyed):
    assert keyed.post(f"/v1alpha1/comments:analyze?key={KEY}", json=ANALYZE).status_code == 200
    assert_error(keyed.post("/v1alpha1/comments:analyze?key=wrong", json=ANALYZE), 401, "not valid")
    assert_error(keyed.post("/v1alpha1/comments:analyze", json=ANALYZE), 401)


def test_v1_does_not_take_the_key_in_the_query(keyed):
    # Keys in URLs end up in proxy logs; only Perspective's clients need them there.
    assert_error(keyed.post(f"/v1/score?key={KEY}", json=SCORE), 401)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json"])
def test_health_and_the_document_need_no_key(keyed, path):
    assert keyed.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/v1/attributes", "/metrics"])
def test_other_gets_need_the_key(keyed, path):
    assert_error(keyed.get(path), 401)
    assert keyed.get(path, headers={"X-API-Key": KEY}).status_code == 200


def test_keys_may_be_given_as_hashes(make_app):
    digest = hashlib.sha256(b"other-key").hexdigest()
    client = make_app(API_KEY_HASHES=f"{digest.upper()}, ").test_client()
    assert client.post("/v1/score", json=SCORE, headers={"X-API-Key": "other-key"}).status_code == 200
    assert_error(client.post("/v1/score", json=SCORE, headers={"X-API-Key": digest}), 401)


def test_plain_keys_are_not_kept(make_app):
    app = make_app(API_KEYS="k1,k2")
    assert app.config["API_KEYS"] == ""
    assert len(app.config["API_KEY_HASHES"]) == 2
    assert "k1" not in repr(dict(app.config))


def test_keys_from_the_environment(monkeypatch, fake_scorer):
    monkeypatch.setenv("MODLENS_API_KEYS", "env-key,second")
    client = create_app({"TESTING": True, "SCORER": fake_scorer}).test_client()
    assert client.post("/v1/score", json=SCORE, headers={"X-API-Key": "second"}).status_code == 200


def test_with_keys_any_address_is_served(keyed):
    response = keyed.post("/v1/score", json=SCORE, headers={"X-API-Key": KEY},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"])
def test_without_keys_loopback_is_served(client, address):
    assert client.post("/v1/score", json=SCORE, environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.9", "10.1.2.3", "fe80::1", "::ffff:192.0.2.1", "bogus"])
@pytest.mark.parametrize("path", ["/v1/score", "/healthz"])
def test_without_keys_other_addresses_are_refused(client, address, path):
    method = client.post if path == "/v1/score" else client.get
    error = assert_error(method(path, json=SCORE, environ_base={"REMOTE_ADDR": address}), 403, "no API key configured")
    assert error["status"] == "PERMISSION_DENIED"


def test_without_keys_a_forwarded_request_is_refused(client):
    # A reverse proxy on the same machine would make every client look local.
    assert_error(client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}), 403)


def test_trusted_proxy_gives_the_real_address(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    assert client.get("/healthz", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    assert_error(client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}), 403)


def test_start_without_keys_warns(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="modlens.auth"):
        make_app()
    assert "loopback" in caplog.text


def test_production_without_keys_refuses_to_start(make_app):
    with pytest.raises(ConfigError, match="production needs API keys"):
        make_app(ENV="production")


def test_production_with_keys_starts(make_app):
    assert make_app(ENV="production", API_KEYS=KEY)


@pytest.mark.parametrize("hashes", ["abc", "z" * 64])
def test_malformed_hashes_refuse_to_start(make_app, hashes):
    with pytest.raises(ConfigError, match="not sha256"):
        make_app(API_KEY_HASHES=hashes)
