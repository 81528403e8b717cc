"""Perspective API compatibility: `POST /v1alpha1/comments:analyze` and `:suggestscore`.

A platform that calls Google's Perspective API (Coral Talk, Discourse plugins, bots) can
point its endpoint setting at `{modlens}/v1alpha1` and keep its code. Requests and
responses follow Perspective's format (`../shared/reference/perspective-api.md`), errors
its shape and error types. Where we differ, on purpose:

- SEVERE_TOXICITY is derived, not a trained head: toxicity x max(identity_attack,
  insult, threat). Perspective's severe toxicity meant "very hateful or aggressive" and
  was deliberately insensitive to mere swearing, so profanity is left out of the max.
  It is not a calibrated probability; its other attributes are.
- NEGATIVITY, HOSTILITY, SARCASM and OFF_TOPIC are ours, named in Perspective's form.
- `context.entries` is used: the entries become the thread before the comment (the
  first one its opening post, the last its parent), so OFF_TOPIC means something.
  Google ignored context.
- spanScores: the words that drove each score, each with its own score (Perspective gave
  sentences; words say more); OFF_TOPIC, which judges a whole post, gets one span over the
  whole comment with the summary score.
  Offsets are UTF-16 code units, as Google's were (what JavaScript's indexes count).
- English only, and detected (models/language.py): a comment not in English gets
  LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE whatever `languages` the request names (an English
  model's scores on Polish are noise), and so does a request whose `languages` lack
  English. A comment with English and other sentences is scored on its English ones.
  `languages` (and `detectedLanguages`) in the response are what was detected, the
  comment's main language first; a comment too short to tell is scored as English.
- `communityId` scores with that community's calibration (server/communities.py), and the
  response names the calibration used (`calibration`). A comment sent to analyze is never
  stored, whatever `doNotStore` says. suggestscore stores a moderator's verdict when the
  operator turned feedback on (`MODLENS_FEEDBACK=on`), and otherwise drops it. Coral Talk
  sends its moderators' decisions as `attributeScores: {"APPROVED" | "DELETED" |
  "HIGHLIGHTED": {"summaryScore": {"value": 1}}}` with a JSON note of comment ids as its
  only context entry: a deletion is stored as toxicity 1, an approval or highlight as
  toxicity 0, and the note is not read as the comment's parent. An attribute named as
  Perspective names it (TOXICITY...) is stored with value 1 from a summaryScore of 0.5 up.
- A comment over the size limit is 413 (Google said 400), still with COMMENT_TOO_LONG.
"""

import json

from flask import Blueprint

from models import ATTRIBUTES as models_attributes
from models import language

from . import communities, contract, scoring, store
from .auth import query_key
from .contract import CORAL_DECISIONS
from .errors import APIError
from .limits import rate_limited
from .metrics import get_metrics
from .openapi import contract_route
from .requestlog import count_posts
from .validation import utf16_offset

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")

SEVERE_TOXICITY = "SEVERE_TOXICITY"
SEVERE_COMPONENTS = ("identity_attack", "insult", "threat")
COMMENT_ID = "comment"


@bp.post("/comments:analyze")
@query_key
@rate_limited
@contract_route(contract.AnalyzeResponse, errors=(503,), operation_id="perspectiveAnalyze")
def analyze(json: contract.AnalyzeRequest):
    """Perspective API comments:analyze.

    Perspective's response format.
    """
    text = json.comment.text
    requested = json.requested()
    _check_languages(json.languages, requested)
    community = json.communityId
    calibration = communities.calibration_for(None if community is None else communities.check_community(community, "communityId"))
    found = language.identify(text)
    if not found.scored:
        raise APIError(
            f"Attribute {requested[0][0]} does not support request languages: {found.language} (detected; English only)",
            error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )

    scorer = scoring.get_scorer()
    # A community's re-fitted head reads every attribute's global score.
    names = list(models_attributes) if calibration.refits else _needed([name for _, name, _ in requested])
    # Threshold 0 flags every requested attribute, so the scorer returns the words that
    # drove each score as spans with their own scores: Perspective's spanScores. The
    # comment is read with any sentences in another language blanked (same offsets).
    result = scorer.score_thread(_thread(language.english_text(text, found), json.context), attributes=names,
                                 thresholds={n: 0.0 for n in names})[-1]
    communities.apply_refits(calibration, [result], [text])
    count_posts(1)
    detected = list(dict.fromkeys([found.language, *(lang for *_, lang in found.other_sentences), *(["en"] if found.mixed else [])]))
    response = {"attributeScores": attribute_scores(requested, result, text, bool(json.spanAnnotations)),
                "languages": detected, "detectedLanguages": detected}
    if json.clientToken is not None:
        response["clientToken"] = json.clientToken
    response["model"] = scoring.model_info(scorer)
    response["calibration"] = calibration.info()
    return response


