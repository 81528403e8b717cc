"""The API contract, stated once: every JSON body the service reads or writes, as a pydantic model.

Validation (server/validation.py), the error messages that name a field (`posts[3].text
must be a string`) and /openapi.json (server/openapi.py) are all derived from these
classes; nothing else checks a request's fields or describes them.

Three conventions hold throughout:

- Scalars are strict: "yes" is not a boolean, "0.5" not a number, 7 not a string.
- Unknown fields are ignored, as Perspective's clients send fields we do not serve.
- A size the operator configures (posts per request, bytes per text) is a `Limit` naming
  its setting: the request is checked against this app's configuration, refused with 413,
  and the document states the same number (`Limit.resolve`).
"""

import re
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError, core_schema

from models import ATTRIBUTES
from models.language import STATUSES

# --- the building blocks ------------------------------------------------------------------

# Where a document keeps a limit to be filled in from an app's configuration.
LIMIT_MARK = "x-modlens-limit"
# A Perspective error type carried by a validation error: its pydantic type is the name.
PERSPECTIVE_ERROR_TYPES = ("COMMENT_EMPTY", "NO_REQUESTED_ATTRIBUTES")
TOO_LARGE = "too_large"  # the pydantic error type that becomes a 413


def _tidy(schema):
    """Leave `default: null` out of a model's document: an optional field that the views
    leave out is absent, not null."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None:
            del prop["default"]


def _required(*names):
    """A model's json_schema_extra that also marks `names` required: fields whose absence is
    answered by their own validator, with an error of its own, rather than "missing"."""
    def extra(schema):
        _tidy(schema)
        schema["required"] = [*schema.get("required", ()), *(n for n in names if n not in schema.get("required", ()))]
    return extra


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=_tidy)


def utf8_size(text):
    """The bytes of `text` in UTF-8; JSON's "\\ud800" (half a character) is refused, not stored."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise PydanticCustomError("surrogate", "holds an unpaired UTF-16 surrogate, which is not text") from None


@dataclass(frozen=True)
class Limit:
    """At most `size` UTF-8 bytes of a string, or `size` items of an array; 413 beyond it.

    `size` is a number, or the name of a setting (MAX_TEXT_BYTES) read from the app that
    validates (validation context "config") and written into that app's document. It is
    checked before the value's own type and items, so an oversized request costs no more.
    """

    size: int | str

    def bound(self, config):
        return self.size if isinstance(self.size, int) else config[self.size]

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.with_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        keyword = "maxItems" if json_schema.get("type") == "array" else "maxLength"
        if isinstance(self.size, int):
            # maxLength counts characters and the server UTF-8 bytes: the server may refuse
            # a text the document allows (multi-byte characters), never the reverse.
            json_schema[keyword] = self.size
        else:
            json_schema[LIMIT_MARK] = {keyword: self.size}
        return json_schema

    def _check(self, value, info):
        config = (info.context or {}).get("config")
        if isinstance(value, str):
            size = utf8_size(value)
            limit = self.bound(config)
            if size > limit:
                raise PydanticCustomError(TOO_LARGE, "is {size} bytes of UTF-8; the limit is {limit} bytes",
                                          {"size": size, "limit": limit})
        elif isinstance(value, list) and len(value) > (limit := self.bound(config)):
            raise PydanticCustomError(TOO_LARGE, "has {size} items; the limit is {limit}", {"size": len(value), "limit": limit})
        return value

    @staticmethod
    def resolve(schema, config):
        """Replace every limit mark in a JSON schema (in place) by this configuration's number."""
        if isinstance(schema, dict):
            for keyword, setting in schema.pop(LIMIT_MARK, {}).items():
                schema[keyword] = config[setting]
            for value in schema.values():
                Limit.resolve(value, config)
        elif isinstance(schema, list):
            for value in schema:
                Limit.resolve(value, config)


@dataclass(frozen=True)
class AtLeastOne:
    """An array that must hold at least one `noun` when given."""

    noun: str

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        return {**handler(schema), "minItems": 1}

    def _check(self, value):
        if isinstance(value, list) and not value:
            raise PydanticCustomError("empty", "must hold at least one {noun}", {"noun": self.noun})
        return value


