"""Choosing the token-level head's cuts (models/span_cuts.py) on validation rows."""

import numpy as np

from models import span_cuts
from models.data import Example
from models.spans import words


class FakeHead:
    """A token head that gives each word of a text a known probability (one token a word)."""

    def __init__(self, values: dict[str, list[float]]):
        self.values = values

    def token_probabilities(self, texts, attribute):
        return [(words(t), np.array(self.values[t])) for t in texts]


def rows_and_head(n: int):
    """n toxic comments; the marked word is the post's peak, at 0.9 in half of them and 0.2
    in the other half, where a neutral word sits at 0.05 (or 0.6 beside a 0.9 peak)."""
    rows, values = [], {}
    for k in range(n):
        text = f"post {k} you idiot"
        begin = text.index("idiot")
        rows.append(Example(text, "toxic_spans", {}, spans={"toxicity": [(begin, begin + 5)]}))
        values[text] = [0.05, 0.05, 0.6, 0.9] if k % 2 else [0.05, 0.05, 0.05, 0.2]
    return rows, FakeHead(values)


def test_a_relative_cut_is_chosen_where_it_marks_better_on_enough_rows():
    rows, head = rows_and_head(120)
    cuts, relatives = span_cuts.choose_span_cuts(head, rows, log=lambda msg: None)
    # No fixed cut marks "idiot" alone in both kinds of post; 0.75 of the peak does.
    assert relatives["toxicity"] is not None and relatives["toxicity"] > 0.6 / 0.9
    assert span_cuts.mean_f1([(r.text, *(words(r.text), np.array(head.values[r.text]))) for r in rows],
                             [set(range(r.text.index("idiot"), r.text.index("idiot") + 5)) for r in rows],
                             cuts["toxicity"], relatives["toxicity"]) == 1.0
    # The typed attributes have no rows here: the default, fixed.
    assert cuts["threat"] == 0.5 and relatives["threat"] is None


def test_few_rows_keep_the_fixed_cut():
    rows, head = rows_and_head(span_cuts.MIN_ROWS - 2)
    cuts, relatives = span_cuts.choose_span_cuts(head, rows, log=lambda msg: None)
    assert relatives["toxicity"] is None
    assert cuts["toxicity"] == 0.2  # marks every "idiot", and the 0.6 word beside a 0.9 one; ties go to the higher cut
