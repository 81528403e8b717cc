"""The Modlens API: score a thread, list the attributes, health and readiness."""

from flask import Blueprint, current_app

from models import ATTRIBUTES, DESCRIPTIONS

from . import communities, scoring, validation
from .auth import public
from .errors import APIError
from .limits import rate_limited
from .requestlog import count_posts

bp = Blueprint("api", __name__)


@bp.get("/healthz")
@public
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@public
def readyz():
    slot = scoring.get_slot()
    if slot.error is not None:
        raise APIError(f"the model failed to load ({slot.error}); see the server log", 503)
    if not slot.ready:
        raise APIError("the model is still loading", 503, headers={"Retry-After": "5"})
    return {"status": "ready", "model": scoring.model_info(slot.scorer)}


@bp.get("/v1/attributes")
def attributes():
    thresholds = current_app.config["THRESHOLDS"]
    return {
        "attributes": [
            {"name": name, "description": DESCRIPTIONS[name], "threshold": thresholds[name]} for name in ATTRIBUTES
        ]
    }


@bp.post("/v1/score")
@rate_limited
def score():
    body = validation.read_json_object()
    thread, names, unit = validation.score_request(body)
    community = body.get("community")
    community = None if community is None else communities.check_community(community, "community")
    # A community with no applied calibration, and any request without one, is scored
    # with the global thresholds: exactly as the global model.
    calibration = communities.calibration_for(community)
    posts = communities.score_thread(thread, names, calibration)
    if unit == "utf16":
        _spans_to_utf16(posts, thread)
    count_posts(len(posts))
    return {"model": scoring.model_info(scoring.get_scorer()), "calibration": calibration.info(), "posts": posts}


def _spans_to_utf16(posts, thread):
    # JavaScript indexes strings in UTF-16 code units: a client there slices with these.
    for result, post in zip(posts, thread["posts"]):
        for span in (*result["spans"], *result["unscored_parts"]):
            span["begin"] = validation.utf16_offset(post["text"], span["begin"])
            span["end"] = validation.utf16_offset(post["text"], span["end"])
        for part, quote in ((p, q) for r, q in zip(result["quotes"], post["quotes"]) for p in r["unscored_parts"]):
            part["begin"] = validation.utf16_offset(quote["text"], part["begin"])
            part["end"] = validation.utf16_offset(quote["text"], part["end"])
