"""Labelled texts from forum and comment-thread sets (`../shared/data`, README section
"Forum and comment-thread sets"), as `Example`s for the classification heads.

Every loader is `load_X(data_dir, split)` with split one of:
- "train": rows training may see;
- "val": rows kept out of training for calibration and threshold choice;
- "test": rows read only by the evaluation report.
A split a source cannot provide raises ValueError. Where a source's file must be divided,
the division is fixed by a SHA-1 hash of a stable row key (`held_out` for two ways,
`_three_way` for three), so it never changes between runs.

Within one source no text (compared case- and whitespace-insensitively) is in two splits:
a text that is also in the test split is removed from train and val, and one that is also
in val is removed from train (`_disjoint`). Texts are stripped and rows with empty text are
skipped. An attribute a source does not label is absent from `labels` (its loss is masked);
`meta` carries finer, report-only information and is never a training label.

`python -m models.forum_data --data ../shared/data` prints the row and positive counts of
every source and split as a markdown table (for the model card).
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import html
import json
import re
from collections import defaultdict
from pathlib import Path

from .data import DEFAULT_DATA_DIR, Example, held_out
from .heads import HEAD_ATTRIBUTES

csv.field_size_limit(10_000_000)

SPLITS = ("train", "val", "test")
# The attributes a set's labels can speak to: every head's, off_topic (thread data) aside.
ATTRIBUTES = HEAD_ATTRIBUTES


# --- Shared helpers ---------------------------------------------------------------------------


def _three_way(key: str, val_share: float, test_share: float) -> str:
    """"train", "val" or "test" for a row key, from one SHA-1 fraction in [0, 1).

    The fraction is computed as in `data.held_out`. The lowest 1 - val_share - test_share
    of it is train, the next val_share is val, and the top test_share is test, so that
    `_three_way(k, 0.1, 0.4)` is train below 0.5, val from 0.5 to 0.6 and test from 0.6.
    """
    if val_share < 0 or test_share < 0 or val_share + test_share > 1:
        raise ValueError(f"shares {val_share} + {test_share} must lie in [0, 1]")
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32
    if fraction < 1 - val_share - test_share:
        return "train"
    if fraction < 1 - test_share:
        return "val"
    return "test"


def _two_way(key: str, val_share: float = 0.1) -> str:
    return "val" if held_out(key, val_share) else "train"


def _norm(text: str) -> str:
    """Whitespace-normalised text: the form used to compare texts across files."""
    return " ".join(text.split())


def _dedup_key(text: str) -> str:
    return _norm(text).casefold()


def _check_split(split: str, allowed: tuple[str, ...] = SPLITS, source: str = "") -> None:
    if split not in allowed:
        raise ValueError(f"{source}: split {split!r} is not one of {allowed}")


def _disjoint(splits: dict[str, list[Example]]) -> dict[str, list[Example]]:
    """The splits with no text in two of them: test keeps its rows, then val, then train."""
    seen: set[str] = set()
    out = {}
    for name in ("test", "val", "train"):
        rows = splits.get(name)
        if rows is None:
            continue
        out[name] = [e for e in rows if _dedup_key(e.text) not in seen]
        seen |= {_dedup_key(e.text) for e in rows}
    return out


def _select(source: str, splits: dict[str, list[Example]], split: str) -> list[Example]:
    _check_split(split, tuple(s for s in SPLITS if s in splits), source)
    return _disjoint(splits)[split]


def _read_csv(path: Path, **kwargs) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, **kwargs))


def _ranges(offsets) -> list[tuple[int, int]]:
    """Sorted character offsets as contiguous (begin, end) ranges, end exclusive."""
    out: list[list[int]] = []
    for o in sorted(set(offsets)):
        if out and o == out[-1][1]:
            out[-1][1] = o + 1
        else:
            out.append([o, o + 1])
    return [(b, e) for b, e in out]


def _strip_offsets(text: str, offsets) -> tuple[str, list[int]]:
    """The stripped text and the offsets moved with it (offsets outside it are dropped)."""
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    return stripped, sorted({o - lead for o in offsets if 0 <= o - lead < len(stripped)})


# --- Unhealthy Conversations (Globe and Mail comments) ---------------------------------------

UC_META = ("hostile", "antagonize", "condescending", "dismissive", "sarcastic", "generalisation_unfair", "healthy")
UC_HOSTILE = ("hostile", "antagonize", "condescending", "dismissive")


def _rater_share(label: int, confidence: float) -> float:
    """The share of raters who gave a label, from the majority answer and the (trust-weighted)
    share that agreed with it: a 0 at confidence 0.6 means 0.4 said yes."""
    return confidence if label else 1.0 - confidence


def _uc_share(r: dict, key: str) -> float:
    return _rater_share(int(float(r[key])), float(r.get(key + ":confidence") or 1.0))


def load_uc(data_dir: Path, split: str) -> list[Example]:
    """Unhealthy Comments Corpus: only its published val file is here (corpus__val.csv).

    The official train split is not available and its test split is held back, so this one
    file is divided by a hash of `_unit_id`: half trains, a tenth calibrates and the remaining
    four tenths are kept for the report, because the report needs enough rare positives
    (about 2 % per sub-attribute) to say anything.

    hostility is 1 when the comment was judged hostile, antagonising, condescending or
    dismissive, and 0 otherwise. These four sub-attributes all describe aggression,
    condescension or dismissal towards the person being answered, which is what the
    hostility attribute means; the Globe and Mail comments are replies to other readers.
    sarcasm is the corpus's own "sarcastic" label. The unfair-generalisation label is not
    mapped to identity_attack, because a generalisation need not be about a protected group.
    The raw 0/1 of each sub-attribute (and healthy) is kept in meta so the report can read
    them one by one. `soft` holds the raters' shares (hostility: the largest of the four
    sub-attributes'), the target of `--targets soft`. The file has no parent text.
    """
    _check_split(split, SPLITS, "uc")
    out = {s: [] for s in SPLITS}
    for r in _read_csv(Path(data_dir) / "unhealthy_conversations" / "corpus__val.csv"):
        text = r["comment"].strip()
        if not text:
            continue
        raw = {k: int(float(r[k])) for k in UC_META}
        labels = {"hostility": int(any(raw[k] for k in UC_HOSTILE)), "sarcasm": raw["sarcastic"]}
        soft = {"hostility": max(_uc_share(r, k) for k in UC_HOSTILE), "sarcasm": _uc_share(r, "sarcastic")}
        out[_three_way("uc:" + r["_unit_id"], 0.1, 0.4)].append(Example(text, "uc", labels, meta=raw, soft=soft))
    return _select("uc", out, split)


# --- CAD: Contextual Abuse Dataset (Reddit) ---------------------------------------------------

CAD_ABUSE = ("PersonDirectedAbuse", "IdentityDirectedAbuse", "AffiliationDirectedAbuse")


def _cad_text(text: str) -> str:
    # The files write Reddit's line breaks as "[linebreak]" and keep its HTML escapes; the
    # scorer sees real line breaks and characters, so the loader restores both.
    text = re.sub(r"[ \t]*\[linebreak\][ \t]*", "\n", text)
    return html.unescape(text).strip()


def load_cad(data_dir: Path, split: str) -> list[Example]:
    """Contextual Abuse Dataset: cad_v1_1_train.tsv trains (a tenth, by a hash of the id,
    calibrates) and cad_v1_1_dev.tsv is the report's test split.

    The labels column is multi-label (comma-separated). Person-directed abuse is abuse of a
    person, a member or a named third party, so it is both insult and hostility. CAD's
    person-directed abuse is aimed at a person, and in these Reddit threads that person is
    usually the member being answered or the poster. Identity-directed abuse is abuse of a
    group for an identity, which is identity_attack. toxicity is any of the three abuse
    labels, because affiliation-directed abuse (of a party or an organisation's members) is
    abusive too, though it is neither an insult of a person nor an identity attack. A row
    labelled only Neutral or CounterSpeech has all four at 0: counter speech argues against
    abuse and is not abuse itself. Rows whose id ends in "-post" or "-title" are opening
    posts and thread titles, and they are kept. These files carry no parent text. The raw
    CAD labels are kept in meta.
    """
    _check_split(split, SPLITS, "cad")
    out = {s: [] for s in SPLITS}
    for name, test in (("cad_v1_1_train.tsv", False), ("cad_v1_1_dev.tsv", True)):
        for r in _read_csv(Path(data_dir) / "cad" / name, delimiter="\t"):
            text = _cad_text(r["text"])
            if not text:
                continue
            raw = [x.strip() for x in r["labels"].split(",") if x.strip()]
            labels = {
                "insult": int("PersonDirectedAbuse" in raw),
                "hostility": int("PersonDirectedAbuse" in raw),
                "identity_attack": int("IdentityDirectedAbuse" in raw),
                "toxicity": int(any(x in raw for x in CAD_ABUSE)),
            }
            where = "test" if test else _two_way("cad:" + r["id"])
            out[where].append(Example(text, "cad", labels, meta={"labels": raw}))
    return _select("cad", out, split)


# --- ToxiChat (Reddit threads) ----------------------------------------------------------------

# The target strings that name a participant of the thread: "individual/redditor" (the
# annotators' choice for a person, in practice mostly the member answered or the poster)
# and "comment author" (the author of an earlier comment in the thread).
TOXICHAT_PARTICIPANT = ("individual/redditor", "comment author")


def _toxichat_text(text: str) -> str:
    text = html.unescape(text).strip()
    # Opening posts are written " Title: <title> \n <body>": the "Title:" marker is dataset
    # formatting; the title and the body are kept, as the first line and what follows.
    if text.startswith("Title:"):
        text = text[len("Title:") :].strip()
        text = "\n".join(line.strip() for line in text.split("\n"))
    return text.strip()


def _toxichat_file(path: Path) -> list[tuple[str, list[Example]]]:
    """(thread key, examples) per thread: one example per distinct human turn."""
    threads = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                threads.append(json.loads(line)["reddit_thread"])
    # Threads that share a submission repeat its first turns (one thread per branch), and
    # the repeats were annotated separately: one example per turn with the same history,
    # labelled by a majority of those annotations.
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    thread_of: dict[tuple, str] = {}
    order = []
    for thread in threads:
        history: tuple[str, ...] = ()
        key = _toxichat_text(thread[0]["text"])
        for turn in thread:
            text = _toxichat_text(turn["text"])
            ident = (text, history)
            if ident not in grouped:
                order.append(ident)
                thread_of[ident] = key
            grouped[ident].append(turn)
            history = history + (text,)
    out = defaultdict(list)
    for ident in order:
        text, history = ident
        if not text:
            continue
        turns = grouped[ident]
        offensive = [t for t in turns if t["offense_label"] == "Offensive"]
        safe = [t for t in turns if t["offense_label"] == "Safe"]
        targets = sorted({x for t in offensive for x in t["offense_targets"]})
        labels = {}
        if 2 * len(offensive) > len(turns):
            labels["toxicity"] = 1
            if any(x in TOXICHAT_PARTICIPANT for x in targets):
                labels["hostility"] = 1
        elif 2 * len(safe) > len(turns):
            labels["toxicity"] = 0
            labels["hostility"] = 0
        if not labels:
            continue  # annotations of a repeated turn split evenly: no label to train on
        stance = {k[len("stance_label_towards_") :]: v for k, v in turns[0].items() if k.startswith("stance_label")}
        meta = {"targets": targets, "stance": stance, "annotations": len(turns)}
        parent = history[-1] if history else None
        out[thread_of[ident]].append(Example(text, "toxichat", labels, parent=parent, meta=meta))
    return list(out.items())


def load_toxichat(data_dir: Path, split: str) -> list[Example]:
    """ToxiChat: the human Reddit turns of train.jsonl train (a tenth of the submissions, by a
    hash of the opening post, calibrates) and those of dev.jsonl are the report's test split.

    Only `reddit_thread` turns are read. `final_dgpt_response` and `final_gpt3_response` are
    machine-generated replies, so they are not forum text and are never loaded. Every turn
    after the first has parent = the previous turn's text. The opening post's "Title:"
    marker is removed and its title and body are kept. Threads that branch from one
    submission repeat its first turns, so the split is by submission (all branches on the
    same side) and a repeated turn with the same history is one example, labelled by the
    majority of its annotations (an even split leaves it out).

    toxicity is offense_label == "Offensive", because ToxiChat's offensive covers rude,
    disrespectful or hateful turns. hostility is 1 for an offensive turn whose targets
    include a participant (the target strings "individual/redditor" or "comment author"),
    0 for a safe turn, and absent for an offensive turn aimed only at groups or public
    figures, because such a turn may or may not also attack the member it answers.
    Note that "individual/redditor" also covers some private persons who are not in the
    thread (a poster's relative, for example). meta holds the targets and the stance
    towards earlier turns.
    """
    _check_split(split, SPLITS, "toxichat")
    out = {s: [] for s in SPLITS}
    folder = Path(data_dir) / "toxichat"
    for key, examples in _toxichat_file(folder / "train.jsonl"):
        out[_two_way("toxichat:" + key)].extend(examples)
    for _, examples in _toxichat_file(folder / "dev.jsonl"):
        out["test"].extend(examples)
    return _select("toxichat", out, split)


# --- Unpalatable questions (Reddit replies with the comment they answer) ------------------------


def load_uq(data_dir: Path, split: str) -> list[Example]:
    """Unpalatable Questions: reply_text is the reply that contains the question, and
    comment_text is the comment it answers, so text = reply_text and parent = comment_text.

    The one file is split by a hash of reply_id: 80 % train, 10 % val, 10 % test.
    hostility = 1 for "yes_unpalatable" and 0 for "not_unpalatable". A question the raters
    found unpalatable is rude, condescending or sarcastic towards the person answered,
    which is hostility towards another participant. The raters' confidence (0.6, 0.8
    or 1.0) is kept in meta, and as the share who found it unpalatable in `soft`.
    """
    _check_split(split, SPLITS, "uq")
    out = {s: [] for s in SPLITS}
    for r in _read_csv(Path(data_dir) / "unpalatable_questions" / "data__annotations_UQ.csv"):
        text = html.unescape(r["reply_text"]).strip()
        if not text or r["label"] not in ("yes_unpalatable", "not_unpalatable"):
            continue
        parent = html.unescape(r["comment_text"]).strip() or None
        labels = {"hostility": int(r["label"] == "yes_unpalatable")}
        meta = {"confidence": float(r["confidence"])}
        soft = {"hostility": _rater_share(labels["hostility"], meta["confidence"])}
        where = _three_way("uq:" + r["reply_id"], 0.1, 0.1)
        out[where].append(Example(text, "uq", labels, parent=parent, meta=meta, soft=soft))
    return _select("uq", out, split)


# --- Sarcasm Corpus V2 (Internet Argument Corpus debate replies) ---------------------------------


def load_sarcasm_v2(data_dir: Path, split: str) -> list[Example]:
    """Sarcasm Corpus V2: text = Response Text, parent = Quote Text (the post it answers).

    sarcasm = 1 for Label "sarc" and 0 for "notsarc", because the corpus labels the
    response's sarcasm in the context of the quote. The corpus subtype (GEN general, RQ
    rhetorical questions, HYP hyperbole) is kept in meta. The file is split 80/10/10 by a
    hash of ID.
    """
    _check_split(split, SPLITS, "sarcasm_v2")
    out = {s: [] for s in SPLITS}
    for r in _read_csv(Path(data_dir) / "sarcasm_v2" / "sarcasm_v2.csv"):
        text = r["Response Text"].strip()
        if not text or r["Label"] not in ("sarc", "notsarc"):
            continue
        labels = {"sarcasm": int(r["Label"] == "sarc")}
        parent = r["Quote Text"].strip() or None
        where = _three_way("sarcasm_v2:" + r["ID"], 0.1, 0.1)
        out[where].append(Example(text, "sarcasm_v2", labels, parent=parent, meta={"subtype": r["Corpus"]}))
    return _select("sarcasm_v2", out, split)


# --- TRAC-1 (Facebook comments, English track) --------------------------------------------------


def _ascii_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isascii() for c in letters) / len(letters) if letters else 1.0


def load_trac(data_dir: Path, split: str) -> list[Example]:
    """TRAC-1 English: agr_en_train.csv trains (a tenth, by a hash of the id, calibrates) and
    agr_en_dev.csv is the report's test split. The files have no header: id, text, label.

    hostility = 1 for overtly (OAG) or covertly (CAG) aggressive comments and 0 for NAG,
    because TRAC's aggression is aggression in a discussion, covert aggression included.
    toxicity = 1 for OAG and 0 for NAG, and it is absent for CAG, because covert aggression
    is often polite in form and would blur the toxicity boundary. Texts in which fewer than
    60 % of the letters are ASCII are skipped: these are Devanagari Hindi (and a few decorated
    bot posts), which the English encoder does not read. Romanised Hindi and Hindi-English
    code-mixing remain in the data. The raw label is kept in meta.
    """
    _check_split(split, SPLITS, "trac")
    out = {s: [] for s in SPLITS}
    folder = Path(data_dir) / "trac1"
    for name, test in (("agr_en_train.csv", False), ("agr_en_dev.csv", True)):
        with open(folder / name, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        for row in rows:
            if len(row) != 3:
                continue
            ident, text, label = row[0], row[1].strip(), row[2].strip()
            if not text or label not in ("OAG", "CAG", "NAG") or _ascii_share(text) < 0.6:
                continue
            labels = {"hostility": int(label != "NAG")}
            if label != "CAG":
                labels["toxicity"] = int(label == "OAG")
            where = "test" if test else _two_way("trac:" + ident)
            out[where].append(Example(text, "trac", labels, meta={"label": label}))
    return _select("trac", out, split)


# --- Toxic Spans: SemEval-2021 Task 5 -------------------------------------------------------------


def _spans_key(text: str) -> str:
    # One key for both Toxic Spans releases, so a text falls on the same side in both.
    return "toxic_spans:" + _norm(text)


def _semeval_file(path: Path) -> list[Example]:
    out = []
    for r in _read_csv(path):
        text, offsets = _strip_offsets(r["text"], ast.literal_eval(r["spans"]))
        if not text:
            continue
        out.append(Example(text, "toxic_spans", {}, spans={"toxicity": _ranges(offsets)}, meta={"offsets": offsets}))
    return out


def load_toxic_spans(data_dir: Path, split: str) -> list[Example]:
    """SemEval-2021 Task 5: tsd_train trains (a tenth, by a hash of the text, calibrates) and
    tsd_trial is the report's test split (the official test file is held back).

    The spans column lists the character offsets of the toxic words. They become contiguous
    (begin, end) ranges in spans["toxicity"], and the sorted offsets are also kept in
    meta["offsets"] because the SemEval F1 is computed on offsets. labels is empty because
    every SemEval comment was selected as toxic, so there is no post-level contrast to learn
    from. A comment with no agreed span has spans["toxicity"] == []. Eight texts of the trial
    file are also in the train file, and they are removed from train and val.
    """
    _check_split(split, SPLITS, "toxic_spans")
    folder = Path(data_dir) / "toxic_spans"
    out = {s: [] for s in SPLITS}
    for e in _semeval_file(folder / "SemEval2021__data__tsd_train.csv"):
        out[_two_way(_spans_key(e.text))].append(e)
    out["test"] = _semeval_file(folder / "SemEval2021__data__tsd_trial.csv")
    return _select("toxic_spans", out, split)


# --- Toxic Spans: ACL-2022 release with per-rater typed spans --------------------------------------

# Span type -> attribute. Every type is also toxicity. Three spans in the file carry a
# truncated type ("Insu", "Identity based "), read here by their prefix; an empty type
# counts for toxicity only.
TYPED_SPANS = (
    ("Insu", "insult"),
    ("Threat", "threat"),
    ("Identity", "identity_attack"),
    ("Profane", "profanity"),
)
TYPED_ATTRIBUTES = ("toxicity", "insult", "threat", "identity_attack", "profanity")
# The attributes whose words each span source's raters judged, for the token-level loss:
# a typed comment's raters judged every type (a type nobody marked has no words), SemEval's
# judged toxicity only.
SPAN_LABELS = {"toxic_spans": ("toxicity",), "toxic_spans_typed": TYPED_ATTRIBUTES}
QUIZ_RATERS = 20  # one comment has 357 ratings: a quiz question for candidate raters


def _typed_attribute(span_type: str) -> str | None:
    for prefix, attribute in TYPED_SPANS:
        if span_type.startswith(prefix):
            return attribute
    return None


def _fix_end(text: str, begin: int, end: int) -> tuple[int, int]:
    """Clip a rater's span to the text; an end that stops one letter short of the end of a
    word (the annotation tool sometimes stored an inclusive end) is moved to the word's end."""
    end = min(end, len(text))
    if (
        begin < end < len(text)
        and text[end - 1].isalnum()
        and text[end].isalnum()
        and (end + 1 == len(text) or not text[end + 1].isalnum())
    ):
        end += 1
    return begin, end