@bp.post("/comments:suggestscore")
@query_key
@rate_limited
@contract_route(contract.SuggestResponse, errors=(503,), operation_id="perspectiveSuggestScore")
def suggestscore(json: contract.SuggestRequest):
    """Perspective API comments:suggestscore, stored as a verdict of its communityId with feedback on.

    Without feedback on, or without a communityId, the suggestion is accepted and dropped.
    The answer echoes the clientToken.
    """
    text = json.comment.text
    verdicts = {}
    for key, value in json.attributeScores.items():
        if key in CORAL_DECISIONS:
            verdicts["toxicity"] = CORAL_DECISIONS[key]
        elif (name := contract.perspective_name(key)) != SEVERE_TOXICITY:
            verdicts[name] = int(value.summaryScore.value >= 0.5)  # SEVERE_TOXICITY is derived, not a head to learn
    parent = None
    if json.context is not None:
        entries = [t for t in json.context.texts() if not _is_coral_note(t)]
        parent = entries[-1] if entries else None
    _check_languages(json.languages, [])
    community = json.communityId
    community = None if community is None else communities.check_community(community, "communityId")
    get_metrics().suggestions.inc()
    if store.enabled() and community is not None and verdicts:
        judged = [{"field": "suggestion", "text": text, "parent_text": parent, "title": None, "attribute": a,
                   "value": v, "moderator": None} for a, v in verdicts.items()]
        communities.store_verdicts(community, judged, "perspective")
    # Otherwise (feedback off, or no community named) the suggestion is counted and dropped.
    return {"clientToken": json.clientToken} if json.clientToken is not None else {}


def _is_coral_note(text):
    # Coral's one context entry is a JSON note of the comment's ids and URL, not a post.
    try:
        note = json.loads(text)
    except ValueError:
        return False
    return isinstance(note, dict) and "Coral_comment_id" in note


def attribute_scores(requested, result, text, spans_wanted):
    """Perspective's attributeScores for the requested (key, name, scoreThreshold)."""
    scores = {}
    for key, name, threshold in requested:
        summary, spans = attribute_score(name, result, text)
        if summary < threshold:
            continue  # Perspective leaves out an attribute below its scoreThreshold
        entry = {"summaryScore": {"value": summary, "type": "PROBABILITY"}}
        if spans_wanted:
            entry["spanScores"] = [
                {"begin": utf16_offset(text, b), "end": utf16_offset(text, e), "score": {"value": v, "type": "PROBABILITY"}}
                for b, e, v in spans
            ]
        scores[key] = entry
    return scores


def _needed(names):
    """Our attributes to score for the names asked (SEVERE_TOXICITY needs its parts)."""
    wanted = {n for n in names if n != SEVERE_TOXICITY}
    if SEVERE_TOXICITY in names:
        wanted |= {"toxicity", *SEVERE_COMPONENTS}
    return sorted(wanted)


def attribute_score(name, result, text):
    """(summary score, [(begin, end, score)] in code points) for one of our names or SEVERE_TOXICITY.

    Spans are the scorer's word spans; an attribute without any (off_topic, which judges a
    whole post) gets one span over the whole comment with its summary score.
    """
    if name == SEVERE_TOXICITY:
        summary = _severe(result["scores"]["toxicity"], [result["scores"][c] for c in SEVERE_COMPONENTS])
        parts = {a: _spans(result, a) for a in ("toxicity", *SEVERE_COMPONENTS)}
        spans = [
            (b, e, _severe(v, [parts[c].get((b, e), result["scores"][c]) for c in SEVERE_COMPONENTS]))
            for (b, e), v in parts["toxicity"].items()
        ]
    else:
        summary = float(result["scores"][name])
        spans = [(b, e, v) for (b, e), v in _spans(result, name).items()]
    return summary, spans or [(0, len(text), summary)]


def _severe(toxicity, components):
    return float(toxicity) * max(float(c) for c in components)


def _spans(result, name):
    return {(int(s["begin"]), int(s["end"])): float(s["score"]) for s in result["spans"] if s["attribute"] == name}


def _check_languages(languages, requested):
    """Refuse a request whose `languages` lack English: the model reads English only."""
    if languages and not any(lang.lower() == "en" or lang.lower().startswith(("en-", "en_")) for lang in languages):
        first = requested[0][0] if requested else "the model"
        raise APIError(
            f"Attribute {first} does not support request languages: {', '.join(languages)} (English only)",
            error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )


def _thread(text, context):
    """The comment as the last post of a thread made of its context entries."""
    posts = [{"id": f"context-{i}", "text": t, "author": None, "parent_id": None, "quotes": []}
             for i, t in enumerate(context.texts() if context is not None else [])]
    parent = posts[-1]["id"] if posts else None
    posts.append({"id": COMMENT_ID, "text": text, "author": None, "parent_id": parent, "quotes": []})
    return {"title": "", "posts": posts}