def _nonblank(value):
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    return value


_NONBLANK_SCHEMA = {"minLength": 1, "pattern": r"\S"}

Text = Annotated[str, Limit("MAX_TEXT_BYTES")]
NonBlankText = Annotated[str, Limit("MAX_TEXT_BYTES"), AfterValidator(_nonblank), Field(json_schema_extra=_NONBLANK_SCHEMA)]
Name = Annotated[str, Limit(256), AfterValidator(_nonblank), Field(json_schema_extra=_NONBLANK_SCHEMA)]
Token = Annotated[str, Limit(1024)]
Attribute = Literal[ATTRIBUTES]
Probability = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
Offset = Annotated[int, Field(ge=0)]

# Any printable text without spaces: Coral Talk names its community `Coral:https://host/`.
# Not starting with a slash: a route that takes the id in its path could not reach it, as
# the router merges `/v1/communities//r/python` into `/v1/communities/r/python`. Not "." or
# "..": a browser resolves those path segments, percent-encoded too (`%2E%2E`), so the
# moderators' page of such a community could never be opened.
#
# One pattern serves the document (ECMA-262, read with the `u` flag), the server (Python,
# whole string: `re.fullmatch`, as Python's `$` also matches before a final line break) and
# the extension (extension/src/shared/settings.js, held to it by
# tests/server/test_community_id_parity.py). Its spaces are spelled out because `\s` differs
# between the two languages (U+0085 is one to Python, U+FEFF to ECMA-262); an unpaired
# surrogate is half a character, not text.
COMMUNITY_PATTERN = (r"^(?!/|\.\.?$)"
                     r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ud800-\udfff]{1,256}$")
COMMUNITY_RULE = 'printable text without spaces, 1 to 256 bytes of UTF-8, not starting with / and not "." or ".."'
_COMMUNITY_ID = re.compile(COMMUNITY_PATTERN)


def is_community_id(value):
    """Whether the string `value` is a community id by COMMUNITY_PATTERN and its size in bytes."""
    return _COMMUNITY_ID.fullmatch(value) is not None and len(value.encode("utf-8")) <= 256


def community_id(value):
    # Too long an id is a malformed one (400), not too large a request (413). utf8_size goes
    # first so that half a character is answered as such, as in every other text field.
    if utf8_size(value) > 256 or not is_community_id(value):
        raise PydanticCustomError("community", "must be " + COMMUNITY_RULE)
    return value


@dataclass(frozen=True)
class Names:
    """Marks a string that names one of this service's resources (a community).

    The document links each response field so marked to every route that takes that
    resource, as a path parameter or a field of its body (server/openapi.py), so that a
    client, and the stateful tests, can chain one answer into the next request.
    """

    resource: str

    @staticmethod
    def of(annotation, metadata=()):
        """The resource an annotation (a field's type and metadata) names, or None."""
        if get_origin(annotation) is Annotated:
            annotation, *more = get_args(annotation)
            metadata = (*metadata, *more)
        for mark in metadata:
            if isinstance(mark, Names):
                return mark.resource
        for arg in get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ():
            if (resource := Names.of(arg)) is not None:
                return resource
        return None

    @staticmethod
    def fields(model):
        """{field: resource} of the top-level fields of `model` that name a resource."""
        named = {name: Names.of(info.annotation, info.metadata) for name, info in model.model_fields.items()}
        return {name: resource for name, resource in named.items() if resource is not None}


Community = Annotated[str, AfterValidator(community_id), Names("community"), Field(
    json_schema_extra={"minLength": 1, "maxLength": 256, "pattern": COMMUNITY_PATTERN},
    description=f"A community (one forum, or a section of one): {COMMUNITY_RULE}.")]


# A field that is required, but whose absence is answered by its own validator (with a
# Perspective error type) rather than pydantic's "missing"; its model marks it required.
SELF_CHECKED = {"default": None, "validate_default": True}


