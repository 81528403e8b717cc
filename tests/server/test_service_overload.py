"""Admission control (server/admission.py) on real gunicorn and in-process threads.

The scorer is a stand-in held by a gate the test opens (gated_app.py), so "the model is
busy" is a fact the test controls, not a guess about timing: requests beyond the bounded
queue must be refused with 503 and Retry-After while the model is still held, the
waiting ones must be served once it frees, /readyz must answer throughout, and the
server must serve normally again once the burst is over.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest
from gated_app import booted, started_per_worker
from gunicorn_helpers import Gunicorn, fetch
from service_helpers import FakeScorer

from server.admission import ModelBusy, ModelQueue

THREAD = {"thread": {"title": "Ferries"}, "posts": [{"id": "p1", "text": "Which ferry runs on Sundays?"}]}


def distinct(n):
    return {"thread": {"title": f"Ferries {n}"}, "posts": [{"id": "p1", "text": f"Which ferry runs on day {n}?"}]}


def wait_for(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout}s for {what}"
        time.sleep(0.02)


@pytest.fixture
def gate(tmp_path):
    folder = tmp_path / "gate"
    folder.mkdir()
    return folder


def started(gate):
    return len(list(gate.glob("started-*")))


@pytest.fixture
def gated_server(tmp_path, gate, request):
    """One gunicorn worker (2 waiting, so 4 threads) on the gated stand-in."""
    timeout = getattr(request, "param", 60)
    server = Gunicorn(tmp_path / "gunicorn.log", app="gated_app:create()", GATE_DIR=gate, WEB_CONCURRENCY=1,
                      MODLENS_MAX_QUEUE=2, MODLENS_QUEUE_TIMEOUT_S=timeout)
    try:
        server.wait_ready()
        yield server
    finally:
        (gate / "open").touch()
        server.stop()


def test_a_full_queue_is_refused_at_once_and_the_waiting_are_served(gated_server, gate):
    url = gated_server.base + "/v1/score"
    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(fetch, url, distinct(0))
        wait_for(lambda: started(gate) == 1, "the first request to reach the model")
        rest = [pool.submit(fetch, url, distinct(n)) for n in range(1, 11)]
        refused = []
        for done in as_completed(rest, timeout=120):
            refused.append(done.result())
            if len(refused) == 8:
                break
        # Eight answered while the model is still held: refused, not queued.
        assert started(gate) == 1 and not first.done()
        for status, headers, body in refused:
            assert status == 503, body
            assert int(headers["Retry-After"]) >= 1
            assert body["error"]["status"] == "UNAVAILABLE" and "busy" in body["error"]["message"]
        # The spare thread still answers the health checks while the queue is full.
        assert fetch(gated_server.base + "/readyz")[0] == 200
        waiting = [f for f in rest if not f.done()]
        assert len(waiting) == 2
        (gate / "open").touch()
        assert first.result(timeout=60)[0] == 200
        assert [f.result(timeout=60)[0] for f in waiting] == [200, 200]
    # The burst is over: the server serves as before.
    assert fetch(url, distinct(99))[0] == 200


@pytest.mark.parametrize("gated_server", [1], indirect=True)
def test_a_request_waits_no_longer_than_the_queue_timeout(gated_server, gate):
    url = gated_server.base + "/v1/score"
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(fetch, url, distinct(0))
        wait_for(lambda: started(gate) == 1, "the first request to reach the model")
        status, headers, body = fetch(url, distinct(1))
        # Refused for waiting its full second, while the first still holds the model.
        assert status == 503 and "within 1 s" in body["error"]["message"], body
        assert headers["Retry-After"] == "1"
        assert not held.done()
        (gate / "open").touch()
        assert held.result(timeout=60)[0] == 200
    assert fetch(url, distinct(2))[0] == 200


# --- the queue itself, with real threads ---------------------------------------------------


def test_turns_are_handed_over_first_come_first_served():
    queue = ModelQueue(max_waiting=3, wait_seconds=30)
    order, inside = [], threading.Event()
    release = threading.Event()

    def holder():
        with queue.turn():
            inside.set()
            release.wait(30)

    def waiter(n):
        with queue.turn():
            order.append(n)

    first = threading.Thread(target=holder)
    first.start()
    inside.wait(30)
    waiters = []
    for n in range(3):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        wait_for(lambda: queue.waiting == n + 1, f"waiter {n} to queue")
        waiters.append(thread)
    with pytest.raises(ModelBusy, match="3 request"):
        with queue.turn():
            pass
    release.set()
    for thread in [first, *waiters]:
        thread.join(30)
    assert order == [0, 1, 2]
    assert queue.refused == 1 and queue.waiting == 0
    with queue.turn():  # free again
        pass


def test_no_waiting_at_all_with_a_queue_of_zero():
    queue = ModelQueue(max_waiting=0, wait_seconds=30)
    with queue.turn():
        with pytest.raises(ModelBusy) as refused:
            with queue.turn():
                pass
    assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "30"


def test_a_timed_out_waiter_leaves_the_line(make_app):
    """The waiter that gave up is not handed the model later (which would hold it forever)."""
    queue = ModelQueue(max_waiting=2, wait_seconds=0.05)
    release = threading.Event()
    inside = threading.Event()

    def holder():
        with queue.turn():
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(30)
    with pytest.raises(ModelBusy, match="within 0.05 s"):
        with queue.turn():
            pass
    assert queue.waiting == 0
    release.set()
    thread.join(30)
    with queue.turn():
        pass


def test_the_service_wraps_any_scorer_in_the_queue(make_app):
    app = make_app(MAX_QUEUE=0)
    slot = app.extensions["modlens"]
    assert slot.scorer.queue.max_waiting == 0
    assert isinstance(slot.scorer.scorer, FakeScorer)
    assert app.test_client().post("/v1/score", json=THREAD).status_code == 200


@pytest.mark.parametrize("config, message", [({"MAX_QUEUE": -1}, "MAX_QUEUE"), ({"QUEUE_TIMEOUT_S": 0}, "QUEUE_TIMEOUT_S"),
                                             ({"QUEUE_TIMEOUT_S": "soon"}, "QUEUE_TIMEOUT_S")])
def test_bad_queue_settings_refuse_to_start(make_app, config, message):
    from server import ConfigError

    with pytest.raises(ConfigError, match=message):
        make_app(**config)


def test_a_full_queue_refuses_before_reading_the_request(make_app):
    """Under overload the refusal must cost next to nothing: it comes before the body is
    parsed, validated and its languages identified (here the body is not even JSON)."""
    app = make_app(MAX_QUEUE=0)
    client = app.test_client()
    with app.extensions["modlens"].queue.turn():  # another request holds the model
        response = client.post("/v1/score", data="not json", content_type="application/json")
        assert response.status_code == 503 and "busy" in response.get_json()["error"]["message"]
        assert client.get("/readyz").status_code == 200  # only the scoring routes are refused
    assert client.post("/v1/score", data="not json", content_type="application/json").status_code == 400


def test_two_workers_share_a_burst_before_either_refuses(tmp_path, gate):
    """Two workers hold 2 x (1 scoring + 2 waiting) = 6 requests. Sent one by one while the
    model is held, all 6 must be admitted, 3 to each worker: the busier worker lets the
    other accept first (gunicorn.conf.py, ModlensWorker). Plain gthread refused 9 of 48
    such requests while the other worker had room (bench/load/balance.py)."""
    server = Gunicorn(tmp_path / "gunicorn.log", app="gated_app:create()", GATE_DIR=gate, WEB_CONCURRENCY=2,
                      MODLENS_MAX_QUEUE=2, MODLENS_QUEUE_TIMEOUT_S=60)
    try:
        server.wait_ready()
        wait_for(lambda: booted(gate) == 2, "both workers to make their app")
        url = server.base + "/v1/score"
        with ThreadPoolExecutor(6) as pool:
            futures = []
            for n in range(6):
                futures.append(pool.submit(fetch, url, distinct(n)))
                time.sleep(0.3)  # time to reach a worker's queue; not a pass/fail bound
            wait_for(lambda: started(gate) == 2, "each worker to hold one request")
            answered = [f.result()[0] for f in futures if f.done()]
            (gate / "open").touch()
            assert answered == [], f"answered while both workers had room: {answered}"
            assert [f.result()[0] for f in futures] == [200] * 6
        assert sorted(started_per_worker(gate).values()) == [3, 3]
    finally:
        (gate / "open").touch()
        server.stop()


def test_a_queue_reports_its_load_to_the_worker():
    from server import admission

    queue = ModelQueue(max_waiting=2, wait_seconds=5)
    release = threading.Event()

    def second():
        with queue.turn():
            release.wait(5)

    assert queue.load == 0
    waiter = threading.Thread(target=second)
    with queue.turn():
        assert queue.load == 1
        waiter.start()
        wait_for(lambda: queue.waiting == 1, "a second request to wait")
        assert queue.load == 2
        assert admission.model_load() >= 2  # every queue of the process, this one among them
        assert not queue.full  # one more may still wait
        third = threading.Thread(target=second)
        third.start()
        wait_for(lambda: queue.waiting == 2, "a third request to wait")
        assert queue.full and admission.model_full()
    assert queue.load == 2 and not queue.full  # handed straight to the first waiting request
    release.set()
    waiter.join()
    third.join()
    assert queue.load == 0
