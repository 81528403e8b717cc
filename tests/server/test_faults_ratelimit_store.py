"""The shared rate-limit store (Redis) down: scoring goes on, never a 500.

A real redis-server is started and SIGKILLed under the app; a store that was never there
(a closed port) is tested as well. While the store is down the limit still holds, counted
in each worker's memory (server/limits.py says why), and the shared store is used again
once it is back.
"""

import time


SCORE = {"posts": [{"id": "p1", "text": "Which ferry runs on Sundays?"}]}


def statuses(client, n):
    return [client.post("/v1/score", json=SCORE).status_code for _ in range(n)]


def test_a_store_that_is_not_there_limits_in_memory(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    assert statuses(client, 6) == [200, 200, 200, 200, 429, 429]


def test_redis_killed_under_the_app(make_app, redis_server):
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT="5 per minute", RATELIMIT_STORAGE_URI=redis_server.url)
    client = app.test_client()
    assert statuses(client, 2) == [200, 200]
    assert redis_server.keys("*modlens*"), "the budget is counted in the shared store"

    redis_server.kill()
    # Scoring goes on; the budget is now counted afresh in this worker's memory.
    after = statuses(client, 7)
    assert 500 not in after and after[:5] == [200] * 5 and after[5:] == [429, 429], after
    assert client.get("/readyz").status_code == 200


def test_the_shared_store_is_used_again_once_it_is_back(make_app, redis_server):
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT="1000 per minute", RATELIMIT_STORAGE_URI=redis_server.url)
    client = app.test_client()
    assert statuses(client, 1) == [200]
    port = redis_server.port
    redis_server.kill()
    assert statuses(client, 3) == [200] * 3
    redis_server.port = port
    redis_server.start()
    assert not redis_server.keys("*modlens*")  # a fresh, empty store
    # The limiter looks again after 1, 2, 4 ... s; meanwhile every request is served.
    deadline = time.monotonic() + 60
    while not redis_server.keys("*modlens*"):
        assert statuses(client, 1) == [200]
        assert time.monotonic() < deadline, "the limiter never went back to the shared store"
        time.sleep(0.2)


def test_a_redis_url_gets_short_timeouts(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    assert app.config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    assert "RATELIMIT_STORAGE_OPTIONS" not in make_app().config
