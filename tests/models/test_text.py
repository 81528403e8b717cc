import pytest

from models.text import sentence_spans, token_windows


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("One. Two!  Three?", ["One.", "Two!", "Three?"]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("line one\n\nline two", ["line one", "line two"]),
        ("   padded   ", ["padded"]),
        ("no end", ["no end"]),
        ("", []),
        ("Wait... what?!", ["Wait...", "what?!"]),
    ],
)
def test_sentence_spans_slice_the_text(text, sentences):
    spans = sentence_spans(text)
    assert [text[b:e] for b, e in spans] == sentences


@pytest.mark.parametrize("n, size, stride", [(0, 10, 5), (10, 10, 5), (11, 10, 5), (1000, 254, 192)])
def test_token_windows_cover_everything(n, size, stride):
    windows = token_windows(n, size, stride)
    covered = set()
    for start, end in windows:
        assert 0 <= start < end <= n or n == 0
        assert end - start <= size
        covered.update(range(start, end))
    assert covered == set(range(n))
