"""The peer behind HTTP, served the way Modlens is, for the latency and memory figures.

    gunicorn -c gunicorn.conf.py 'bench.peer_app:create_app()'

A bare Flask app: `POST /v1/score` takes the same body as Modlens's and answers each
post's six scores; `GET /readyz` says when the model is in. No auth, limits or cache:
it stands for the cost of the model and the HTTP round trip, nothing more.
"""

import threading

from flask import Flask, jsonify, request


def create_app():
    app = Flask(__name__)
    slot = {}
    ready = threading.Event()
    lock = threading.Lock()  # one forward at a time, as Modlens scores (server/scoring.py)

    def load():
        from bench.peer import PeerScorer

        slot["scorer"] = PeerScorer()
        ready.set()

    threading.Thread(target=load, daemon=True).start()

    @app.get("/readyz")
    def readyz():
        return ({"status": "ready"}, 200) if ready.is_set() else ({"status": "loading"}, 503)

    @app.post("/v1/score")
    def score():
        body = request.get_json()
        ready.wait(120)
        with lock:
            results = slot["scorer"].score_thread({"posts": body["posts"]})
        return jsonify({"model": slot["scorer"].model_info, "posts": results})

    return app
