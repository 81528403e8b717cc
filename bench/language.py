"""Language identification (models/language.py): false "not English", accuracy, cost.

    python bench/language.py                      # val and test splits, ~1 minute on 2 cores
    python bench/language.py --splits val         # what the thresholds were chosen on
    python bench/language.py --show               # also print every post left unscored or cut
    python bench/language.py --compare            # also py3langid beside lingua, each alone

Measures:
1. On the English sets in ../shared/data (tweets, Wikipedia talk, news comments, forum
   and Reddit replies; their val and test splits): posts left unscored as "not English",
   and posts of which a part was left out as another language. Some rows of these sets are
   not English (Dutch tweets, a French Reddit thread, Ukrainian talk-page comments): the
   ones a person read and judged so are listed by a digest of their text, never the text,
   in bench/language_audit.tsv, and are counted apart. Everything else left out counts
   as a false "not English", and so does every post of more than 20 words.
   TRAC is not among the sets: it is partly in Hindi by design.
2. On hand-written short forum posts in 30 languages (tests/fixtures/language_posts.tsv)
   and mixed posts (tests/fixtures/language_mixed.tsv): how many are named right.
3. Cost: milliseconds per post of identify(), and the detector's load time and memory.
4. With --compare: py3langid and lingua-language-detector alone, as they were compared
   to choose the detector.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from models import language  # noqa: E402
from models.data import DEFAULT_DATA_DIR, all_loaders  # noqa: E402

# Which loaders are English sets, by the kind of text they hold.
ENGLISH_SETS = {
    "tweets": ("offensive", "hate", "irony", "emotion", "sentiment", "davidson", "isarcasm"),
    "wikipedia talk": ("jigsaw", "context_tox", "politeness"),
    "news comments": ("uc", "fox_news", "toxic_spans"),
    "forum and social replies": ("cad", "toxichat", "uq", "sarcasm_v2", "goemotions", "stormfront", "gab"),
}
AUDIT = Path(__file__).with_name("language_audit.tsv")
FIXTURE = REPO / "tests" / "fixtures" / "language_posts.tsv"
MIXED = REPO / "tests" / "fixtures" / "language_mixed.tsv"
LONG_WORDS = 20


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, text = line.split("\t", 1)
            rows.append((code, text))
    return rows


def audited() -> dict[str, str]:
    """digest -> the language a person judged the row to be in (not English)."""
    return {d: lang for d, lang, *_ in (line.split("\t") for line in AUDIT.read_text(encoding="utf-8").splitlines()
                                        if line.strip() and not line.startswith("#"))}


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from importlib.metadata import version

    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "py3langid": version("py3langid"), "load_average_at_start": os.getloadavg()}


def english_sets(data_dir: Path, splits: list[str], show: bool) -> dict:
    loaders = all_loaders()
    foreign = audited()
    table = {}
    for kind, names in ENGLISH_SETS.items():
        for split in splits:
            counts = Counter()
            for name in names:
                try:
                    rows = loaders[name](data_dir, split)
                except ValueError:
                    continue  # the source has no such split
                for row in rows:
                    counts["posts"] += 1
                    found = language.identify(row.text)
                    words = len(row.text.split())
                    counts["uncertain"] += found.uncertain
                    if found.scored and not found.other_sentences:
                        continue
                    really = digest(row.text) in foreign
                    what = "unscored" if not found.scored else "cut"
                    counts[f"{what}_foreign" if really else what] += 1
                    if not really and words > LONG_WORDS:
                        counts[f"{what}_long"] += 1
                    if show or (not really and words > LONG_WORDS):
                        mark = "audited foreign" if really else "FALSE"
                        print(f"  {what} [{mark}] {digest(row.text)} {name}:{split} {found.language} "
                              f"{found.confidence:.2f} {words}w {row.text[:100]!r}")
                        for begin, end, lang in found.other_sentences:
                            print(f"      left out as {lang}: {row.text[begin:end][:100]!r}")
            table[f"{kind}/{split}"] = dict(counts)
    return table


def fixture() -> dict:
    by_language = defaultdict(Counter)
    misses = []
    for code, text in read_tsv(FIXTURE):
        found = language.identify(text)
        want = code.split("-")[0]
        tally = by_language[code]
        tally["posts"] += 1
        if want == "en":
            tally["right"] += found.scored and not found.other_sentences
        else:
            tally["not_english"] += not found.scored
            tally["right"] += (not found.scored) and found.language == want
        if (want == "en") != (found.scored and not found.other_sentences) or (want != "en" and found.language != want):
            misses.append((code, found.language, found.confidence, found.uncertain, text))
    mixed = Counter()
    for code, text in read_tsv(MIXED):
        found = language.identify(text)
        mixed["posts"] += 1
        ok = found.mixed and all(lang == code for *_, lang in found.other_sentences)
        mixed["right"] += ok
        if not ok:
            misses.append((f"mixed {code}", found.language, found.confidence, found.uncertain, text))
    return {"by_language": {k: dict(v) for k, v in by_language.items()}, "mixed": dict(mixed), "misses": misses}


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    gc.collect()
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def cost(data_dir: Path) -> dict:
    rss_before = rss_mb()
    start = time.perf_counter()
    language.load()
    load_s = time.perf_counter() - start
    rss_after = rss_mb()
    texts = [row.text for row in all_loaders()["goemotions"](data_dir, "val")][:3000]
    texts += [row.text for row in all_loaders()["uc"](data_dir, "val")]
    start = time.process_time()
    for text in texts:
        language.identify_uncached(text)
    per_post = (time.process_time() - start) / len(texts)
    return {"load_s": round(load_s, 2), "load_rss_mb": round(rss_after - rss_before, 1),
            "posts": len(texts), "mean_chars": round(sum(map(len, texts)) / len(texts)),
            "cpu_ms_per_post": round(per_post * 1000, 3)}


def compare_detectors(data_dir: Path, splits: list[str]) -> dict:
    """py3langid beside lingua-language-detector (when installed: `pip install
    lingua-language-detector`), each alone on whole posts with the same candidates and the
    same 0.9 bar, before any of models/language.py's rules: how the detector was chosen."""
    texts = [row.text for names in ENGLISH_SETS.values() for name in names for split in splits
             for row in _rows(all_loaders()[name], data_dir, split)]
    fixture = [(code, text) for code, text in read_tsv(FIXTURE) if code != "ur-Latn"]
    detectors = {"py3langid": lambda: _Py3langid()}
    try:
        import lingua  # noqa: F401

        detectors["lingua (high accuracy)"] = lambda: _Lingua(low=False)
        detectors["lingua (low accuracy)"] = lambda: _Lingua(low=True)
    except ImportError:
        print("  lingua-language-detector is not installed: only py3langid is measured")
    out = {}
    for name, make in detectors.items():
        before = rss_mb()
        detect = make()
        start = time.process_time()
        verdicts = [detect(language._NOISE.sub(" ", t)) for t in texts]
        per_post = (time.process_time() - start) / len(texts)
        not_english = [(t, v) for t, v in zip(texts, verdicts) if v[0] != "en" and v[1] >= 0.9]
        right = sum(detect(text)[0] == code for code, text in fixture)
        out[name] = {"not_english": len(not_english), "of_posts": len(texts),
                     "over_20_words": sum(len(t.split()) > LONG_WORDS for t, _ in not_english),
                     "fixture_right": right, "fixture_posts": len(fixture),
                     "cpu_ms_per_post": round(per_post * 1000, 3), "rss_mb": round(rss_mb() - before)}
        print(f"  {name}: {json.dumps(out[name])}")
    return out


