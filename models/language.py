"""What language a post is in, offline, and which of its sentences are English.

The model scores English. A post in another language gets no scores (English scores on
Polish are noise); a post with English and other sentences is scored on its English ones;
a post too short to tell is scored as English and marked uncertain. The costly mistake is
a false "not English": it leaves a post unscored that a moderator may need to see. So
every rule here leans towards English, and "not English" needs a confident detector, a
post long enough to judge, and no English sentence in it.

    identify("Dzięki za info, jutro tam pójdę.")
    -> PostLanguage(language="pl", confidence=0.99.., uncertain=False, scored=False, ...)

The detector is py3langid (BSD; a naive Bayes model over byte n-grams, shipped inside the
package; with the rules here 0.2-0.4 ms of CPU a post). It was chosen over
lingua-language-detector after measuring both on the same sets (bench/language.py
--compare, bench/RESULTS.md): fewer false "not English", more of the hand-written foreign
posts right, a tenth of lingua's time and a fifteenth of its memory.

Candidate languages. langid knows 140 languages; on English slang, short replies and
names it often says Nigerian Pidgin, Tagalog, Sesotho, Afrikaans or Frisian. Those are
left out: the candidates are English, the other languages of the UK and Ireland, the
languages of the UK's largest communities born abroad and of its European neighbours
(all in Latin script), and every language langid knows that is written in another
script, which byte n-grams cannot mistake for English. A post in a Latin-script language
outside the list is named as the nearest candidate (often correctly "not English").

Framework-free, and nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field

from .cache import ScoreCache
from .text import sentence_spans

SCORED_LANGUAGES = frozenset({"en"})
# What a result says of a text: scored (in whole, or its English part), or left unscored.
STATUSES = ("scored", "language_not_supported")

# English, then the UK's and Ireland's own languages, then EU and other Latin-script
# languages of large UK communities (ONS census 2021 main languages), then neighbours.
LATIN_CANDIDATES = (
    "en", "cy", "ga", "gd",
    "pl", "ro", "pt", "es", "lt", "it", "fr", "de", "lv", "hu", "bg", "cs", "sk", "tr", "sq", "so", "nl",
    "sv", "da", "no", "fi", "sl", "hr", "sr", "bs", "et", "vi", "ms", "id",
)
# Written in scripts English is never written in (bg, sr and so on are also written in
# Cyrillic; the Latin list above covers their Latin spellings).
OTHER_SCRIPT_CANDIDATES = (
    "am", "ar", "as", "be", "bn", "el", "fa", "gu", "he", "hi", "hy", "ja", "ka", "kk", "km", "kn",
    "ko", "ky", "lo", "mk", "ml", "mn", "mr", "my", "ne", "or", "pa", "ps", "ru", "si", "ta", "te",
    "th", "uk", "ur", "zh",
)
CANDIDATES = (*LATIN_CANDIDATES, *OTHER_SCRIPT_CANDIDATES)
# English names, for reports and badges ("not scored: Polish").
LANGUAGE_NAMES = {
    "am": "Amharic", "ar": "Arabic", "as": "Assamese", "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali",
    "bs": "Bosnian", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "gd": "Scottish Gaelic", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh",
    "km": "Khmer", "kn": "Kannada", "ko": "Korean", "ky": "Kyrgyz", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "my": "Burmese",
    "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "or": "Odia", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian",
    "so": "Somali", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}
# Languages close enough that the detector splits its belief between them.
CLOSE_LANGUAGES = ({"cs", "sk"}, {"hr", "sr", "bs", "sl"}, {"da", "no", "sv"}, {"ms", "id"},
                   {"ru", "uk", "bg", "mk", "be"}, {"es", "pt"})
_FAMILY = {lang: family for family in CLOSE_LANGUAGES for lang in family}

# Measured on the validation splits of the English sets (bench/language.py): below these
# a post is "too short to tell". Three words and twelve letters keep "Muchas gracias",
# "uwu owo uwu" and "Water is wet!" out of "not English"; no language of the fixture needs
# fewer to be named right more often than not.
MIN_WORDS = 3
MIN_LETTERS = 12
# Letters of a script other than Latin that make a post surely not English.
MIN_OTHER_SCRIPT_LETTERS = 4
# The detector's probability (over the candidates) for the likeliest language and those
# close to it, above which a post is not English. Summing a family lets Czech read as half
# Slovak still count; summing every language but English measured six times the false
# "not English", since a short English reply spreads a little over many languages.
# 0.9 halves the false "not English" of 0.5 on the English sets; the foreign posts it lets
# through as "uncertain" are mostly of three words or fewer.
NOT_ENGLISH_CONFIDENCE = 0.9
# A sentence of an English post is left out as another language only when it is this long
# and the detector is this sure: short English sentences full of names and hashtags
# ("Ways to improve Kırmızı elbiseler", "Whoop de fucking doo.") are often taken for
# another language, and leaving out English costs more than scoring a foreign sentence.
FOREIGN_SENTENCE_WORDS = 6
FOREIGN_SENTENCE_CONFIDENCE = 0.99
# In a post that is not English, a sentence (or a stretch of a long one) that is English
# with at least this many words is scored: the post is mixed, not unsupported.
ENGLISH_SENTENCE_WORDS = 4
# A sentence this long is also read in stretches of CHUNK_WORDS words, so that a German
# headline run on into an English comment without a full stop still shows its English.
CHUNK_WORDS = 10

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+"  # links and e-mail addresses
    r"|(?<!\w)[@/]?u/[\w-]+|(?<!\w)/?r/\w+|@\w+"  # user names, subreddits, mentions
    r"|#\w+"  # hashtags: names and slogans, in no language
    r"|&#?\w+;|\bURL\b|\bRT\b"  # HTML entities, and the placeholders of tweet sets
)
# A word, for counting: two letters or more, so that "Y O U" spelt out is not three words.
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class PostLanguage:
    """One post's language, and what of it the English model should read.

    language: ISO 639-1 code; "en" when the post is scored as English because it is too
      short or too unclear to tell (uncertain is then True).
    confidence: the detector's probability for `language`, over the candidate languages;
      for a post scored as English although the detector leaned to another language, one
      minus that language's (and its close neighbours') probability.
    scored: False when nothing of the post is English: it gets no scores.
    other_sentences: (begin, end, language) character ranges of the post that are in
      another language and are left out of its scores; empty unless the post is mixed.
    """

    language: str
    confidence: float
    uncertain: bool = False
    scored: bool = True
    other_sentences: tuple[tuple[int, int, str], ...] = field(default_factory=tuple)

    @property
    def mixed(self) -> bool:
        return self.scored and bool(self.other_sentences)

    @property
    def status(self) -> str:
        return STATUSES[0] if self.scored else STATUSES[1]


class _Detector:
    """py3langid's model, loaded once per process and restricted to CANDIDATES."""

    _lock = threading.Lock()
    _identifier = None

    @classmethod
    def get(cls):
        with cls._lock:
            if cls._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                def load():
                    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

                try:
                    identifier = load()
                except OSError:
                    # py3langid unpacks its model (68 MB) through a temporary file: with the
                    # temporary folder full or read-only every worker failed to load. Then
                    # it is unpacked in memory instead, for the moment of loading.
                    identifier = _unpacked_in_memory(load)
                identifier.set_languages(list(CANDIDATES))
                # set_languages keeps the 140-language tables to reset to later; nothing here
                # resets, so they are let go (28 MB of each worker's memory). A private
                # attribute of the pinned py3langid 0.4.0, checked by tests/models/test_language.py.
                identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
                cls._identifier = identifier
            return cls._identifier


