"""Word-level spans (models/spans.py): whole words in, whole words out, and the SemEval metric."""

import numpy as np
import pytest

from models import spans

TEXT = "You are a pathetic f*cking idiot. Go away."


def offsets_of_words(text):
    """One token per word: enough to test the word logic without a tokenizer."""
    return spans.words(text)


def test_words_keep_masked_spellings_and_inner_apostrophes_whole():
    text = "Don't be a f*cking a$$hole, sh1t-head."
    assert [text[b:e] for b, e in spans.words(text)] == ["Don't", "be", "a", "f*cking", "a$$hole", "sh1t-head"]


def test_a_word_takes_the_largest_value_of_its_pieces():
    text = "condescending reply"
    # Three pieces of the first word, one of the second.
    offsets = [(0, 5), (5, 9), (9, 13), (14, 19)]
    words, values = spans.word_values(text, offsets, np.array([0.1, 0.9, 0.2, 0.3]))
    assert [text[b:e] for b, e in words] == ["condescending", "reply"]
    assert values.tolist() == [0.9, 0.3]


def test_over_threshold_joins_neighbouring_words_into_one_phrase():
    offsets = offsets_of_words(TEXT)
    values = np.array([0.0, 0.0, 0.0, 0.8, 0.9, 0.95, 0.0, 0.7])
    found = spans.over_threshold(TEXT, offsets, values, 0.5)
    assert [TEXT[b:e] for b, e, _ in found] == ["pathetic f*cking idiot", "away"]
    assert found[0][2] == pytest.approx(0.95)


def test_nothing_over_threshold_is_no_span():
    offsets = offsets_of_words(TEXT)
    assert spans.over_threshold(TEXT, offsets, np.full(len(offsets), 0.2), 0.5) == []


def test_top_contributions_skip_grammar_words_and_stay_few():
    text = "You are a pathetic idiot and you know it"
    offsets = offsets_of_words(text)
    # "You" has the largest raw contribution; it is a grammar word and must be passed over.
    values = np.array([5.0, 0.1, 0.1, 3.0, 4.0, 0.1, 0.2, 0.1, 0.1])
    found = spans.top_contributions(text, offsets, values, score=0.8)
    assert [text[b:e] for b, e, _ in found] == ["pathetic idiot"]
    assert found[0][2] == 0.8
    many = " ".join(f"word{k}" for k in range(40))
    values = np.r_[np.full(20, 9.0), np.zeros(20)]
    assert sum(len(many[b:e].split()) for b, e, _ in spans.top_contributions(many, offsets_of_words(many), values, 0.9)) <= spans.MAX_CONTRIBUTION_WORDS


def test_contractions_of_grammar_words_are_passed_over():
    text = "It's horrendous and they don't care"
    values = np.array([5.0, 3.0, 0.1, 0.1, 4.0, 0.5])
    found = spans.top_contributions(text, offsets_of_words(text), values, score=0.7)
    assert [text[b:e] for b, e, _ in found] == ["horrendous"]


def test_one_word_post_marks_that_word():
    found = spans.top_contributions("Idiot.", [(0, 5)], np.array([1.0]), 0.9)
    assert [(b, e) for b, e, _ in found] == [(0, 5)]


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        (set(), set(), 1.0),
        ({1, 2}, set(), 0.0),
        (set(), {1, 2}, 0.0),
        ({1, 2, 3, 4}, {3, 4, 5, 6}, 0.5),
        ({1, 2}, {1, 2}, 1.0),
    ],
)
def test_character_f1_is_semeval_task5s(predicted, gold, expected):
    assert spans.character_f1(predicted, gold) == pytest.approx(expected)


def test_offsets_of_ranges():
    assert spans.offsets_of([(0, 2), (5, 7, 0.9)]) == {0, 1, 5, 6}


def test_a_relative_cut_marks_the_words_near_the_posts_peak():
    # The head is unsure of this post overall: no word reaches the fixed cut, but three words
    # stand well above the rest, and "away" (0.05) is under the floor.
    offsets = offsets_of_words(TEXT)
    values = np.array([0.01, 0.01, 0.01, 0.25, 0.28, 0.3, 0.02, 0.05])
    assert spans.over_threshold(TEXT, offsets, values, 0.5) == []
    found = spans.over_threshold(TEXT, offsets, values, 0.5, relative=0.75)
    assert [TEXT[b:e] for b, e, _ in found] == ["pathetic f*cking idiot"]
    # Without a relative cut the fixed one alone decides, as before.
    assert spans.over_threshold(TEXT, offsets, values, 0.2, relative=None) == spans.over_threshold(TEXT, offsets, values, 0.2)


def test_a_relative_cut_never_goes_under_the_floor_nor_above_the_fixed_cut():
    values = np.array([0.02, 0.08, 0.06, -np.inf])
    assert spans.word_cut(values, 0.5, 0.75) == spans.RELATIVE_FLOOR  # the peak is only 0.08
    assert spans.over_threshold(TEXT, offsets_of_words(TEXT), np.full(8, 0.08), 0.5, relative=0.75) == []
    # A word over the fixed cut is marked even where the peak is far above it.
    assert spans.word_cut(np.array([0.99, 0.6]), 0.5, 0.75) == 0.5
    assert spans.word_cut(np.array([0.8, 0.6]), 0.9, 0.75) == pytest.approx(0.6)
    assert spans.word_cut(np.array([-np.inf]), 0.5, 0.75) == 0.5
