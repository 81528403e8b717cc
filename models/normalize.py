"""Undo masked and leet spellings of profane and insulting words, keeping every offset.

`normalize(text)` returns a string of exactly the same length as `text` in which
spellings such as ``p***ing``, ``f*cking``, ``sh1t``, ``id10t`` and ``a$$hole`` are
replaced, character for character, by the plain word (``pissing``, ``fucking``, ...).
Because nothing is inserted or deleted, a span computed on the normalised text is a
valid span of the original: the scorer can encode the normalised text and still report
offsets into what the member wrote.

`obfuscate(word, rng)` and `augment_text(text, rng, p)` go the other way, for training
augmentation: they mask lexicon words the way members do, again without changing length.
`respell(word, rng)` and `augment_text(..., undoable=False)` produce the spellings that
`normalize` cannot undo (``fck``, ``f.u.c.k``, ``phuck``), which the encoder must learn.

How a token is read: a run of ASCII letters, digits and the symbols ``* # % _ - @ $ !``
that touches no other letter or digit. Leading symbols and trailing ``!``/``-`` are
punctuation, not part of the word. Each remaining character stands for a set of letters:
itself for a letter; a leet reading for ``0 1 3 4 5 7 @ $ !``; any letter for the masks
``* # % _ -``. The token is replaced by the first word of `LEXICON` of the same length
that fits every position, and only if it holds at least one real letter. LEXICON is
ordered from most to least common, so an ambiguous mask (``s**t``) takes the common
reading (``shit``, not ``slut``). A hyphenated token that fits no word is tried part by
part, so ``f*ck-off`` still gives ``fuck-off`` while ``x-ray`` is left alone.

What is never touched: tokens without a letter (``$100``, ``***``, ``455``), tokens that
fit no lexicon word (``a*b``, ``H2O``, ``C3PO``, ``$hell``), upper-case codes that end in
digits (``A55``, ``B52``, ``M25``), URLs and e-mail addresses, and markdown emphasis
markers (``**really**``, ``*sigh*``), which are not masks. Different-length spellings
(``fck``, ``f.u.c.k``, ``phuck``) are out of reach by design.

Pure standard library: nothing here imports torch.
"""

from __future__ import annotations

import random
import re

# Most common first: the first word that fits an ambiguous mask wins.
LEXICON: tuple[str, ...] = (
    # the words members mask most
    "fuck", "fucking", "shit", "ass", "bitch", "cunt", "dick", "piss", "damn", "crap",
    "idiot", "stupid", "asshole", "bastard", "twat", "wanker", "whore", "slut", "cock",
    "prick", "moron", "retard", "dumb", "arse", "bollocks",
    # inflections and compounds of those
    "fucked", "fucker", "fuckers", "fucks", "fuckin", "fuckwit", "fuckface", "fuckhead",
    "motherfucker", "motherfuckers", "motherfucking", "clusterfuck",
    "shitty", "shits", "shitting", "shite", "shithead", "shitheads", "bullshit",
    "horseshit", "dipshit", "apeshit",
    "pissed", "pissing", "pisses", "pisser",
    "assholes", "arsehole", "arseholes", "dumbass", "jackass", "smartass",
    "bitches", "bitching", "bitchy", "bastards", "cunts", "dicks", "dickhead", "dickheads",
    "twats", "wankers", "wank", "wanking", "wanked", "tosser", "tossers", "bellend",
    "knob", "knobhead", "knobheads", "nob", "whores", "sluts", "slutty", "skank", "slag",
    "cocks", "cocksucker", "pricks", "pussy", "pussies", "tits", "tit", "boobs", "cum",
    "jizz", "dildo", "dammit", "goddamn", "goddamned", "crappy",
    "idiots", "idiotic", "stupidest", "morons", "moronic", "imbecile", "imbeciles",
    "cretin", "cretins", "retards", "retarded", "twit", "twits", "scum", "scumbag",
    "scumbags", "douche", "douchebag", "jerk", "jerks", "loser", "losers", "pillock",
    "turd", "turds", "bugger", "sod",
    # slurs: masked slurs must still reach the identity_attack head
    "nigger", "niggers", "nigga", "niggas", "faggot", "faggots", "fag", "fags", "dyke",
    "dykes", "tranny", "trannies", "spic", "spics", "kike", "kikes", "chink", "chinks",
    "paki", "pakis", "raghead", "ragheads", "gook", "gooks", "coon", "coons", "wetback",
    "wetbacks", "subhuman",
)

# Each leet symbol stands for the letters it is read as.
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
_MASKS = frozenset("*#%_-")
_LEADING_PUNCTUATION = frozenset("*#%_-!")
_TRAILING_PUNCTUATION = frozenset("!-")