def _typed_examples(data_dir: Path) -> list[tuple[str, Example]]:
    folder = Path(data_dir) / "toxic_spans"
    comments = {r["comment_id"]: r["comment_text"] for r in _read_csv(folder / "data__comments.csv")}
    raters: dict[str, list[dict]] = defaultdict(list)
    for r in _read_csv(folder / "data__annotations.csv"):
        raters[r["comment_id"]].append(r)
    marked: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for r in _read_csv(folder / "data__spans.csv"):
        marked[r["annotation"]].append((r["type"], int(r["start"]), int(r["end"])))
    out = []
    for cid, raw_text in comments.items():
        ratings = raters.get(cid, [])
        n = len(ratings)
        text = raw_text.strip()
        if not text or not n or n > QUIZ_RATERS:
            continue
        lead = len(raw_text) - len(raw_text.lstrip())
        chars = {a: defaultdict(int) for a in TYPED_ATTRIBUTES}  # attribute -> offset -> raters
        votes = dict.fromkeys(TYPED_ATTRIBUTES, 0)  # raters who marked a span of the type
        sure = both = 0  # toxicity votes: certain, and from raters who ticked both boxes
        for rating in ratings:
            mine = {a: set() for a in TYPED_ATTRIBUTES}
            for span_type, begin, end in marked.get(rating["annotation"], []):
                begin, end = _fix_end(raw_text, begin, end)
                offsets = {o - lead for o in range(begin, end) if 0 <= o - lead < len(text)}
                attribute = _typed_attribute(span_type)
                mine["toxicity"] |= offsets
                if attribute:
                    mine[attribute] |= offsets
            marked_any = bool(mine["toxicity"])
            all_toxic, not_toxic = rating["all toxic"] == "True", rating["not toxic"] == "True"
            if marked_any or (all_toxic and not not_toxic):
                sure += 1
            elif all_toxic and not_toxic:
                both += 1
            for a in TYPED_ATTRIBUTES:
                votes[a] += bool(mine[a])
                for o in mine[a]:
                    chars[a][o] += 1
        labels = {a: int(2 * votes[a] >= n) for a in TYPED_ATTRIBUTES if a != "toxicity"}
        if 2 * sure >= n:
            labels["toxicity"] = 1
        elif 2 * (sure + both) < n:
            labels["toxicity"] = 0
        spans = {}
        for a in TYPED_ATTRIBUTES:
            agreed = [o for o, k in chars[a].items() if 2 * k >= n]
            if agreed:
                spans[a] = _ranges(agreed)
        out.append((cid, Example(text, "toxic_spans_typed", labels, spans=spans, meta={"raters": n})))
    return out


