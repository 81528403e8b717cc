"""The Modlens API: score a thread, list the attributes, health and readiness."""

from flask import Blueprint, current_app

from models import ATTRIBUTES, DESCRIPTIONS

from . import communities, contract, scoring, validation
from .auth import public
from .errors import APIError
from .limits import rate_limited
from .openapi import contract_route
from .requestlog import count_posts

bp = Blueprint("api", __name__)


@bp.get("/healthz")
@public
@contract_route(contract.Health, operation_id="healthz")
def healthz():
    """The process is alive."""
    return {"status": "ok"}


@bp.get("/readyz")
@public
@contract_route(contract.Ready, errors=(503,), operation_id="readyz")
def readyz():
    """The model is loaded and requests will be scored."""
    slot = scoring.get_slot()
    if slot.error is not None:
        raise APIError(f"the model failed to load ({slot.error}); see the server log", 503)
    if not slot.ready:
        raise APIError("the model is still loading", 503, headers={"Retry-After": "5"})
    return {"status": "ready", "model": scoring.model_info(slot.scorer)}


@bp.get("/v1/attributes")
@contract_route(contract.Attributes, operation_id="listAttributes")
def attributes():
    """The attributes scored, what each means, and this server's flag thresholds."""
    thresholds = current_app.config["THRESHOLDS"]
    return {
        "attributes": [
            {"name": name, "description": DESCRIPTIONS[name], "threshold": thresholds[name]} for name in ATTRIBUTES
        ]
    }


@bp.post("/v1/score")
@rate_limited
@contract_route(contract.ScoreResponse, errors=(503,), operation_id="scoreThread")
def score(json: contract.ScoreRequest):
    """Score every post of a thread (or a page of one).

    Scores, flags and spans for each post, in order.
    """
    thread, names = json.for_scorer(), json.names()
    community = None if json.community is None else communities.check_community(json.community, "community")
    # A community with no applied calibration, and any request without one, is scored
    # with the global thresholds: exactly as the global model.
    calibration = communities.calibration_for(community)
    posts = communities.score_thread(thread, names, calibration)
    if json.span_offsets == "utf16":
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
