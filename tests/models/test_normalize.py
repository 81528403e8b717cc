"""The obfuscation normaliser: masked and leet words are spelt out, offsets never move."""

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.normalize import LEXICON, augment_text, normalize, obfuscate, respell

SPELT_OUT = [
    ("p***ing", "pissing"),
    ("f*cking", "fucking"),
    ("f**king", "fucking"),
    ("f***", "fuck"),
    ("sh1t", "shit"),
    ("s**t", "shit"),
    ("$hit", "shit"),
    ("sh!t", "shit"),
    ("id10t", "idiot"),
    ("a$$hole", "asshole"),
    ("@sshole", "asshole"),
    ("a**hole", "asshole"),
    ("b!tch", "bitch"),
    ("b1tch", "bitch"),
    ("c*nt", "cunt"),
    ("wh0re", "whore"),
    ("d1ck", "dick"),
    ("tw@t", "twat"),
    ("w@nker", "wanker"),
    ("b@stard", "bastard"),
    ("stup1d", "stupid"),
    ("m0ron", "moron"),
    ("r3tard", "retard"),
    ("ret@rd", "retard"),
    ("bullsh*t", "bullshit"),
    ("f#ck", "fuck"),
    ("f%ck", "fuck"),
    ("f_ck", "fuck"),
    ("f--k", "fuck"),
    ("n****r", "nigger"),
    ("F**K", "FUCK"),
    ("F*ck", "Fuck"),
    ("F***", "Fuck"),
    ("SH1T", "SHIT"),
    ("ID10T", "IDIOT"),
    ("A$$HOLE", "ASSHOLE"),
]


@pytest.mark.parametrize(("masked", "plain"), SPELT_OUT)
def test_masked_word_is_spelt_out(masked, plain):
    assert normalize(masked) == plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You are a f*cking id10t.", "You are a fucking idiot."),
        ("Stop p***ing about, you tw@t!", "Stop pissing about, you twat!"),
        ("sh!t!!", "shit!!"),
        ("(a$$hole)", "(asshole)"),
        ("f*ck-off", "fuck-off"),
        ("**you f*cking idiot**", "**you fucking idiot**"),
        ("**f*ck**", "**fuck**"),
        ("Oh s**t, the A55 is shut again", "Oh shit, the A55 is shut again"),
    ],
)
def test_masked_word_in_context(text, expected):
    assert normalize(text) == expected


MUST_NOT_TOUCH = [
    "a*b",
    "2*3=6",
    "H2O",
    "3pm",
    "B52",
    "C3PO",
    "A55 near Chester",
    "mail john.smith@example.com today",
    "see https://example.com/a$$et?f*ck=1",
    "£5",
    "$100",
    "***",
    "**really**",
    "*sigh*",
    "**idiot**",
    "idiot**",
    "x-ray",
    "self-esteem",
    "100%",
    "#hashtag",
    "C#",
    "__init__",
    "snake_case_name",
    "1st and 4x4 and mp3",
    "l33t w00t n00b",
    "$hell",
    "@dave thanks",
    "455",
    "so ** what **",
    "hello!!!",
    "café*",
    # different-length spellings are out of reach by design
    "fck",
    "phuck",
    "f.u.c.k",
]


@pytest.mark.parametrize("text", MUST_NOT_TOUCH)
def test_ordinary_text_is_left_alone(text):
    assert normalize(text) == text


def test_text_without_obfuscation_is_returned_as_is():
    text = "A perfectly ordinary post about bread."
    assert normalize(text) is text


OBFUSCATION_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCFKST0123457*#%_-@$!.,'() \n"
pieces = st.one_of(
    st.text(alphabet=OBFUSCATION_ALPHABET, max_size=12),
    st.sampled_from(LEXICON),
    st.sampled_from([masked for masked, _ in SPELT_OUT]),
    st.sampled_from(MUST_NOT_TOUCH),
    st.text(max_size=6),
)
texts = st.lists(pieces, max_size=8).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_length_is_preserved(text):
    assert len(normalize(text)) == len(text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_only_obfuscation_characters_change(text):
    # Letters the member typed, and every character outside a word, stay where they are,
    # so spans found on the normalised text slice the original at the same words.
    for before, after in zip(text, normalize(text)):
        assert before == after or (before in "0123457*#%_-@$!" and after.isalpha())


@settings(max_examples=400, deadline=None)
@given(texts)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("word", LEXICON)
def test_obfuscated_lexicon_word_is_restored(word):
    rng = random.Random(word)
    for _ in range(10):
        masked = obfuscate(word, rng)
        assert len(masked) == len(word)
        assert masked != word
        assert normalize(masked) == word


def test_obfuscate_keeps_case_of_kept_letters():
    rng = random.Random(0)
    for _ in range(20):
        masked = obfuscate("FUCKING", rng)
        assert all(not c.isalpha() or c.isupper() for c in masked)
        assert normalize(masked) == "FUCKING"


def test_augment_text_masks_lexicon_words_and_keeps_length():
    text = "You are a fucking idiot and your shit post is stupid, Bastard!"
    augmented = augment_text(text, random.Random(1), p=1.0)
    assert len(augmented) == len(text)
    for word in ("fucking", "idiot", "shit", "stupid", "Bastard"):
        assert word not in augmented
    assert normalize(augmented) == text


def test_augment_text_leaves_other_words_and_respects_p():
    text = "Thanks for the shit summary, really useful."
    assert augment_text(text, random.Random(0), p=0.0) == text
    augmented = augment_text(text, random.Random(0), p=1.0)
    assert augmented.replace(augmented[15:19], "shit") == text
    assert augmented[15:19] != "shit"


def test_augment_text_is_reproducible_with_a_seed():
    text = "shit shit shit fuck fuck idiot"
    assert augment_text(text, random.Random(7)) == augment_text(text, random.Random(7))


def test_augment_text_rejects_a_bad_probability():
    with pytest.raises(ValueError):
        augment_text("shit", random.Random(0), p=1.5)


def test_lexicon_has_no_duplicates_and_only_lowercase_letters():
    assert len(set(LEXICON)) == len(LEXICON) >= 150
    assert all(word.isalpha() and word.islower() and word.isascii() for word in LEXICON)


@pytest.mark.parametrize(
    "hostile", [" *a" * 30_000, "x-" * 50_000 + "@", " _x" * 30_000, "a@" * 50_000, "f*" * 50_000]
)
def test_hostile_input_costs_linear_time(hostile):
    # Every post is normalised before scoring: a crafted post of lone markers or a long
    # hyphenated run once took tens of seconds through backtracking.
    started = time.perf_counter()
    assert len(normalize(hostile)) == len(hostile)
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize("word", ["fuck", "Fucking", "SHIT", "idiot", "asshole", "twat"])
def test_respell_gives_spellings_the_normaliser_cannot_undo(word):
    rng = random.Random(word)
    for _ in range(20):
        spelt = respell(word, rng)
        assert spelt != word
        assert normalize(spelt).lower() != word.lower()


def test_augment_text_without_undoable_respells_lexicon_words_only():
    text = "Thanks for the shit summary, really useful."
    augmented = augment_text(text, random.Random(0), p=1.0, undoable=False)
    assert "shit" not in augmented
    assert augmented.startswith("Thanks for the ")
    assert augmented.endswith(" summary, really useful.")
    assert normalize(augmented) == augmented