def load_toxic_spans_typed(data_dir: Path, split: str) -> list[Example]:
    """Toxic Spans, ACL-2022 release: 14 095 Civil Comments with every rater's typed spans
    (data__comments.csv, data__annotations.csv, data__spans.csv). Only train and val exist
    here; "test" raises ValueError, because the report tests spans on SemEval's trial file.

    Every rating row of a comment is one rater. A character belongs to an attribute's span
    when at least half of the comment's raters marked it with a span of that type:
    Insult -> insult, Threat -> threat, Identity based Attack -> identity_attack,
    Profane/Obscene -> profanity, and every type (Other Toxicity too) -> toxicity. spans holds
    only the attributes with ranges, so it is {} when no character reached agreement.
    A post-level attribute is 1 when at least half of the raters marked a span of its type,
    and 0 otherwise.

    Post-level toxicity needs care. In the annotation template the span box is hidden only
    when both tick-boxes are ticked. So a rater who thought the comment not toxic and a rater
    who thought it toxic with no particular span both appear with "all toxic" and "not toxic"
    True and no span (20 407 of the 52 022 ratings). All 844 ratings with only "not toxic"
    ticked carry spans, and so do 574 of the 624 with only "all toxic" ticked. toxicity is
    therefore 1 when at least half of the raters marked a span or ticked "all toxic" alone.
    It is 0 when fewer than half did so even if the both-boxes raters are counted as toxic.
    Otherwise it is absent, because the label depends on what those raters meant. The
    both-boxes raters still count as raters for the typed attributes and for the character
    shares, as in the release's own ground truth. Because every comment was picked as toxic
    in Civil Comments, nearly all labelled rows are toxicity = 1.

    Some rater spans end one letter short of a word; such spans are extended to the end of
    the word. 78 spans that run past the text are clipped to it. The quiz comment with 357
    ratings is skipped.

    The 718 comments whose whitespace-normalised text equals a text of SemEval's trial file
    (the report's test rows for toxic_spans, 690 distinct texts) are removed. The split is
    by a hash of the whitespace-normalised text, with the same key as `load_toxic_spans`,
    and not by a hash of comment_id. Nearly every SemEval train text (7 935 of 7 939) is a
    comment of this release, so a comment_id split would put SemEval's training texts into
    this val split and this release's training texts into SemEval's val split. The shared key
    keeps the two val splits the same texts, and it keeps duplicate comments together.
    """
    _check_split(split, ("train", "val"), "toxic_spans_typed")
    trial = {_norm(e.text) for e in _semeval_file(Path(data_dir) / "toxic_spans" / "SemEval2021__data__tsd_trial.csv")}
    out = {"train": [], "val": []}
    for _, e in _typed_examples(data_dir):
        if _norm(e.text) in trial:
            continue
        out[_two_way(_spans_key(e.text))].append(e)
    return _select("toxic_spans_typed", out, split)