# --- POST /v1/score -------------------------------------------------------------------------


class Quote(Strict):
    author: Text | None = None
    text: Text


class Post(Strict):
    id: Name = Field(description="Unique within the request.")
    author: Text | None = None
    text: NonBlankText = Field(description="At most maxLength bytes of UTF-8: bytes, not characters.")
    parent_id: Annotated[str, Limit(256)] | None = Field(
        None, description="An earlier post's id; any other value is ignored.")
    quotes: Annotated[list[Quote], Limit("MAX_QUOTES")] | None = Field(
        None, description="Quoted text, scored apart and never counted against this post.")


class Thread(Strict):
    title: Text | None = None
    url: Text | None = None
    site: Text | None = None


class ScoreRequest(Strict):
    thread: Thread | None = None
    posts: Annotated[list[Post], Limit("MAX_POSTS"), AtLeastOne("post")] = Field(
        description="In thread order; the first post and the title define the topic.")
    attributes: Annotated[list[Attribute], AtLeastOne("attribute")] | None = Field(None, description="Default: all.")
    span_offsets: Literal["codepoint", "utf16"] = Field(
        "codepoint", description="codepoint (default; Python string indexes) or utf16 (JavaScript's).")
    community: Community | None = Field(
        None, description="Score with this community's calibration (fitted from its moderators' verdicts); one "
                          "without any scores exactly as the global model.")

    @model_validator(mode="after")
    def _ids_unique(self):
        seen = set()
        for i, post in enumerate(self.posts):
            if post.id in seen:
                raise PydanticCustomError("repeated_id", "posts[{i}].id repeats an earlier post's id {id}",
                                          {"i": i, "id": repr(post.id)})
            seen.add(post.id)
        return self

    def names(self):
        """The attributes asked for, in our canonical order; all of them when absent."""
        return [name for name in ATTRIBUTES if self.attributes is None or name in self.attributes]

    def for_scorer(self):
        """The thread as models.Scorer.score_thread takes it.

        A `parent_id` that names no earlier post of the request (a page 2 whose parent is
        on page 1) is dropped rather than refused: the scorer then judges the post against
        the title and opening post alone.
        """
        earlier = set()
        posts = []
        for post in self.posts:
            posts.append({"id": post.id, "author": post.author, "text": post.text,
                          "parent_id": post.parent_id if post.parent_id in earlier else None,
                          "quotes": [{"author": q.author, "text": q.text} for q in post.quotes or []]})
            earlier.add(post.id)
        return {"title": (self.thread.title if self.thread else None) or "", "posts": posts}


class Model(Strict):
    """The exact model that scored: name, version, sha256 of the weights, and any further facts
    the scorer states (such as its precision)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str]
    name: str
    version: str
    sha256: str


class AdaptedAttribute(Strict):
    threshold: Probability | None
    refit: bool


class CalibrationUsed(Strict):
    """The calibration a response was scored with. version 0 is the global model's."""

    community: str | None
    version: Count
    verdicts: Count = Field(description="Verdicts the calibration in force was fitted on.")
    state: Literal["global", "adapted", "stale", "unavailable"] = Field(
        description="global: no community calibration applies (reason says why); adapted: the community's; stale: "
                    "fitted for another model version, so the global one was used; unavailable: the verdict store "
                    "could not be reached.")
    adapted: dict[Attribute, AdaptedAttribute] = Field(
        description="The attributes whose threshold or score is the community's.")
    reason: str = None  # present only when there is one to give


class Span(Strict):
    begin: Offset
    end: Offset
    attribute: Attribute
    score: Probability


class UnscoredPart(Strict):
    begin: Offset
    end: Offset
    language: Annotated[str, Field(pattern="^[a-z]{2}$", description="ISO 639-1.")]