_TOKEN = re.compile(r"[A-Za-z0-9*#%_@$!\-]+")
# Without one of these characters no token can need work: the common case costs one scan.
_MAYBE_OBFUSCATED = re.compile(r"[0-9*#%_@$!\-]")
# Bounded like the parts of a real address, so a long run such as `x-x-x-...` cannot
# make the search quadratic.
_PROTECTED = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
# Emphasis opens at a word's start and closes at a word's end with the same marker, so
# the stars of `f***` (which follow a letter) are never read as markdown. Leet symbols
# count as word characters here: otherwise restoring `a5$**x` to `ass**x` would move
# where emphasis is found, and a second pass would read the text differently. The span
# is bounded so that a post of many lone stars costs linear, not quadratic, time.
_EMPHASIS = re.compile(
    r"(?<![\w*#%@$!-])(\*{1,3}|_{1,3})(?=[^\s*_])(.{1,300}?)(?<=[^\s*_])\1(?![\w*#%@$!-])"
)
# Product, road and model codes (A55, B52, M25) read as leet otherwise.
_CODE = re.compile(r"[A-Z]+[0-9]+")

_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _word in LEXICON:
    _BY_LENGTH[len(_word)] = _BY_LENGTH.get(len(_word), ()) + (_word,)
_LEXICON_SET = frozenset(LEXICON)


def normalize(text: str) -> str:
    """Return `text` with masked and leet lexicon words spelt out, at the same length.

    In: any string. Out: a string `out` with `len(out) == len(text)` in which only
    obfuscation characters have changed; letters the member typed keep their case, and
    a restored letter is upper case when the token's letters are all upper case (two at
    least), so ``F**K`` gives ``FUCK`` and ``F*ck`` gives ``Fuck``. Idempotent.
    """
    if not _MAYBE_OBFUSCATED.search(text):
        return text
    scan = list(text)
    for match in _PROTECTED.finditer(text):
        scan[match.start() : match.end()] = " " * (match.end() - match.start())
    for match in _EMPHASIS.finditer("".join(scan)):
        width = len(match.group(1))
        scan[match.start() : match.start() + width] = " " * width
        scan[match.end() - width : match.end()] = " " * width
    scan_text = "".join(scan)
    out = list(text)
    for match in _TOKEN.finditer(scan_text):
        begin, end = match.span()
        # A token glued to a non-ASCII letter (café, naïve) is part of a longer word.
        if begin > 0 and scan_text[begin - 1].isalnum():
            continue
        if end < len(scan_text) and scan_text[end].isalnum():
            continue
        _normalize_token(text, begin, end, out)
    return "".join(out)


def _normalize_token(text: str, begin: int, end: int, out: list[str]) -> None:
    while begin < end and text[begin] in _LEADING_PUNCTUATION:
        begin += 1
    while end > begin and text[end - 1] in _TRAILING_PUNCTUATION:
        end -= 1
    if begin == end:
        return
    # `idiot**` is a plain word followed by closing emphasis whose opening is out of
    # view, not a longer word with its end masked (`idiotic`).
    if text[begin:end].rstrip("*_").lower() in _LEXICON_SET:
        return
    if _restore(text, begin, end, out):
        return
    # No word fits the whole token: its hyphen- or underscore-joined parts may.
    part_begin = begin
    for index in range(begin, end + 1):
        if index == end or text[index] in "-_":
            if index > part_begin and (index < end or part_begin > begin):
                _normalize_token(text, part_begin, index, out)
            part_begin = index + 1


def _restore(text: str, begin: int, end: int, out: list[str]) -> bool:
    """Write the lexicon word that `text[begin:end]` spells into `out`; False if none."""
    token = text[begin:end]
    if len(token) not in _BY_LENGTH or token.isalpha() or not any(c.isalpha() for c in token) or _CODE.fullmatch(token):
        return False
    readings = []
    for char in token:
        if char.isalpha():
            readings.append(char.lower())
        elif char in _LEET:
            readings.append(_LEET[char])
        elif char in _MASKS:
            readings.append(None)
        else:
            return False
    word = next(
        (
            candidate
            for candidate in _BY_LENGTH.get(len(token), ())
            if all(r is None or c in r for c, r in zip(candidate, readings))
        ),
        None,
    )
    if word is None:
        return False
    letters = [c for c in token if c.isalpha()]
    shout = len(letters) >= 2 and all(c.isupper() for c in letters)
    for offset, char in enumerate(token):
        if not char.isalpha():
            out[begin + offset] = word[offset].upper() if shout else word[offset]
    return True


# Symbols members put in place of each letter, for augmentation.
_LEET_FOR = {"a": "@4", "e": "3", "i": "1!", "o": "0", "s": "$5", "t": "7", "l": "1"}


def _mask_inner(word: str, rng: random.Random) -> str:
    keep_last = len(word) > 3 and rng.random() < 0.5
    inner_end = len(word) - 1 if keep_last else len(word)
    return word[0] + "*" * (inner_end - 1) + word[inner_end:]