# --- Toxicity in context (Wikipedia talk pages) ----------------------------------------------------


def load_context_tox(data_dir: Path, split: str) -> list[Example]:
    """Pavlopoulos et al. context toxicity: gc.csv, whose raters saw the parent comment.

    text and parent come from the file, and toxicity is its 0/1 label, judged with the
    parent shown, so the label fits a head that reads the parent as well. The file is split
    80/10/10 by a hash of id. gn.csv is not used: its raters did not see the parent, so its
    labels say nothing about toxicity in context, and its rows carry no parent text. Only
    1.5 % of gc's rows are toxic.
    """
    _check_split(split, SPLITS, "context_tox")
    out = {s: [] for s in SPLITS}
    for r in _read_csv(Path(data_dir) / "context_toxicity" / "gc.csv"):
        text = r["text"].strip()
        if not text or r["label"] not in ("0", "1"):
            continue
        parent = r["parent"].strip() or None
        where = _three_way("context_tox:" + r["id"], 0.1, 0.1)
        out[where].append(Example(text, "context_tox", {"toxicity": int(r["label"])}, parent=parent))
    return _select("context_tox", out, split)


# --- GoEmotions (Reddit comments) ----------------------------------------------------------------

GOEMOTIONS_NEGATIVE = frozenset(
    {
        "anger",
        "annoyance",
        "disapproval",
        "disgust",
        "sadness",
        "disappointment",
        "grief",
        "fear",
        "remorse",
        "embarrassment",
        "nervousness",
    }
)