def _unpacked_in_memory(load):
    """`load()` with py3langid's temporary file (py3langid.modelio) held in memory."""
    import io
    import types

    from py3langid import modelio

    disk = modelio.tempfile
    modelio.tempfile = types.SimpleNamespace(TemporaryFile=lambda **_: io.BytesIO())
    try:
        return load()
    finally:
        modelio.tempfile = disk


def language_name(code: str) -> str:
    """The English name of a language code this module can return (the code itself otherwise)."""
    return LANGUAGE_NAMES.get(code, code)


def load() -> None:
    """Load the detector now (it loads on first use otherwise: about 0.7 s)."""
    _Detector.get()


@dataclass(frozen=True)
class _Reading:
    language: str  # the likeliest candidate
    confidence: float  # its probability
    family: float  # the probability of its family (CLOSE_LANGUAGES), itself included
    words: int
    letters: int
    latin: bool  # most of its letters are Latin (else it cannot be English)


def _read(text: str) -> _Reading:
    """The detector's verdict on one piece of text, with what it had to go on."""
    # NFKC turns mathematical bold and full-width letters (a styled English post) into
    # plain ones, which the detector and the script test then read as Latin.
    cleaned = unicodedata.normalize("NFKC", _NOISE.sub(" ", text))
    letters = [c for c in cleaned if c.isalpha()]
    latin = sum(_is_latin(c) for c in letters)
    words = len(_WORD.findall(cleaned))
    if not letters:
        return _Reading("en", 0.0, 0.0, 0, 0, True)
    if cleaned.isupper():
        cleaned = cleaned.lower()  # shouting is read as the same words (langid does so for whole texts only)
    ranked = _Detector.get().rank(cleaned)
    language, confidence = ranked[0]
    family = _FAMILY.get(language, {language})
    together = sum(p for lang, p in ranked if lang in family)
    return _Reading(language, float(confidence), float(together), words, len(letters), latin >= 0.5 * len(letters))


def _is_latin(char: str) -> bool:
    # Latin letters with their extensions and the IPA block, which emoticons borrow ( ͡ʘ ͜ʖ ͡ʘ).
    return ord(char) < 0x2B0 or 0x1E00 <= ord(char) <= 0x1EFF


