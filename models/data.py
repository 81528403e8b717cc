"""Labelled texts for the classification heads, read from `../shared/data` as published.

Every loader returns `Example`s: a text, the source it came from, and labels for the
attributes that source speaks to (an attribute a source does not label is absent, and the
training loss is masked there). Splits:
- "train": what training may see;
- "val": held out from the train files (or the published validation split): calibration,
  early checks and threshold choice;
- "test": published test files, read only by the evaluation report.
Where a source publishes no validation split, a fixed 10 % of its train rows, chosen by a
hash of the row's key, is held out, so the split never changes between runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

csv.field_size_limit(10_000_000)


@dataclass
class Example:
    """One labelled text.

    parent: the post it answers, where the source publishes it (reply context: the heads
    read it as well as the text). spans: character ranges per attribute, {"threat": [(b, e)]}
    into `text` (Toxic Spans); None where the source marks no words. meta: what the report
    reads beside the labels (finer labels such as "condescending"), never a training label.
    soft: the share of raters who gave each label, where the source publishes its raters'
    agreement; training can take it as the target (`python -m models.train --targets soft`),
    while calibration and the report always read the majority in `labels`.
    """

    text: str
    source: str
    labels: dict[str, int] = field(default_factory=dict)
    parent: str | None = None
    spans: dict[str, list[tuple[int, int]]] | None = None
    meta: dict = field(default_factory=dict)
    soft: dict[str, float] | None = None


def held_out(key: str, share: float = 0.1) -> bool:
    """Deterministic membership of the validation share, by a hash of the row's key."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _pick(rows, key, split):
    if split == "train":
        return [r for r in rows if not held_out(key(r))]
    if split == "val":
        return [r for r in rows if held_out(key(r))]
    raise ValueError(f"split {split!r}: this source has only train and val")


# --- Jigsaw (Wikipedia talk comments) -------------------------------------------------

JIGSAW_MAP = {
    "toxic": "toxicity",
    "insult": "insult",
    "identity_hate": "identity_attack",
    "obscene": "profanity",
    "threat": "threat",
}
JIGSAW_TEST_FILES = (
    "data__data_pools__test.a.bad.200.csv",
    "data__data_pools__test.a.ok.200.csv",
    "data__data_pools__test.b.bad.200.csv",
    "data__data_pools__test.b.ok.200.csv",
)


def _jigsaw_rows(path: Path) -> list[Example]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    examples = [Example(r["comment_text"], "jigsaw", {a: int(r[c]) for c, a in JIGSAW_MAP.items()}) for r in rows]
    return examples, rows


def load_jigsaw(data_dir: Path, split: str) -> list[Example]:
    folder = Path(data_dir) / "jigsaw_toxic"
    if split == "test":
        out = []
        for name in JIGSAW_TEST_FILES:
            out.extend(_jigsaw_rows(folder / name)[0])
        return out
    examples, rows = _jigsaw_rows(folder / "data__dataset_subsets__train.5k.csv")
    keep = set(id(r) for r in _pick(rows, lambda r: "jigsaw:" + r["id"], split))
    return [e for e, r in zip(examples, rows) if id(r) in keep]


# --- TweetEval (offensive = OLID A, hate = HatEval, irony, emotion, sentiment) ---------------