class LanguageFields(Strict):
    status: Literal[STATUSES] = Field(
        description="scored, or language_not_supported: the text is in a language the model does not read, and "
                    "has no scores, flags or spans.")
    language: Annotated[str, Field(pattern="^[a-z]{2}$")] = Field(
        description="ISO 639-1 code of the language the text is in; en when it is too short to tell "
                    "(language_uncertain).")
    language_confidence: Probability = Field(description="The detector's probability for that language.")
    language_uncertain: bool = Field(description="Too short or unclear to tell: scored as English.")
    mixed: bool = Field(description="Part English, part another language: the scores read only the English "
                                    "sentences; unscored_parts lists the others.")
    unscored_parts: list[UnscoredPart] = Field(
        description="Ranges of the text in another language, left out of the scores (offsets as span_offsets says).")


class QuoteScores(LanguageFields):
    author: str | None
    scores: dict[Attribute, Probability]
    flags: list[Attribute]


class PostScores(LanguageFields):
    id: str
    scores: dict[Attribute, Probability] = Field(description="Empty when status is language_not_supported.")
    flags: list[Attribute]
    spans: list[Span]
    quotes: list[QuoteScores] = Field(
        description="Each quote's own scores, in the order sent; never counted in the post's.")


class ScoreResponse(Strict):
    model: Model
    calibration: CalibrationUsed
    posts: list[PostScores]


# --- the other GET routes --------------------------------------------------------------------


class AttributeInfo(Strict):
    name: Attribute
    description: str
    threshold: Probability


class Attributes(Strict):
    attributes: list[AttributeInfo]


class Document(Strict):
    """An OpenAPI 3.1 document (server/openapi.py)."""

    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


class Health(Strict):
    status: Literal["ok"]


class Ready(Strict):
    status: Literal["ready"]
    model: Model


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(Strict):
    type_: str = Field(alias="@type")
    errorType: Literal["COMMENT_TOO_LONG", "COMMENT_EMPTY", "NO_REQUESTED_ATTRIBUTES",
                       "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE", "LANGUAGE_DETECTION_FAILED", "INVALID_REQUEST"]


class ErrorBody(Strict):
    code: int
    message: str = Field(description="What was wrong, naming the field (posts[3].text).")
    status: str = Field(description="Google API status name")
    details: list[ErrorDetail] = Field(None, description="On the Perspective routes: Perspective's error type.")


class Error(Strict):
    """Every refusal, in one shape (server/errors.py)."""

    error: ErrorBody


# --- Perspective: comments:analyze and comments:suggestscore ---------------------------------

# Perspective's production names, then ours in the same form, then the derived one.
PERSPECTIVE_ATTRIBUTES = (*(name.upper() for name in ATTRIBUTES), "SEVERE_TOXICITY")
PERSPECTIVE_NAME = "^(" + "|".join(PERSPECTIVE_ATTRIBUTES) + ")(@[0-9]+)?$"
# Coral Talk's moderation decisions, sent as suggestscore's attribute names: a comment
# deleted (rejected) by a moderator is taken as toxic, one approved or highlighted as not.
CORAL_DECISIONS = {"DELETED": 1, "APPROVED": 0, "HIGHLIGHTED": 0}
PlainText = Literal["PLAIN_TEXT"] | None


def perspective_name(key):
    """Our attribute name (or SEVERE_TOXICITY) for a Perspective key; `TOXICITY@6` names a
    version of Google's model, and we serve ours under every version."""
    if not re.fullmatch(PERSPECTIVE_NAME, key):
        # The template fills in ctx values as they are (no format specs): quote them here.
        raise PydanticCustomError("unknown_attribute", "names an unknown attribute {key}; served: {served}",
                                  {"key": repr(key[:40]), "served": ", ".join(PERSPECTIVE_ATTRIBUTES)})
    base = key.partition("@")[0]
    return base if base == "SEVERE_TOXICITY" else base.lower()


