"""Forum threads that teach and measure the off_topic attribute.

Two loaders read the public thread data in `../shared/data` into one plain shape, and
`offtopic_examples` turns threads into labelled (context, reply) examples.

A thread is a dict::

    {"id": str, "title": str, "source": str, "group": str | None,
     "posts": [{"id": str, "text": str, "author": str | None,
                "parent_id": str | None, "label": str | None}, ...]}

`posts[0]` is the opening post (the question): its `parent_id` and `label` are None.
Every later post is a reply whose `parent_id` is the opening post's id, because neither
source records a reply tree. `label` is the reply's relevance to the question: "Good",
"PotentiallyUseful" or "Bad" in SemEval CQA, "Good" for every Stack Exchange answer.
`group` names threads that are about the same subject by construction (in CQA, the ten
threads retrieved for one original question); a reply is never injected between two
threads of one group, since it may well be on-topic there.

Nothing here imports torch: loading and example building are plain Python and lxml.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import lxml.html
from lxml import etree

from .offtopic import MAX_PREVIOUS

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

CQA_FILES = {
    "train": "semeval2016_cqa/SemEval2016-Task3-CQA-QL-train-part2.xml",
    "dev": "semeval2016_cqa/SemEval2016-Task3-CQA-QL-dev.xml",
}
CQA_SOURCE = "semeval2016_cqa"


# Stack Exchange questions go to train or heldout by a hash of site and question id, so
# the split never depends on file order or on Python's per-process string hashing.
HELDOUT_PERCENT = 20

# Short acknowledgements are on-topic (DESIGN.md), but a sentence embedding puts
# "Thanks, useful summary" far from any question. The training and evaluation forms are
# built from disjoint head words, so an evaluation on the eval forms measures whether a
# model learned "acknowledgements are fine" rather than memorising the training strings.
_ACK_TEMPLATES = {
    "train": {
        "heads": ["Thanks", "Many thanks", "Cheers", "Thank you"],
        "tails": ["{h}.", "{h}, useful summary.", "{h} for posting this.",
                  "{h}, that helps.", "{h}, good to know!"],
        "alone": ["+1", "Agreed.", "Same here.", "Exactly this.", "Nice one!"],
    },
    "eval": {
        "heads": ["Much appreciated", "Great, thanks", "Thanks a lot"],
        "tails": ["{h}.", "{h}, very helpful.", "{h}, exactly what I needed.",
                  "{h}, that clears it up.", "{h}, I'll give that a try."],
        "alone": ["Good point, thanks", "Well said.", "I agree.", "Following.",
                  "This is the answer."],
    },
}


def _ack_forms(which: str) -> list[str]:
    spec = _ACK_TEMPLATES[which]
    forms = [t.format(h=h) for h in spec["heads"] for t in spec["tails"]]
    return forms + list(spec["alone"])


ACKS_TRAIN: list[str] = _ack_forms("train")
ACKS_EVAL: list[str] = _ack_forms("eval")

_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(text: str | None, keep_lines: bool = False) -> str:
    """Collapse whitespace runs to one space and strip the ends.

    With `keep_lines`, line breaks survive (at most one blank line in a row), which keeps
    the paragraphs of HTML posts apart. Returns "" for None.
    """
    if not text:
        return ""
    if not keep_lines:
        return " ".join(text.split())
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def load_cqa(data_dir: Path | str = DEFAULT_DATA_DIR, split: str = "train") -> list[dict]:
    """Read SemEval 2016 Task 3 CQA (Qatar Living) threads.

    In: the data folder and split "train" (train part 2, 670 threads) or "dev" (500
    threads; the project's held-out evaluation split, never trained on).
    Out: threads in file order, `source` "semeval2016_cqa", `group` the ORGQ_ID the
    thread was retrieved for. The title is RelQSubject; the opening post is RelQBody,
    or the subject when the body is empty. Replies carry RELC_RELEVANCE2RELQ as label.

    The file holds each retrieved thread as published, so a thread can appear twice
    (the SubtaskA_Skip attribute marks it) and dev repeats some train threads; see
    `distinct_threads` before measuring anything on dev.
    """
    path = Path(data_dir) / CQA_FILES[split]
    # The files open with an inline DTD; nothing in them needs entity expansion.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    threads = []
    for org in root.iter("OrgQuestion"):
        group = org.get("ORGQ_ID")
        for node in org.iter("Thread"):
            question = node.find("RelQuestion")
            qid = question.get("RELQ_ID")
            title = clean_text(question.findtext("RelQSubject"))
            body = clean_text(question.findtext("RelQBody")) or title
            posts = [{"id": qid, "text": body, "author": question.get("RELQ_USERNAME"),
                      "parent_id": None, "label": None}]
            for comment in node.iter("RelComment"):
                posts.append({
                    "id": comment.get("RELC_ID"),
                    "text": clean_text(comment.findtext("RelCText")),
                    "author": comment.get("RELC_USERNAME"),
                    "parent_id": qid,
                    "label": comment.get("RELC_RELEVANCE2RELQ"),
                })
            threads.append({"id": qid, "title": title, "source": CQA_SOURCE,
                            "group": group, "posts": posts})
    return threads


def html_to_text(html: str | None) -> str:
    """Plain text of a Stack Exchange post body, paragraphs on their own lines.

    Links keep their text, images drop out, code keeps its characters. Block elements
    end with a line break so that "<p>a</p><p>b</p>" does not become "ab".
    """
    if not html or not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for block in root.iter("p", "li", "pre", "blockquote", "h1", "h2", "h3", "h4",
                           "br", "hr", "tr"):
        block.tail = "\n" + (block.tail or "")
    return clean_text(root.text_content(), keep_lines=True)


def stackexchange_split(site: str, question_id: str) -> str:
    """"train" or "heldout" for one question, fixed by a hash of site and id (80/20)."""
    digest = hashlib.sha256(f"{site}:{question_id}".encode()).digest()
    return "heldout" if int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT else "train"


def load_stackexchange(data_dir: Path | str = DEFAULT_DATA_DIR, site: str = "beer",
                       split: str | None = None) -> list[dict]:
    """Read one Stack Exchange site dump (`{site}.stackexchange_Posts.xml`) as threads.

    In: the data folder, the site ("beer", "coffee") and split "train", "heldout" or
    None for every question. Out: one thread per question (PostTypeId 1) in id order,
    `source` "{site}.stackexchange", `group` None; answers (PostTypeId 2) follow the
    question in creation order, labelled "Good". Bodies are HTML turned into text; a
    question without a body uses its title. Questions without answers are kept.
    """
    path = Path(data_dir) / "stackexchange_threads" / f"{site}.stackexchange_Posts.xml"
    root = etree.parse(str(path), etree.XMLParser(no_network=True, huge_tree=True)).getroot()
    questions, answers = {}, {}
    for row in root.iter("row"):
        kind = row.get("PostTypeId")
        if kind == "1":
            questions[row.get("Id")] = row
        elif kind == "2":
            answers.setdefault(row.get("ParentId"), []).append(row)

    def author(row):
        return row.get("OwnerUserId") or row.get("OwnerDisplayName")

    threads = []
    for qid in sorted(questions, key=int):
        if split is not None and stackexchange_split(site, qid) != split:
            continue
        row = questions[qid]
        title = clean_text(row.get("Title"))
        posts = [{"id": qid, "text": html_to_text(row.get("Body")) or title,
                  "author": author(row), "parent_id": None, "label": None}]
        for ans in sorted(answers.get(qid, []),
                          key=lambda a: (a.get("CreationDate") or "", int(a.get("Id")))):
            text = html_to_text(ans.get("Body"))
            if text:
                posts.append({"id": ans.get("Id"), "text": text, "author": author(ans),
                              "parent_id": qid, "label": "Good"})
        threads.append({"id": qid, "title": title, "source": f"{site}.stackexchange",
                        "group": None, "posts": posts})
    return threads


def _topic_key(thread: dict) -> tuple[str, str]:
    return (thread["title"].lower(), thread["posts"][0]["text"].lower())


def distinct_threads(threads: Sequence[dict], exclude: Iterable[dict] = ()) -> list[dict]:
    """Threads with repeats removed: the first of each (title, opening post) is kept.

    In: threads, and threads to exclude (the training split, when `threads` is an
    evaluation split). Out: the kept threads in their order. CQA dev repeats 62 of its
    own threads and shares 82 questions with train part 2; an evaluation that keeps
    them measures memory, and an injection between two copies is not off-topic.
    """
    seen = {_topic_key(t) for t in exclude}
    kept = []
    for thread in threads:
        key = _topic_key(thread)
        if key not in seen:
            seen.add(key)
            kept.append(thread)
    return kept


def _context(thread: dict, position: int) -> dict:
    """The context of a reply at `position` (>= 1): title, opening, parent, previous."""
    posts = thread["posts"]
    by_id = {p["id"]: p["text"] for p in posts[:position]}
    parent_id = posts[position]["parent_id"] if position < len(posts) else posts[0]["id"]
    return {
        "thread_id": thread["id"],
        "title": thread["title"],
        "opening": posts[0]["text"],
        "parent": by_id.get(parent_id),
        "previous": [p["text"] for p in posts[max(1, position - MAX_PREVIOUS):position]],
    }


def offtopic_examples(threads: Sequence[dict], seed: int, inject_rate: float = 0.5,
                      acks: str | None = "train", ack_rate: float = 0.25) -> list[dict]:
    """Labelled off_topic examples built from threads; the same inputs give the same list.

    In: threads from one split (of one or more sources), a seed, and
    - `inject_rate`: the share of a thread's "Good" replies that get an injected twin;
    - `acks`: "train" or "eval" (which acknowledgement list to draw from) or None;
    - `ack_rate`: the chance that a thread with at least one reply gets an acknowledgement.

    Out: dicts {"thread_id", "title", "opening", "parent", "previous", "text", "label",
    "kind", "by_asker"}, where `previous` is up to MAX_PREVIOUS replies before the judged
    position (the opening post is in `opening`, not repeated), `label` is 1 for
    off-topic and 0 for on-topic, and `kind` says where the example came from:
    - "injected": for a sampled "Good" reply at position p, one label-1 example whose text
      is a "Good" reply of another thread of the same source (never the same group, the
      same question, or a text already in this thread), and one label-0 example with the
      thread's own reply, both with the context of position p. Exactly balanced.
    - "cqa_bad" (1) / "cqa_good" (0): every CQA reply labelled Bad or Good at its own
      position; PotentiallyUseful is left out. The ratio is the data's (about 55% Bad).
      A Good reply can therefore appear twice, as cqa_good and as an injected 0.
    - "ack" (0): an acknowledgement placed at a random position after the opening post.

    Every example also says `by_asker`: whether the reply is by the opening post's author.
    CQA labels relevance as answer quality, so the asker's own follow-ups and thanks are
    mostly "Bad" (about a quarter of all Bad replies) although they are on the subject;
    a trainer may drop or down-weight cqa_bad examples with `by_asker` set.
    """
    if not 0.0 <= inject_rate <= 1.0 or not 0.0 <= ack_rate <= 1.0:
        raise ValueError("inject_rate and ack_rate must lie in [0, 1]")
    if acks not in ("train", "eval", None):
        raise ValueError(f"acks must be 'train', 'eval' or None, not {acks!r}")
    rng = random.Random(seed)
    good_by_source: dict[str, list[tuple[int, str]]] = {}
    for index, thread in enumerate(threads):
        for post in thread["posts"][1:]:
            if post["label"] == "Good" and post["text"]:
                good_by_source.setdefault(thread["source"], []).append((index, post["text"]))
    ack_forms = {"train": ACKS_TRAIN, "eval": ACKS_EVAL, None: []}[acks]

    examples = []
    for index, thread in enumerate(threads):
        posts = thread["posts"]
        if thread["source"] == CQA_SOURCE:
            for position, post in enumerate(posts[1:], start=1):
                if post["label"] in ("Good", "Bad") and post["text"]:
                    examples.append({**_context(thread, position), "text": post["text"],
                                     "label": int(post["label"] == "Bad"),
                                     "kind": f"cqa_{post['label'].lower()}",
                                     "by_asker": _by_asker(thread, post)})

        good = [i for i, p in enumerate(posts) if i and p["label"] == "Good" and p["text"]]
        chosen = sorted(rng.sample(good, round(len(good) * inject_rate))) if good else []
        texts_here = {p["text"] for p in posts}
        donors = good_by_source.get(thread["source"], [])
        for position in chosen:
            foreign = _draw_foreign(rng, donors, threads, thread, texts_here)
            if foreign is None:
                continue
            examples.append({**_context(thread, position), "text": foreign, "label": 1,
                             "kind": "injected", "by_asker": False})
            examples.append({**_context(thread, position), "text": posts[position]["text"],
                             "label": 0, "kind": "injected",
                             "by_asker": _by_asker(thread, posts[position])})

        if ack_forms and len(posts) > 1 and rng.random() < ack_rate:
            position = rng.randint(1, len(posts))
            examples.append({**_context(thread, position), "text": rng.choice(ack_forms),
                             "label": 0, "kind": "ack", "by_asker": False})
    return examples


def _by_asker(thread: dict, post: dict) -> bool:
    asker = thread["posts"][0]["author"]
    return asker is not None and post["author"] == asker


def _draw_foreign(rng: random.Random, donors: list[tuple[int, str]], threads: Sequence[dict],
                  thread: dict, texts_here: set[str], tries: int = 50) -> str | None:
    """A Good reply from a thread unrelated to `thread`, or None if none turns up."""
    key = _topic_key(thread)
    for _ in range(tries if donors else 0):
        index, text = donors[rng.randrange(len(donors))]
        other = threads[index]
        if other is thread or text in texts_here or _topic_key(other) == key:
            continue
        if thread["group"] is not None and other["group"] == thread["group"]:
            continue
        return text
    return None