def load_goemotions(data_dir: Path, split: str) -> list[Example]:
    """GoEmotions: train.tsv trains, dev.tsv calibrates, test.tsv is the report's test split.

    The files have no header: text, comma-separated emotion ids (named by labels.txt), id.
    negativity = 1 when any emotion is in the GoEmotions paper's negative group (anger,
    annoyance, disapproval, disgust, sadness, disappointment, grief, fear, remorse,
    embarrassment, nervousness), even when positive ones are present too. Otherwise it is 0,
    and that includes rows with only the paper's "ambiguous" emotions (confusion, curiosity,
    realization, surprise), because those do not make a comment's tone negative. No hostility
    label is given: anger is often at events or institutions, which is negativity and not
    hostility towards a participant. The emotion names are kept in meta.
    """
    _check_split(split, SPLITS, "goemotions")
    folder = Path(data_dir) / "goemotions"
    names = [line.strip() for line in open(folder / "labels.txt", encoding="utf-8") if line.strip()]
    file = {"train": "train.tsv", "val": "dev.tsv", "test": "test.tsv"}
    out = {}
    for name, filename in file.items():
        rows = []
        with open(folder / filename, newline="", encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) < 2 or not row[0].strip():
                    continue
                emotions = [names[int(i)] for i in row[1].split(",") if i.strip()]
                labels = {"negativity": int(any(e in GOEMOTIONS_NEGATIVE for e in emotions))}
                rows.append(Example(row[0].strip(), "goemotions", labels, meta={"emotions": emotions}))
        out[name] = rows
    return _select("goemotions", out, split)


