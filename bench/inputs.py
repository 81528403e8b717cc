"""The benchmark's posts: short (~20 words), typical (~60) and long (~400), fixed by a seed.

Real forum replies when `../shared/data` is there: the Qatar Living comments of SemEval
2016 CQA (dev split), read where they lie and never copied into the repository.
- short: comments of 15-25 words; typical: comments of 50-70 words;
- long: consecutive comments of one thread joined into a ~400-word post (the data has
  almost no single comment that long), cut at a sentence end near 400 words.
Without the data, seeded synthetic sentences of the same lengths stand in, and the
results say so. The same seed gives the same posts, in the same order, every run.
"""

from __future__ import annotations

import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
LENGTHS = {"short": (15, 25), "typical": (50, 70), "long": (380, 420)}
SEED = 6


def posts(kind: str, count: int, seed: int = SEED, data_dir: Path = DATA) -> tuple[list[str], str]:
    """(`count` texts of the length class `kind`, a line saying where they came from)."""
    if kind not in LENGTHS:
        raise ValueError(f"kind must be one of {', '.join(LENGTHS)}")
    if (Path(data_dir) / "semeval2016_cqa").is_dir():
        return _real(kind, count, seed, Path(data_dir)), f"SemEval-2016 CQA dev comments ({data_dir}), seed {seed}"
    return _synthetic(kind, count, seed), f"synthetic sentences (no {data_dir}), seed {seed}"


def _real(kind, count, seed, data_dir):
    from models.threads import load_cqa

    threads = load_cqa(data_dir, "dev")
    low, high = LENGTHS[kind]
    if kind != "long":
        pool = sorted({p["text"] for t in threads for p in t["posts"] if low <= len(p["text"].split()) <= high})
    else:
        pool = []
        for t in threads:
            words = " ".join(p["text"] for p in t["posts"]).split()
            if len(words) >= high:
                pool.append(_cut(words, low, high))
        pool = sorted(set(pool))
    rng = random.Random(seed)
    rng.shuffle(pool)
    if len(pool) < count:
        raise ValueError(f"only {len(pool)} {kind} posts in the data, {count} asked for")
    return pool[:count]


def _cut(words, low, high):
    """Join words, ending at the last sentence end between low and high words (else at high)."""
    for n in range(high, low - 1, -1):
        if words[n - 1][-1:] in ".!?":
            return " ".join(words[:n])
    return " ".join(words[:high])


_WORDS = (
    "the report police victims case forum thread reply question answer visa work permit "
    "office week month family company salary contract landlord rent school doctor "
    "really think maybe never always probably just also still already very quite "
    "good bad new old long short clear wrong right useful helpful angry tired "
    "get take give find know need want say tell ask pay wait call send go come"
).split()


def _synthetic(kind, count, seed):
    rng = random.Random(seed)
    low, high = LENGTHS[kind]
    out = []
    for _ in range(count):
        target, words = rng.randint(low, high), []
        while len(words) < target:
            sentence = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
            sentence[0] = sentence[0].capitalize()
            words += sentence[:-1] + [sentence[-1] + rng.choice(".?!")]
        out.append(" ".join(words[:target]))
    return out


def thread(texts: list[str], title: str = "Benchmark thread") -> dict:
    """The /v1/score request body for `texts`: the first post opens the thread, the rest reply to it."""
    posts = [{"id": f"p{i}", "text": text, "parent_id": None if i == 0 else "p0"} for i, text in enumerate(texts)]
    return {"thread": {"title": title}, "posts": posts}