def _tweeteval(data_dir: Path, task: str, split: str) -> list[tuple[str, int]]:
    folder = Path(data_dir) / "tweeteval"
    with open(folder / f"datasets__{task}__{split}_text.txt", encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    with open(folder / f"datasets__{task}__{split}_labels.txt", encoding="utf-8") as f:
        labels = [int(line) for line in f if line.strip()]
    if len(texts) != len(labels):
        raise ValueError(f"tweeteval {task} {split}: {len(texts)} texts, {len(labels)} labels")
    return list(zip(texts, labels))


def load_offensive(data_dir, split):
    return [Example(t, "offensive", {"toxicity": y}) for t, y in _tweeteval(data_dir, "offensive", split)]


def load_hate(data_dir, split):
    return [Example(t, "hate", {"identity_attack": y}) for t, y in _tweeteval(data_dir, "hate", split)]


def load_irony(data_dir, split):
    return [Example(t, "irony", {"sarcasm": y}) for t, y in _tweeteval(data_dir, "irony", split)]


def load_emotion(data_dir, split):
    # Anger (0) and sadness (3) against joy and optimism: negative tone. Until 2026-12 anger
    # trained hostility, but these tweets are angry at events, not at another member, and
    # the design calls that negativity.
    return [Example(t, "emotion", {"negativity": int(y in (0, 3))}, meta={"anger": int(y == 0)}) for t, y in _tweeteval(data_dir, "emotion", split)]


def load_sentiment(data_dir, split):
    # The published train text is missing, so the test file trains and the val split
    # evaluates (the data README allows it; the model card says so).
    source_split = {"train": "test", "val": "val"}.get(split)
    if source_split is None:
        raise ValueError("sentiment: only train (its test file) and val are usable")
    return [Example(t, "sentiment", {"negativity": int(y == 0)}) for t, y in _tweeteval(data_dir, "sentiment", source_split)]


# --- OLID levels B and C: targeted insults ------------------------------------------------


def load_olid_insult(data_dir, split):
    """OLID training rows: an insult targeted at an individual (TIN + IND) vs not offensive.

    TweetEval offensive's val and test splits are OLID rows too, so those texts are
    removed here: nothing of theirs is trained on through this door.
    """
    if split != "train":
        raise ValueError("olid insult: train only (its test texts are TweetEval offensive's)")
    exclude = {t for t, _ in _tweeteval(data_dir, "offensive", "val")}
    exclude |= {t for t, _ in _tweeteval(data_dir, "offensive", "test")}
    out = []
    with open(Path(data_dir) / "olid" / "olid-training-v1.0.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = r["tweet"]
            if text in exclude:
                continue
            if r["subtask_a"] == "NOT":
                out.append(Example(text, "olid", {"insult": 0}))
            elif r["subtask_b"] == "TIN" and r["subtask_c"] == "IND":
                out.append(Example(text, "olid", {"insult": 1}))
    return out


# --- Davidson (hate / offensive / neither) ------------------------------------------------


def load_davidson(data_dir, split):
    with open(Path(data_dir) / "davidson" / "data__labeled_data.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows = _pick(rows, lambda r: "davidson:" + r[""], split)
    out = []
    for r in rows:
        cls = int(r["class"])  # 0 hate speech, 1 offensive language, 2 neither
        out.append(Example(r["tweet"], "davidson", {"toxicity": int(cls < 2), "identity_attack": int(cls == 0)}))
    return out


# --- Gab Hate Corpus ------------------------------------------------------------------------


def load_gab(data_dir, split):
    path = Path(data_dir) / "gab_hate_corpus" / "GabHateCorpus__Data__ghc_train.tsv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    rows = _pick(rows, lambda r: "gab:" + r["text"], split)
    # vo ("vulgarity/offensive language directed at an individual") joins insults and
    # swearing; reading it as profanity taught the head that "pathetic idiot" swears. It
    # now counts only towards toxicity, with the other two.
    return [
        Example(r["text"], "gab", {"identity_attack": int(r["hd"]), "threat": int(r["cv"]), "toxicity": int(r["hd"] == "1" or r["cv"] == "1" or r["vo"] == "1")})
        for r in rows
    ]


# --- iSarcasmEval: sarcastic tweets and the authors' own plain rephrasings ---------------------


def load_isarcasm(data_dir, split):
    with open(Path(data_dir) / "isarcasmeval" / "train__train.En.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["tweet"].strip()]
    rows = _pick(rows, lambda r: "isarcasm:" + r[""], split)
    out = []
    for r in rows:
        out.append(Example(r["tweet"], "isarcasm", {"sarcasm": int(r["sarcastic"])}))
        if r["sarcastic"] == "1" and r["rephrase"].strip():
            # The author's literal rephrasing says the same thing without sarcasm: a
            # counterfactual negative that teaches the tone, not the topic.
            out.append(Example(r["rephrase"].strip(), "isarcasm", {"sarcasm": 0}))
    return out


def load_headlines(data_dir, split):
    path = Path(data_dir) / "sarcasm_headlines" / "Sarcasm_Headlines_Dataset.json.zip"
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".json"))
        lines = io.TextIOWrapper(z.open(name), encoding="utf-8").read().splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    rows = _pick(rows, lambda r: "headline:" + r["headline"], split)
    return [Example(r["headline"], "headlines", {"sarcasm": int(r["is_sarcastic"])}) for r in rows]


# --- Generated template sets (models/identity.py, models/threat_templates.py) ---------------

HARM_ATTRIBUTES = ("toxicity", "insult", "identity_attack", "profanity", "threat")


def _generated(rows: list[dict], source: str, attribute: str) -> list[Example]:
    """Template rows as Examples: a positive is `attribute` and toxic and says nothing about
    the other harms; a negative is no harm on any axis."""
    out = []
    for row in rows:
        labels = {attribute: 1, "toxicity": 1} if row["label"] else dict.fromkeys(HARM_ATTRIBUTES, 0)
        out.append(Example(row["text"], source, labels))
    return out


def load_identity_templates(data_dir=None, split="train"):
    """Counterfactual identity templates: harmless mentions (0) and attacks on groups (1)."""
    from .identity import training_set

    if split != "train":
        raise ValueError("identity templates: training only; the evaluation set is separate")
    return _generated(training_set(), "identity", "identity_attack")


def load_threat_templates(data_dir=None, split="train"):
    """Generated threats (1) and hard non-threats (0); the val split calibrates threat."""
    from .threat_templates import training_set, validation_set

    if split not in ("train", "val"):
        raise ValueError("threat templates: train and val only; the evaluation set is separate")
    return _generated(training_set() if split == "train" else validation_set(), "threats", "threat")


def load_putdown_templates(data_dir=None, split="train"):
    """Generated put-downs (hostility 1) and hard civil replies (0); the val split calibrates.

    Only hostility is labelled: a put-down says nothing of the harm attributes (most hold
    no insult word, none a swear word), and a civil reply with "genius" or "well done" in it
    is not evidence about them either.
    """
    from .putdown_templates import training_set, validation_set

    if split not in ("train", "val"):
        raise ValueError("put-down templates: train and val only; the evaluation set is separate")
    rows = training_set() if split == "train" else validation_set()
    return [Example(r["text"], "putdowns", {"hostility": r["label"]}, meta={"kind": r["kind"]}) for r in rows]


LOADERS = {
    "jigsaw": load_jigsaw,
    "offensive": load_offensive,
    "hate": load_hate,
    "irony": load_irony,
    "emotion": load_emotion,
    "sentiment": load_sentiment,
    "olid": load_olid_insult,
    "davidson": load_davidson,
    "gab": load_gab,
    "isarcasm": load_isarcasm,
    "identity": load_identity_templates,
    "threats": load_threat_templates,
    "putdowns": load_putdown_templates,
}

# Which source's label base rate the served score is calibrated to, per attribute: the one
# closest to forum comments (Wikipedia talk pages for the harm attributes).
REFERENCE_SOURCE = {
    "toxicity": "jigsaw",
    "insult": "jigsaw",
    "identity_attack": "jigsaw",
    "profanity": "jigsaw",
    "threat": "jigsaw",
    "negativity": "sentiment",
    # Unhealthy Conversations: newspaper comment threads, the closest set to forum replies
    # that labels these two, at a comment section's own rates.
    "hostility": "uc",
    "sarcasm": "uc",
}


def all_loaders() -> dict:
    """Every training source: the sets above and the forum sets (models/forum_data.py)."""
    from .forum_data import FORUM_LOADERS

    return {**LOADERS, **FORUM_LOADERS}