# --- Stormfront (white-supremacist forum sentences) ------------------------------------------------


def load_stormfront(data_dir: Path, split: str) -> list[Example]:
    """de Gibert et al. Stormfront sentences: identity_attack = 1 for "hate" and 0 for
    "noHate". Sentences labelled "relation" (hateful only together with a neighbouring
    sentence) and "idk/skip" are skipped, because neither gives a sentence-level label.

    The split is 80/10/10 by a hash of file_id without its sentence number (file_id is
    <post>_<sentence>), so all sentences of one post fall on the same side and no post
    is split between training and the report. The number of context sentences the rater
    needed is kept in meta.
    """
    _check_split(split, SPLITS, "stormfront")
    out = {s: [] for s in SPLITS}
    for r in _read_csv(Path(data_dir) / "stormfront" / "stormfront_sentences.csv"):
        text = r["text"].strip()
        if not text or r["label"] not in ("hate", "noHate"):
            continue
        post = r["file_id"].rsplit("_", 1)[0]
        meta = {"num_contexts": int(r["num_contexts"] or 0)}
        out[_three_way("stormfront:" + post, 0.1, 0.1)].append(
            Example(text, "stormfront", {"identity_attack": int(r["label"] == "hate")}, meta=meta)
        )
    return _select("stormfront", out, split)