def _comment_text(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("COMMENT_EMPTY", "must be a non-empty string")
    return value


class Comment(Strict):
    model_config = ConfigDict(json_schema_extra=_required("text"))
    text: Annotated[str, Limit("MAX_TEXT_BYTES"), BeforeValidator(_comment_text),
                    Field(json_schema_extra=_NONBLANK_SCHEMA)] = Field(**SELF_CHECKED)
    type: PlainText = None


class TextEntry(Strict):
    text: Text
    type: PlainText = None


class Context(Strict):
    """Earlier text (article, opening post, parent): the thread before the comment."""

    entries: Annotated[list[TextEntry], Limit("MAX_CONTEXT_ENTRIES")] | None = None

    def texts(self):
        return [entry.text for entry in self.entries or [] if entry.text.strip()]


class RequestedAttribute(Strict):
    scoreType: Literal["PROBABILITY"] | None = None
    scoreThreshold: Probability | None = None


def _requested(value):
    if value is None or (isinstance(value, dict) and not value):
        raise PydanticCustomError("NO_REQUESTED_ATTRIBUTES", "must name at least one attribute")
    if isinstance(value, dict):
        for key in value:
            perspective_name(key)
    return value


class PerspectiveRequest(Strict):
    comment: Comment
    context: Context | None = None
    languages: list[Token] | None = None
    clientToken: Token | None = None
    sessionId: Token | None = None
    communityId: Community | None = None


class AnalyzeRequest(PerspectiveRequest):
    model_config = ConfigDict(json_schema_extra=_required("comment", "requestedAttributes"))
    requestedAttributes: Annotated[dict[str, RequestedAttribute | None], BeforeValidator(_requested), Field(
        json_schema_extra={"minProperties": 1, "propertyNames": {"pattern": PERSPECTIVE_NAME}})] = Field(**SELF_CHECKED)
    spanAnnotations: bool | None = None
    doNotStore: bool | None = Field(None, description="Nothing is ever stored.")
    languages: list[Token] | None = Field(
        None, description="Must include English (en) when given. The comment's language is detected either way: "
                          "one not in English is refused with LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE.")
    communityId: Community | None = Field(None, description="Score with this community's calibration.")

    def requested(self):
        """[(key as sent, our attribute name or SEVERE_TOXICITY, scoreThreshold)], in the order sent."""
        return [(key, perspective_name(key), (options.scoreThreshold if options else None) or 0.0)
                for key, options in self.requestedAttributes.items()]


class SummaryValue(Strict):
    value: Probability


class SuggestedScore(Strict):
    summaryScore: SummaryValue


def _suggested(value):
    if isinstance(value, dict):
        if not value:
            raise PydanticCustomError("NO_REQUESTED_ATTRIBUTES", "must name at least one attribute")
        for key in value:
            if key not in CORAL_DECISIONS:
                perspective_name(key)
    return value


class SuggestRequest(PerspectiveRequest):
    attributeScores: Annotated[dict[str, SuggestedScore], BeforeValidator(_suggested), Field(
        json_schema_extra={"minProperties": 1,
                           "propertyNames": {"anyOf": [{"pattern": PERSPECTIVE_NAME}, {"enum": list(CORAL_DECISIONS)}]}},
        description="Perspective attribute names, or Coral Talk's moderation decisions (DELETED is stored as "
                    "toxicity 1, APPROVED and HIGHLIGHTED as toxicity 0).")]
    communityId: Community | None = Field(
        None, description="With feedback on (MODLENS_FEEDBACK=on), the suggestion is stored as a verdict of this "
                          "community; without a community it is dropped.")


class ScoreValue(Strict):
    value: Probability
    type: Literal["PROBABILITY"]


class SpanScore(Strict):
    begin: Offset
    end: Offset
    score: ScoreValue


class AttributeScore(Strict):
    summaryScore: ScoreValue
    spanScores: list[SpanScore] = None


LanguageCode = Annotated[str, Field(pattern="^[a-z]{2}$")]


class AnalyzeResponse(Strict):
    attributeScores: dict[Annotated[str, Field(pattern=PERSPECTIVE_NAME)], AttributeScore]
    languages: list[LanguageCode] = Field(
        description="The languages detected in the comment, its main one first; a mixed comment was scored on its "
                    "English sentences.")
    detectedLanguages: list[LanguageCode]
    clientToken: str = None
    model: Model
    calibration: CalibrationUsed


class SuggestResponse(Strict):
    clientToken: str = None


# --- verdicts and communities (server/communities.py) ----------------------------------------


def _verdict_value(value):
    if isinstance(value, bool):  # True == 1 in Python, but a verdict is a number
        raise PydanticCustomError("verdict", "must be 1 (the attribute applies) or 0 (it does not)")
    return value


class JudgedPost(Strict):
    id: Annotated[str, Limit(256)] | None = Field(None, description="The client's id of the post; checked, never stored.")
    text: NonBlankText
    parent_text: Text | None = Field(None, description="The post it answers, read as its context.")


class JudgedThread(Strict):
    title: Text | None = None


class Verdict(Strict):
    post: JudgedPost
    thread: JudgedThread | None = None
    attribute: Attribute
    value: Annotated[Literal[1, 0], BeforeValidator(_verdict_value)] = Field(
        description="1: the attribute applies; 0: it does not.")
    moderator: Name | None = Field(None, description="Stored only as a keyed hash.")


class FeedbackRequest(Strict):
    community: Community
    verdicts: Annotated[list[Verdict], Limit("MAX_POSTS"), AtLeastOne("verdict")]
    source: Literal["extension", "api"] = Field("api", description="Who sends the verdicts (default api).")

    def judged(self):
        """[{"field", "text", "parent_text", "title", "attribute", "value", "moderator"}], as
        communities.store_verdicts takes them."""
        return [{"field": f"verdicts[{i}]", "text": v.post.text, "parent_text": v.post.parent_text or None,
                 "title": (v.thread.title if v.thread else None) or None, "attribute": v.attribute,
                 "value": int(v.value), "moderator": v.moderator}
                for i, v in enumerate(self.verdicts)]


class FeedbackResponse(Strict):
    stored: Count
    community: Community


class WouldFlip(Strict):
    """Past verdicts whose flag the suggested threshold would change."""

    verdicts: Count
    now_agree: Count
    now_disagree: Count


Ratio = Probability | None


class AttributeState(Strict):
    model_config = ConfigDict(json_schema_extra=_required(
        "verdicts", "positives", "precision", "recall", "threshold", "threshold_source", "refit", "suggested_threshold"))
    verdicts: Count
    positives: Count
    precision: Ratio = Field(description="Of today's flags on judged posts, the share moderators agreed with.")
    recall: Ratio = Field(description="Of the judged posts moderators said yes to, the share flagged today.")
    threshold: Probability
    threshold_source: Literal["global", "community"]
    refit: bool
    suggested_threshold: Probability | None = Field(description="The threshold with the best F1 on the verdicts.")
    would_flip: WouldFlip = None
    needs: str = None


class AuditEntry(Strict):
    at: str = Field(json_schema_extra={"format": "date-time"})
    action: str
    actor: str
    detail: dict[str, Any]


class CommunityState(Strict):
    community: Community
    calibration: CalibrationUsed
    verdicts: Count
    stale_verdicts: Count = Field(description="Judged under another model version; left out below.")
    attributes: dict[Attribute, AttributeState]
    audit: list[AuditEntry]


class AdaptRequest(Strict):
    BODY_OPTIONAL: ClassVar[bool] = True  # POST .../adapt with no body adapts every attribute

    attributes: list[Attribute] | None = Field(None, description="Default: every attribute with verdicts.")
    moderator: Name | None = Field(None, description="Who applies it, for the audit log (hashed).")


class Measures(Strict):
    threshold: Probability
    precision: Ratio
    recall: Ratio
    f1: Probability
    roc_auc: Ratio
    log_loss: Annotated[float, Field(ge=0)]


class Applied(Strict):
    refit: bool
    threshold: bool


class AdaptReport(Strict):
    verdicts: Count
    positives: Count
    before: Measures = Field(description="The global model on these verdicts.")
    after: Measures = Field(description="The community's calibration, measured by cross-validation.")
    applied: Applied
    reasons: dict[str, str]


class AdaptResponse(Strict):
    community: Community
    calibration: CalibrationUsed
    attributes: dict[Attribute, AdaptReport]
    stale_verdicts: dict[str, Any] = None