def _too_short(reading: _Reading) -> bool:
    return reading.latin and (reading.words < MIN_WORDS or reading.letters < MIN_LETTERS)


def _foreign(reading: _Reading, min_words: int = MIN_WORDS, confidence: float = NOT_ENGLISH_CONFIDENCE) -> bool:
    """Surely not English: another script, or a confident detector on enough words."""
    if not reading.latin:
        # A few letters of another script are more often a face (¯\\_(ツ)_/¯, ಠ_ಠ) than a sentence.
        return reading.letters >= MIN_OTHER_SCRIPT_LETTERS
    return (reading.language != "en" and reading.family >= confidence
            and reading.words >= min_words and not _too_short(reading))


def _english(reading: _Reading) -> bool:
    return reading.latin and reading.language == "en" and reading.words >= ENGLISH_SENTENCE_WORDS


# Identified posts, by a digest of their text: a page reloaded, or a thread with one new
# reply, costs no second reading (about 1 ms of CPU a typical post, most of a cached
# request's time before this). Digests and results only: no text is kept.
IDENTIFIED_ENTRIES = 8192
_identified = ScoreCache(IDENTIFIED_ENTRIES)


def identify(text: str) -> PostLanguage:
    """The language of one post, and which of its sentences are left out (see PostLanguage).

    Remembered per text (IDENTIFIED_ENTRIES, least recently used out first); the result
    is immutable, so callers share it."""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _identified.get(key)
    if found is None:
        found = identify_uncached(text)
        _identified.put(key, found)
    return found


def identify_uncached(text: str) -> PostLanguage:
    """identify() without its memory: what the bench times."""
    whole = _read(text)
    if not _foreign(whole):
        uncertain = whole.language != "en" or _too_short(whole)
        confidence = whole.confidence if whole.language == "en" else 1.0 - whole.family
        others = _foreign_sentences(text)
        return PostLanguage("en", round(confidence, 4), uncertain, True, others)
    english, others = _english_parts(text, whole.language)
    if not english:
        return PostLanguage(whole.language, round(whole.confidence, 4), False, False, ())
    return PostLanguage(whole.language, round(whole.confidence, 4), False, True, others)


def _foreign_sentences(text: str) -> tuple[tuple[int, int, str], ...]:
    """In a post read as English: the sentences surely in another language."""
    spans = sentence_spans(text)
    if len(spans) < 2:
        return ()
    out = []
    for begin, end in spans:
        reading = _read(text[begin:end])
        if _foreign(reading, FOREIGN_SENTENCE_WORDS, FOREIGN_SENTENCE_CONFIDENCE):
            out.append((begin, end, reading.language))
    return tuple(out) if len(out) < len(spans) else ()


def _english_parts(text: str, post_language: str):
    """In a post read as not English: (English ranges, other ranges with their language).

    A left-out range too short to name is taken to be in the post's own language."""
    english, others = [], []
    for begin, end in sentence_spans(text):
        pieces = [(begin, end)] + (_chunks(text, begin, end) if _word_count(text[begin:end]) > CHUNK_WORDS else [])
        found = [(b, e) for b, e in pieces if _english(_read(text[b:e]))]
        if (begin, end) in found:
            english.append((begin, end))
            continue
        cursor = begin
        for b, e in found:  # stretches of a long sentence that are English; the rest is not
            if b > cursor:
                others.append((cursor, b))
            english.append((b, e))
            cursor = e
        if cursor < end:
            others.append((cursor, end))
    others = [(b, e) for b, e in others if any(c.isalpha() for c in text[b:e])]  # not a lone full stop
    return english, tuple(_trimmed(text, b, e, _language_of(text[b:e], post_language)) for b, e in others)


def _language_of(piece: str, fallback: str) -> str:
    reading = _read(piece)
    return reading.language if _foreign(reading) else fallback


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _chunks(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """(begin, end) of consecutive stretches of CHUNK_WORDS words within text[begin:end]."""
    words = [(begin + m.start(), begin + m.end()) for m in re.finditer(r"\S+", text[begin:end])]
    return [(words[i][0], words[min(i + CHUNK_WORDS, len(words)) - 1][1]) for i in range(0, len(words), CHUNK_WORDS)]


def _trimmed(text: str, begin: int, end: int, language: str) -> tuple[int, int, str]:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end, language


def english_text(text: str, found: PostLanguage) -> str:
    """The post as the English model should read it: the other-language ranges blanked.

    Every character of a left-out range becomes a space (line breaks stay), so the text
    keeps its length and every span the scorer reports is an offset into the original.
    """
    if not found.other_sentences:
        return text
    chars = list(text)
    for begin, end, _ in found.other_sentences:
        for i in range(begin, end):
            if not chars[i].isspace():
                chars[i] = " "
    return "".join(chars)
