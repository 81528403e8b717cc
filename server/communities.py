"""Communities: moderators' verdicts in, each community's calibration out.

Routes (JSON, in the OpenAPI document):
- `POST /v1/feedback` stores verdicts (`{"community", "verdicts": [...]}`) -> `{"stored": N}`;
- `GET /v1/communities/ID` says, per attribute, how today's flags fare against the
  verdicts, the threshold the verdicts suggest and what it would change;
- `POST /v1/communities/ID/adapt` fits the community's calibration (server/adaptation.py)
  and applies what measures better, with an audit entry.

Scoring (`/v1/score` with `community`, Perspective's `communityId`) reaches a community's
calibration through `calibration_for`: a community without an applied calibration, a
server with feedback off, or a store that cannot be reached all score exactly as the
global model, and the response says which (`Calibration.info`).

All of it needs `MODLENS_FEEDBACK=on`; without it these routes answer 403 and nothing a
client sends is stored. A verdict's text is kept only with `MODLENS_FEEDBACK_KEEP_TEXT`.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field

import click
import numpy as np
from flask import Blueprint, current_app
from flask.cli import AppGroup
from werkzeug.routing import PathConverter
from sqlalchemy.exc import SQLAlchemyError

from models import ATTRIBUTES

from . import adaptation, contract, scoring, store
from .auth import check_community_access, presented_key
from .config import hash_key
from .contract import COMMUNITY_PATTERN  # noqa: F401 - the moderators' page states it too
from .errors import APIError
from .limits import rate_limited
from .openapi import contract_route
from .validation import string

bp = Blueprint("communities", __name__)

SOURCES = ("extension", "api", "perspective")
# A verdict's thread is scored with thresholds no score reaches: no flags, so no spans,
# which a verdict does not need.
_NO_FLAGS = {name: 2.0 for name in ATTRIBUTES}


class CommunityConverter(PathConverter):
    """A community id in a route: it may hold slashes (Coral's `Coral:https://host/`) and, so
    that the view can refuse it by name, anything else, line breaks included."""

    regex = "[^/](?:.|\n)*?"


# How long a worker reuses what it read of a community's calibration (or that the store was
# unreachable): a scoring request then costs no query, and a database that is down costs
# one connection timeout per community per worker every so often, not one per request. An
# adaptation applies at once in the worker that made it, within this time in the others.
CALIBRATION_TTL_SECONDS = 30.0



def _score_judged(text: str, parent_text: str | None, title: str | None) -> dict:
    """The global model's result for a judged post, read in its thread (title, the post it answers)."""
    thread_posts = [{"id": "post", "text": text, "author": None, "parent_id": None, "quotes": []}]
    if parent_text:
        thread_posts.insert(0, {"id": "parent", "text": parent_text, "author": None, "parent_id": None, "quotes": []})
        thread_posts[1]["parent_id"] = "parent"
    return scoring.score_thread({"title": title or "", "posts": thread_posts}, list(ATTRIBUTES), _NO_FLAGS)[-1]

def init_app(app):
    app.extensions["modlens_calibrations"] = {}
    app.url_map.converters["community"] = CommunityConverter
    app.register_blueprint(bp)
    app.cli.add_command(feedback_cli)


# --- the calibration a request is scored with ----------------------------------------------


@dataclass
class Calibration:
    """What a request is scored with: thresholds for every attribute, and re-fitted heads."""

    community: str | None
    thresholds: dict
    version: int = 0
    verdicts: int = 0
    state: str = "global"
    reason: str | None = None
    refits: dict = field(default_factory=dict)  # attribute -> re-fitted head (server/adaptation.py)
    adapted_thresholds: tuple = ()  # the attributes whose threshold is the community's

    def info(self):
        """What every scoring response says about the calibration it used."""
        info = {"community": self.community, "version": self.version, "verdicts": self.verdicts, "state": self.state,
                "adapted": {a: {"threshold": self.thresholds[a] if a in self.adapted_thresholds else None,
                                "refit": a in self.refits}
                            for a in ATTRIBUTES if a in self.refits or a in self.adapted_thresholds}}
        if self.reason:
            info["reason"] = self.reason
        return info


def check_community(value, field_name, key=None):
    """A well-formed community id that the request's key (or `key`, from a form) may use."""
    community = string(value, field_name)
    # Too long an id is a malformed one (400), not too large a request (413).
    if not contract.is_community_id(community):
        raise APIError(f"{field_name} must be {contract.COMMUNITY_RULE}")
    check_community_access(community, key)
    return community


def model_label(scorer):
    info = scoring.model_info(scorer)
    return f"{info['name']} {info['version']} {info['sha256'][:16]}"


def calibration_for(community):
    """The calibration to score `community` with; the global one, saying why, where it has none."""
    thresholds = dict(current_app.config["THRESHOLDS"])
    if community is None:
        return Calibration(None, thresholds)
    if not store.enabled():
        return Calibration(community, thresholds, reason="feedback is off on this server: scored with the global model")
    fitted = _latest_calibration(community)
    if fitted is _UNREACHABLE:
        return Calibration(community, thresholds, state="unavailable",
                           reason="the verdict store is unreachable: scored with the global model")
    if fitted is None:
        return Calibration(community, thresholds, reason="no calibration applied to this community yet")
    if fitted.model != model_label(scoring.get_scorer()):
        return Calibration(community, thresholds, version=fitted.version, verdicts=fitted.verdicts, state="stale",
                           reason=f"fitted for model {fitted.model}; re-fit with POST /v1/communities/{community}/adapt")
    refits = {a: c["refit"] for a, c in fitted.attributes.items() if c.get("refit")}
    adapted = tuple(a for a, c in fitted.attributes.items() if c.get("threshold") is not None)
    thresholds.update({a: float(fitted.attributes[a]["threshold"]) for a in adapted})
    return Calibration(community, thresholds, fitted.version, fitted.verdicts, "adapted", refits=refits,
                       adapted_thresholds=adapted)


_UNREACHABLE = object()


def _latest_calibration(community):
    """The community's newest calibration (None, or _UNREACHABLE), read at most every TTL."""
    cache = current_app.extensions["modlens_calibrations"]
    now = time.monotonic()
    found = cache.get(community)
    if found is not None and found[0] > now:
        return found[1]
    try:
        fitted = store.latest_calibration(community)
        if fitted is not None:
            store.db.session.expunge(fitted)  # kept past this request's session
    except SQLAlchemyError as error:
        store.unavailable(error)
        fitted = _UNREACHABLE
    cache[community] = (now + CALIBRATION_TTL_SECONDS, fitted)
    return fitted


def forget_cached(community):
    current_app.extensions["modlens_calibrations"].pop(community, None)


def features(scores, embedding):
    """A post's features: the logits of its nine global scores, then its sentence embedding."""
    return np.concatenate([adaptation.logit([scores[a] for a in ATTRIBUTES]), np.asarray(embedding, dtype=np.float64)])


def embed(texts):
    return np.asarray(scoring.get_scorer().embed(list(texts)), dtype=np.float64).reshape(len(texts), -1)


def apply_refits(calibration, results, texts):
    """Replace each re-fitted attribute's global score by the community's, in place.

    `results` hold every attribute's global score (a re-fitted head reads all nine); results
    of posts not scored (another language) are left as they are.
    """
    scored = [i for i, r in enumerate(results) if r.get("status", "scored") == "scored" and r["scores"]]
    if not calibration.refits or not scored:
        return
    vectors = embed([texts[i] for i in scored])
    for i, vector in zip(scored, vectors):
        x = features(results[i]["scores"], vector)[None, :]
        new = {a: float(adaptation.sigmoid(adaptation.head_logits(head, x, x[:, ATTRIBUTES.index(a)]))[0])
               for a, head in calibration.refits.items()}
        results[i]["scores"].update(new)


def score_thread(thread, names, calibration):
    """scoring.score_thread with a community's calibration: its thresholds and re-fitted scores."""
    if not calibration.refits:
        return scoring.score_thread(thread, names, calibration.thresholds)
    # Every attribute is scored, since a re-fitted head reads all nine; a re-fitted one at
    # threshold 0 so that its spans are there if its new score flags it.
    limits = {**calibration.thresholds, **{a: 0.0 for a in calibration.refits}}
    posts = scoring.score_thread(thread, list(ATTRIBUTES), limits)
    apply_refits(calibration, posts, [p["text"] for p in thread["posts"]])
    globals_ = current_app.config["THRESHOLDS"]
    for post in posts:
        post["scores"] = {a: v for a, v in post["scores"].items() if a in names}
        post["flags"] = [a for a in post["scores"] if post["scores"][a] >= calibration.thresholds[a]]
        post["spans"] = [s for s in post["spans"] if s["attribute"] in post["flags"]]
        for quote in post["quotes"]:
            # A quote keeps its global scores (its thread context is not a post's), so it is
            # flagged against the global threshold of a re-fitted attribute.
            quote["scores"] = {a: v for a, v in quote["scores"].items() if a in names}
            quote["flags"] = [a for a, v in quote["scores"].items()
                              if v >= (globals_[a] if a in calibration.refits else calibration.thresholds[a])]
    return posts


# --- storing verdicts ----------------------------------------------------------------------


def post_key(text, parent_text, title):
    """The digest that names a judged post: its text and the context it was read in."""
    return hashlib.sha256(json.dumps([title or "", parent_text or "", text], ensure_ascii=False).encode("utf-8")).hexdigest()


def store_verdicts(community, judged, source):
    """Score and store verdicts in one transaction; return how many were stored.

    `judged`: [{"field", "text", "parent_text", "title", "attribute", "value", "moderator"}],
    already checked. Every post is scored first; a post the model does not score (its
    language) refuses the whole request, so nothing is half-written.
    """
    store.require()
    scorer = scoring.get_scorer()
    forget_cached(community)  # a write asks the store itself, which may be back
    calibration = calibration_for(community)
    if calibration.state == "unavailable":
        raise store.StoreUnavailable("the verdict store is unreachable; nothing was written, try again later")
    posts = {}
    for item in judged:
        posts.setdefault((item["text"], item["parent_text"], item["title"]), []).append(item)
    scored = {}
    for (text, parent_text, title), items in posts.items():
        result = _score_judged(text, parent_text, title)
        if result["status"] != "scored":
            raise APIError(f"{items[0]['field']}.post.text is in a language the model does not score "
                           f"({result['language']}): no verdict on it can be learnt from")
        scored[(text, parent_text, title)] = result
    keys = list(scored)
    vectors = embed([k[0] for k in keys])
    model = model_label(scorer)
    keep_text = current_app.config["FEEDBACK_KEEP_TEXT"]
    at = store.now()
    try:
        moderators = {}
        rows = []
        for key, vector in zip(keys, vectors):
            result = scored[key]
            x = features(result["scores"], vector)
            for item in posts[key]:
                attribute = item["attribute"]
                score = float(_current_scores(calibration, attribute, x[None, :])[0])  # what the community is shown
                name = item["moderator"]
                if name is not None and name not in moderators:
                    moderators[name] = store.moderator_hash(name)
                rows.append(store.Verdict(
                    community=community, post_key=post_key(*key), attribute=attribute, value=item["value"],
                    score=float(score), threshold=float(calibration.thresholds[attribute]), model=model,
                    moderator=moderators.get(name), source=source, created_at=at, features=store.pack(x),
                    text=key[0] if keep_text else None, parent_text=key[1] if keep_text else None,
                    title=key[2] if keep_text else None,
                ))
        store.db.session.add_all(rows)
        store.db.session.commit()
    except SQLAlchemyError as error:
        raise store.unavailable(error) from None
    return len(rows)


@bp.post("/v1/feedback")
@rate_limited
@contract_route(contract.FeedbackResponse, errors=(503,), operation_id="storeFeedback")
def feedback(json: contract.FeedbackRequest):
    """Store moderators' verdicts on posts, for their community's calibration.

    Answers how many verdicts were stored.
    """
    store.require()
    community = check_community(json.community, "community")
    return {"stored": store_verdicts(community, json.judged(), json.source), "community": community}


# --- a community's state, and adapting it -------------------------------------------------


def _latest_per_post(rows):
    """The latest verdict of each (post, attribute): a moderator who changed their mind counts once."""
    latest = {}
    for row in rows:  # oldest first
        latest[(row.post_key, row.attribute)] = row
    return list(latest.values())


def _by_attribute(rows, model):
    """{attribute: (features (N, F), labels (N,))} of the verdicts judged under `model`."""
    grouped = {}
    for row in rows:
        if row.model == model:
            grouped.setdefault(row.attribute, []).append(row)
    return {a: (np.vstack([store.unpack(r.features) for r in rs]).astype(np.float64), np.array([r.value for r in rs]))
            for a, rs in grouped.items()}


def _community_rows(community):
    try:
        rows = store.verdicts(community)
        fitted = store.latest_calibration(community)
    except SQLAlchemyError as error:
        raise store.unavailable(error) from None
    if not rows and fitted is None:
        raise unknown_community(community)
    return rows, fitted


def unknown_community(community):
    return APIError(f"community {community!r} has no verdicts", 404)


def _current_scores(calibration, attribute, x):
    logits = x[:, ATTRIBUTES.index(attribute)]
    if attribute in calibration.refits:
        logits = adaptation.head_logits(calibration.refits[attribute], x, logits)
    return adaptation.sigmoid(logits)


def attribute_state(attribute, x, labels, calibration):
    """How today's flags fare against an attribute's verdicts, and what the verdicts suggest."""
    scores = _current_scores(calibration, attribute, x)
    threshold = calibration.thresholds[attribute]
    flags = scores >= threshold
    precision, recall = adaptation.precision_recall(labels, flags)
    state = {"verdicts": int(len(labels)), "positives": int(labels.sum()),
             "precision": None if precision is None else round(precision, 4),
             "recall": None if recall is None else round(recall, 4),
             "threshold": round(threshold, 4),
             "threshold_source": "community" if attribute in calibration.adapted_thresholds else "global",
             "refit": attribute in calibration.refits}
    fewest = min(int(labels.sum()), int(len(labels) - labels.sum()))
    if len(labels) >= adaptation.THRESHOLD_MIN and fewest >= adaptation.THRESHOLD_MIN_PER_CLASS:
        suggested = adaptation.best_threshold(scores, labels)
        new_flags = scores >= suggested
        changed = new_flags != flags
        state["suggested_threshold"] = round(suggested, 4)
        state["would_flip"] = {"verdicts": int(changed.sum()),
                               "now_agree": int(np.sum(changed & (new_flags == labels.astype(bool)))),
                               "now_disagree": int(np.sum(changed & (new_flags != labels.astype(bool))))}
    else:
        state["suggested_threshold"] = None
        state["needs"] = (f"{adaptation.THRESHOLD_MIN} verdicts with {adaptation.THRESHOLD_MIN_PER_CLASS} of each "
                          f"answer for a threshold (has {len(labels)}, {int(labels.sum())} yes)")
    return state


@bp.get("/v1/communities/<community:community>")
@contract_route(contract.CommunityState, errors=(404, 503), operation_id="communityState")
def community_state(community):
    """A community's verdicts: today's precision and recall, suggested thresholds, its calibration.

    Per attribute, and the audit log.
    """
    store.require()
    return community_report(check_community(community, "community"))


def community_report(community):
    """A checked community's state: today's flags against its verdicts, per attribute, and its audit log."""
    rows, fitted = _community_rows(community)
    calibration = calibration_for(community)
    model = model_label(scoring.get_scorer())
    latest = _latest_per_post(rows)
    grouped = _by_attribute(latest, model)
    try:
        audit = [_audit_json(e) for e in store.audit_entries(community)]
    except SQLAlchemyError as error:
        raise store.unavailable(error) from None
    return {
        "community": community,
        "calibration": calibration.info(),
        "verdicts": len(rows),
        "stale_verdicts": sum(1 for r in latest if r.model != model),
        "attributes": {a: attribute_state(a, *grouped[a], calibration) for a in ATTRIBUTES if a in grouped},
        "audit": audit,
    }


def _audit_json(entry):
    return {"at": entry.created_at.isoformat(), "action": entry.action, "actor": entry.actor, "detail": entry.detail}


def _actor(moderator, key=None):
    if moderator is not None:
        return "moderator:" + store.moderator_hash(moderator)
    key = key or presented_key()
    return "key:" + hash_key(key)[:16] if key else "local"


def _rescore_stale(rows, model):
    """Re-score, with today's model, verdicts judged under another one that kept their text.

    Returns how many were re-scored; a verdict without text cannot be, and is left out.
    """
    stale = [r for r in rows if r.model != model and r.text is not None]
    by_post = {}
    for row in stale:
        by_post.setdefault((row.text, row.parent_text, row.title), []).append(row)
    for (text, parent_text, title), group in by_post.items():
        result = _score_judged(text, parent_text, title)
        if result["status"] != "scored":
            continue
        x = features(result["scores"], embed([text])[0])
        for row in group:
            row.features, row.model = store.pack(x), model
    return len(stale)


@bp.post("/v1/communities/<community:community>/adapt")
@contract_route(contract.AdaptResponse, errors=(404, 503), operation_id="adaptCommunity")
def adapt(community, json: contract.AdaptRequest):
    """Fit the community's calibration from its verdicts; apply what measures better.

    Before and after, per attribute.
    """
    store.require()
    community = check_community(community, "community")
    wanted = set(ATTRIBUTES if json.attributes is None else json.attributes)
    return adapt_community(community, wanted, json.moderator)


def adapt_community(community, wanted, moderator=None, key=None):
    """Fit a checked community's calibration for the attributes `wanted`, apply what measures
    better and audit it as done by `moderator` (hashed), else by `key` or the request's key."""
    try:
        actor = _actor(moderator, key)
        rows, fitted = _community_rows(community)
        model = model_label(scoring.get_scorer())
        rescored = _rescore_stale(rows, model)
        latest = _latest_per_post(rows)
        grouped = _by_attribute(latest, model)
        global_thresholds = current_app.config["THRESHOLDS"]
        attributes, reports = {}, {}
        for attribute in ATTRIBUTES:
            if attribute not in grouped or attribute not in wanted:
                if fitted is not None and fitted.model == model and attribute in fitted.attributes:
                    attributes[attribute] = fitted.attributes[attribute]  # not asked: kept as it was
                continue
            x, labels = grouped[attribute]
            fit, report = adaptation.adapt_attribute(x, labels, x[:, ATTRIBUTES.index(attribute)],
                                                     global_thresholds[attribute])
            reports[attribute] = report
            if fit["threshold"] is not None or fit["refit"] is not None:
                attributes[attribute] = fit
        version = (fitted.version if fitted is not None else 0) + 1
        used = sum(len(v[1]) for v in grouped.values())
        calibration = store.Calibration(community=community, version=version, model=model, verdicts=used,
                                        attributes=attributes, report=reports, created_at=store.now())
        applied = {a: {"threshold": c["threshold"], "refit": c["refit"] is not None} for a, c in attributes.items()}
        forget_cached(community)
        store.db.session.add(calibration)
        store.db.session.add(store.AuditEntry(
            community=community, action="adapt", actor=actor, created_at=store.now(),
            detail={"version": version, "model": model, "verdicts": used, "applied": applied}))
        store.db.session.commit()
    except SQLAlchemyError as error:
        raise store.unavailable(error) from None
    stale_left = sum(1 for r in latest if r.model != model)
    response = {"community": community, "calibration": calibration_for(community).info(), "attributes": reports}
    if rescored or stale_left:
        response["stale_verdicts"] = {"rescored": rescored, "left_out": stale_left,
                                      "why": "judged under another model version without their text kept "
                                             "(MODLENS_FEEDBACK_KEEP_TEXT): they cannot be re-scored"}
    return response


# --- the operator's commands ---------------------------------------------------------------


feedback_cli = AppGroup("feedback", help="The verdict store (MODLENS_FEEDBACK=on): purge kept text.")


@feedback_cli.command("purge", help="Blank the text of verdicts older than the retention (MODLENS_FEEDBACK_RETENTION_DAYS).")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Override the retention, in days.")
def purge(days):
    if not store.enabled():
        raise click.ClickException("feedback is off (MODLENS_FEEDBACK=on opens the store)")
    days = current_app.config["FEEDBACK_RETENTION_DAYS"] if days is None else days
    count = store.purge_text(days)
    click.echo(f"blanked the text of {count} verdict(s) older than {days} day(s)")


@feedback_cli.command("forget", help="Delete every verdict and calibration of one community (its audit log keeps that it was done).")
@click.argument("community")
def forget(community):
    if not store.enabled():
        raise click.ClickException("feedback is off (MODLENS_FEEDBACK=on opens the store)")
    verdicts, calibrations = store.forget(community)
    forget_cached(community)
    click.echo(f"deleted {verdicts} verdict(s) and {calibrations} calibration(s) of {community!r}")