def _mask_vowels(word: str, rng: random.Random) -> str:
    chars = list(word)
    vowels = [i for i in range(1, len(word)) if word[i].lower() in "aeiou"]
    for i in rng.sample(vowels, k=max(1, len(vowels) // 2)) if vowels else ():
        chars[i] = "*"
    return "".join(chars)


def _mask_some(word: str, rng: random.Random) -> str:
    chars = list(word)
    inner = list(range(1, len(word) - 1)) or [len(word) - 1]
    for i in rng.sample(inner, k=min(len(inner), rng.choice((1, 2)))):
        chars[i] = rng.choice("***#")
    return "".join(chars)


def _leet(word: str, rng: random.Random) -> str:
    chars = list(word)
    eligible = [i for i, c in enumerate(word) if c.lower() in _LEET_FOR]
    chosen = [i for i in eligible if rng.random() < 0.6] or eligible[:1]
    for i in chosen:
        chars[i] = rng.choice(_LEET_FOR[word[i].lower()])
    return "".join(chars)


_STYLES = (_mask_inner, _mask_vowels, _mask_some, _leet)


def obfuscate(word: str, rng: random.Random) -> str:
    """Return a masked or leet spelling of `word`, the same length, as members write them.

    In: a word (letters only) and a `random.Random`. Out: a different string of the same
    length, such as ``f*ck``, ``f***``, ``sh1t`` or ``@$$hole``. A spelling that
    `normalize` reads back as `word` is preferred; a few tries are made to find one.
    Words shorter than two letters come back unchanged.
    """
    if len(word) < 2:
        return word
    fallback = word
    for _ in range(20):
        candidate = rng.choice(_STYLES)(word, rng)
        if candidate == word:
            continue
        if normalize(candidate) == word:
            return candidate
        fallback = candidate
    # Masks are ambiguous for a few rarer words (tw*t reads as twat, not twit); a
    # spelling in which every leet-able letter is replaced pins the word down.
    full_leet = "".join(_LEET_FOR.get(c.lower(), c)[0] for c in word)
    if full_leet != word and normalize(full_leet) == word:
        return full_leet
    return fallback


def _drop_vowels(word: str, rng: random.Random) -> str:
    kept = word[0] + "".join(c for c in word[1:-1] if c.lower() not in "aeiou") + word[-1]
    return kept if len(word) > 2 else word


def _spaced(word: str, rng: random.Random) -> str:
    return rng.choice((".", " ", "-", "_")).join(word)


def _stretched(word: str, rng: random.Random) -> str:
    vowels = [i for i, c in enumerate(word) if c.lower() in "aeiou"]
    if not vowels:
        return word + word[-1] * 2
    i = rng.choice(vowels)
    return word[: i + 1] + word[i] * rng.randint(1, 3) + word[i + 1 :]


_SOUND_ALIKES = (("ck", "k"), ("f", "ph"), ("er", "a"), ("s", "z"), ("oo", "u"), ("i", "ee"))


def _phonetic(word: str, rng: random.Random) -> str:
    found = [(plain, spoken) for plain, spoken in _SOUND_ALIKES if plain in word.lower()]
    if not found:
        return word + word[-1]
    plain, spoken = rng.choice(found)
    index = word.lower().find(plain)
    if word.isupper():
        spoken = spoken.upper()
    elif word[index].isupper():
        spoken = spoken.capitalize()
    return word[:index] + spoken + word[index + len(plain) :]


_RESPELLINGS = (_drop_vowels, _spaced, _stretched, _phonetic)


def respell(word: str, rng: random.Random) -> str:
    """Return a spelling of `word` that `normalize` cannot undo; its length may differ.

    In: a word and a `random.Random`. Out: a different string such as ``fck``,
    ``f.u.c.k``, ``fuuuck`` or ``phuck``. The scorer normalises text before encoding, so
    these are the spellings the encoder itself has to learn: use them for training
    rows, never where offsets matter.
    """
    for _ in range(8):
        candidate = rng.choice(_RESPELLINGS)(word, rng)
        if candidate != word and normalize(candidate).lower() != word.lower():
            return candidate
    return _spaced(word, rng)


_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])")


def augment_text(text: str, rng: random.Random, p: float = 0.5, *, undoable: bool = True) -> str:
    """Obfuscate each lexicon word of `text` with probability `p`.

    In: text, a `random.Random` (seed it for reproducible training), p in [0, 1] and
    `undoable`. Out: the text with some lexicon words (matched case-insensitively)
    replaced; every other character is kept. With `undoable` (the default) each word is
    masked by `obfuscate`, so the length is unchanged and `normalize` restores the text;
    without it each word is replaced by `respell`, which `normalize` leaves as it is and
    which may change the length.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], not {p}")
    disguise = obfuscate if undoable else respell

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        if word.lower() in _LEXICON_SET and rng.random() < p:
            return disguise(word, rng)
        return word

    return _WORD.sub(replace, text)