def _rows(loader, data_dir, split):
    try:
        return loader(data_dir, split)
    except ValueError:
        return []


class _Py3langid:
    def __init__(self):
        self.identifier = language._Detector.get()

    def __call__(self, text):
        return self.identifier.classify(text)


class _Lingua:
    def __init__(self, low):
        from lingua import Language, LanguageDetectorBuilder

        wanted = [lang for lang in Language.all() if lang.iso_code_639_1.name.lower() in language.CANDIDATES]
        builder = LanguageDetectorBuilder.from_languages(*wanted)
        self.detector = (builder.with_low_accuracy_mode() if low else builder).with_preloaded_language_models().build()

    def __call__(self, text):
        values = self.detector.compute_language_confidence_values(text)
        return (values[0].language.iso_code_639_1.name.lower(), values[0].value) if values else ("und", 0.0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="the shared data folder")
    parser.add_argument("--splits", default="val,test")
    parser.add_argument("--show", action="store_true", help="print every post left unscored or cut")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--compare", action="store_true", help="also measure the detectors alone (py3langid, lingua)")
    args = parser.parse_args(argv)
    print("command:", "python bench/language.py", *(argv if argv is not None else sys.argv[1:]))
    print("machine:", json.dumps(machine()))
    figures = {"cost": cost(args.data)}
    print("cost:", json.dumps(figures["cost"]))

    print("\n1. English sets: posts left unscored (not English) or cut (a part left out)")
    figures["english"] = english_sets(args.data, args.splits.split(","), args.show)
    print("| set/split | posts | uncertain | unscored: false | >20 words | audited foreign | cut: false | >20 words | audited foreign |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = Counter()
    for key, c in figures["english"].items():
        totals.update(c)
        print(f"| {key} | {c.get('posts', 0)} | {c.get('uncertain', 0)} | {c.get('unscored', 0)} | {c.get('unscored_long', 0)} "
              f"| {c.get('unscored_foreign', 0)} | {c.get('cut', 0)} | {c.get('cut_long', 0)} | {c.get('cut_foreign', 0)} |")
    n = totals["posts"]
    print(f"| all | {n} | {totals['uncertain']} | {totals['unscored']} | {totals['unscored_long']} | {totals['unscored_foreign']} "
          f"| {totals['cut']} | {totals['cut_long']} | {totals['cut_foreign']} |")
    figures["false_not_english_rate"] = totals["unscored"] / n if n else None
    figures["false_cut_rate"] = totals["cut"] / n if n else None
    if n:
        print(f"false 'not English': {totals['unscored']} of {n} posts = {100 * totals['unscored'] / n:.3f} % "
              f"({totals['unscored_long']} of more than {LONG_WORDS} words); "
              f"English left out of a post: {100 * totals['cut'] / n:.3f} %")

    print("\n2. Hand-written forum posts (tests/fixtures): named right / posts")
    figures["fixture"] = fixture()
    rows = figures["fixture"]["by_language"]
    print(" ".join(f"{code} {c.get('right', 0)}/{c['posts']}" for code, c in rows.items()))
    foreign = [c for code, c in rows.items() if code != "en"]
    right = sum(c.get("right", 0) for c in foreign)
    caught = sum(c.get("not_english", 0) for c in foreign)
    total = sum(c["posts"] for c in foreign)
    en = rows.get("en", {})
    mixed = figures["fixture"]["mixed"]
    print(f"other languages: named right {right}/{total}, left unscored {caught}/{total}; "
          f"English scored as English {en.get('right', 0)}/{en.get('posts', 0)}; mixed {mixed.get('right', 0)}/{mixed.get('posts', 0)}")
    for code, got, confidence, uncertain, text in figures["fixture"]["misses"]:
        print(f"  {code} -> {got} {confidence:.2f}{' uncertain' if uncertain else ''}: {text[:80]}")
    if args.compare:
        print("\n4. The detectors alone, whole posts, same candidates, 'not English' at 0.9 (before any audit)")
        figures["detectors"] = compare_detectors(args.data, args.splits.split(","))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