# --- Fox News comments ----------------------------------------------------------------------------


def load_fox_news(data_dir: Path, split: str) -> list[Example]:
    """Gao and Huang Fox News comments (one JSON object a line): identity_attack = the hateful
    label, because the set's hate is defined as attacks on people for their group.

    parent = `prev` (the comment it follows in the thread) when it is not empty. The article
    title is kept in meta. The split is 80/10/10 by a hash of the text, since the rows have
    no id and there are only ten threads.
    """
    _check_split(split, SPLITS, "fox_news")
    out = {s: [] for s in SPLITS}
    with open(Path(data_dir) / "fox_news_comments" / "fox-news-comments.json", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            text = (r.get("text") or "").strip()
            if not text or r.get("label") not in (0, 1):
                continue
            parent = (r.get("prev") or "").strip() or None
            meta = {"title": r.get("title", "")}
            out[_three_way("fox_news:" + text, 0.1, 0.1)].append(
                Example(text, "fox_news", {"identity_attack": int(r["label"])}, parent=parent, meta=meta)
            )
    return _select("fox_news", out, split)


# --- Stanford politeness corpus (Wikipedia talk and Stack Exchange requests) -----------------------

POLITENESS_FILES = ("stack-exchange.annotated.csv", "wikipedia.annotated.csv")
# Share of each file, from the least polite, read as hostile; requests above the median are
# read as not hostile; the ones between are left unlabelled.
IMPOLITE_SHARE = 0.06


def load_politeness(data_dir: Path, split: str) -> list[Example]:
    """Stanford Politeness Corpus: requests addressed to another editor or asker, each with
    the mean of five raters' politeness scores ("Normalized Score").

    hostility = 1 for the least polite 6 % of each file (the two communities are ranked
    separately), 0 for the requests above the file's median, and unlabelled between. A
    request's politeness is only a weak signal for hostility, and most impolite requests
    are merely curt ("What is x?"), so only the far tail is read as hostile: there the
    requests talk down to or brush off the person addressed ("And this is why you're
    asking all the stupid questions?", "Yeah, that really helped, didn't it?", "you are
    aware that Lebanon isn't Hezbollah, right?"), the condescension and dismissal on a
    Q&A forum that the other sets label least. The split is 80/10/10 by a hash of the
    community and the request id; the score and the community are kept in meta.
    """
    _check_split(split, SPLITS, "politeness")
    out = {s: [] for s in SPLITS}
    for name in POLITENESS_FILES:
        rows = [r for r in _read_csv(Path(data_dir) / "politeness" / name) if r["Request"].strip()]
        scores = sorted(float(r["Normalized Score"]) for r in rows)
        low = scores[int(IMPOLITE_SHARE * len(scores))]
        median = scores[len(scores) // 2]
        for r in rows:
            score = float(r["Normalized Score"])
            if low < score <= median:
                continue
            text = r["Request"].strip()
            meta = {"score": score, "community": r["Community"]}
            where = _three_way(f"politeness:{r['Community']}:{r['Id']}", 0.1, 0.1)
            out[where].append(Example(text, "politeness", {"hostility": int(score <= low)}, meta=meta))
    return _select("politeness", out, split)


# --- Registry --------------------------------------------------------------------------------------

# Not used:
# - sfu_constructiveness_toxicity: 1 121 Globe and Mail comments, too few to add much, and drawn
#   from the same comment pool (SOCC) as the Unhealthy Conversations set (4 of its texts are in
#   UC's file here), so it would mostly repeat UC's domain with a coarser toxicity scale.
FORUM_LOADERS = {
    "uc": load_uc,
    "cad": load_cad,
    "toxichat": load_toxichat,
    "uq": load_uq,
    "sarcasm_v2": load_sarcasm_v2,
    "trac": load_trac,
    "toxic_spans": load_toxic_spans,
    "toxic_spans_typed": load_toxic_spans_typed,
    "context_tox": load_context_tox,
    "goemotions": load_goemotions,
    "stormfront": load_stormfront,
    "fox_news": load_fox_news,
    "politeness": load_politeness,
}


def describe(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, dict[str, dict | None]]:
    """Per source and split: rows, rows with parent, rows with spans, and for each attribute
    the labelled and positive counts. A split the source does not provide is None."""
    table: dict[str, dict[str, dict | None]] = {}
    for source, loader in FORUM_LOADERS.items():
        table[source] = {}
        for split in SPLITS:
            try:
                rows = loader(data_dir, split)
            except ValueError:
                table[source][split] = None
                continue
            labelled = {a: sum(a in e.labels for e in rows) for a in ATTRIBUTES}
            positive = {a: sum(e.labels.get(a, 0) for e in rows) for a in ATTRIBUTES}
            table[source][split] = {
                "rows": len(rows),
                "parent": sum(e.parent is not None for e in rows),
                "spans": sum(bool(e.spans) and any(e.spans.values()) for e in rows),
                "labelled": {a: n for a, n in labelled.items() if n},
                "positive": {a: positive[a] for a, n in labelled.items() if n},
            }
    return table


def markdown(table: dict[str, dict[str, dict | None]]) -> str:
    """The describe() table as markdown: each attribute cell is positives / labelled rows."""
    head = ["source", "split", "rows", "parent", "spans", *ATTRIBUTES]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for source, splits in table.items():
        for split, d in splits.items():
            if d is None:
                lines.append(f"| {source} | {split} | — |" + " |" * (len(head) - 3))
                continue
            cells = [f"{d['positive'][a]} / {d['labelled'][a]}" if a in d["labelled"] else "" for a in ATTRIBUTES]
            counts = [str(d["rows"]), str(d["parent"]), str(d["spans"])]
            lines.append("| " + " | ".join([source, split, *counts, *cells]) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="the shared data folder")
    args = parser.parse_args(argv)
    print(markdown(describe(args.data)))


if __name__ == "__main__":
    main()
