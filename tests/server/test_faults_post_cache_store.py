"""The per-post cache shared through a real Redis (models/post_cache.py): two scorers (as
two gunicorn workers would) share what either encoded, and a Redis that is down, silent or
tampered with costs a miss, never an error."""

import copy
import os
import socket
import time

import numpy as np
import pytest
import redis

from bench.post_cache import CountingEncoder
from models.post_cache import KEY_PREFIX, PostCache, RedisPostStore
from server import ConfigError, create_app
from server.scoring import make_post_cache

THREAD = {
    "title": "Sunday ferries to the islands",
    "posts": [
        {"id": "p0", "text": "Does anyone know whether the ferries to the islands run on Sundays in winter?"},
        {"id": "p1", "parent_id": "p0", "text": "They do, but only twice a day, and the timetable changes in March."},
        {"id": "p2", "parent_id": "p1", "text": "Thanks, that is exactly what I needed to know for our trip."},
        {"id": "p3", "parent_id": "p0", "text": "Only an idiot would travel to the islands in winter, you moron."},
    ],
}


def worker(scorer, url):
    """What one gunicorn worker holds: the model, its own local cache, the shared Redis."""
    twin = copy.copy(scorer)
    twin.encoder = CountingEncoder(scorer.encoder)
    twin.post_cache = PostCache(redis_url=url)
    return twin


def scores(results):
    return np.array([v for r in results for v in r["scores"].values()])


def test_two_workers_share_what_either_encoded(scorer, redis_server):
    first, second = worker(scorer, redis_server.url), worker(scorer, redis_server.url)
    expected = first.score_thread(THREAD)
    assert first.encoder.rows >= len(THREAD["posts"])
    got = second.score_thread(THREAD)
    assert second.encoder.rows == 0, "the second worker read every post from Redis"
    assert got == expected  # the same fp32 bytes: exactly the same results


def test_redis_holds_digests_and_numbers_only(scorer, redis_server):
    worker(scorer, redis_server.url).score_thread(THREAD)
    client = redis.Redis(port=redis_server.port)
    keys = client.keys("*")
    assert keys and all(k.startswith(KEY_PREFIX.encode()) and len(k) == len(KEY_PREFIX) + 64 for k in keys)
    assert all(0 < client.ttl(k) <= 24 * 3600 for k in keys), "entries expire"
    words = {w.encode() for p in THREAD["posts"] for w in p["text"].split() if len(w) > 4} | {b"ferries", b"idiot"}
    for key in keys:
        value = client.get(key)
        assert not any(w in value or w in key for w in words)


def test_a_killed_redis_falls_back_to_the_local_cache(scorer, redis_server):
    one = worker(scorer, redis_server.url)
    expected = one.score_thread(THREAD)
    redis_server.kill()
    one.encoder.rows = 0
    assert one.score_thread(THREAD) == expected  # the local cache still serves
    assert one.encoder.rows == 0
    fresh = worker(scorer, redis_server.url)  # a worker started during the outage
    got = fresh.score_thread(THREAD)
    assert np.abs(scores(got) - scores(expected)).max() <= 1e-6
    assert fresh.post_cache.shared.failures == 1, "after one failure Redis is left alone for a while"


def test_redis_is_used_again_once_it_is_back(scorer, redis_server):
    one = worker(scorer, redis_server.url)
    port = redis_server.port
    redis_server.kill()
    one.score_thread(THREAD)
    redis_server.port = port
    redis_server.start()
    one.post_cache.shared.down_until = 0  # as if REDIS_RETRY_S had passed
    one.score_thread({**THREAD, "title": "Winter timetable"})
    assert redis_server.keys(KEY_PREFIX + "*")


def test_a_silent_redis_costs_one_short_timeout():
    # A port that completes the TCP handshake (the kernel's backlog) but never answers:
    # a hung host, not a refused connection.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = RedisPostStore(f"redis://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        assert store.get_many(["a", "b"]) == [None, None]
        assert time.monotonic() - started < 3  # REDIS_TIMEOUT_S, 0.5 s, not minutes
        started = time.monotonic()
        assert store.get_many(["a"]) == [None]
        store.put_many({"a": b"x"})
        assert time.monotonic() - started < 0.1, "within REDIS_RETRY_S Redis is not asked again"
        assert store.failures == 1


def test_a_tampered_entry_is_a_miss(scorer, redis_server):
    first = worker(scorer, redis_server.url)
    expected = first.score_thread(THREAD)
    client = redis.Redis(port=redis_server.port)
    for key in client.keys("*"):
        client.set(key, b"MLPC" + os.urandom(64))
    second = worker(scorer, redis_server.url)
    assert np.abs(scores(second.score_thread(THREAD)) - scores(expected)).max() <= 1e-6
    assert second.encoder.rows >= len(THREAD["posts"])


# --- the service's settings -------------------------------------------------------------------


def test_the_service_makes_a_shared_cache_only_when_told(redis_server):
    assert make_post_cache({"POST_CACHE_MB": 8, "CACHE_URL": ""}).shared is None
    shared = make_post_cache({"POST_CACHE_MB": 8, "CACHE_URL": redis_server.url})
    assert shared.local.max_bytes == 8 * 2**20 and shared.shared is not None
    assert make_post_cache({"POST_CACHE_MB": 0, "CACHE_URL": redis_server.url}) is None


@pytest.mark.parametrize("size", [-1, "big", True])
def test_a_bad_post_cache_size_refuses_to_start(size):
    with pytest.raises(ConfigError, match="MODLENS_POST_CACHE_MB"):
        create_app({"TESTING": True, "POST_CACHE_MB": size})


def test_a_cache_url_that_is_not_redis_refuses_to_start(fake_scorer):
    with pytest.raises(ConfigError, match="MODLENS_CACHE_URL"):
        create_app({"TESTING": True, "SCORER": fake_scorer, "CACHE_URL": "memcached://127.0.0.1"})
